"""Pure helpers of the Map page: classes, colours, ranks, the table and what a click does.

Nothing here imports Streamlit, so every piece is unit-tested with hand-made frames
(tests/test_map_view.py); views/map.py only lays the results out.

Colours: a colour-blind-safe sequential scale (Viridis; Cividis for neutral indicators)
oriented so that the *worse* end of an indicator is always the dark end, whichever way
its polarity runs. Areas with no value are grey and say why.
"""

from __future__ import annotations

import fnmatch
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import mapclassify
import numpy as np
import pandas as pd
from plotly.colors import sample_colorscale, sequential

from indicators.catalogue import INTERVAL_SUFFIXES, Indicator
from indicators.formatting import format_number, table_values, unit_words
from indicators.profile import PERIODS
from indicators.rates import format_interval
from indicators.segregation_null import (
    SUFFIXES,
    benchmark_note,
    residents_column,
    shown_decimals,
)

SCHEMES = {"quantiles": "Quantiles (equal numbers of areas)",
           "natural_breaks": "Natural breaks (Fisher-Jenks)"}
NO_VALUE = "No value"
NO_VALUE_COLOUR = "#c4c4c4"
MAP_LEVELS = {"lad": "Districts (LAD)", "msoa": "Neighbourhoods (MSOA)",
              "lsoa": "Small areas (LSOA)"}
# Natural breaks are computed on at most this many evenly spaced quantiles of the values:
# deterministic, and fast without numba even for the 33,755 LSOAs.
JENKS_SAMPLE = 2000
REASON_CHARS = 240


@dataclass(frozen=True)
class Classes:
    """Class bounds of a classified indicator and the class of every area.

    ``index`` holds the class number (0 = lowest values) per input row, -1 where there is
    no value; ``labels[i]`` is the legend text of class ``i`` ("lower – upper").
    """

    bins: tuple[float, ...]
    lower: float | None
    labels: tuple[str, ...]
    index: pd.Series

    @property
    def k(self) -> int:
        return len(self.bins)


def format_value(value: object, decimals: int) -> str:
    """A number for people: thousands separators, the indicator's decimals; '' for NA."""
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):,.{decimals}f}"


def classify(values: pd.Series, scheme: str = "quantiles", k: int = 5,
             decimals: int = 2, share: bool = False) -> Classes:
    """Classify ``values`` into at most ``k`` classes with mapclassify.

    Parameters
    ----------
    values
        One number per area (NA allowed; those areas get class -1).
    scheme
        ``quantiles`` or ``natural_breaks`` (Fisher-Jenks).
    k
        Wanted number of classes; fewer when there are fewer distinct values.
    decimals
        Decimal places of the legend labels.
    share
        Label the classes as percentages (``decimals - 2`` places), as
        :mod:`indicators.formatting` shows a share.

    Raises
    ------
    ValueError
        On an unknown scheme or ``k`` < 1.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {list(SCHEMES)}")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    valid = numbers.dropna()
    index = pd.Series(-1, index=values.index, dtype="int64")
    if valid.empty:
        return Classes((), None, (), index)
    distinct = np.unique(valid.to_numpy())
    single_values = len(distinct) <= k
    if single_values:
        bins = distinct
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bins = _bins(valid.to_numpy(), scheme, k)
    found = mapclassify.UserDefined(valid.to_numpy(), list(bins))
    bins = np.asarray(found.bins)[: len(bins)]
    index[valid.index] = np.asarray(found.yb, dtype="int64")
    lower = float(valid.min())
    lows = [lower, *bins[:-1]]
    def label(value: float) -> str:
        return (f"{format_number(100 * value, max(decimals - 2, 0))}%" if share
                else format_value(value, decimals))

    labels = tuple(label(hi) if single_values else f"{label(lo)} – {label(hi)}"
                   for lo, hi in zip(lows, bins, strict=True))
    return Classes(tuple(float(b) for b in bins), lower, labels, index)


def _bins(values: np.ndarray, scheme: str, k: int) -> np.ndarray:
    if scheme == "quantiles":
        bins = np.asarray(mapclassify.Quantiles(values, k=k).bins)
    else:
        sample = (values if len(values) <= JENKS_SAMPLE
                  else np.quantile(values, np.linspace(0, 1, JENKS_SAMPLE)))
        bins = np.asarray(mapclassify.FisherJenks(sample, k=k).bins)
    bins = np.unique(bins)
    bins[-1] = values.max()
    return bins


def palette(polarity: str, k: int) -> list[str]:
    """``k`` colours for classes of ascending values; the worse end is the dark end.

    Higher-is-worse indicators run light → dark (Viridis reversed), higher-is-better ones
    dark → light (Viridis), neutral ones dark → light on Cividis. Both scales are
    colour-blind safe and readable in grey.
    """
    if k < 1:
        return []
    scale = sequential.Cividis if polarity == "neutral" else sequential.Viridis
    points = [0.5] if k == 1 else list(np.linspace(0.05, 0.95, k))
    colours = sample_colorscale(scale, points)
    return colours[::-1] if polarity == "higher_worse" else colours


def rank_values(values: pd.Series, polarity: str) -> pd.Series:
    """Rank 1 = the worst area (the highest value when higher is worse or neutral)."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    ranks = numbers.rank(method="min", ascending=polarity == "higher_better")
    return ranks.astype("Int64")


