"""The public aggregate table of the report store as it is exported: columns and rounding.

Only the public aggregate columns leave: ``shown`` (a count, "<5" or "[c]") as ``count``,
and rates rounded to 2 decimals, empty where the count is suppressed. The command line
writes the table with :func:`indicators.writers.csv_text`, the project's one CSV writer,
which neutralises cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

import pandas as pd

EXPORT_COLUMNS = ["area_code", "area_name", "level", "period", "group", "shown", "residents",
                  "rate_per_10k"]


def public_table(table: pd.DataFrame) -> pd.DataFrame:
    """A table from :func:`reports.aggregate.load_report_counts` as it is exported."""
    return (table[EXPORT_COLUMNS].assign(rate_per_10k=table["rate_per_10k"].round(2))
            .rename(columns={"shown": "count"}))
