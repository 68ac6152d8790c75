"""The area hierarchy and search, on a tiny hand-built England."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.hierarchy import (
    ENGLAND_CODE,
    add_local_names,
    ancestors,
    build_hierarchy,
    children,
    local_label,
    search_areas,
)

LSOAS = pd.DataFrame({
    "lsoa21_code": ["E01000001", "E01000002", "E01009001", "E01009002"],
    "lsoa21_name": ["City of London 001A", "City of London 001B", "Birmingham 001A",
                    "Birmingham 002A"],
    "msoa21_code": ["E02000001", "E02000001", "E02001800", "E02001801"],
    "msoa21_name": ["City of London 001", "City of London 001", "Birmingham 001",
                    "Birmingham 002"],
    "lad22_code": ["E09000001", "E09000001", "E08000025", "E08000025"],
    "lad22_name": ["City of London", "City of London", "Birmingham", "Birmingham"],
})
REGIONS = pd.DataFrame({
    "lad22_code": ["E09000001", "E08000025", "E08000026"],
    "lad22_name": ["City of London", "Birmingham", "Coventry"],
    "region_code": ["E12000007", "E12000005", "E12000005"],
    "region_name": ["London", "West Midlands", "West Midlands"],
})


@pytest.fixture
def areas() -> pd.DataFrame:
    return build_hierarchy(LSOAS, REGIONS)


def test_every_level_once(areas):
    assert areas["level"].value_counts().to_dict() == {
        "lsoa": 4, "msoa": 3, "lad": 2, "region": 2, "country": 1}
    assert not areas["area_code"].duplicated().any()


def test_ancestors_run_up_to_england(areas):
    assert ancestors(areas, "E01009002") == ["E02001801", "E08000025", "E12000005", ENGLAND_CODE]
    assert ancestors(areas, ENGLAND_CODE) == []


def test_children_at_any_level_below(areas):
    assert children(areas, "E08000025", "lsoa")["area_code"].tolist() == ["E01009001", "E01009002"]
    assert children(areas, "E12000007", "msoa")["area_code"].tolist() == ["E02000001"]
    assert len(children(areas, ENGLAND_CODE, "lad")) == 2


def test_search_as_you_type_prefers_districts_then_neighbourhoods(areas):
    found = search_areas(areas, "birm")["area_code"].tolist()
    assert found[0] == "E08000025"
    assert set(found[1:]) == {"E02001800", "E02001801", "E01009001", "E01009002"}


def test_search_matches_later_words_and_codes(areas):
    assert search_areas(areas, "london")["area_code"].iloc[0] == "E12000007"
    assert "E09000001" in search_areas(areas, "london")["area_code"].tolist()
    assert search_areas(areas, "E08000025")["area_code"].tolist() == ["E08000025"]
    assert search_areas(areas, "  ").empty
    assert search_areas(areas, "zzz").empty


def test_a_district_without_region_is_refused():
    with pytest.raises(ValueError, match="without a region"):
        build_hierarchy(LSOAS, REGIONS[REGIONS["lad22_code"] != "E08000025"])


WARDS = pd.DataFrame({"lsoa21_code": ["E01000001", "E01000002", "E01009001", "E01009002"],
                      "ward24_name": ["Aldersgate", "Bishopsgate", "Highfields & Western Downs",
                                      "Stockland Green"]})
MSOA_NAMES = pd.DataFrame({"msoa21_code": ["E02000001", "E02001800"],
                           "msoa21_hcl_name": ["City of London", "Highfields"]})


def test_local_names_sit_beside_the_ons_names(areas):
    named = add_local_names(areas, WARDS, MSOA_NAMES).set_index("area_code")
    assert named.at["E02001800", "local_name"] == "Highfields"
    assert named.at["E01009001", "local_name"] == "Highfields"  # its MSOA's name
    assert named.at["E01009001", "ward_name"] == "Highfields & Western Downs"
    assert named.at["E02000001", "ward_name"] in ("Aldersgate / Bishopsgate",
                                                  "Bishopsgate / Aldersgate")
    assert pd.isna(named.at["E02001801", "local_name"]) and pd.isna(named.at["E08000025",
                                                                              "ward_name"])
    assert local_label("Highfields", "Stoneygate") == "Highfields, Stoneygate ward"
    assert local_label(pd.NA, "A / B") == "A / B wards"
    assert local_label(pd.NA, pd.NA) == ""
    assert add_local_names(areas)["local_name"].isna().all()


def test_search_finds_the_names_people_use(areas):
    named = add_local_names(areas, WARDS, MSOA_NAMES)
    found = search_areas(named, "Highfields", levels=("lad", "msoa", "lsoa"))
    assert found["area_code"].tolist()[0] == "E02001800"
    assert set(found["area_code"]) == {"E02001800", "E01009001"}
    assert search_areas(named, "western downs")["area_code"].tolist() == ["E02001800",
                                                                          "E01009001"]
    assert search_areas(named, "aldersgate")["area_code"].tolist() == ["E02000001",
                                                                        "E01000001"]
