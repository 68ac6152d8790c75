"""Each area's rates against its region and England, worded as Fingertips words them.

For every rate with 95% limits in the area table (``<id>_lower`` / ``<id>_upper``), the
columns ``<id>_vs_region`` and ``<id>_vs_england`` say whether the benchmark's figure (from
:mod:`indicators.benchmarks`, computed once) lies below, inside or above the area's
interval: "Significantly higher", "Similar" or "Significantly lower"
(:func:`indicators.rates.compare`). No comparison is made with a region or England whose
rate comes from the area's own district alone (police data for one district only).
"""

from __future__ import annotations

import pandas as pd

from indicators.benchmarks import ENGLAND, POLICE_RATES
from indicators.rates import compare

COMPARED = tuple(POLICE_RATES)
"""The rates of the area table compared with their region and England."""


def compare_with_benchmarks(table: pd.DataFrame, benchmarks: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``<rate>_vs_region`` and ``<rate>_vs_england`` for each compared rate.

    Parameters
    ----------
    table
        Area rows with ``region_code`` and, per rate, ``<rate>_lower`` and ``<rate>_upper``.
    benchmarks
        The long benchmark table (area_code, indicator, value).

    Returns
    -------
    DataFrame
        A copy with the comparison columns (string dtype; NA without a rate or benchmark).
    """
    out = table.copy()
    district = out["lad_code"].where(out["lad_code"].notna(), out["area_code"])
    for rate in COMPARED:
        if f"{rate}_lower" not in out.columns:
            continue
        values = benchmarks.loc[benchmarks["indicator"] == rate].set_index("area_code")["value"]
        region = out["region_code"].map(values).astype("Float64")
        england = pd.Series(values.get(ENGLAND, pd.NA), index=out.index, dtype="Float64")
        alone_region, alone_england = _only_own_district(out, rate, district)
        out[f"{rate}_vs_region"] = compare(out[f"{rate}_lower"], out[f"{rate}_upper"],
                                           region.mask(alone_region))
        out[f"{rate}_vs_england"] = compare(out[f"{rate}_lower"], out[f"{rate}_upper"],
                                            england.mask(alone_england))
    return out


def _only_own_district(table: pd.DataFrame, rate: str,
                       district: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rows whose region's (or England's) rate comes from their own district alone: the
    comparison would set the district against itself, so none is made."""
    lads = table[(table["level"] == "lad") & table[rate].notna()]
    alone = lads.groupby("region_code")["area_code"].agg(
        lambda codes: codes.iloc[0] if len(codes) == 1 else None)
    region_alone = table["region_code"].map(alone).eq(district).fillna(False)
    england_alone = (district == lads["area_code"].iloc[0]) if len(lads) == 1 else \
        pd.Series(False, index=table.index)
    return region_alone.astype(bool), england_alone.astype(bool)
