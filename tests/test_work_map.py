"""The maps of the good relations pages with AppTest: the Stories map (districts with
stories; a click narrows the list) and the service-area picker (a click adds or removes a
neighbourhood, listed beside the map). Checked through what the page sends the map
element and what the element sends back on a click, as in tests/test_map.py.

Every organisation, area name, activity and story is invented for the tests.
"""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache
from reports.service_areas import list_service_areas
from settings import get_settings
from tests.fixtures.reports.good_relations import seed_work
from tests.fixtures.reports.helpers import tiny_directory
from tests.test_good_relations_pages import (
    OUR_WORK,
    STORIES,
    people,  # noqa: F401 - the fixture
)
from tests.test_map import click, drawn, payload, store_boundaries
from tests.test_submit_page import signed_in, texts
from ui.work_map import picker_classes, stories_by_district, toggled

REGIONS = {"E12000007": "London", "E12000008": "South East", "E12000004": "East Midlands"}


def _boxes(names: dict[str, str]) -> gpd.GeoDataFrame:
    codes = list(names)
    return gpd.GeoDataFrame(
        {"area_code": codes, "area_name": [names[c] for c in codes]},
        geometry=[box(-1.5 + 0.1 * i, 51.5, -1.41 + 0.1 * i, 51.6) for i in range(len(codes))],
        crs="EPSG:4326")


def build_map_tiles(cache_dir) -> None:
    """Invented square shapes for the tiny England's districts, regions and LSOAs."""
    cache = Cache(cache_dir)
    lookup = cache.load_table("lookup_lsoa21_msoa21_lad22")
    lads = dict(zip(lookup["lad22_code"], lookup["lad22_name"], strict=True))
    lsoas = dict(zip(lookup["lsoa21_code"], lookup["lsoa21_name"], strict=True))
    store_boundaries(cache, {"boundaries_lad21": _boxes(lads),
                             "boundaries_region": _boxes(REGIONS),
                             "boundaries_lsoa21": _boxes(lsoas)})


def test_stories_map_shades_districts_and_a_click_lists_one(people):  # noqa: F811
    store, actors = people
    build_map_tiles(_cache_dir())
    seed_work(store, actors)  # Thamesbury north: E01000001 and E01000002, in Thamesbury
    at = AppTest.from_file(STORIES, default_timeout=60).run()
    assert not at.exception, at.exception
    sent = payload(at)
    assert sent["layer"]["level"] == "lad" and sent["legend"]["title"].startswith(
        "Published stories")
    assert drawn(at) == {"E09000001": 1.0}
    by_district = at.dataframe[0].value
    assert by_district[["District", "Stories"]].values.tolist() == [["Thamesbury", 1]]

    click(at, "E09000001")
    at.run()
    assert not at.exception, at.exception
    assert at.text_input(key="stories_place").value == "E09000001"
    captions = " ".join(c.value for c in at.caption)
    assert "Stories of work whose service area overlaps Thamesbury (E09000001)" in captions
    assert "Invented story text" in " ".join(t.value for t in at.text)
    assert payload(at)["selected"] is not None


def test_a_member_picks_neighbourhoods_by_clicking_the_map(people):  # noqa: F811
    store, actors = people
    build_map_tiles(_cache_dir())
    at = signed_in(OUR_WORK, "ana@thamesbury.example")
    assert not at.exception, at.exception
    at.text_input(key="area_name").input("Invented: by the map")
    at.radio(key="area_method").set_value("Neighbourhoods of a district (map)").run()
    at.selectbox(key="area_pick_district").select("E09000001").run()
    assert payload(at)["layer"]["level"] == "lsoa"
    assert drawn(at) == dict.fromkeys(
        ["E01000001", "E01000002", "E01000003", "E01000005", "E01000006"], 0.0)

    for code in ("E01000003", "E01000005", "E01000003"):  # in, in, out again
        click(at, code)
        at.run()
        assert not at.exception, at.exception
    assert at.multiselect(key="area_lsoas_E09000001").value == ["E01000005"]
    assert drawn(at)["E01000005"] == 1.0 and drawn(at)["E01000003"] == 0.0
    # the list is the same choice, editable without the map
    at.multiselect(key="area_lsoas_E09000001").select("E01000006").run()
    assert drawn(at)["E01000006"] == 1.0
    assert "2 neighbourhoods (LSOAs 2021) chosen, in Thamesbury." in [t.value for t in at.text]
    at.button(key="area_save").click().run()
    assert "is saved" in texts(at)
    [area] = list_service_areas(store, actors["thames"])
    assert area.lsoa_codes == ("E01000005", "E01000006")


def test_without_tiles_the_stories_page_keeps_its_list_and_table(people):  # noqa: F811
    store, actors = people
    seed_work(store, actors)
    at = AppTest.from_file(STORIES, default_timeout=60).run()
    assert not at.exception, at.exception
    assert "The map is not available" in " ".join(c.value for c in at.caption)
    assert "Invented story text" in " ".join(t.value for t in at.text)
    assert at.dataframe[0].value["District"].tolist() == ["Thamesbury"]


def test_helpers_count_stories_per_district_and_toggle_choices():
    class Story:  # the fields the count reads; invented
        def __init__(self, title: str, lsoas: tuple[str, ...]) -> None:
            self.title, self.lsoa_codes = title, lsoas

    table = stories_by_district([Story("Invented A", ("E01000001", "E01000007")),
                                 Story("Invented B", ("E01000002",))], tiny_directory())
    assert table[["area_name", "stories"]].values.tolist() == [["Marshfield", 1],
                                                               ["Thamesbury", 2]]
    assert stories_by_district([], None).empty
    assert toggled(["E01000002"], "E01000001") == ["E01000001", "E01000002"]
    assert toggled(["E01000002"], "E01000002") == []
    assert picker_classes(["E01000001", "E01000002"], ["E01000002"]).index.tolist() == [0, 1]


def _cache_dir():
    return get_settings().cache_dir
