"""Segregation beyond ethnicity: the Census 2021 topics and the groups measured in each.

Three optional Census 2021 tables are cached by :mod:`data_sources.nomis` with one column
per published category, named by a slug of its label (``no_religion``,
``europe_eu_countries_european_union_eu8``,
``main_language_is_not_english_cannot_speak_english_well`` …).  A :class:`Topic` says
which of those columns make up each group whose dissimilarity, isolation, share and
location quotient are computed, and which columns a diversity index runs over.

:func:`topic_counts` turns a cached table into the counts frame the segregation functions
of :mod:`indicators.segregation` take: ``area_code``, ``area_name``, ``total`` and one
column per group (the sum of its published categories), plus the detailed categories of
a topic with a diversity index.  Nothing here imports the catalogue or Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from indicators.segregation import GROUPS as ETHNIC_GROUPS


@dataclass(frozen=True)
class Group:
    """One group of a topic: its column id, label and the published categories it sums."""

    id: str
    label: str
    columns: tuple[str, ...]

    @property
    def who(self) -> str:
        """The group's residents in words: 'Muslim residents', 'residents born outside the
        UK', 'residents who cannot speak English well or at all'."""
        first = self.label[0].lower() + self.label[1:]
        if self.label.startswith("Born"):
            return f"residents {first}"
        if self.label.startswith("Cannot"):
            return f"residents who {first}"
        return "residents of no religion" if self.id == "no_religion" else (
            f"{self.label} residents")


@dataclass(frozen=True)
class Topic:
    """One Census 2021 table measured like ethnic group.

    Attributes
    ----------
    id : str
        The topic of the cached tables ``census2021_<id>_<level>``.
    title, table : str
        e.g. ``"Religion"``, ``"TS030"``.
    universe : str
        Who the table counts (its total), e.g. ``"usual residents aged 3 and over"``.
    groups : tuple of Group
        Groups with dissimilarity, isolation, share and location quotients.
    detailed : tuple of str
        Categories a diversity index runs over (``<id>_simpson_diversity`` …); empty
        when the topic has none.
    """

    id: str
    title: str
    table: str
    universe: str
    groups: tuple[Group, ...]
    detailed: tuple[str, ...] = ()

    def dataset(self, level: str) -> str:
        return f"census2021_{self.id}_{level}"

    def datasets(self) -> tuple[str, ...]:
        return tuple(self.dataset(level) for level in ("lsoa", "msoa", "lad"))

    @property
    def group_ids(self) -> tuple[str, ...]:
        return tuple(g.id for g in self.groups)


def _single(id_: str, label: str, column: str | None = None) -> Group:
    return Group(id_, label, (column or id_,))


RELIGIONS = ("christian", "muslim", "hindu", "sikh", "jewish", "buddhist", "other_religion",
             "no_religion")
RELIGION = Topic(
    id="religion", title="Religion", table="TS030", universe="usual residents",
    groups=(
        _single("christian", "Christian"), _single("muslim", "Muslim"),
        _single("hindu", "Hindu"), _single("sikh", "Sikh"), _single("jewish", "Jewish"),
        _single("buddhist", "Buddhist"), _single("other_religion", "Other religion"),
        _single("no_religion", "No religion"),
    ),
    detailed=RELIGIONS,
)

_EU = "europe_eu_countries"
_EU_PARTS = (f"{_EU}_european_union_eu14", f"{_EU}_european_union_eu8",
             f"{_EU}_european_union_eu2", f"{_EU}_all_other_eu_countries")
_NON_EU = "europe_non_eu_countries_all_other_non_eu_countries"
# Leaf categories only (the bulk file also has subtotals, the API need not).
_OUTSIDE_UK = (*_EU_PARTS, _NON_EU, "africa", "middle_east_and_asia",
               "the_americas_and_the_caribbean", "antarctica_and_oceania_and_other",
               "british_overseas")
