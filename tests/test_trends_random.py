"""Trends' "Change over time": notes on D values that cannot be told from random."""

from __future__ import annotations

import pandas as pd

from ui.trends_random import random_placement_notes
from ui.trends_view import Place

DISTRICT = {"area_code": "E07000046", "area_name": "Torridge", "lad_code": "E07000046",
            "d_black": 0.156, "d_black_expected": 0.128, "d_black_low": 0.067,
            "d_black_high": 0.2, "d_black_random": True, "residents_black": 76,
            "d_black_2011": 0.31, "d_black_2011_expected": 0.1, "d_black_2011_low": 0.05,
            "d_black_2011_high": 0.16, "d_black_2011_random": False,
            "residents_black_2011": 900}


def test_district_values_get_their_notes_regions_and_england_none():
    districts = pd.DataFrame([DISTRICT])
    places = [Place("E07000046", "Torridge", "lad"), Place("E12000009", "South West",
                                                            "region"),
              Place("E92000001", "England", "country")]
    notes = random_placement_notes(districts, districts, places, "Dissimilarity, Black")
    assert notes == ["Torridge, Census 2021: Not clearly different from a random spread: "
                     "random placement of the same people gives 0.128 (95% range "
                     "0.067–0.200). Small group (76 Black residents, fewer than 500): chance "
                     "alone gives about 0.128, so read this value with care."]
    assert random_placement_notes(districts, districts, places,
                                  "Multigroup segregation (Theil's H)") == []


def test_a_small_area_is_noted_through_its_district():
    districts = pd.DataFrame([DISTRICT])
    lsoa = pd.DataFrame([{"area_code": "E01020000", "lad_code": "E07000046"}])
    notes = random_placement_notes(lsoa, districts, [Place("E01020000", "Torridge 001A",
                                                           "lsoa")], "Dissimilarity, Black")
    assert len(notes) == 1 and notes[0].startswith("Torridge 001A, Census 2021: Not clearly")
