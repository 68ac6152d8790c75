"""Region and England figures: computed once per indicator, at build time, and reused.

Every page and export that sets an area beside its region or England reads these figures
from the ``joined_benchmarks`` table rather than averaging whatever rows it holds, so the
England figure of an indicator is the same on a district profile, an MSOA profile, the
Compare page and in exports. Each figure is computed the way the indicator itself is:

* **sums** (residents, and residents of each ethnic group): the total of the districts;
* **deprivation summaries** (average score, share of LSOAs in England's most deprived
  10%, extent, …): the official File 10 method applied to all the region's or England's
  LSOAs (so England's share in its own most deprived 10% is 10.0% by definition); an
  LSOA's own score is compared with the same population-weighted average score;
* **Simpson diversity**: the diversity of the region's or England's residents as a whole;
* **police rates**: the offences of the districts with 12 complete months of data divided
  by their residents, with exact Poisson 95% limits, and saying how many districts that is
  ("the 1 of 309 districts with police data");
* **anything else** that can be averaged: the average of the areas of the finest level the
  indicator exists at, weighted by their residents (unweighted where residents are
  unknown), counting the areas with a value.

Ranks, deciles, codes, text and location quotients have no benchmark, nor do the columns
describing another's uncertainty (what random placement gives for D and isolation).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from indicators.catalogue import CATALOGUE, NOT_MAPPED, Indicator
from indicators.rates import rate_with_limits

BENCHMARK_TABLE = "joined_benchmarks"
ENGLAND = "E92000001"
COLUMNS = ["area_code", "area_name", "level", "indicator", "value", "lower", "upper",
           "areas_with_data", "areas_total", "areas_noun", "method"]
NOUNS = {"lsoa": "LSOAs", "msoa": "MSOAs", "lad": "districts"}
NO_BENCHMARK_UNITS = {"rank", "decile", "ratio", "code", "text", "yes/no", "months"}
SAME_AS = {"imd_score": "imd_avg_score", "imd_score_2019": "imd_avg_score_2019"}
"""An LSOA's score is set beside the population-weighted average score of the benchmark."""
POLICE_RATES = {"public_order_per_10k": "public_order", "asb_per_10k": "asb"}


def benchmarked(indicator: Indicator) -> bool:
    """Whether ``indicator`` gets a region and England figure."""
    return (indicator.table == "area" and indicator.theme not in NOT_MAPPED
            and indicator.unit not in NO_BENCHMARK_UNITS
            and not indicator.id.endswith(("_lower", "_upper", "_published")))


def compute_benchmarks(area: pd.DataFrame, special: pd.DataFrame,
                       regions: pd.DataFrame) -> pd.DataFrame:
    """One row per region and England and per benchmarked indicator.

    Parameters
    ----------
    area
        ``joined_area_indicator`` as built (LSOA, MSOA and district rows).
    special
        Figures the indicators' own builders computed for regions and England (deprivation
        summaries, Simpson diversity), indexed by region code and ``E92000001``.
    regions
        ``lookup_lad22_region`` (region_code, region_name).

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`: the figure, its 95% limits (rates), how many areas of
        which kind it comes from, and how it was computed.
    """
    names = (regions.drop_duplicates("region_code").set_index("region_code")["region_name"]
             .astype(str).to_dict())
    places = {**{code: (name, "region") for code, name in sorted(names.items())},
              ENGLAND: ("England", "country")}
    districts = area[area["level"] == "lad"]
    parts = []
    for indicator in CATALOGUE.values():
        if not benchmarked(indicator) or indicator.id not in area.columns:
            continue
        if indicator.id in POLICE_RATES:
            frame = _police(districts, indicator.id)
        elif SAME_AS.get(indicator.id, indicator.id) in special.columns:
            frame = _special(special, SAME_AS.get(indicator.id, indicator.id), area)
        elif indicator.id == "population_2021" or indicator.id.startswith("residents_"):
            frame = _summed(districts, indicator.id)
        else:
            frame = _weighted(area, indicator)
        if frame is not None:
            parts.append(frame.assign(indicator=indicator.id))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(parts, ignore_index=True)
    table = table[table["area_code"].isin(places)]
    table["area_name"] = table["area_code"].map(lambda c: places[c][0])
    table["level"] = table["area_code"].map(lambda c: places[c][1])
    table = table.reindex(columns=COLUMNS)
    return table.astype({"value": "Float64", "lower": "Float64", "upper": "Float64",
                         "areas_with_data": "Int64", "areas_total": "Int64",
                         "areas_noun": "string", "method": "string", "area_code": "string",
                         "area_name": "string", "level": "string", "indicator": "string"}
                        ).reset_index(drop=True)


