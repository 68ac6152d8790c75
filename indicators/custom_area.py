"""The profile of a custom area: any set of LSOAs 2021, such as a member's service area.

A custom area gets what an official area gets (:mod:`indicators.profile`), computed from
its LSOAs by the same rules as the official summaries:

* **residents**: the sum of its LSOAs' Census 2021 residents;
* **deprivation**: the IoD summary measures of
  :func:`indicators.deprivation.compute_district_summaries`, exactly as the build computes
  them for districts and MSOAs (population-weighted average score, extent and local
  concentration, weighted by the IoD 2025 File 7 population denominators when every LSOA
  has one, else by Census 2021 residents; the share of its LSOAs among England's most
  deprived 10%, unweighted). IoD 2019 is summarised from its values carried onto LSOA
  2021 (the official district figures use the native 2011 LSOAs, so a custom area that
  is a district can differ slightly from the district's own 2019 figure);
* **diversity and segregation** across its LSOAs from the Census 2021 counts
  (:func:`indicators.segregation.compute_segregation`), with what random placement gives
  (:func:`indicators.segregation_null.compute_random_benchmarks`);
* **police rates** per 10,000 residents a year over the 12 months ending with its latest
  month of data, only when all 12 have data for every LSOA
  (:func:`indicators.joined_months.compute_police_indicators`); police figures of LSOAs
  are published only where placing crimes agrees with police.uk, and so are these.

It is then ranked and matched to its statistically similar areas among the areas of
the official level closest to it in size (MSOAs or districts: :func:`comparison_level`),
as if it were one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from indicators.benchmarks import benchmark_of
from indicators.catalogue import CATALOGUE, GROUPS
from indicators.comparisons import compare_with_benchmarks
from indicators.deprivation import compute_district_summaries
from indicators.deprivation_terms import SUMMARIES
from indicators.joined_inputs import BuildLog
from indicators.joined_months import POLICE_CATEGORIES, compute_police_indicators
from indicators.profile import (
    SIMILAR_K,
    Profile,
    build_profile,
    format_value,
)
from indicators.profile_segregation import (
    clearly_uneven,
    random_placement_sentences,
    random_placement_table,
)
from indicators.segregation import compute_segregation
from indicators.segregation_null import compute_random_benchmarks

COMPARISON_LEVELS = ("msoa", "lad")
N_LSOAS = {2019: 32_844, 2025: 33_755}
SEGREGATION_IDS = (*[f"d_{g}" for g in GROUPS], "entropy_h")
"""Segregation measures added to a custom area's key indicators (no rank: no other
custom area to rank against)."""
NOUN = "service area"


@dataclass(frozen=True)
class CustomArea:
    """A named set of LSOA 2021 codes (a member's service area)."""

    code: str
    name: str
    lsoas: tuple[str, ...]


def check_lsoas(area: CustomArea, lsoa_rows: pd.DataFrame) -> list[str]:
    """The LSOA codes of ``area`` that the joined dataset does not know.

    Raises
    ------
    ValueError
        When the area has no LSOA at all.
    """
    if not area.lsoas:
        raise ValueError(f"{area.name} has no small areas (LSOAs).")
    known = set(lsoa_rows["area_code"])
    return sorted(set(area.lsoas) - known)


def comparison_level(population: float, rows_by_level: dict[str, pd.DataFrame]) -> str:
    """The official level (MSOA or district) whose median population is closest to
    ``population`` on a log scale: a service area of a few LSOAs is set beside MSOAs, one
    the size of a town beside districts."""
    best, distance = COMPARISON_LEVELS[0], np.inf
    for level in COMPARISON_LEVELS:
        rows = rows_by_level.get(level)
        if rows is None or rows.empty:
            continue
        median = float(pd.to_numeric(rows["population_2021"], errors="coerce").median())
        gap = abs(np.log(max(population, 1.0)) - np.log(max(median, 1.0)))
        if gap < distance:
            best, distance = level, gap
    return best


def compute_custom_row(area: CustomArea, level: str, lsoa_rows: pd.DataFrame,
                       counts: pd.DataFrame | None = None,
                       weights: pd.Series | None = None,
                       police_months: pd.DataFrame | None = None) -> pd.Series:
    """One row of the joined area table for ``area``, as if it were an area of ``level``.

    Parameters
    ----------
    area
        The custom area; LSOAs the joined dataset does not know are left out.
    level
        The level it is compared with (:func:`comparison_level`).
    lsoa_rows
        ``joined_area_indicator`` rows of level ``lsoa``: area_code, population_2021,
        lad_code, region_code, imd_score, imd_rank (and the ``_2019`` pair when cached).
    counts
        ``census2021_ethnicity_lsoa`` (area_code, total, groups, detailed categories);
        without it no segregation or diversity.
    weights
        The IoD 2025 population denominator (``pop_total``) by LSOA code; used only when
        every LSOA of the area has one, as the build does.
    police_months
        ``joined_area_month`` rows of level ``lsoa`` (area_code, month, public_order, asb).

    Returns
    -------
    Series
        area_code, area_name, level, lad_code and region_code (those holding most of its
        residents), population_2021, n_lsoas, the deprivation summaries, segregation with
        random placement, ``residents_<group>``, ``seg_unit`` and the police columns.
    """
    mine = lsoa_rows[lsoa_rows["area_code"].isin(area.lsoas)].copy()
    if mine.empty:
        raise ValueError(f"None of the small areas of {area.name} is in the joined dataset.")
    people = pd.to_numeric(mine["population_2021"], errors="coerce").astype(float)
    row: dict[str, object] = {
        "area_code": area.code, "area_name": area.name, "level": level,
        "lad_code": _most_residents(mine, "lad_code", people),
        "region_code": _most_residents(mine, "region_code", people),
        "population_2021": float(people.sum()) if people.notna().all() else np.nan,
        "n_lsoas": len(mine),
    }
    row.update(_deprivation(mine.assign(parent=area.code), people, weights))
    if counts is not None:
        row.update(_segregation(area, counts))
    if police_months is not None:
        row.update(_police(area, police_months, row["population_2021"]))
    return pd.Series(row)


def _most_residents(rows: pd.DataFrame, column: str, people: pd.Series) -> object:
    totals = people.fillna(0).groupby(rows[column]).sum()
    return totals.idxmax() if len(totals) else pd.NA


def _deprivation(rows: pd.DataFrame, people: pd.Series,
                 weights: pd.Series | None) -> dict[str, float]:
    """The IMD summaries of :data:`SUMMARIES` for 2025 and 2019 (bare and ``_2019``)."""
    weight = people
    if weights is not None:
        official = pd.to_numeric(rows["area_code"].map(weights), errors="coerce")
        if official.notna().all():
            weight = official.astype(float)
    out: dict[str, float] = {}
    for year, suffix in ((2025, ""), (2019, "_2019")):
        score, rank = f"imd_score{suffix}", f"imd_rank{suffix}"
        if rank not in rows.columns or rows[rank].isna().all():
            continue
        frame = rows.assign(weight=weight.to_numpy(),
                            imd_score=pd.to_numeric(rows[score], errors="coerce"),
                            imd_rank=pd.to_numeric(rows[rank], errors="coerce"))
        frame = frame[["parent", "imd_score", "imd_rank", "weight"]].astype(
            {"imd_score": "Float64", "imd_rank": "Float64", "weight": "Float64"})
        summary = compute_district_summaries(frame, parent="parent", population="weight",
                                             n_england=N_LSOAS[year], domains=[])
        for measure in SUMMARIES:
            if measure in summary.columns:
                out[f"{measure}{suffix}"] = float(summary[measure].iloc[0])
    return out


def _segregation(area: CustomArea, counts: pd.DataFrame) -> dict[str, object]:
    mine = counts[counts["area_code"].isin(area.lsoas)].assign(lad_code=area.code)
    if mine.empty:
        return {}
    seg = compute_segregation(mine)
    random = compute_random_benchmarks(mine, seg)
    out = seg.drop(columns=["n_units", "population"]).join(random).iloc[0].to_dict()
    out.update({f"residents_{g}": float(mine[g].sum()) for g in GROUPS})
    out["seg_unit"] = "lsoa"
    return out


def sum_lsoa_months(area: CustomArea, months: pd.DataFrame) -> pd.DataFrame:
    """Police counts of ``area`` by month from those of its LSOAs (``joined_area_month``
    rows of level ``lsoa``): a month is missing when any of its LSOAs lacks it, as for
    MSOAs and districts.

    Returns
    -------
    DataFrame
        area_code (the area's code), month and one Int64 column per police category.
    """
    values = list(POLICE_CATEGORIES.values())
    mine = months[months["area_code"].isin(area.lsoas)]
    if mine.empty:
        return pd.DataFrame(columns=["area_code", "month", *values])
    grouped = mine.groupby("month")
    sums = grouped[values].sum()
    complete = grouped.size() == len(set(area.lsoas))  # an LSOA without rows: no data
    gaps = mine[values].isna().groupby(mine["month"]).any().any(axis=1) | ~complete
    sums = sums.mask(gaps, other=pd.NA).reset_index().assign(area_code=area.code)
    return sums[["area_code", "month", *values]].astype({v: "Int64" for v in values})


def _police(area: CustomArea, months: pd.DataFrame, population: object) -> dict[str, object]:
    sums = sum_lsoa_months(area, months)
    if sums.empty:
        return {}
    indicators = compute_police_indicators(
        sums, pd.DataFrame({"population_2021": [population]}, index=[area.code]), BuildLog())
    return {} if indicators.empty else indicators.iloc[0].to_dict()


def build_custom_profile(row: pd.Series, level_rows: pd.DataFrame,
                         region_names: dict[str, str] | None = None, k: int = SIMILAR_K,
                         benchmarks: pd.DataFrame | None = None) -> Profile:
    """The profile of a custom area from :func:`compute_custom_row`.

    It is ranked among, and matched to the similar areas of, ``level_rows`` (all areas
    of England of ``row["level"]``) as if it were one of them; its segregation across its
    LSOAs (with random placement) is added to its key indicators without a rank.
    """
    frame = row.to_frame().T.reset_index(drop=True)
    if benchmarks is not None:
        frame = compare_with_benchmarks(frame, benchmarks)
    rows = pd.concat([level_rows[level_rows["area_code"] != row["area_code"]], frame],
                     ignore_index=True)
    for column in frame.columns:
        if column in level_rows.columns and pd.api.types.is_numeric_dtype(level_rows[column]):
            rows[column] = pd.to_numeric(rows[column], errors="coerce")
    profile = build_profile(rows, str(row["area_code"]), region_names, k, benchmarks)
    random = random_placement_table(row)
    segregation = _segregation_rows(row, benchmarks)
    indicators = pd.concat([profile.indicators, segregation], ignore_index=True)
    marked = random["measure"].eq("Dissimilarity (D)") & random["random"].eq(True)
    flagged = {f"d_{g}" for g, name in GROUPS.items() if name in set(random.loc[marked, "group"])}
    hit = indicators["id"].isin(flagged)
    indicators.loc[hit, "shown"] = indicators.loc[hit, "shown"] + " ‡"
    name = str(row["area_name"])
    sentences = [*profile.sentences, *_segregation_sentence(name, segregation,
                                                            clearly_uneven(random)),
                 *random_placement_sentences(name, random)]
    return replace(profile, indicators=indicators, random_placement=random, seg_unit="lsoa",
                   sentences=sentences, custom_noun=NOUN)


def _segregation_rows(row: pd.Series, benchmarks: pd.DataFrame | None) -> pd.DataFrame:
    records = []
    for ident in SEGREGATION_IDS:
        value = row.get(ident)
        if value is None or pd.isna(value):
            continue
        entry = CATALOGUE[ident]
        region = benchmark_of(benchmarks, ident, row.get("region_code"))
        records.append({
            "id": ident, "label": entry.label, "unit": entry.unit, "value": float(value),
            "shown": format_value(value, entry), "lower": None, "upper": None,
            "rank": pd.NA, "of": pd.NA, "decile": pd.NA,
            "region": None if region is None else float(region["value"]),
            "region_note": "", "vs_region": "", "england": None, "england_note": "",
            "vs_england": "", "period": "", "flag": "",
            "coverage": "no rank: segregation of custom areas is not ranked",
            "vintage": f"{entry.vintage}, across LSOAs", "source": ", ".join(entry.source),
        })
    return pd.DataFrame.from_records(records)


def _segregation_sentence(name: str, segregation: pd.DataFrame,
                          uneven: set[str]) -> list[str]:
    """Which group is most unevenly spread across the area's LSOAs, among those spread
    more unevenly than random placement gives."""
    d = segregation[segregation["id"].str.startswith("d_")
                    & ~segregation["id"].isin(["d_white"])] if len(segregation) else segregation
    d = d[d["id"].map(lambda i: GROUPS.get(i.removeprefix("d_"), "") in uneven)] if len(d) else d
    if d.empty:
        return []
    best = d.loc[d["value"].idxmax()]
    group = GROUPS[best["id"].removeprefix("d_")]
    return [f"Of the ethnic groups, {group} residents are the most unevenly spread across "
            f"{name}'s small areas (LSOAs) (index of dissimilarity {best['shown']}; Census "
            "2021)."]


def lsoa_codes(codes: Sequence[str]) -> tuple[str, ...]:
    """Sorted, de-duplicated LSOA codes."""
    return tuple(sorted({str(c).strip().upper() for c in codes if str(c).strip()}))


__all__ = ["CustomArea", "build_custom_profile", "check_lsoas",
           "comparison_level", "compute_custom_row", "lsoa_codes", "sum_lsoa_months"]
