"""Before and after an activity's start: a service area against its similar areas.

Pure functions (no Streamlit, no I/O) behind the "What changed" page and the bid PDF's
section "What we do here and what changed".

The method: difference in differences on monthly rates
--------------------------------------------------------
For each month the service area's rate per 10,000 residents is set beside the pooled
rate of its statistically similar areas (their counts summed over their residents
summed), and the **gap** is the service area's rate minus theirs.  The estimate is

    DiD = mean gap over the months after the start − mean gap over the months before,

in events per 10,000 residents a month: how much more (or less) the service area's rate
moved than its similar areas' did.  Anything that changes everywhere at once (a national
event, a season, a change in how police record crimes) moves both rates and drops out of
the gap; what stays is a change particular to the service area *or to anything else that
changed there at the same time*, so the estimate is never evidence that the activity
caused the change.

The 95% interval treats the monthly gaps before and after as two samples and is Welch's
t interval for the difference of their means (unequal variances, Welch-Satterthwaite
degrees of freedom).  It is exact for independent, normally distributed gaps; rates of
a few hundred residents are Poisson-like counts, and the gaps of neighbouring months can
be correlated (a tense summer), which makes the interval too narrow — one reason the page
asks for at least :data:`MIN_MONTHS` months on each side.

When the data cannot tell
-------------------------
* fewer than :data:`MIN_MONTHS` months with data on either side of the start
  (``too_few_months``); a month counts only when the service area and every similar
  area have data for it;
* tension reports: any month of the window in which the service area or a similar area
  has a withheld count (``<5`` or ``[c]``), or fewer than :data:`MIN_REPORTS` reports in
  the service area over the whole window (``too_few_reports``).  Withheld counts are
  never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

MIN_MONTHS = 6
"""Fewest months with data on each side of the start for an estimate."""
WINDOW = 12
"""Most months used on each side of the start."""
MIN_REPORTS = 20
"""Fewest tension reports in the service area over the window for an estimate."""
PER = 10_000
LEVEL = 0.95

CAUTION = ("This compares the service area with similar areas before and after the start; "
           "it does not show that the activity caused any change, since other things "
           "change in a place at the same time.")


@dataclass(frozen=True)
class Estimate:
    """The difference in differences of one measure, or why there is none.

    Attributes
    ----------
    status
        ``estimate``, ``too_few_months``, ``too_few_reports`` or ``no_data``.
    did, lower, upper
        The estimate and its 95% interval (per 10,000 residents a month); None without
        an estimate.
    gap_before, gap_after
        The mean monthly gaps (service area minus similar areas) before and after.
    months_before, months_after
        Months with data used on each side.
    message
        Plain words for the page and the PDF.
    """

    measure: str
    status: str
    months_before: int
    months_after: int
    message: str
    did: float | None = None
    lower: float | None = None
    upper: float | None = None
    gap_before: float | None = None
    gap_after: float | None = None


def month_index(month: str) -> int:
    """``YYYY-MM`` as a month number (year × 12 + month − 1)."""
    year, number = month.split("-")[:2]
    return int(year) * 12 + int(number) - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def compute_series(counts: pd.DataFrame, residents: dict[str, float], treated: str,
                   start: str, window: int = WINDOW) -> pd.DataFrame:
    """The monthly rates of the service area and its similar areas around ``start``.

    Parameters
    ----------
    counts
        Long table: area_code, month (``YYYY-MM``), count (NA when the month has no data
        or the count is withheld) and optionally ``shown`` (the published text of the
        count, e.g. ``<5``). Areas absent in a month have no data for it.
    residents
        Residents (Census 2021) of the service area and of each similar area.
    treated
        The service area's code among ``counts``.
    start
        The activity's first month (``YYYY-MM``); it counts as after.
    window
        Most months on each side.

    Returns
    -------
    DataFrame
        One row per month of the window (``window`` before, ``window`` from the start):
        month, period (``before``/``after``), area_count, area_shown, area_rate,
        similar_count, similar_rate, gap, withheld (some count of the month is withheld),
        complete (every area has a number for the month), then ``rate:<code>``, each
        similar area's own rate (NA when its count is missing or withheld).

    Raises
    ------
    ValueError
        When a column is missing or an area has no residents.
    """
    missing = [c for c in ("area_code", "month", "count") if c not in counts.columns]
    if missing:
        raise ValueError(f"counts lack columns: {', '.join(missing)}")
    areas = sorted(residents)
    if treated not in residents or any(not residents[a] or residents[a] <= 0 for a in areas):
        raise ValueError("every area needs a number of residents above 0")
    first = month_index(start)
    months = [month_label(m) for m in range(first - window, first + window)]
    data = counts[counts["area_code"].isin(areas) & counts["month"].isin(months)]
    shown = data["shown"] if "shown" in data.columns else data["count"].astype("string")
    data = data.assign(shown=shown.astype("string"), withheld=data["count"].isna()
                       & shown.notna() & (shown.astype("string") != "<NA>"))
    wide = data.pivot_table(index="month", columns="area_code", values="count",
                            aggfunc="first", dropna=False).reindex(index=months, columns=areas)
    wide = wide.apply(pd.to_numeric, errors="coerce")
    others = [a for a in areas if a != treated]
    withheld = data[data["withheld"]].groupby("month").size().reindex(months).fillna(0) > 0
    area_shown = data[data["area_code"] == treated].set_index("month")["shown"].reindex(months)
    similar_count = wide[others].sum(axis=1, min_count=len(others)) if others else np.nan
    similar_people = float(sum(residents[a] for a in others)) or np.nan
    table = pd.DataFrame({
        "month": months,
        "period": ["before"] * window + ["after"] * window,
        "area_count": wide[treated].to_numpy(),
        "area_shown": area_shown.to_numpy(),
        "area_rate": (wide[treated] / residents[treated] * PER).to_numpy(),
        "similar_count": np.asarray(similar_count, dtype=float),
        "similar_rate": np.asarray(similar_count, dtype=float) / similar_people * PER,
        "withheld": withheld.to_numpy(),
    })
    table["gap"] = table["area_rate"] - table["similar_rate"]
    table["complete"] = wide.notna().all(axis=1).to_numpy()
    for other in others:
        table[f"rate:{other}"] = (wide[other] / residents[other] * PER).to_numpy()
    return table


def estimate_did(series: pd.DataFrame, measure: str, *, reports: bool = False,
                 min_months: int = MIN_MONTHS, min_reports: int = MIN_REPORTS) -> Estimate:
    """Difference in differences of the monthly gaps of :func:`compute_series`.

    ``reports`` applies the rules of tension reports (no withheld month, at least
    ``min_reports`` reports in the service area). See the module docstring for the method.
    """
    used = series[series["complete"]]
    before = used.loc[used["period"] == "before", "gap"].to_numpy(dtype=float)
    after = used.loc[used["period"] == "after", "gap"].to_numpy(dtype=float)
    counts = (len(before), len(after))
    if reports:
        withheld = int(series["withheld"].sum())
        if withheld:
            return Estimate(measure, "too_few_reports", *counts, (
                f"Too few reports to tell: in {withheld} of the {len(series)} months a count "
                "of the service area or of a similar area is under 5 (shown as <5) or "
                "withheld ([c]), and withheld counts are never guessed."))
        total = float(np.nansum(series["area_count"].to_numpy(dtype=float)))
        if series["area_count"].notna().any() and total < min_reports:
            return Estimate(measure, "too_few_reports", *counts, (
                f"Too few reports to tell: {total:.0f} reports in the service area over "
                f"the {len(series)} months; at least {min_reports} are needed."))
    if not used.size or (not len(before) and not len(after)):
        return Estimate(measure, "no_data", *counts,
                        "No data for the service area and its similar areas around the start.")
    if min(counts) < min_months:
        return Estimate(measure, "too_few_months", *counts, (
            f"Too few months to tell: {counts[0]} months with data before the start and "
            f"{counts[1]} after; at least {min_months} on each side are needed."))
    did, lower, upper = welch_interval(before, after)
    return Estimate(measure, "estimate", *counts, describe(measure, did, lower, upper),
                    did, lower, upper, float(before.mean()), float(after.mean()))


def welch_interval(before: np.ndarray, after: np.ndarray,
                   level: float = LEVEL) -> tuple[float, float, float]:
    """mean(after) − mean(before) and its Welch t interval."""
    diff = float(after.mean() - before.mean())
    va, vb = after.var(ddof=1) / len(after), before.var(ddof=1) / len(before)
    se = float(np.sqrt(va + vb))
    if se == 0:
        return diff, diff, diff
    df = (va + vb) ** 2 / (va ** 2 / (len(after) - 1) + vb ** 2 / (len(before) - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    return diff, diff - half, diff + half


def describe(measure: str, did: float, lower: float, upper: float) -> str:
    """The estimate in plain words, without a claim of cause."""
    interval = f"95% interval {lower:+.2f} to {upper:+.2f}"
    size = f"{abs(did):.2f} per 10,000 residents a month ({interval})"
    if lower > 0 or upper < 0:
        way = "higher" if lower > 0 else "lower"
        return (f"Set against its similar areas, the service area's rate of {measure} was "
                f"{size} {way} after the start than before.")
    return (f"Set against its similar areas, the service area's rate of {measure} changed "
            f"by {did:+.2f} per 10,000 residents a month ({interval}) after the start: "
            "this cannot be told from no change.")
