"""The profile of a custom area (indicators.custom_area) on the invented England of
tests/fixtures/service_areas.py (INVENTED DATA, not real)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from pypdf import PdfReader

from indicators.custom_area import (
    CustomArea,
    build_custom_profile,
    check_lsoas,
    comparison_level,
    compute_custom_row,
)
from indicators.profile_export import render_pdf
from tests.fixtures import service_areas as invented


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return invented.joined_rows()


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    return invented.census_lsoa()


def by_level(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {level: rows[rows["level"] == level].reset_index(drop=True)
            for level in ("lsoa", "msoa", "lad")}


def district_as_custom(rows: pd.DataFrame, lad: str) -> CustomArea:
    lsoas = rows[(rows["level"] == "lsoa") & (rows["lad_code"] == lad)]["area_code"]
    return CustomArea("SA-1", "Our patch", tuple(lsoas))


def test_a_district_as_a_custom_area_has_the_district_figures(rows, counts):
    levels = by_level(rows)
    area = district_as_custom(rows, "E06000000")
    row = compute_custom_row(area, "lad", levels["lsoa"], counts,
                             police_months=invented.police_months())
    district = levels["lad"].set_index("area_code").loc["E06000000"]
    for column in ("population_2021", "imd_avg_score", "imd_pct_most_deprived_10",
                   "imd_extent", "simpson_diversity", "d_asian", "isolation_black",
                   "entropy_h", "d_asian_expected", "d_asian_low", "d_asian_high"):
        assert row[column] == pytest.approx(district[column]), column
    assert row["d_asian_random"] == district["d_asian_random"]
    assert row["region_code"] == "E12000001" and row["seg_unit"] == "lsoa"
    # 24 invented months: the rate is over the 12 ending 2025-06, all with data
    assert row["police_period"] == "2024-07 to 2025-06" and row["police_months"] == 12
    assert row["public_order_per_10k"] > 0


def test_share_of_lsoas_in_the_most_deprived_tenth_is_not_weighted(rows):
    lsoas = by_level(rows)["lsoa"]
    chosen = lsoas.sort_values("imd_rank").head(6)["area_code"]  # ranks 350 … 2,100 of 33,755
    extra = lsoas.sort_values("imd_rank").tail(2)["area_code"]
    area = CustomArea("SA-2", "Six poor, two rich", (*chosen, *extra))
    row = compute_custom_row(area, "msoa", lsoas)
    assert row["imd_pct_most_deprived_10"] == pytest.approx(6 / 8)


def test_size_decides_what_it_is_compared_with(rows):
    levels = by_level(rows)
    assert comparison_level(6_000, levels) == "msoa"
    assert comparison_level(25_000, levels) == "lad"


def test_unknown_lsoas_are_named(rows):
    area = CustomArea("SA-3", "Typo", ("E01000000", "E01999999"))
    assert check_lsoas(area, by_level(rows)["lsoa"]) == ["E01999999"]
    with pytest.raises(ValueError, match="no small areas"):
        check_lsoas(CustomArea("SA-4", "Empty", ()), by_level(rows)["lsoa"])


def test_profile_ranks_among_msoas_with_similar_areas_and_segregation(rows, counts):
    levels = by_level(rows)
    lsoas = tuple(levels["lsoa"]["area_code"][:6])  # an MSOA and a half, clustered Asian group
    area = CustomArea("SA-5", "Northside Together's area", lsoas)
    row = compute_custom_row(area, "msoa", levels["lsoa"], counts)
    profile = build_custom_profile(row, levels["msoa"], invented.REGIONS, k=5)
    assert profile.noun == "service area" and profile.level == "msoa"
    table = profile.indicators.set_index("id")
    assert table.loc["imd_avg_score", "of"] == 25  # 24 invented MSOAs and this area
    assert len(profile.similar) == 5 and "SA-5" not in set(profile.similar["area_code"])
    assert set(profile.similar["area_code"]).issubset(set(levels["msoa"]["area_code"]))
    assert "d_asian" in table.index and pd.isna(table.loc["d_asian", "rank"])
    assert "across LSOAs" in table.loc["d_asian", "vintage"]
    assert not profile.random_placement.empty
    assert any("most unevenly spread" in s and "Asian" in s for s in profile.sentences)


def test_custom_profile_pdf(rows, counts):
    levels = by_level(rows)
    area = district_as_custom(rows, "E06000001")
    row = compute_custom_row(area, "lad", levels["lsoa"], counts)
    profile = build_custom_profile(row, levels["lad"], invented.REGIONS, k=3)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        render_pdf(profile, [], []))).pages)
    assert "Our patch" in text and "Service area SA-1" in text
    assert "Segregation against random placement" in text
