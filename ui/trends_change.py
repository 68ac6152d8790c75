"""The Trends page's "Change over time": short edition names, the chart's data and the
summary table in words, with "not available" and the reason where a value is missing."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from indicators.catalogue import get_indicator
from indicators.formatting import format_value

EDITION = re.compile(r"(IoD|Census) (\d{4})")
NOT_AVAILABLE = "not available"


def edition_of(vintage: str) -> str:
    """The short name of an edition ("IoD 2019", "Census 2011") from a vintage text."""
    found = EDITION.search(vintage)
    return found.group(0) if found else vintage


def change_title(label: str, vintages: str) -> str:
    """"IMD average score: IoD 2019 and IoD 2025" (the label without its own edition)."""
    before, after = (edition_of(v) for v in vintages.split(" → "))
    return f"{EDITION.sub('', label).replace(' ()', '').strip()}: {before} and {after}"


def change_bars(shown: pd.DataFrame) -> pd.DataFrame:
    """One row per place and edition (place, edition, value, unit): what the chart draws."""
    before, after = (edition_of(v) for v in shown["vintages"].iloc[0].split(" → "))
    long = shown.melt(id_vars=["place", "unit"], value_vars=["earlier", "latest"],
                      var_name="edition", value_name="value")
    long["edition"] = long["edition"].map({"earlier": before, "latest": after})
    return long[["place", "edition", "value", "unit"]]


def change_table(shown: pd.DataFrame, why_missing: Callable[[str, str], str]) -> pd.DataFrame:
    """The summary under the chart: each place's earlier and latest value and the change,
    formatted by the indicator's rule; "not available" and the reason (from
    ``why_missing(indicator id, area code)``) where a value is missing."""
    before, after = (edition_of(v) for v in shown["vintages"].iloc[0].split(" → "))
    rows = []
    for row in shown.itertuples(index=False):
        indicator = get_indicator(row.latest_id)
        notes = [f"{name}: {why_missing(ident, row.code)}"
                 for name, ident, value in ((before, row.earlier_id, row.earlier),
                                            (after, row.latest_id, row.latest))
                 if pd.isna(value)]
        rows.append({"Place": row.place,
                     before: format_value(row.earlier, indicator, NOT_AVAILABLE),
                     after: format_value(row.latest, indicator, NOT_AVAILABLE),
                     "Change": format_value(row.change, indicator, NOT_AVAILABLE),
                     "How the figure is made": row.how, "Why not available": "; ".join(notes)})
    return pd.DataFrame(rows)
