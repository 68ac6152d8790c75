"""One formatting rule per indicator, from its catalogue entry.

Every page, table, chart label, PDF and export label shows an indicator's values the same
way: shares (units starting "proportion") as percentages with ``decimals - 2`` places
("20.0%"), everything else with the catalogue's decimals and thousands separators
("8,402", "0.456", "12.3"). Streamlit tables get the same rule as a column format, so
their numbers stay sortable.
"""

from __future__ import annotations

import pandas as pd

from indicators.catalogue import Indicator

MISSING = ""


def is_share(indicator: Indicator) -> bool:
    """True when the indicator is a share (0-1) shown as a percentage."""
    return indicator.unit.startswith("proportion")


def shown_decimals(indicator: Indicator) -> int:
    """Decimal places as shown: a share loses two when it becomes a percentage."""
    return max(indicator.decimals - 2, 0) if is_share(indicator) else indicator.decimals


def format_number(value: object, decimals: int, missing: str = MISSING) -> str:
    """``value`` with thousands separators and ``decimals`` places; ``missing`` for NA."""
    number = _float(value)
    return missing if number is None else f"{number:,.{decimals}f}"


def format_value(value: object, indicator: Indicator, missing: str = MISSING) -> str:
    """``value`` of ``indicator`` as every page shows it ("20.0%", "8,402", "0.456")."""
    number = _float(value)
    if number is None:
        return missing
    if is_share(indicator):
        return f"{100 * number:,.{shown_decimals(indicator)}f}%"
    return f"{number:,.{indicator.decimals}f}"


def format_with_unit(value: object, indicator: Indicator, missing: str = MISSING) -> str:
    """The value and its unit in words ("20.0% of LSOAs", "0.456 index 0-1")."""
    shown = format_value(value, indicator, missing)
    if shown == missing:
        return shown
    if is_share(indicator):
        return f"{shown}{unit_words(indicator).removeprefix('%')}"
    return f"{shown} {indicator.unit}"


def unit_words(indicator: Indicator) -> str:
    """The unit as a heading says it: "% of LSOAs" for a share, else the catalogue unit."""
    if is_share(indicator):
        return "%" + indicator.unit.removeprefix("proportion")
    return indicator.unit


def table_values(values: pd.Series, indicator: Indicator) -> pd.Series:
    """Numbers as a table (and its CSV) holds them under :func:`unit_words`: a share as a
    percentage (20.0 under "% of LSOAs"), rounded to the shown decimals."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    return (100 * numbers if is_share(indicator) else numbers).round(shown_decimals(indicator))


def column_format(indicator: Indicator) -> dict[str, object]:
    """Keyword arguments of ``st.column_config.NumberColumn`` showing
    :func:`table_values` by the same rule: "20.0%" for a share, else thousands separators
    (``localized``) with the decimals fixed by ``step``."""
    if is_share(indicator):
        return {"format": f"%.{shown_decimals(indicator)}f%%"}
    return {"format": "localized",
            "step": 10.0 ** -indicator.decimals if indicator.decimals else 1}


def axis_format(indicator: Indicator) -> str:
    """The same rule as a d3 format for Plotly axes, hover labels and bar texts."""
    if is_share(indicator):
        return f",.{shown_decimals(indicator)}%"
    return f",.{indicator.decimals}f"


def _float(value: object) -> float | None:
    if value is None or isinstance(value, str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN and pd.NA are missing