COUNTRY_OF_BIRTH = Topic(
    id="country_of_birth", title="Country of birth", table="TS004",
    universe="usual residents",
    groups=(
        Group("born_outside_uk", "Born outside the UK", _OUTSIDE_UK),
        Group("born_eu", "Born in the EU", _EU_PARTS),
        _single("born_eu14", "Born in the EU14 (members before 2004)", _EU_PARTS[0]),
        _single("born_eu8", "Born in the EU8 (joined 2004)", _EU_PARTS[1]),
        _single("born_eu2", "Born in the EU2 (Romania, Bulgaria)", _EU_PARTS[2]),
        _single("born_europe_non_eu", "Born in Europe outside the EU and UK", _NON_EU),
        _single("born_africa", "Born in Africa", "africa"),
        _single("born_middle_east_asia", "Born in the Middle East or Asia",
                "middle_east_and_asia"),
        _single("born_americas", "Born in the Americas or the Caribbean",
                "the_americas_and_the_caribbean"),
        _single("born_oceania", "Born in Antarctica, Oceania or elsewhere",
                "antarctica_and_oceania_and_other"),
        _single("born_british_overseas", "Born in the British Overseas Territories",
                "british_overseas"),
    ),
)

_NOT_ENGLISH = "main_language_is_not_english_"
ENGLISH_PROFICIENCY = Topic(
    id="english_proficiency", title="Proficiency in English", table="TS029",
    universe="usual residents aged 3 and over",
    groups=(Group("limited_english", "Cannot speak English well or at all",
                  (f"{_NOT_ENGLISH}cannot_speak_english_well",
                   f"{_NOT_ENGLISH}cannot_speak_english")),),
)

TOPICS: tuple[Topic, ...] = (RELIGION, COUNTRY_OF_BIRTH, ENGLISH_PROFICIENCY)
"""Every topic measured beside ethnic group, in display order."""

GROUP_LABELS: dict[str, str] = {g.id: g.label for t in TOPICS for g in t.groups}
"""Label of every group of :data:`TOPICS`, by id."""

RESIDENTS_PHRASES: dict[str, str] = {g.label: g.who for t in TOPICS for g in t.groups}
"""'Muslim residents', 'residents born outside the UK', … by group label."""


def residents_phrase(label: str) -> str:
    """The residents of a group in words, from its label (an ethnic group: 'Black
    residents')."""
    return RESIDENTS_PHRASES.get(label, f"{label} residents")


SEGREGATION_GROUPS: dict[str, str] = {
    **dict.fromkeys(ETHNIC_GROUPS, ""), **GROUP_LABELS}
"""Every group with ``d_<group>`` and ``isolation_<group>`` (ethnic groups first; their
labels live in the catalogue)."""


def topic_counts(table: pd.DataFrame, topic: Topic) -> pd.DataFrame:
    """The counts of ``topic``'s groups (and detailed categories) in each area.

    Parameters
    ----------
    table : DataFrame
        A cached ``census2021_<topic>_<level>`` table: ``area_code``, ``area_name``,
        ``total`` and one column per published category.
    topic : Topic

    Returns
    -------
    DataFrame
        ``area_code``, ``area_name``, ``total``, one int64 column per group (the sum of
        its categories) and the topic's detailed categories.

    Raises
    ------
    ValueError
        When a category the groups need is not in the table (the message names them and
        the columns the table has), or a count is missing.
    """
    needed = {c for g in topic.groups for c in g.columns} | set(topic.detailed)
    absent = sorted(needed - set(table.columns))
    if absent:
        raise ValueError(f"the cached Census 2021 {topic.table} table has no categor"
                         f"{'y' if len(absent) == 1 else 'ies'} {absent} (its columns: "
                         f"{list(table.columns)})")
    numbers = table[["total", *sorted(needed)]]
    if numbers.isna().any().any():
        raise ValueError(f"the cached Census 2021 {topic.table} table has missing counts")
    out = table[["area_code", "area_name"]].copy()
    out["total"] = numbers["total"].astype("int64")
    for group in topic.groups:
        out[group.id] = numbers[list(group.columns)].astype("int64").sum(axis=1)
    for column in topic.detailed:
        if column not in out.columns:
            out[column] = numbers[column].astype("int64")
    return out
