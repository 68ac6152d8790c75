"""Service-area counts are published with the official tables and audited together: no
differencing of overlapping service areas gives away a small count, whether or not the
LSOA tables are published. All reports and service areas here are invented."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports import moderation
from reports.aggregate import NotPublished, build_cube, public_table
from reports.area_set_cube import AreaSet, area_set_table, service_area_code
from reports.publication import set_directory_provider, stored_cube
from reports.service_areas import create_service_area
from reports.submissions import submit_report
from reports.suppression import PUBLISHED
from reports.taxonomy import CATEGORY_IDS, TENSION_LEVEL_IDS
from tests.disclosure_attack import pinned_cells
from tests.fixtures.reports.helpers import (
    DATABASES,
    TODAY,
    bootstrap,
    fresh_store,
    report,
    tiny_directory,
)

DIRECTORY = tiny_directory()
LSOAS = sorted(DIRECTORY.areas.index[DIRECTORY.areas["level"] == "lsoa"])
REPORT_AREAS = sorted(DIRECTORY.areas.index[DIRECTORY.areas["level"].isin(["lsoa", "msoa",
                                                                           "lad"])])
COLUMNS = ["area_code", "incident_date", "category", "tension_level"]
# two overlapping service areas that differ by E01000003 alone
NORTH = AreaSet("SA1", ("E01000001", "E01000002"))
NORTH_AND_EAST = AreaSet("SA2", ("E01000001", "E01000002", "E01000003"))


def invented(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """Invented approved reports: (area, date), one category and tension level."""
    return pd.DataFrame([(area, day, "rumour", "low") for area, day in rows],
                        columns=COLUMNS)


def shown(cube, area_set: AreaSet, period: str = "year") -> dict[str, str]:
    table = area_set_table(cube, area_set.code, period)
    return dict(zip(table["period"], table["shown"], strict=True))


def test_two_overlapping_service_areas_do_not_give_away_the_lsoa_between_them():
    # 6 + 6 reports in the two LSOAs both areas share, 2 in the one only the second has:
    # published as they are, 14 - 12 would be that LSOA's 2
    reports = invented([("E01000001", "2025-01-10")] * 6 + [("E01000002", "2025-01-12")] * 6
                       + [("E01000003", "2025-01-15")] * 2)
    sets = [NORTH, NORTH_AND_EAST]
    assert pinned_cells(reports, DIRECTORY, sets) == []
    cube = build_cube(reports, DIRECTORY, sets)
    north, both = shown(cube, NORTH), shown(cube, NORTH_AND_EAST)
    assert not (north["2025"].isdigit() and both["2025"].isdigit())
    assert "[c]" in (north["2025"], both["2025"])
    # the LSOA's own count stays hidden in the official table
    lsoa = public_table(cube, DIRECTORY, level="lsoa", by="all", period="year")
    assert dict(zip(lsoa["area_code"], lsoa["shown"], strict=True))["E01000003"] in {
        "<5", "[c]"}


def test_a_service_area_count_is_shown_when_nothing_can_be_worked_out_from_it():
    reports = invented([("E01000001", "2025-01-10")] * 6 + [("E01000002", "2025-02-12")] * 7
                       + [("E01016001", "2025-03-02")] * 6)
    cube = build_cube(reports, DIRECTORY, [NORTH])
    assert shown(cube, NORTH) == {"2025": "13"}
    assert shown(cube, NORTH, "month") == {"2025-01": "6", "2025-02": "7"}
    assert pinned_cells(reports, DIRECTORY, [NORTH]) == []


def test_differencing_through_an_unpublished_lsoa_table_is_blocked(monkeypatch):
    # the LSOA and MSOA tables are not published (as when most of their counts are
    # small), yet the two service areas would still pin E01000003's 2 without the audit
    monkeypatch.setattr("reports.aggregate.MAX_SMALL_CELLS", 0)
    reports = invented([("E01000001", "2025-01-10")] * 9 + [("E01000002", "2025-01-11")] * 8
                       + [("E01000003", "2025-01-15")] * 2 + [("E01000005", "2025-02-01")])
    sets = [NORTH, NORTH_AND_EAST]
    cube = build_cube(reports, DIRECTORY, sets)
    assert {("lsoa", "month", "all"), ("lsoa", "year", "all")} <= cube.unpublished
    assert pinned_cells(reports, DIRECTORY, sets) == []
    north, both = shown(cube, NORTH, "month"), shown(cube, NORTH_AND_EAST, "month")
    assert not (north["2025-01"].isdigit() and both["2025-01"].isdigit())


sets_strategy = st.lists(
    st.lists(st.sampled_from(LSOAS), min_size=1, max_size=5, unique=True),
    min_size=1, max_size=3,
).map(lambda sets: [AreaSet(f"SA{i}", tuple(sorted(s))) for i, s in enumerate(sets)])
reports_strategy = st.lists(
    st.tuples(st.sampled_from(REPORT_AREAS),
              st.sampled_from(["2024-11-05", "2024-12-01", "2025-01-20", "2025-02-11"]),
              st.sampled_from(CATEGORY_IDS[:3]), st.sampled_from(TENSION_LEVEL_IDS)),
    min_size=5, max_size=40,
).map(lambda rows: pd.DataFrame(rows, columns=COLUMNS))


@pytest.mark.timeout(3600)
@settings(max_examples=int(os.environ.get("GRA_AUDIT_STORES", "12")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(reports=reports_strategy, sets=sets_strategy)
def test_no_count_of_random_stores_and_service_areas_can_be_pinned(reports, sets):
    assert pinned_cells(reports, DIRECTORY, sets) == []
    cells = build_cube(reports, DIRECTORY, sets).cells
    assert (cells.loc[cells["status"] == PUBLISHED, "count"] >= 5).all()
    mine = cells[cells["level"] == "service_area"]
    assert (mine.loc[mine["count"].between(1, 4), "status"] != PUBLISHED).all()


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    with fresh_store(request.param, tmp_path) as opened:
        set_directory_provider(opened, lambda: DIRECTORY)
        yield opened


def test_a_new_service_area_is_published_before_anyone_reads(store):
    people = bootstrap(store)
    ids = [submit_report(store, people["thames"], report(area=area), directory=DIRECTORY,
                         today=TODAY) for area in ["E01000001"] * 6 + ["E01000002"] * 6]
    for report_id in ids:
        moderation.approve(store, people["moderator"], report_id)
    area_id = create_service_area(store, people["thames"], "Thamesbury north (invented)",
                                  ["E01000001", "E01000002"], list_in_directory=True,
                                  directory=DIRECTORY)
    cube = stored_cube(store, DIRECTORY)
    assert cube is not None  # rebuilt when the area was made
    table = area_set_table(cube, service_area_code(area_id), "year")
    assert table["shown"].tolist() == ["12"]
    assert table["count"].tolist() == [12]
    assert area_set_table(cube, "SA999", "year").empty


def test_too_many_small_service_area_counts_by_month_are_not_published(monkeypatch):
    # two months hold a small count of an LSOA, no year does: with room for one such
    # count, service areas are published by year only, and asking for months says so
    monkeypatch.setattr("reports.area_set_cube.MAX_RISKY_CELLS", 1)
    reports = invented([("E01000001", "2025-01-10")] * 6 + [("E01000002", "2025-01-12")] * 3
                       + [("E01000001", "2025-02-10")] * 7
                       + [("E01000002", "2025-03-12")] * 3)
    cube = build_cube(reports, DIRECTORY, [NORTH])
    assert ("service_area", "month", "all") in cube.unpublished
    assert ("service_area", "year", "all") not in cube.unpublished
    with pytest.raises(NotPublished, match="not published by month"):
        area_set_table(cube, NORTH.code, "month")
    assert shown(cube, NORTH) == {"2025": "19"}
    assert pinned_cells(reports, DIRECTORY, [NORTH]) == []
