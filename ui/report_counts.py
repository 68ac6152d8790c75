"""Public report counts for the pages: the one Streamlit-side door to the aggregation API.

Every page that shows tension reports (Map, Trends, Area profile) reads them here: the
suppressed tables of :func:`reports.aggregate.load_report_counts`, computed on the shared
report store and area directory and kept for a minute (reports change).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from reports.aggregate import Breakdown, Level, Period, load_report_counts
from reports.store import database_url
from settings import get_settings
from ui.cached import manifest_stamp
from ui.reports_view import get_directory, get_store


def report_store_status() -> str | None:
    """None when a report database exists; otherwise why there are no reports to show.

    The default SQLite file is not created just to find it empty.
    """
    url = get_settings().database_url
    if url and not url.startswith("sqlite"):
        return None
    path = database_url().removeprefix("sqlite:///")
    if path in ("", ":memory:") or not Path(path).is_file():
        return ("There is no tension report database on this server yet, so there are no "
                "reports to show. Reports appear here once members submit them and "
                "moderators approve them.")
    return None


@st.cache_data(ttl=60, show_spinner=False)
def _counts(cache_dir: str, stamp: float, url: str, level: str, by: str, period: str,
            areas: tuple[str, ...] | None) -> pd.DataFrame:
    return load_report_counts(get_store(), get_directory(), level=level, by=by,
                              period=period, areas=list(areas) if areas else None)


def load_public_counts(level: Level, by: Breakdown, period: Period,
                       areas: list[str] | None = None) -> pd.DataFrame:
    """Suppressed counts and rates of approved reports (see ``load_report_counts``).

    Raises whatever opening the store or the area lookups raises; pages say so.
    """
    return _counts(str(get_settings().cache_dir), manifest_stamp(), database_url(), level, by,
                   period, tuple(areas) if areas else None)
