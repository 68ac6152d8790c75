"""CSV export of public aggregates, safe to open in a spreadsheet.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) would be
run as a formula by Excel or LibreOffice; such cells get a leading apostrophe, which
spreadsheets show as text. Only the public aggregate columns are exported.
"""

from __future__ import annotations

import csv
import io

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = ["area_code", "area_name", "level", "period", "group", "shown", "residents",
                  "rate_per_10k"]


def neutralise(value: object) -> str:
    """The cell as text, with a leading apostrophe if a spreadsheet would run it as a formula."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def public_csv(table: pd.DataFrame) -> str:
    """A table from :func:`reports.aggregate.load_report_counts` as neutralised CSV text.

    The ``shown`` column (a count, "<5" or "[c]") is exported as ``count``; rates are
    rounded to 2 decimals and left empty where the count is suppressed.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name if name != "shown" else "count" for name in EXPORT_COLUMNS])
    rates = table["rate_per_10k"].round(2)
    for row in table.assign(rate_per_10k=rates)[EXPORT_COLUMNS].itertuples(index=False):
        writer.writerow([neutralise(value) for value in row])
    return out.getvalue()
