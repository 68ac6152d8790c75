"""The sidebar's area search by postcode: postcodes.io over loopback HTTP, then the map."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache, Provenance
from settings import PROJECT_ROOT, get_settings
from ui.cached import look_up_postcode

APP = str(PROJECT_ROOT / "dashboard.py")
# Invented areas under the codes the mirror's record for LE1 6RP carries.
LEICESTER, MSOA, LSOA, OTHER_LSOA = "E06000016", "E02002812", "E01013571", "E01013572"


def _provenance(dataset: str) -> Provenance:
    return Provenance(dataset, "test", f"Test {dataset}", "https://example.invalid/",
                      "Test vintage", "test", "Open Government Licence v3.0", "Test.")


@pytest.fixture
def cached(mirror_env):
    look_up_postcode.clear()
    cache = Cache(mirror_env.cache_dir)
    cache.store_table(pd.DataFrame({
        "lsoa21_code": [LSOA, OTHER_LSOA], "lsoa21_name": ["Leicester 027C", "Leicester 027D"],
        "msoa21_code": MSOA, "msoa21_name": "Leicester 027", "lad22_code": LEICESTER,
        "lad22_name": "Leicester"}), _provenance("lookup_lsoa21_msoa21_lad22"))
    cache.store_table(pd.DataFrame({"lad22_code": [LEICESTER], "lad22_name": ["Leicester"],
                                    "region_code": "E12000004",
                                    "region_name": "East Midlands"}),
                      _provenance("lookup_lad22_region"))
    joined = pd.DataFrame([
        {"area_code": LSOA, "area_name": "Leicester 027C", "level": "lsoa", "imd_score": 41.0},
        {"area_code": OTHER_LSOA, "area_name": "Leicester 027D", "level": "lsoa",
         "imd_score": 12.5},
        {"area_code": MSOA, "area_name": "Leicester 027", "level": "msoa", "imd_score": None},
        {"area_code": LEICESTER, "area_name": "Leicester", "level": "lad", "imd_score": None},
    ]).assign(lad_code=LEICESTER, region_code="E12000004")
    joined["imd_score"] = joined["imd_score"].astype("Float64")
    cache.store_table(joined, _provenance("joined_area_indicator"))
    return cache


def search(text: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params.update(level="lsoa")
    app.run()
    assert not app.exception, app.exception
    app.sidebar.text_input(key="sb_search").input(text).run()
    assert not app.exception, app.exception
    return app


def test_a_postcode_offers_its_small_area_neighbourhood_and_district(cached, mirror):
    app = search("le16rp")
    assert "LE1 6RP (postcodes.io) is in:" in [c.value for c in app.sidebar.caption]
    pick = app.sidebar.selectbox(key="sb_pick")
    assert pick.options == [
        "Leicester 027C (small area (LSOA), E01013571)",
        "Leicester 027 (neighbourhood (MSOA), E02002812)",
        "Leicester (district, E06000016)",
    ]
    pick.select(LSOA).run()
    assert not app.exception, app.exception
    assert app.query_params["area"] == LSOA
    assert app.title[0].value == "Small areas (LSOAs) of Leicester"
    assert len(mirror.requests_to("/postcodes/")) == 1


@pytest.mark.parametrize(("text", "note"), [
    ("ZZ9 9ZZ", "postcodes.io does not know the postcode ZZ9 9ZZ."),
    ("CF10 1EP", "CF10 1EP is in Wales; the atlas covers England only."),
    ("M1 1AE", "None of the areas of M1 1AE is in the cached data."),
])
def test_a_postcode_that_cannot_be_shown_says_why(cached, text, note):
    app = search(text)
    assert note in [c.value for c in app.sidebar.caption]
    assert not [s for s in app.sidebar.selectbox if s.key == "sb_pick"]


def test_offline_postcode_search_says_it_needs_postcodes_io(cached, monkeypatch):
    monkeypatch.setenv("GRA_OFFLINE", "1")
    get_settings.cache_clear()
    app = search("LE1 6RP")
    assert ("Postcode search needs postcodes.io, and this app runs offline."
            in [c.value for c in app.sidebar.caption])


def test_names_are_still_searched_locally(cached, mirror):
    app = search("Leicester 027")
    assert len(app.sidebar.selectbox(key="sb_pick").options) == 3
    assert not mirror.requests_to("/postcodes/")
