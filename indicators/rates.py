"""Rates per 10,000 residents with exact Poisson 95% confidence limits, and comparisons
worded as the public-health dashboards word them.

A count of events in a population (crimes recorded, reports made) is treated as a Poisson
count, as Public Health England's Fingertips profiles do. Its 95% limits are the exact
(Garwood) limits, from the chi-squared distribution:

    lower = χ²(0.025; 2x) / 2,   upper = χ²(0.975; 2x + 2) / 2

divided by the population and multiplied by 10,000 like the rate itself. Byar's
approximation, which Fingertips uses for large counts, agrees with these to a fraction of
a percent above about 10 events; the exact limits are right for every count, zero included
(lower limit 0, upper 3.69).

An area is *significantly higher* than a benchmark (its region, England) when the
benchmark's value lies below the area's lower limit, *significantly lower* when it lies
above the upper limit, and *similar* otherwise: Fingertips' "compared with benchmark" at
95%, with the words for indicators that are not judged better or worse.

Everything is vectorised over pandas Series; a missing count (not published, or withheld
to protect small numbers) gives a missing rate, missing limits and no comparison, so that
no interval ever reveals a count that is not shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaincinv

PER = 10_000
"""Rates are per this many residents."""
CONFIDENCE = 0.95
HIGHER = "Significantly higher"
SIMILAR = "Similar"
LOWER = "Significantly lower"
COMPARISONS = (HIGHER, SIMILAR, LOWER)


def poisson_limits(counts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Exact Poisson 95% limits of each count (Float64; NA where the count is NA).

    Parameters
    ----------
    counts
        Non-negative whole numbers of events, NA where unknown or withheld.

    Returns
    -------
    tuple of Series
        The lower and upper limits of the expected count, on the index of ``counts``.

    Raises
    ------
    ValueError
        When a count is negative or not a whole number.
    """
    x = pd.to_numeric(counts, errors="coerce").astype("Float64").to_numpy(
        dtype="float64", na_value=np.nan)
    known = ~np.isnan(x)
    if (x[known] < 0).any() or (x[known] % 1 != 0).any():
        raise ValueError("counts must be non-negative whole numbers")
    tail = (1 - CONFIDENCE) / 2
    lower = np.full_like(x, np.nan)
    upper = np.full_like(x, np.nan)
    positive = known & (x > 0)
    lower[known & (x == 0)] = 0.0
    # chi2.ppf(q, 2k) / 2 is the inverse of the regularised lower incomplete gamma of k.
    lower[positive] = gammaincinv(x[positive], tail)
    upper[known] = gammaincinv(x[known] + 1, 1 - tail)
    index = counts.index
    return (pd.Series(lower, index=index, dtype="Float64"),
            pd.Series(upper, index=index, dtype="Float64"))


def rate_with_limits(counts: pd.Series, population: pd.Series, per: float = PER,
                     scale: float = 1.0) -> pd.DataFrame:
    """Rate per ``per`` residents and its exact 95% limits.

    Parameters
    ----------
    counts
        Events (NA where unknown or withheld: the rate and its limits are NA too).
    population
        Residents, on the same index (NA or 0 gives NA).
    per
        Residents the rate is per (10,000).
    scale
        Multiplies the rate and limits (1 for the period the counts cover).

    Returns
    -------
    DataFrame
        Columns ``rate``, ``lower``, ``upper`` (Float64) on the index of ``counts``.
    """
    residents = pd.to_numeric(population, errors="coerce").astype("Float64")
    residents = residents.where(residents > 0)
    lower, upper = poisson_limits(counts)
    factor = per * scale / residents
    events = pd.to_numeric(counts, errors="coerce").astype("Float64")
    return pd.DataFrame({"rate": events * factor, "lower": lower * factor,
                         "upper": upper * factor}, index=counts.index)


def compare(lower: pd.Series, upper: pd.Series, benchmark: pd.Series | float) -> pd.Series:
    """Fingertips' words for an area against a benchmark value, per row.

    Parameters
    ----------
    lower, upper
        The 95% limits of the areas' values.
    benchmark
        The benchmark's value for each row (or one value for all).

    Returns
    -------
    Series
        ``"Significantly higher"``, ``"Similar"`` or ``"Significantly lower"`` (string
        dtype), NA where a limit or the benchmark is missing.
    """
    low = pd.to_numeric(lower, errors="coerce").astype("float64")
    high = pd.to_numeric(upper, errors="coerce").astype("float64")
    if isinstance(benchmark, pd.Series):
        value = pd.to_numeric(benchmark, errors="coerce").astype("float64").to_numpy()
    else:
        value = np.full(len(low), np.nan if benchmark is None else float(benchmark))
    words = np.select([value < low.to_numpy(), value > high.to_numpy()], [HIGHER, LOWER],
                      default=SIMILAR).astype(object)
    unknown = np.isnan(value) | low.isna().to_numpy() | high.isna().to_numpy()
    words[unknown] = None
    return pd.Series(words, index=lower.index, dtype="string")


def format_interval(lower: object, upper: object, decimals: int = 1) -> str:
    """``"95% CI 12.3 to 15.6"``, or "" when a limit is missing."""
    if lower is None or upper is None or pd.isna(lower) or pd.isna(upper):
        return ""
    return f"95% CI {float(lower):,.{decimals}f} to {float(upper):,.{decimals}f}"
