"""Public report counts for the pages: the one Streamlit-side door to the aggregation API.

Every page that shows tension reports (Map, Trends, Area profile) reads them here: the
suppressed tables of :func:`reports.aggregate.load_report_counts`, sliced from the stored
publication (:mod:`reports.publication`, rebuilt whenever a report changes state), read
once per state of the report store (:func:`reports.aggregate.reports_version`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from reports.aggregate import (
    Breakdown,
    Cube,
    Level,
    NotPublished,
    Period,
    public_table,
    reports_version,
)
from reports.area_set_cube import area_set_table
from reports.publication import current_cube
from reports.store import database_url
from settings import get_settings
from ui.cached import manifest_stamp
from ui.reports_view import get_directory, get_store

__all__ = ["NotPublished", "load_public_counts", "report_store_status"]


SERVICE_AREA_COUNTS = ("A service area's tension reports are counted in its small areas "
                       "(LSOAs): reports placed only at a neighbourhood (MSOA) or district "
                       "cannot be assigned to it and are left out. Its counts are checked "
                       "together with every published table, other service areas' too, so "
                       "1 to 4 are shown as <5 and counts that would let a small count be "
                       "worked out as [c].")


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


# The publication (every published count, suppressed together) is read from the store
# once per state of the report store and shared by every session; it is built when a
# report changes state, or here by the first reader if that could not be done then.
@st.cache_resource(show_spinner=False, max_entries=2)
def _cube(cache_dir: str, stamp: float, url: str, version: tuple[int, int, int]) -> Cube:
    cube = current_cube(get_store(), get_directory())
    cells = cube.cells.astype(
        {c: "category" for c in ("level", "area_code", "period_kind", "period", "dimension",
                                 "group")})
    return Cube(cells, cube.unpublished)


def _current_cube() -> Cube:
    settings = get_settings()
    return _cube(str(settings.cache_dir), manifest_stamp(), database_url(),
                 reports_version(get_store()))


def load_area_set_counts(code: str, period: Period = "month") -> pd.DataFrame:
    """Suppressed counts of approved reports in a stored service area (code ``SA<id>``) by
    month or year, from the audited publication (:mod:`reports.area_set_cube`)."""
    return area_set_table(_current_cube(), code, period)


def load_public_counts(level: Level, by: Breakdown, period: Period,
                       areas: list[str] | None = None) -> pd.DataFrame:
    """Suppressed counts and rates of approved reports (see ``load_report_counts``).

    Raises whatever opening the store or the area lookups raises; pages say so.
    """
    return public_table(_current_cube(), get_directory(), level=level, by=by, period=period,
                        areas=areas)