def rank_note(polarity: str, n: int) -> str:
    """What rank 1 means, in plain English."""
    end = {"higher_worse": "the highest value (worst)",
           "higher_better": "the lowest value (worst)",
           "neutral": "the highest value"}[polarity]
    return f"Rank 1 of {n:,} is {end}."


def missing_reasons(reasons: Mapping[str, str], indicator_id: str, level: str,
                    codes: pd.Series) -> pd.Series:
    """Why each area of ``codes`` has no value, from the joined table's NA reasons.

    ``reasons`` maps a text naming levels and columns (``"lsoa simpson_diversity and
    lq_*"``, ``"lad d_*, isolation_* of E06000053"``) to the reason; a reason applies when
    it names the level (or none), names the column (exactly or by a ``*`` pattern, or as
    "rates per 10,000" for rate columns, or by theme word such as "police") and, when it
    names area codes, only to those areas.
    """
    out = pd.Series("", index=codes.index, dtype="object")
    for subject, reason in reasons.items():
        text = subject.lower()
        tokens = re.findall(r"[a-z0-9_*]+", text)
        levels = {t for t in tokens if t in MAP_LEVELS}
        if levels and level not in levels:
            continue
        names = [t for t in tokens if "_" in t or "*" in t]
        named = any(fnmatch.fnmatchcase(indicator_id, t) for t in names)
        named |= "per 10,000" in text and "per_10k" in indicator_id
        named |= not names and tokens[:1] == [indicator_id.split("_")[0]]
        if not named:
            continue
        areas = {c.upper() for c in re.findall(r"\be\d{8}\b", text)}
        mask = codes.isin(areas) if areas else pd.Series(True, index=codes.index)
        short = reason if len(reason) <= REASON_CHARS else reason[:REASON_CHARS] + "…"
        out[mask] = out[mask].where(out[mask] == "", out[mask] + "; ") + short
    return out.where(out != "", "not in the joined dataset for this area")


def after_click(code: str, level: str) -> tuple[str, str]:
    """The (area, level) to show after clicking ``code``: a district drills to its LSOAs."""
    return (code, "lsoa") if level == "lad" else (code, level)


def seg_unit_words(rows: pd.DataFrame, indicator: Indicator) -> str:
    """'across each district's LSOAs' for a segregation measure of districts, else ''."""
    if indicator.theme not in ("segregation", "uncertainty") or "seg_unit" not in rows:
        return ""
    units = sorted(str(u).upper() + "s" for u in rows["seg_unit"].dropna().unique())
    return f"across each district's {' and '.join(units)}" if units else ""


def random_placement(frame: pd.DataFrame, indicator: Indicator) -> pd.DataFrame | None:
    """What random placement gives for a D or isolation indicator, per row of ``frame``.

    Columns expected, low, high, random (True: hatched on the map) and residents; None
    when ``frame`` has no such columns for ``indicator``.
    """
    wanted = {s: f"{indicator.id}_{s}" for s in SUFFIXES}
    residents = residents_column(indicator.id)
    if residents is None or not set(wanted.values()) <= set(frame.columns):
        return None
    out = pd.DataFrame({s: frame[c] for s, c in wanted.items()}, index=frame.index)
    out["residents"] = frame[residents] if residents in frame.columns else pd.NA
    return out


def random_notes(values: pd.Series, placed: pd.DataFrame, indicator: Indicator) -> pd.Series:
    """The plain-English note of every value against random placement ('' for none)."""
    group = indicator.label.split(", ", 1)[-1].removesuffix(" (2011)")
    dissimilarity = indicator.id.startswith("d_")
    return pd.Series([benchmark_note(v, e, lo, hi, n, group, indicator.decimals, dissimilarity)
                      for v, e, lo, hi, n in zip(values, placed["expected"], placed["low"],
                                                 placed["high"], placed["residents"],
                                                 strict=True)], index=values.index, dtype=object)


