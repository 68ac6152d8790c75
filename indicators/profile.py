"""The area profile as data: what a funding bid needs to say about one area.

Pure functions on the joined dataset (no Streamlit, no I/O): key indicators with their
value, rank and decile in England, comparison with the region and with England,
statistically similar areas, and plain-English sentences built only from real values.
:mod:`indicators.profile_export` renders a :class:`Profile` as PDF or HTML; the Area
profile page shows the same object.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from indicators.benchmarks import ENGLAND, benchmark_of, coverage_label
from indicators.catalogue import CATALOGUE, GROUPS, Indicator
from indicators.deprivation_terms import DOMAINS
from indicators.formatting import format_value as formatted
from indicators.profile_segregation import (
    UNIT_WORDS,
    clearly_uneven,
    random_columns,
    random_placement_sentences,
    random_placement_table,
)
from indicators.profile_terms import definitions, editions
from indicators.rates import format_interval

LEVEL_NOUNS = {"lad": ("district", "districts"),
               "msoa": ("neighbourhood (MSOA)", "neighbourhoods (MSOAs)"),
               "lsoa": ("small area (LSOA)", "small areas (LSOAs)")}

# Key indicators in the order shown; those absent at a level or empty in the cache drop out.
KEY_INDICATORS = (
    "population_2021",
    "imd_avg_score", "imd_score", "imd_pct_most_deprived_10", "imd_extent",
    # An LSOA has the IoD domains themselves (districts and MSOAs only their summaries).
    *[f"{domain}_score" for domain in DOMAINS if domain != "imd"],
    "imd_avg_score_2019", "imd_score_2019",
    "simpson_diversity",
    *[f"d_{group}" for group in GROUPS], "entropy_h",
    "religion_simpson_diversity", "religion_entropy_h", "pct_born_outside_uk",
    "d_born_outside_uk", "pct_limited_english", "d_limited_english",
    "public_order_per_10k", "asb_per_10k",
)
MIN_COVERAGE = 0.5
"""Ranks and deciles only when at least this share of areas has data."""
BENCHMARK_NOTE = (
    "Region and England figures are computed once for each indicator, from all their "
    "areas, the way the indicator itself is (residents: totals; deprivation: the official "
    "method over all their LSOAs; police rates: offences of the districts with 12 complete "
    "months of data per 10,000 of their residents, saying how many districts when not all "
    "have data). Rates carry 95% confidence intervals (exact Poisson limits); 'Significantly "
    "higher' or 'lower' means the region's or England's figure lies outside the area's "
    "interval, 'Similar' that it lies inside, as in Public Health England's Fingertips.")
"""How the region and England columns and the comparisons are made, for every output."""
PERIODS = {"public_order_per_10k": "police_period", "asb_per_10k": "police_period"}
"""Rates and the column stating the months behind them."""

SIMILAR_K = 5
SIMILAR_FEATURES = {
    # level -> (population, deprivation score, diversity)
    "lad": ("population_2021", "imd_avg_score", "simpson_diversity"),
    "msoa": ("population_2021", "imd_avg_score", "simpson_diversity"),
    "lsoa": ("population_2021", "imd_score", "simpson_diversity"),
}
FEATURE_WORDS = {
    "population_2021": "population (Census 2021)",
    "imd_avg_score": "average IMD score (IoD 2025)",
    "imd_avg_score_2019": "average IMD score (IoD 2019)",
    "imd_score": "IMD score (IoD 2025)", "imd_score_2019": "IMD score (IoD 2019)",
    "simpson_diversity": "Simpson ethnic diversity (Census 2021)",
}
DEPRIVATION_FALLBACK = {"imd_avg_score": "imd_avg_score_2019", "imd_score": "imd_score_2019"}


@dataclass
class Profile:
    """Everything the profile page and its exports show about one area.

    Attributes
    ----------
    indicators : DataFrame
        One row per key indicator: id, label, unit, value, shown, rank, of, decile,
        region, england, vintage, source (dataset ids joined by ", ").
    similar : DataFrame
        The nearest neighbours: area_code, area_name, region_name, distance and the
        feature columns (empty when the area lacks a feature).
    similar_method : str
        How the neighbours were chosen, in plain English.
    sentences : list of str
        Plain-English statements, each from values that exist.
    sources : list of str
        Dataset ids the numbers come from (the page looks up their provenance).
    random_placement : DataFrame
        A district's D and isolation against random placement
        (:func:`indicators.profile_segregation.random_placement_table`); empty otherwise.
    seg_unit : str or None
        The small areas segregation was computed across (``lsoa`` or ``msoa``).
    definitions : DataFrame
        Indicator and Meaning: a one-line definition of each indicator shown.
    editions : list of str
        What each edition behind the figures is, and why IoD editions differ.
    unavailable : list of (str, str)
        Key indicators of this kind of area with no value for it, and why (filled in by
        the page, which knows the joined dataset's reasons for empty columns).
    custom_noun : str
        What a custom area is called ("service area"; :mod:`indicators.custom_area`);
        empty for an official area.
    """

    area_code: str
    area_name: str
    level: str
    region_code: str | None
    region_name: str | None
    indicators: pd.DataFrame
    similar: pd.DataFrame
    similar_method: str
    sentences: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    random_placement: pd.DataFrame = field(default_factory=pd.DataFrame)
    seg_unit: str | None = None
    definitions: pd.DataFrame = field(default_factory=pd.DataFrame)
    editions: list[str] = field(default_factory=list)
    unavailable: list[tuple[str, str]] = field(default_factory=list)
    custom_noun: str = ""

    @property
    def noun(self) -> str:
        return self.custom_noun or LEVEL_NOUNS[self.level][0]

    @property
    def kind(self) -> str:
        """The noun with a capital first letter and its acronym kept ("Small area (LSOA)")."""
        return self.noun[0].upper() + self.noun[1:]

    @property
    def plural(self) -> str:
        return LEVEL_NOUNS[self.level][1]


def format_value(value: object, indicator: Indicator) -> str:
    """A value as shown on the profile: the indicator's rule, "no data" when missing."""
    return formatted(value, indicator, missing="no data")


def key_indicators(rows: pd.DataFrame) -> list[Indicator]:
    """Key indicators of the level of ``rows`` that have at least one number there."""
    level = str(rows["level"].iloc[0]) if len(rows) else "lad"
    found = []
    for ident in KEY_INDICATORS:
        entry = CATALOGUE.get(ident)
        if (entry is None or level not in entry.levels or ident not in rows.columns
                or not pd.api.types.is_numeric_dtype(rows[ident]) or rows[ident].isna().all()):
            continue
        found.append(entry)
    return found


def rank_in(values: pd.Series, code: str) -> tuple[int, int] | None:
    """(rank, of): 1 is the highest value among the areas with a value; None if missing."""
    known = values.dropna().astype(float)
    if code not in known.index:
        return None
    ranks = known.rank(ascending=False, method="min")
    return int(ranks[code]), len(known)


def decile_of(rank: int, of: int) -> int:
    """Decile from the top: 1 holds the highest 10% of values, 10 the lowest."""
    return min(10, max(1, math.ceil(10 * rank / of)))


def indicator_table(rows: pd.DataFrame, code: str,
                    benchmarks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Value, interval, rank, decile, region and England figures of each key indicator.

    Region and England figures come from ``benchmarks`` (the build's ``joined_benchmarks``,
    computed once per indicator), never from averaging ``rows``; ``region_note`` and
    ``england_note`` say when they come from only some areas ("the 1 of 309 districts
    with police data"). Rates carry their 95% limits, the Fingertips comparison with
    region and England, the months behind them (``period``) and the area's residents
    note (``flag``).
    """
    indexed = rows.set_index("area_code")
    area = indexed.loc[code]
    region_code = None if pd.isna(area["region_code"]) else str(area["region_code"])
    flag = area.get("denominator_flag")
    records = []
    for entry in key_indicators(rows):
        known = int(indexed[entry.id].notna().sum())
        # Ranks over a few areas (police data for two forces) would mislead.
        covered = known >= MIN_COVERAGE * len(indexed)
        placed = rank_in(indexed[entry.id], code) if covered else None
        value = area[entry.id]
        region = benchmark_of(benchmarks, entry.id, region_code)
        england = benchmark_of(benchmarks, entry.id, ENGLAND)
        rate = entry.unit.startswith("per 10,000")
        records.append({
            "id": entry.id, "label": entry.label, "unit": entry.unit,
            "value": None if pd.isna(value) else float(value),
            "shown": format_value(value, entry),
            "lower": _number(area.get(f"{entry.id}_lower")),
            "upper": _number(area.get(f"{entry.id}_upper")),
            "rank": placed[0] if placed else None, "of": placed[1] if placed else None,
            "decile": decile_of(*placed) if placed else None,
            "region": None if region is None else _number(region["value"]),
            "region_note": coverage_label(region),
            "vs_region": _text(area.get(f"{entry.id}_vs_region")),
            "england": None if england is None else _number(england["value"]),
            "england_note": coverage_label(england),
            "vs_england": _text(area.get(f"{entry.id}_vs_england")),
            "period": _text(area.get(PERIODS.get(entry.id, ""))),
            "flag": _text(flag) if rate else "",
            "coverage": "" if covered else f"only {known} of {len(indexed)} have data",
            "vintage": _vintage(entry, area), "source": ", ".join(entry.source),
        })
    return pd.DataFrame.from_records(records, columns=[
        "id", "label", "unit", "value", "shown", "lower", "upper", "rank", "of", "decile",
        "region", "region_note", "vs_region", "england", "england_note", "vs_england",
        "period", "flag", "coverage", "vintage", "source"]).astype(
            {"rank": "Int64", "of": "Int64", "decile": "Int64"})


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)


RANDOM_MARK = " ‡"
"""Appended to a shown D or isolation value that cannot be told from random placement."""


def _vintage(entry: Indicator, area: pd.Series) -> str:
    """The vintage, and for segregation the kind of small area it was computed across."""
    unit = area.get("seg_unit")
    if entry.theme != "segregation" or not isinstance(unit, str) or unit not in UNIT_WORDS:
        return entry.vintage
    return f"{entry.vintage}, across {unit.upper()}s"


def similar_features(rows: pd.DataFrame) -> tuple[str, ...]:
    """The three columns neighbours are matched on at this level (IoD 2019 if 2025 is empty)."""
    level = str(rows["level"].iloc[0])
    features = list(SIMILAR_FEATURES[level])
    deprivation = features[1]
    if deprivation not in rows.columns or rows[deprivation].isna().all():
        features[1] = DEPRIVATION_FALLBACK[deprivation]
    return tuple(features)


def find_similar(rows: pd.DataFrame, code: str, k: int = SIMILAR_K) -> pd.DataFrame:
    """The ``k`` areas of the same level closest to ``code`` on population, deprivation and
    diversity.

    Each feature is standardised (minus its mean over the areas that have all three, divided
    by its standard deviation) and areas are ranked by Euclidean distance to ``code``.
    Returns an empty frame when ``code`` lacks one of the features.
    """
    features = list(similar_features(rows))
    missing = [f for f in features if f not in rows.columns]
    columns = ["area_code", "area_name", "region_code", *features, "distance"]
    if missing:
        return pd.DataFrame(columns=columns)
    data = rows.set_index("area_code")[["area_name", "region_code", *features]].copy()
    for column in features:
        data[column] = pd.to_numeric(data[column], errors="coerce").astype(float)
    data = data.dropna(subset=features)
    if code not in data.index or len(data) < 2:
        return pd.DataFrame(columns=columns)
    values = data[features]
    spread = values.std(ddof=0).replace(0, 1.0)
    z = (values - values.mean()) / spread
    distance = np.sqrt(((z - z.loc[code]) ** 2).sum(axis=1))
    data["distance"] = distance
    nearest = data.drop(index=code).sort_values(["distance", "area_name"]).head(k)
    return nearest.reset_index()[columns]


def similar_method(rows: pd.DataFrame, k: int = SIMILAR_K) -> str:
    """How :func:`find_similar` chooses, in words for the page and the exports."""
    features = similar_features(rows)
    plural = LEVEL_NOUNS[str(rows["level"].iloc[0])][1]
    labels = [FEATURE_WORDS[f] for f in features]
    return (f"The {k} most similar {plural} in England: each of {', '.join(labels[:-1])} "
            f"and {labels[-1]} is standardised (its England average subtracted, then divided "
            f"by its standard deviation across all {plural} that have all three), and the "
            f"{plural} with the smallest straight-line (Euclidean) distance to this one on "
            "those three standardised values are listed. They are similar in size, "
            "deprivation and diversity, not necessarily neighbours on the map.")


# ---------------------------------------------------------------- sentences
def _share(decile: int) -> tuple[str, int] | None:
    """('top', 10) for decile 1, ('bottom', 20) for deciles 9-10 … None in the middle."""
    if decile <= 2:
        return "top", 10 * decile
    if decile >= 9:
        return "bottom", 10 * (11 - decile)
    return None


def _row(table: pd.DataFrame, ident: str) -> pd.Series | None:
    found = table[table["id"] == ident]
    if found.empty or pd.isna(found["value"].iloc[0]):
        return None
    return found.iloc[0]


def compose_sentences(name: str, level: str, table: pd.DataFrame,
                      region_name: str | None = None,
                      uneven: set[str] | None = None) -> list[str]:
    """Plain-English statements from the indicator table; none for a missing value.

    ``uneven``, when given, holds the groups whose D is clearly higher than random
    placement gives: only those can be called the most unevenly spread.
    """
    noun, plural = LEVEL_NOUNS[level]
    said: list[str] = []
    population = _row(table, "population_2021")
    if population is not None and not pd.isna(population["rank"]):
        said.append(f"{name} had {population['value']:,.0f} usual residents at the 2021 "
                    f"Census (rank {population['rank']} of {population['of']} {plural} "
                    "by size).")
    for ident in ("imd_avg_score", "imd_score", "imd_avg_score_2019", "imd_score_2019"):
        row = _row(table, ident)
        if row is None or pd.isna(row["rank"]):
            continue
        position = f"(rank {row['rank']} of {row['of']} on {FEATURE_WORDS[ident]})"
        share = _share(int(row["decile"]))
        if share and share[0] == "top":
            said.append(f"{name} is among the {share[1]}% most deprived {plural} in "
                        f"England {position}.")
        elif share:
            said.append(f"{name} is among the {share[1]}% least deprived {plural} in "
                        f"England {position}.")
        else:
            said.append(f"{name} is in decile {row['decile']} of {plural} in England for "
                        f"deprivation, where decile 1 is the most deprived {position}.")
        break
    poorest = _row(table, "imd_pct_most_deprived_10")
    if poorest is not None and poorest["value"] > 0:
        said.append(f"{poorest['shown']} of {name}'s small areas (LSOAs) are among the 10% "
                    "most deprived in England (IoD 2025).")
    diversity = _row(table, "simpson_diversity")
    if diversity is not None:
        share = None if pd.isna(diversity["decile"]) else _share(int(diversity["decile"]))
        chance = f"{100 * diversity['value']:.0f}%"
        text = (f"Two residents of {name} picked at random have a {chance} chance of "
                "belonging to different ethnic groups (Census 2021")
        if share:
            most = "most" if share[0] == "top" else "least"
            text += f"; among the {share[1]}% {most} diverse {plural} in England"
        said.append(text + ").")
    segregation = [(_row(table, f"d_{g}"), label) for g, label in GROUPS.items()
                   if g not in ("white",)]
    segregation = [(r, label) for r, label in segregation
                   if r is not None and not pd.isna(r["rank"])
                   and (uneven is None or label in uneven)]
    if segregation:
        row, label = max(segregation, key=lambda pair: pair[0]["value"])
        said.append(f"Of the ethnic groups, {label} residents are the most unevenly spread "
                    f"across {name}'s neighbourhoods (index of dissimilarity {row['shown']}, "
                    f"rank {row['rank']} of {row['of']} {plural}; Census 2021).")
    for ident, words in (("public_order_per_10k", "public-order offences"),
                         ("asb_per_10k", "anti-social behaviour incidents")):
        row = _row(table, ident)
        if row is None:
            continue
        said.append(_police_sentence(name, row, words, region_name))
    return said


def _police_sentence(name: str, row: pd.Series, words: str, region_name: str | None) -> str:
    """The rate with its interval and months, against region and England in Fingertips'
    words, saying when those come from only some districts."""
    interval = format_interval(row["lower"], row["upper"])
    period = f" over {row['period']}" if row["period"] else ""
    text = (f"Police recorded {row['shown']} {words} per 10,000 residents a year in {name}"
            f"{period}" + (f" ({interval})" if interval else "") + " (data.police.uk)")
    against = []
    for key, place in (("region", region_name or "its region"), ("england", "England")):
        if pd.isna(row[key]) or not row[f"vs_{key}"]:
            continue
        note = row[f"{key}_note"]
        benchmark = f"{row[key]:,.1f}" + (f", from {note}" if note else "")
        against.append(f"{row[f'vs_{key}'].lower()} to {place} ({benchmark})"
                       if row[f"vs_{key}"] == "Similar"
                       else f"{row[f'vs_{key}'].lower()} than {place} ({benchmark})")
    if against:
        text += "; " + " and ".join(against)
    text += "."
    if row["flag"]:
        text += f" Note: {row['flag']}."
    return text


# ---------------------------------------------------------------- the whole profile
def build_profile(rows: pd.DataFrame, code: str, region_names: dict[str, str] | None = None,
                  k: int = SIMILAR_K, benchmarks: pd.DataFrame | None = None) -> Profile:
    """The profile of ``code`` from the joined rows of its level (all of England).

    Parameters
    ----------
    rows
        ``joined_area_indicator`` rows of one level, for every area of England.
    code
        The area's code; must be in ``rows``.
    region_names
        Region code -> name, for the comparison labels.
    k
        How many similar areas.
    benchmarks
        The region and England figures (``joined_benchmarks``); without them the profile
        has no region or England column.

    Raises
    ------
    ValueError
        When ``code`` is not among ``rows``.
    """
    if rows.empty or code not in set(rows["area_code"]):
        raise ValueError(f"Area {code!r} is not in the joined dataset at this level.")
    region_names = region_names or {}
    area = rows[rows["area_code"] == code].iloc[0]
    level = str(area["level"])
    region_code = None if pd.isna(area["region_code"]) else str(area["region_code"])
    table = indicator_table(rows, code, benchmarks)
    similar = find_similar(rows, code, k)
    similar.insert(2, "region_name", similar["region_code"].map(region_names))
    sources = sorted({s for ids in table["source"] for s in ids.split(", ") if s})
    random = random_placement_table(area) if level == "lad" else random_placement_table(
        pd.Series(dtype=object))
    name = str(area["area_name"])
    sentences = compose_sentences(name, level, table, region_names.get(region_code or ""),
                                  clearly_uneven(random) if not random.empty else None)
    unit = area.get("seg_unit")
    return Profile(
        area_code=code, area_name=name, level=level,
        region_code=region_code, region_name=region_names.get(region_code or ""),
        indicators=_marked(table, random), similar=similar,
        similar_method=similar_method(rows, k),
        sentences=sentences + random_placement_sentences(name, random), sources=sources,
        random_placement=random, seg_unit=unit if isinstance(unit, str) else None,
        definitions=definitions(table["id"]), editions=editions(table["vintage"]))


def unavailable_indicators(profile: Profile) -> list[str]:
    """Key indicators of the profile's kind of area that have no value for it."""
    shown = profile.indicators.set_index("id")["value"]
    return [ident for ident in KEY_INDICATORS
            if ident in CATALOGUE and profile.level in CATALOGUE[ident].levels
            and (ident not in shown.index or pd.isna(shown[ident]))]


def _marked(table: pd.DataFrame, random: pd.DataFrame) -> pd.DataFrame:
    """The indicator table with :data:`RANDOM_MARK` on D values not clearly non-random."""
    marked = table.copy()
    hit = marked["id"].isin(random_columns(random))
    marked.loc[hit, "shown"] = marked.loc[hit, "shown"] + RANDOM_MARK
    return marked


def comparison_table(profile: Profile) -> pd.DataFrame:
    """The indicator table as displayed: text columns; rates with their 95% interval, months
    and residents note; region and England with Fingertips' comparison and coverage."""
    region = profile.region_name or "Region"
    out = []
    for row in profile.indicators.itertuples():
        entry = CATALOGUE[row.id]
        label = row.label + (f" ({row.period})" if row.period else "")
        out.append({
            "Indicator": label, profile.area_name: row.shown,
            "95% CI": format_interval(row.lower, row.upper, entry.decimals).removeprefix(
                "95% CI "),
            "Rank in England (1 = highest)": "" if pd.isna(row.rank)
            else f"{row.rank} of {row.of}",
            "Decile (1 = highest 10%)": row.coverage if pd.isna(row.decile)
            else str(row.decile),
            region: _benchmark_cell(row.region, row.region_note, entry),
            f"Compared with {region}": row.vs_region,
            "England": _benchmark_cell(row.england, row.england_note, entry),
            "Compared with England": row.vs_england,
            "Unit": row.unit, "Vintage": row.vintage, "Note": row.flag,
        })
    return pd.DataFrame(out)


def _benchmark_cell(value: float | None, note: str, entry: Indicator) -> str:
    shown = format_value(value, entry)
    return f"{shown} ({note})" if note and value is not None and not pd.isna(value) else shown


def decile_chart_data(profile: Profile) -> pd.DataFrame:
    """What the 'position in England' chart draws: each indicator's decile from the top."""
    rows = profile.indicators.dropna(subset=["decile"])
    return pd.DataFrame({"indicator": rows["label"].to_list(),
                         "decile_from_top": rows["decile"].astype(int).to_list(),
                         "rank": rows["rank"].astype(int).to_list(),
                         "of": rows["of"].astype(int).to_list()})


def similar_chart_data(profile: Profile) -> pd.DataFrame:
    """What the 'similar areas' chart draws: the deprivation score of the area and of each
    neighbour (the second matching feature)."""
    if profile.similar.empty:
        return pd.DataFrame(columns=["area", "indicator", "value"])
    feature = [c for c in profile.similar.columns
               if c not in ("area_code", "area_name", "region_code", "region_name",
                            "distance", "population_2021", "simpson_diversity")][0]
    own = profile.indicators.set_index("id")["value"].get(feature)
    names = [profile.area_name, *profile.similar["area_name"]]
    values = [own, *profile.similar[feature]]
    return pd.DataFrame({"area": names, "indicator": CATALOGUE[feature].label,
                         "value": [float(v) if v is not None else np.nan for v in values]})
