"""Chart tables for people: column names in words, numbers with the indicator's rule,
empty cells blank (never "None" or "nan").

Every chart's "Table of this chart" and its CSV go through :func:`readable_table`; the CSV
keeps numbers as numbers (blank where missing), the table on screen shows them as text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from indicators.formatting import format_number

COLUMN_WORDS = {
    "area_code": "Code", "area_name": "Area", "place": "Place", "month": "Month",
    "measure": "Measure", "offences": "Offences", "residents": "Residents",
    "rate_per_10k": "Rate per 10,000 residents", "lower": "95% CI lower",
    "upper": "95% CI upper", "districts": "Districts with data",
    "reports": "Approved reports", "count": "Approved reports (number)",
    "value": "Value", "unit": "Unit", "vintage": "Edition", "vintages": "Editions",
    "how": "How the figure is made", "earlier": "Earlier", "latest": "Latest",
    "change": "Change", "rank": "Rank", "areas_ranked": "Areas ranked",
    "region": "Region", "vs_region": "Compared with region", "england": "England",
    "vs_england": "Compared with England", "period": "Period", "note": "Note",
    "random_expected": "If spread at random", "random_low": "Random range, low",
    "random_high": "Random range, high", "random_flag": "Not clearly different from random",
    "random_verdict": "Against random placement", "indicator": "Indicator",
    "decile_from_top": "Decile from the top", "of": "Of", "area": "Area",
}
"""Column ids of the chart tables and the words shown instead."""
DECIMALS = {"rate_per_10k": 2, "lower": 2, "upper": 2}
"""Decimals of columns that are not one indicator's values (counts: 0)."""

Formatter = Callable[[object], str]


def column_words(column: str) -> str:
    """The heading of ``column``: its words, or the id with a capital and spaces."""
    return COLUMN_WORDS.get(column, column[:1].upper() + column[1:].replace("_", " "))


def readable_table(table: pd.DataFrame, formats: Mapping[str, Formatter] | None = None,
                   as_text: bool = True) -> pd.DataFrame:
    """``table`` with worded headings; with ``as_text`` every number formatted (``formats``
    by column, else thousands separators and :data:`DECIMALS`) and blanks for missing."""
    formats = formats or {}
    out = table.copy()
    if as_text:
        for column in out.columns:
            out[column] = _as_text(out[column], formats.get(column), DECIMALS.get(column))
    return out.rename(columns=column_words)


def _as_text(values: pd.Series, formatter: Formatter | None, decimals: int | None) -> pd.Series:
    if formatter is not None:
        return values.map(lambda v: "" if _missing(v) else formatter(v)).astype("string")
    if pd.api.types.is_bool_dtype(values):
        return values.map(lambda v: "" if _missing(v) else ("yes" if v else "no")).astype(
            "string")
    if pd.api.types.is_numeric_dtype(values):
        places = decimals if decimals is not None else (
            0 if pd.api.types.is_integer_dtype(values) else 2)
        return values.map(lambda v: format_number(v, places)).astype("string")
    return values.map(lambda v: "" if _missing(v) else str(v)).astype("string")


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