def map_table(frame: pd.DataFrame, indicator: Indicator, reasons: Mapping[str, str],
              level: str) -> pd.DataFrame:
    """The text equivalent of the map: one row per area, highest rank first.

    ``frame`` has area_code, area_name and a column named after the indicator. The
    returned columns are Area, Code, the indicator's label with its unit, then for a rate
    with limits its 95% CI, the months behind it (Period) and the Residents note when
    ``frame`` has them, then Rank and Note (why there is no value; for D and isolation,
    what the value is against random placement, with the columns "If spread at random"
    and "95% range if random").
    """
    values = pd.to_numeric(frame[indicator.id], errors="coerce").astype("float64")
    table = pd.DataFrame({
        "Area": frame["area_name"].astype("string"),
        "Code": frame["area_code"].astype("string"),
        value_heading(indicator): table_values(values, indicator),
    })
    for name, values_of in rate_columns(frame, indicator).items():
        table[name] = values_of
    table["Rank"] = rank_values(values, indicator.polarity)
    na = values.isna()
    table["Note"] = ""
    placed = random_placement(frame, indicator)
    if placed is not None:
        expected = pd.to_numeric(placed["expected"], errors="coerce").astype("float64")
        places = [shown_decimals(v, e, lo, hi, indicator.decimals) for v, e, lo, hi in zip(
            values, expected, placed["low"], placed["high"], strict=True)]
        table.insert(4, "If spread at random", [format_value(e, n) for e, n in zip(
            expected, places, strict=True)])
        table.insert(5, "95% range if random", [
            "" if pd.isna(lo) else f"{format_value(lo, n)}–{format_value(hi, n)}"
            for lo, hi, n in zip(placed["low"], placed["high"], places, strict=True)])
        table["Note"] = random_notes(values, placed, indicator)
    if na.any():
        table.loc[na, "Note"] = NO_VALUE + ": " + missing_reasons(
            reasons, indicator.id, level, frame.loc[na, "area_code"])
    return table.sort_values(["Rank", "Area"], na_position="last").reset_index(drop=True)


def value_heading(indicator: Indicator) -> str:
    """The heading of an indicator's value column: its label and unit ("… (% of LSOAs)")."""
    return f"{indicator.label} ({unit_words(indicator)})"


def rate_columns(frame: pd.DataFrame, indicator: Indicator) -> dict[str, pd.Series]:
    """What the map's table shows beside a rate: its 95% interval, the months behind it and
    the residents note (each only when ``frame`` has it)."""
    columns: dict[str, pd.Series] = {}
    lower, upper = (f"{indicator.id}{end}" for end in INTERVAL_SUFFIXES)
    if lower in frame.columns and upper in frame.columns:
        columns["95% CI"] = pd.Series(
            [format_interval(lo, hi, indicator.decimals).removeprefix("95% CI ")
             for lo, hi in zip(frame[lower], frame[upper], strict=True)],
            index=frame.index, dtype="string")
    period = PERIODS.get(indicator.id)
    if period and period in frame.columns:
        columns["Period"] = frame[period].astype("string")
    if indicator.unit.startswith("per 10,000") and "denominator_flag" in frame.columns:
        columns["Residents note"] = frame["denominator_flag"].astype("string").fillna("")
    return columns


def table_page(table: pd.DataFrame, query: str = "", page: int = 1,
               size: int = 500) -> tuple[pd.DataFrame, int, int]:
    """One page of the map's table: rows whose Area, Local name (when there is one) or
    Code contains ``query`` (any case).

    Returns the page's rows, the number of pages and the number of matching rows; a page
    past the end gives the last page.
    """
    if size < 1:
        raise ValueError(f"size must be at least 1, not {size}")
    rows = table
    text = query.strip().casefold()
    if text:
        found = (table["Area"].str.casefold().str.contains(text, regex=False)
                 | table["Code"].str.casefold().str.contains(text, regex=False))
        if "Local name" in table.columns:
            found |= table["Local name"].str.casefold().str.contains(text, regex=False)
        rows = table[found.fillna(False).to_numpy(dtype=bool)]
    pages = max(1, -(-len(rows) // size))
    page = min(max(page, 1), pages)
    return rows.iloc[(page - 1) * size: page * size], pages, len(rows)