def _by_place(frame: pd.DataFrame) -> Iterable[tuple[str, pd.DataFrame]]:
    """Each region's rows, then all rows as England."""
    for code, rows in frame.groupby("region_code", observed=True):
        yield str(code), rows
    yield ENGLAND, frame


def _police(districts: pd.DataFrame, rate_id: str) -> pd.DataFrame:
    """Offences of the districts with 12 complete months over their residents, with limits."""
    count = f"{POLICE_RATES[rate_id]}_count"
    rows = []
    for code, pool in _by_place(districts):
        complete = pool[pool[rate_id].notna()]
        offences = pd.to_numeric(complete[count], errors="coerce").sum()
        residents = pd.to_numeric(complete["population_2021"], errors="coerce").sum()
        periods = sorted(complete["police_period"].dropna().astype(str).unique())
        rated = rate_with_limits(pd.Series([offences if len(complete) else pd.NA]),
                                 pd.Series([residents]))
        rows.append({"area_code": code, "value": rated["rate"].iloc[0],
                     "lower": rated["lower"].iloc[0], "upper": rated["upper"].iloc[0],
                     "areas_with_data": len(complete), "areas_total": len(pool),
                     "areas_noun": "districts",
                     "method": "offences of the districts with 12 complete months of police "
                     "data per 10,000 of their residents a year"
                     + (f" ({'; '.join(periods)})" if periods else "")})
    return pd.DataFrame(rows)


def _special(special: pd.DataFrame, column: str, area: pd.DataFrame) -> pd.DataFrame:
    lsoas = area[area["level"] == "lsoa"]
    rows = []
    for code, pool in _by_place(lsoas):
        if code not in special.index:
            continue
        rows.append({"area_code": code, "value": special.at[code, column],
                     "areas_with_data": len(pool), "areas_total": len(pool),
                     "areas_noun": "LSOAs",
                     "method": "computed from all its LSOAs with the indicator's own method"})
    return pd.DataFrame(rows)


def _summed(districts: pd.DataFrame, column: str) -> pd.DataFrame:
    rows = []
    for code, pool in _by_place(districts):
        values = pd.to_numeric(pool[column], errors="coerce")
        rows.append({"area_code": code,
                     "value": values.sum() if values.notna().any() else np.nan,
                     "areas_with_data": int(values.notna().sum()), "areas_total": len(pool),
                     "areas_noun": "districts", "method": "total of its districts"})
    return pd.DataFrame(rows)


def _weighted(area: pd.DataFrame, indicator: Indicator) -> pd.DataFrame | None:
    level = next((lv for lv in ("lsoa", "msoa", "lad") if lv in indicator.levels), None)
    pool_all = area[area["level"] == level]
    values_all = pd.to_numeric(pool_all[indicator.id], errors="coerce")
    if level is None or values_all.isna().all():
        return None
    rows = []
    for code, pool in _by_place(pool_all):
        values = pd.to_numeric(pool[indicator.id], errors="coerce").astype("float64")
        weights = pd.to_numeric(pool["population_2021"], errors="coerce").astype("float64")
        known = values.notna()
        weighted = bool(known.any() and weights[known].notna().all() and weights[known].sum())
        value = (float(np.average(values[known], weights=weights[known])) if weighted
                 else float(values[known].mean()) if known.any() else np.nan)
        rows.append({"area_code": code, "value": value,
                     "areas_with_data": int(known.sum()), "areas_total": len(pool),
                     "areas_noun": NOUNS[level],
                     "method": f"average of its {NOUNS[level]} with a value"
                     + (", weighted by residents" if weighted else "")})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- reading the table
def benchmark_of(benchmarks: pd.DataFrame | None, indicator_id: str,
                 place: str | None) -> pd.Series | None:
    """The benchmark row of ``indicator_id`` for a region code or ``E92000001``."""
    if benchmarks is None or place is None or benchmarks.empty:
        return None
    hit = benchmarks[(benchmarks["indicator"] == indicator_id)
                     & (benchmarks["area_code"] == place)]
    return None if hit.empty else hit.iloc[0]


def coverage_label(row: pd.Series | None) -> str:
    """"" when every area has data, else e.g. "the 1 of 309 districts with police data"."""
    if row is None or pd.isna(row["areas_total"]):
        return ""
    have, total = int(row["areas_with_data"]), int(row["areas_total"])
    if have >= total:
        return ""
    what = "police data" if str(row["indicator"]) in POLICE_RATES else "a value"
    return f"the {have:,} of {total:,} {row['areas_noun']} with {what}"
