"""Each area's rates against its region and England, worded as Fingertips words them.

For every rate with 95% limits in the area table (``<id>_lower`` / ``<id>_upper``), the
columns ``<id>_vs_region`` and ``<id>_vs_england`` say whether the benchmark's figure (from
:mod:`indicators.benchmarks`, computed once) lies below, inside or above the area's
interval: "Significantly higher", "Similar" or "Significantly lower"
(:func:`indicators.rates.compare`).
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
    for rate in COMPARED:
        if f"{rate}_lower" not in out.columns:
            continue
        values = benchmarks.loc[benchmarks["indicator"] == rate].set_index("area_code")["value"]
        region = out["region_code"].map(values)
        england = values.get(ENGLAND, pd.NA)
        out[f"{rate}_vs_region"] = compare(out[f"{rate}_lower"], out[f"{rate}_upper"],
                                           region.astype("Float64"))
        out[f"{rate}_vs_england"] = compare(out[f"{rate}_lower"], out[f"{rate}_upper"],
                                            pd.Series(england, index=out.index, dtype="Float64"))
    return out
