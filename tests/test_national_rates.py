"""Issue 12's cases on all of England, through the publisher mirror of ../shared.

Skipped, with the reason, when ../shared is absent. The national refresh of
tests/conftest.py fetches police.uk crimes for Leicester (2021-11 to 2022-10); the real
police.uk street-level files of ../shared carry police.uk's own LSOA codes.
"""

from __future__ import annotations

import pandas as pd
import pytest

from data_sources.police_placement import check_files, published_levels
from indicators.benchmarks import BENCHMARK_TABLE, coverage_label
from indicators.joined import AREA_TABLE, build_joined, reasons_by_column
from indicators.profile import build_profile, comparison_table
from tests.conftest import SHARED

pytestmark = pytest.mark.national
LEICESTER, CITY = "E06000016", "E09000001"
POLICE_FILES = SHARED / "data" / "real" / "police_uk" / "leicestershire"


@pytest.fixture(scope="module")
def checked(national):
    """The placement checked on the real Leicestershire files, then the data rebuilt."""
    if not POLICE_FILES.is_dir():
        pytest.skip(f"no police.uk street files at {POLICE_FILES}")
    table, entry = check_files(national.cache, [POLICE_FILES])
    build_joined(national.cache)
    print("\n".join(entry.notes))
    return table


def rows_of(national, level: str) -> pd.DataFrame:
    area = national.cache.load_table(AREA_TABLE)
    return area[area["level"] == level].reset_index(drop=True)


def test_placement_on_super_generalised_lsoas_is_measured_and_lsoa_figures_withheld(
        national, checked):
    """Case 4: the mirror serves BSC LSOAs only; placed on them, crimes land in
    police.uk's own LSOA far less often than 99%, so police figures are district-only."""
    shares = checked.set_index("level")["share"]
    assert "BSC" in checked["resolution"].iloc[0]
    assert 0.80 < shares["lsoa"] < 0.95 and shares["msoa"] < 0.99 <= shares["lad"]
    assert published_levels(checked, checked["boundaries"].iloc[0])[0] == ("lad",)
    lsoas, lads = rows_of(national, "lsoa"), rows_of(national, "lad")
    assert lsoas["public_order_count"].isna().all()
    why = reasons_by_column(national.cache.load_table(AREA_TABLE))[
        "lsoa and msoa public_order*, asb* and police_* (police counts and rates)"]
    assert f"{shares['lsoa']:.1%} at LSOA level" in why, why
    assert lads.set_index("area_code").loc[LEICESTER, "public_order_count"] > 0


def test_leicester_rate_is_annual_with_interval_and_england_says_whence(national, checked):
    """Cases 2 and 3: twelve complete months make an annual rate, with its interval and
    months; England's figure is Leicester's alone, and says so."""
    lad = rows_of(national, "lad").set_index("area_code").loc[LEICESTER]
    assert lad["police_months"] == 12 and lad["police_period"] == "2021-11 to 2022-10"
    rate = lad["public_order_per_10k"]
    assert lad["public_order_per_10k_lower"] < rate < lad["public_order_per_10k_upper"]
    assert rate == pytest.approx(lad["public_order_count"] / lad["population_2021"] * 10_000)
    benchmarks = national.cache.load_table(BENCHMARK_TABLE)
    england = benchmarks[(benchmarks["indicator"] == "public_order_per_10k")
                         & (benchmarks["area_code"] == "E92000001")].iloc[0]
    assert coverage_label(england) == "the 1 of 309 districts with police data"
    # England's rate is Leicester's own: no comparison of Leicester with itself
    assert pd.isna(lad["public_order_per_10k_vs_england"])


def test_england_share_in_its_most_deprived_tenth_is_the_same_on_every_profile(national,
                                                                              checked):
    """Case 6: 9.9% on a district profile and 10.1% on an MSOA profile; 10.0% by definition."""
    benchmarks = national.cache.load_table(BENCHMARK_TABLE)
    shown = set()
    for level, code in (("lad", LEICESTER), ("msoa", "E02002812")):
        profile = build_profile(rows_of(national, level), code, benchmarks=benchmarks)
        table = comparison_table(profile).set_index("Indicator")
        label = next(i for i in table.index if i.startswith("Share of LSOAs in England's"))
        shown.add(table.loc[label, "England"])
    assert shown == {"10.0%"}


def test_city_of_london_carries_the_residents_note(national, checked):
    """Case 8: the City's rates rest on 8,584 residents."""
    for level in ("lad", "msoa", "lsoa"):
        rows = rows_of(national, level)
        city = rows[rows["lad_code"] == CITY]
        assert city["denominator_flag"].str.startswith("City of London").all()
        assert rows.loc[rows["lad_code"] != CITY, "denominator_flag"].isna().all()
