"""Report counts of a set of LSOAs (reports.area_sets): suppressed, and guarded against
differencing with published official counts. The reports are invented."""

from __future__ import annotations

import pandas as pd

from reports.aggregate import build_cube, public_table
from reports.area_sets import area_set_counts
from tests.fixtures.reports.helpers import tiny_directory

SET = ["E01000001", "E01000002"]  # two of the three LSOAs of MSOA E02000001


def reports(counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = [{"area_code": area, "incident_date": f"{month}-10", "category": "rumour",
             "tension_level": "low"} for (area, month), n in counts.items() for _ in range(n)]
    return pd.DataFrame(rows)


def counts_of(counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    directory = tiny_directory()
    cube = build_cube(reports(counts), directory)
    return area_set_counts(cube, directory, "SA1", SET).set_index("period")


def test_counts_of_five_or_more_are_shown_and_small_ones_are_not():
    table = counts_of({("E01000001", "2025-01"): 4, ("E01000002", "2025-01"): 3,
                       ("E01000001", "2025-02"): 3})
    assert table.loc["2025-01", "shown"] == "7" and table.loc["2025-01", "count"] == 7
    assert table.loc["2025-02", "shown"] == "<5" and pd.isna(table.loc["2025-02", "count"])
    assert set(table["area_code"]) == {"SA1"}


def test_a_count_that_a_published_total_would_reveal_the_rest_of_is_withheld():
    # MSOA E02000001 holds the set and E01000003; E01000003 has 2 reports
    data = {("E01000001", "2025-03"): 7, ("E01000003", "2025-03"): 2,
            ("E01000005", "2025-03"): 6}
    directory = tiny_directory()
    cube = build_cube(reports(data), directory)
    msoa = public_table(cube, directory, level="msoa", by="all", period="month",
                        areas=["E02000001"])
    district = public_table(cube, directory, level="lad", by="all", period="month",
                            areas=["E09000001"])
    published = [t["count"].iloc[0] for t in (msoa, district) if not t["suppressed"].iloc[0]]
    assert published  # the MSOA or the district total is published ...
    table = area_set_counts(cube, directory, "SA1", SET).set_index("period")
    # ... so the set's 7 would give away E01000003's 2 (or 2 + 0): withheld
    assert table.loc["2025-03", "shown"] == "[c]"
    assert pd.isna(table.loc["2025-03", "count"])


def test_months_without_reports_are_absent_and_mean_zero():
    table = counts_of({("E01000001", "2025-01"): 6})
    assert list(table.index) == ["2025-01"]


def test_a_year_that_would_give_away_its_small_month_is_withheld():
    data = {("E01000001", "2025-01"): 3, ("E01000001", "2025-02"): 10}
    directory = tiny_directory()
    cube = build_cube(reports(data), directory)
    months = area_set_counts(cube, directory, "SA1", SET).set_index("period")
    assert months.loc["2025-01", "shown"] == "<5" and months.loc["2025-02", "shown"] != "<5"
    years = area_set_counts(cube, directory, "SA1", SET, "year").set_index("period")
    assert years.loc["2025", "shown"] == "[c]"
