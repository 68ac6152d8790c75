"""Public report counts for the pages: the one Streamlit-side door to the aggregation API.

Every page that shows tension reports (Map, Trends, Area profile) reads them here: the
suppressed tables of :func:`reports.aggregate.load_report_counts`, sliced from one cube
per state of the report store (:func:`reports.aggregate.reports_version`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from reports.aggregate import (
    Breakdown,
    Cube,
    Level,
    Period,
    build_cube,
    load_approved,
    public_table,
    reports_version,
)
from reports.area_sets import area_set_counts
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


# The cube (every count at every level, period and breakdown, suppressed together) is the
# costly part; it is built once per state of the report store and shared by every session.
@st.cache_resource(show_spinner=False, max_entries=2)
def _cube(cache_dir: str, stamp: float, url: str, version: tuple[int, int, int]) -> Cube:
    cube = build_cube(load_approved(get_store()), get_directory())
    # Slicing needs only the cells with their status: the relations (used to suppress,
    # already done) are dropped and text columns made categorical, which keeps a cube of
    # 100,000 reports to a fraction of its built size in the server's memory.
    cells = cube.cells.drop(columns=["parent_code"]).astype(
        {c: "category" for c in ("level", "area_code", "period_kind", "period", "dimension",
                                 "group")})
    return Cube(cells, [])


def _current_cube() -> Cube:
    settings = get_settings()
    return _cube(str(settings.cache_dir), manifest_stamp(), database_url(),
                 reports_version(get_store()))


def load_area_set_counts(code: str, lsoas: list[str], period: Period = "month") -> pd.DataFrame:
    """Suppressed counts of approved reports by month or year in a set of LSOAs (a service
    area), from the same cube (:func:`reports.area_sets.area_set_counts`)."""
    return area_set_counts(_current_cube(), get_directory(), code, lsoas, period)


def load_public_counts(level: Level, by: Breakdown, period: Period,
                       areas: list[str] | None = None) -> pd.DataFrame:
    """Suppressed counts and rates of approved reports (see ``load_report_counts``).

    Raises whatever opening the store or the area lookups raises; pages say so.
    """
    return public_table(_current_cube(), get_directory(), level=level, by=by, period=period,
                        areas=areas)
