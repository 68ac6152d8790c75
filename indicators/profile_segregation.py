"""A district's segregation against random placement, for the Area profile and its exports.

For each group with a value (ethnic groups, then religion, country of birth and English
proficiency): residents of the group, D and isolation, what random
placement of the same people gives (expected value and 95% range) and what that means in
a few words; plain-English sentences for the values a reader could misread; and the kind
of small area the measures were computed across.  Pure functions of one joined row.
"""

from __future__ import annotations

import pandas as pd

from indicators.catalogue import CATALOGUE, GROUPS
from indicators.segregation_null import (
    SMALL_GROUP,
    benchmark_note,
    benchmark_verdict,
    shown_decimals,
)
from indicators.topics import GROUP_LABELS, residents_phrase

UNIT_WORDS = {"lsoa": "LSOAs (about 1,500 residents each)",
              "msoa": "MSOAs (about 7,500 residents each)"}
MEASURE_WORDS = {"d": "Dissimilarity (D)", "isolation": "Isolation"}
ALL_GROUPS = {**GROUPS, **GROUP_LABELS}
"""Every group with D and isolation: ethnic groups, then religion, country of birth and
English proficiency (:mod:`indicators.topics`)."""
COLUMNS = ["group", "measure", "residents", "value", "expected", "low", "high", "random",
           "verdict", "note"]


def unit_phrase(seg_unit: object) -> str:
    """'across its LSOAs (about 1,500 residents each)', or '' when the unit is unknown."""
    words = UNIT_WORDS.get(str(seg_unit)) if isinstance(seg_unit, str) else None
    return f"across its {words}" if words else ""


def random_columns(table: pd.DataFrame) -> set[str]:
    """Ids (``d_<group>``, ``isolation_<group>``) of the values of ``table`` that cannot be
    told from random placement."""
    names = {name: group for group, name in ALL_GROUPS.items()}
    measures = {words: measure for measure, words in MEASURE_WORDS.items()}
    return {f"{measures[r.measure]}_{names[r.group]}" for r in table.itertuples()
            if r.random is True}


def random_placement_table(area: pd.Series) -> pd.DataFrame:
    """One row per group and measure (D, isolation) of a district that has a value.

    Columns :data:`COLUMNS`: ``random`` is the published flag, ``verdict`` a few words
    and ``note`` the plain-English caution (empty when none is needed).  Empty for a
    small area (segregation is measured for districts only).
    """
    rows = []
    for group, name in ALL_GROUPS.items():
        residents = area.get(f"residents_{group}")
        for measure, words in MEASURE_WORDS.items():
            column = f"{measure}_{group}"
            value = area.get(column)
            if value is None or pd.isna(value) or f"{column}_expected" not in area:
                continue
            expected, low, high = (area[f"{column}_{s}"] for s in ("expected", "low", "high"))
            rows.append({
                "group": name, "measure": words,
                "residents": None if pd.isna(residents) else int(residents),
                "value": float(value), "expected": expected, "low": low, "high": high,
                "random": None if pd.isna(area[f"{column}_random"])
                else bool(area[f"{column}_random"]),
                "verdict": benchmark_verdict(value, low, high, residents),
                "note": benchmark_note(value, expected, low, high, residents, name,
                                       dissimilarity=measure == "d"),
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def random_placement_explanation(seg_unit: object) -> str:
    """What the random-placement table says, in plain English (page, PDF and HTML)."""
    across = unit_phrase(seg_unit).replace("its", "the district's") or "its small areas"
    return ("A small group is unevenly spread by chance alone, so its segregation measures "
            "are high even where nobody is kept apart. 'If spread at random' is the average "
            f"value when the same people are placed at random {across}, each small area "
            "keeping its number of residents; random placement gives a value inside the 95% "
            "range 95 times in 100. A value inside that range is not clearly different from "
            f"a random spread (marked ‡ among the key indicators). Groups of fewer than "
            f"{SMALL_GROUP} residents are small groups: read their values with care.")


def random_placement_display(table: pd.DataFrame) -> pd.DataFrame:
    """The table as shown: text columns, three decimals as in the catalogue, more where a
    value and its range would otherwise round alike (:func:`shown_decimals`)."""
    base = CATALOGUE["d_black"].decimals
    rows = []
    for r in table.itertuples():
        places = shown_decimals(r.value, r.expected, r.low, r.high, base)

        def number(x: object, places: int = places) -> str:
            return "" if x is None or pd.isna(x) else f"{float(x):.{places}f}"

        rows.append({
            "Group": r.group,
            "Residents": "" if r.residents is None or pd.isna(r.residents)
            else f"{int(r.residents):,}",
            "Measure": r.measure, "Value": number(r.value),
            "If spread at random": number(r.expected),
            "95% range if random": f"{number(r.low)}–{number(r.high)}",
            "Against random placement": r.verdict,
        })
    return pd.DataFrame(rows, columns=["Group", "Residents", "Measure", "Value",
                                       "If spread at random", "95% range if random",
                                       "Against random placement"])


def random_placement_sentences(name: str, table: pd.DataFrame) -> list[str]:
    """Sentences for the D values a reader could misread: not clearly different from a
    random spread, or resting on a small group."""
    said = []
    rows = table[(table["measure"] == MEASURE_WORDS["d"]) & (table["note"] != "")]
    for row in rows.itertuples():
        who = residents_phrase(row.group)
        said.append(f"{who[0].upper()}{who[1:]} of {name}, index of dissimilarity "
                    f"{row.value:.3f}: {row.note}")
    return said


def clearly_uneven(table: pd.DataFrame) -> set[str]:
    """Groups whose D is higher than random placement gives (labels as in ``GROUPS``)."""
    d = table[table["measure"] == MEASURE_WORDS["d"]]
    return set(d.loc[d["value"] > d["high"], "group"])
