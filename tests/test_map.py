"""The Map page and the shared sidebar, driven with Streamlit's AppTest on a tiny cache.

The map itself is drawn by the browser (tests/test_browser.py); here the page is checked
through what it sends the map element (its payload) and what the element sends back when
an area is clicked (its "click" trigger, as the browser sends it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache, Provenance
from geo.tiles import build_tiles, load_tile_index
from settings import PROJECT_ROOT

APP = str(PROJECT_ROOT / "dashboard.py")
LADS = {"E06000001": "Hartlepool", "E06000002": "Middlesbrough"}
# LSOA → (MSOA, district)
LSOAS = {"E01000001": ("E02000001", "E06000001"), "E01000002": ("E02000001", "E06000001"),
         "E01000003": ("E02000002", "E06000001"), "E01000004": ("E02000002", "E06000001"),
         "E01000005": ("E02000003", "E06000002"), "E01000006": ("E02000003", "E06000002")}
MSOAS = {"E02000001": "E06000001", "E02000002": "E06000001", "E02000003": "E06000002"}
REASON = "segregation across small areas needs at least 2 MSOAs with residents"


def _provenance(dataset: str) -> Provenance:
    return Provenance(dataset, "test", f"Test table {dataset}", "https://example.invalid/",
                      "Test vintage", "test geography", "Open Government Licence v3.0",
                      "Test attribution.")


def _layer(codes: dict[str, str] | list[str], names: dict[str, str]) -> gpd.GeoDataFrame:
    rows = list(codes)
    frame = gpd.GeoDataFrame(
        {"area_code": rows, "area_name": [names.get(c, c) for c in rows]},
        geometry=[box(-1.5 + 0.1 * i, 54.5, -1.4 + 0.1 * i, 54.6) for i in range(len(rows))],
        crs="EPSG:4326")
    if isinstance(codes, dict):
        frame.insert(2, "lad_code", [codes[c] for c in rows])
    return frame


def store_boundaries(cache: Cache, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Boundary layers (dataset → frame) and the vector tiles built from them."""
    for dataset, frame in layers.items():
        cache.store_table(frame[["area_code", "area_name", "geometry"]], _provenance(dataset))
    assert build_tiles(cache)


def build_cache(root, tiles: bool = True) -> None:
    cache = Cache(root)
    lsoa_names = {c: f"{LADS[lad]} 00{i + 1}A" for i, (c, (_, lad)) in enumerate(LSOAS.items())}
    msoa_names = {c: f"{LADS[lad]} 00{i + 1}" for i, (c, lad) in enumerate(MSOAS.items())}
    lookup = pd.DataFrame([
        {"lsoa21_code": c, "lsoa21_name": lsoa_names[c], "msoa21_code": m,
         "msoa21_name": msoa_names[m], "lad22_code": lad, "lad22_name": LADS[lad]}
        for c, (m, lad) in LSOAS.items()])
    cache.store_table(lookup, _provenance("lookup_lsoa21_msoa21_lad22"))
    cache.store_table(pd.DataFrame({"lad22_code": list(LADS), "lad22_name": list(LADS.values()),
                                    "region_code": "E12000001", "region_name": "North East"}),
                      _provenance("lookup_lad22_region"))
    rows = [{"area_code": c, "area_name": lsoa_names[c], "level": "lsoa", "lad_code": lad,
             "imd_score": 10.0 * (i + 1)} for i, (c, (_, lad)) in enumerate(LSOAS.items())]
    rows += [{"area_code": c, "area_name": msoa_names[c], "level": "msoa", "lad_code": lad,
              "imd_avg_score": 15.0 + i} for i, (c, lad) in enumerate(MSOAS.items())]
    rows += [{"area_code": "E06000001", "area_name": "Hartlepool", "level": "lad",
              "lad_code": "E06000001", "imd_avg_score": 25.5, "d_asian": 0.31},
             {"area_code": "E06000002", "area_name": "Middlesbrough", "level": "lad",
              "lad_code": "E06000002", "imd_avg_score": 31.25, "d_asian": None}]
    joined = pd.DataFrame(rows).assign(region_code="E12000001")
    for column in ("imd_score", "imd_avg_score", "d_asian"):
        joined[column] = joined[column].astype("Float64")
    joined.attrs["na_reasons"] = [f"lad d_*, isolation_* of E06000002: {REASON}"]
    cache.store_table(joined, _provenance("joined_area_indicator"))
    cache.store_table(pd.DataFrame({"lsoa21_code": list(LSOAS)}), _provenance("iod2025_lsoa"))
    if tiles:
        store_boundaries(cache, {
            "boundaries_lad21": _layer(list(LADS), LADS),
            "boundaries_region": _layer(["E12000001"], {"E12000001": "North East"}),
            "boundaries_msoa21": _layer(MSOAS, msoa_names),
            "boundaries_lsoa21": _layer({c: lad for c, (_, lad) in LSOAS.items()}, lsoa_names),
        })


@pytest.fixture
def cached(monkeypatch, tmp_path):
    build_cache(tmp_path)
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path))
    return tmp_path


def start(**params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params.update(params)
    app.run()
    assert not app.exception, app.exception
    return app


def rerun(app: AppTest) -> AppTest:
    """Run again from the dashboard script, as the server does."""
    app.run()
    assert not app.exception, app.exception
    return app


def table(app: AppTest) -> pd.DataFrame:
    return app.dataframe[0].value


def area_map(app: AppTest):
    """The map element of the page."""
    found = [e for e in app.get("bidi_component") if e.proto.component_name == "gra_area_map"]
    assert len(found) == 1, "the page has no map"
    return found[0]


def payload(app: AppTest) -> dict:
    """What the page sent the browser's map."""
    return json.loads(area_map(app).proto.json)


def drawn(app: AppTest) -> dict[str, float | None]:
    """The value the map is given for each area (by code, through the archive's ids)."""
    sent = payload(app)
    index = load_tile_index(Cache(Path(os.environ["GRA_CACHE_DIR"])), sent["layer"]["level"])
    ids = [start + i for start, count in sent["values"]["ids"] for i in range(count)]
    scale = sent["values"]["scale"]
    return {code: None if value is None else value / scale
            for code, value in zip(index.codes_of(ids), sent["values"]["values"], strict=True)}


def click(app: AppTest, code: str) -> AppTest:
    """What the browser sends when an area of the map is clicked: the "click" trigger."""
    states = app._tree.get_widget_states()
    state = states.widgets.add()
    state.id = _make_trigger_id(area_map(app).proto.id, "events")
    state.json_trigger_value = json.dumps([{"event": "click", "value": code}])
    app._run(states)
    assert not app.exception, app.exception
    return app



def test_districts_of_england_by_default_with_ranks_and_sources(cached):
    app = start()
    assert app.title[0].value == "Districts of England"
    assert app.query_params == {"level": "lad", "indicator": "imd_avg_score"}
    shown = table(app)
    assert shown["Area"].tolist() == ["Middlesbrough", "Hartlepool"]
    assert shown["Rank"].tolist() == [1, 2]
    assert drawn(app) == {"E06000001": 25.5, "E06000002": 31.25}
    sent = payload(app)
    assert sent["legend"]["title"] == "IMD average score (IoD 2025) (score)"
    assert sent["layer"]["url"].startswith("/tiles/tiles_lad-")
    assert sent["context"]["regions"].startswith("/tiles/tiles_region-")
    assert sent["values"]["classes"] == "01" and sent["selected"] is None
    assert app.get("download_button")
    captions = " ".join(c.value for c in app.caption)
    assert "Test table iod2025_lsoa (Test vintage)" in captions
    assert "Rank 1 of 2 is the highest value (worst)" in captions
    markdown = " ".join(m.value for m in app.markdown)
    assert "**Vintage:** IoD 2025" in markdown


def test_missing_values_say_why(cached):
    app = start(indicator="d_asian")
    shown = table(app)
    row = shown[shown["Code"] == "E06000002"].iloc[0]
    assert pd.isna(row["Rank"]) and REASON in row["Note"]
    assert app.expander[0].label == "Why 1 area(s) have no value"


def test_a_link_opens_the_lsoas_of_a_district(cached):
    app = start(area="E06000001", level="lsoa", indicator="imd_score")
    assert app.title[0].value == "Small areas (LSOAs) of Hartlepool"
    assert set(table(app)["Code"]) == {"E01000001", "E01000002", "E01000003", "E01000004"}
    assert drawn(app) == {"E01000001": 10.0, "E01000002": 20.0, "E01000003": 30.0,
                          "E01000004": 40.0}
    sent = payload(app)
    assert sent["layer"]["level"] == "lsoa" and sent["view"]["key"] == "lsoa:E06000001"
    assert sent["view"]["extent"] == pytest.approx([-1.5, 54.5, -1.1, 54.6], abs=1e-4)
    assert app.radio("sb_level").value == "lsoa"
    assert "Hartlepool (district, E06000001)" in app.sidebar.caption[0].value


def test_a_bad_link_says_what_it_could_not_find(cached):
    app = start(area="E99999999", level="county", indicator="no_such_thing", region="E1299")
    assert app.title[0].value == "Districts of England"
    assert app.query_params == {"level": "lad", "indicator": "imd_avg_score"}
    said = app.warning[0].value
    assert "could not find" in said
    assert "No area with the code “E99999999”" in said
    assert "“county” is not a level" in said
    assert "The indicator “no_such_thing” is not one" in said and "IMD average score" in said
    assert "No region with the code “E1299”" in said
    rerun(app)
    assert not [w for w in app.warning if "could not find" in w.value], "said once only"


def test_a_good_link_says_nothing_about_it(cached):
    app = start(area="E06000001", level="lsoa", indicator="imd_score")
    assert not [w for w in app.warning if "could not find" in w.value]


def test_show_all_of_england_clears_the_region_and_the_area(cached):
    app = start(region="E12000001")
    assert app.query_params["region"] == "E12000001"
    app.button(key="sb_all_england").click()
    rerun(app)
    assert "region" not in app.query_params and app.selectbox(key="sb_region").value is None
    app = click(start(region="E12000001"), "E06000001")
    assert app.query_params["area"] == "E06000001"
    app.button(key="sb_all_england").click()
    rerun(app)
    assert app.title[0].value == "Small areas (LSOAs) of England"
    assert "area" not in app.query_params and "region" not in app.query_params


def test_searching_and_picking_a_district_drills_down(cached):
    app = start()
    app.text_input("sb_search").input("middles")
    rerun(app)
    pick = app.selectbox("sb_pick")
    assert pick.options[:3] == ["Middlesbrough (district, E06000002)",
                                "Middlesbrough 003 (neighbourhood (MSOA), E02000003)",
                                "Middlesbrough 005A (small area (LSOA), E01000005)"]
    pick.select("E06000002")
    rerun(app)
    assert app.title[0].value == "Small areas (LSOAs) of Middlesbrough"
    assert set(table(app)["Code"]) == {"E01000005", "E01000006"}
    assert app.query_params == {"area": "E06000002", "level": "lsoa", "indicator": "imd_score"}
    assert app.text_input("sb_search").value == ""


def test_changing_level_keeps_the_district_and_picks_a_valid_indicator(cached):
    app = start(area="E06000001", level="lsoa", indicator="imd_score")
    app.radio("sb_level").set_value("msoa")
    rerun(app)
    assert app.title[0].value == "Neighbourhoods (MSOAs) of Hartlepool"
    assert app.query_params["indicator"] == "imd_avg_score"
    assert set(table(app)["Code"]) == {"E02000001", "E02000002"}
    app.button("sb_all_england").click()
    rerun(app)
    assert app.title[0].value == "Neighbourhoods (MSOAs) of England"
    assert "area" not in app.query_params


def test_changing_indicator_updates_table_and_link(cached):
    app = start()
    app.selectbox("sb_indicator").set_value("d_asian")
    rerun(app)
    assert app.query_params["indicator"] == "d_asian"
    assert "Dissimilarity, Asian (index 0-1)" in table(app).columns


def test_without_tiles_the_table_still_shows(monkeypatch, tmp_path):
    build_cache(tmp_path, tiles=False)
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path))
    app = start()
    assert "map tiles are not available" in app.warning[0].value
    assert "python -m data_sources build" in app.warning[0].value
    assert len(table(app)) == 2
    assert not app.get("bidi_component") or all(
        e.proto.component_name != "gra_area_map" for e in app.get("bidi_component"))


def test_switching_indicator_sends_new_values_to_the_same_map(cached):
    app = start()
    element, version = area_map(app).proto.id, payload(app)["values"]["version"]
    app.selectbox("sb_indicator").set_value("d_asian")
    rerun(app)
    assert area_map(app).proto.id == element  # the browser keeps its map
    assert payload(app)["values"]["version"] != version
    assert drawn(app) == {"E06000001": 0.31, "E06000002": None}
    notes = payload(app)["values"]
    assert REASON in notes["note_texts"][notes["notes"][0][1]]
    assert payload(app)["legend"]["show_no_value"] is True


def test_choosing_a_row_of_the_table_selects_its_area_on_the_map(cached):
    app = start(area="E06000001", level="lsoa", indicator="imd_score")
    row = table(app)["Code"].tolist().index("E01000002")
    app.session_state["map_table"] = {"selection": {"rows": [row], "columns": [],
                                                    "cells": []}}
    rerun(app)
    assert app.query_params["area"] == "E01000002"
    selected = payload(app)["selected"]
    index = load_tile_index(Cache(Path(os.environ["GRA_CACHE_DIR"])), "lsoa")
    assert index.codes_of([selected["id"]]) == ["E01000002"]
    assert app.title[0].value == "Small areas (LSOAs) of Hartlepool"


def test_drilling_down_from_a_district_measure_says_why_the_indicator_changed(cached):
    app = click(start(indicator="d_asian"), "E06000001")
    assert app.title[0].value == "Small areas (LSOAs) of Hartlepool"
    assert app.query_params["indicator"] == "imd_score"
    notes = [n.value for n in app.info]
    assert any("Dissimilarity, Asian has no values for small areas (LSOAs)" in n
               and "Choose another indicator" in n for n in notes), notes


def test_the_reports_map_is_a_link_too(cached):
    app = start(map="reports")
    assert app.radio(key="map_mode").value == "reports"
    assert app.query_params["map"] == "reports" and app.query_params["level"] == "lad"
    app.radio(key="map_mode").set_value("indicator")
    rerun(app)
    assert app.query_params.get("map") in (None, "indicator")


def test_clicking_a_district_on_the_map_drills_down(cached):
    app = click(start(), "E06000002")
    assert app.title[0].value == "Small areas (LSOAs) of Middlesbrough"
    assert app.query_params == {"area": "E06000002", "level": "lsoa", "indicator": "imd_score"}
    app = click(app, "E01000006")
    assert app.title[0].value == "Small areas (LSOAs) of Middlesbrough"
    assert app.query_params["area"] == "E01000006"
    assert "(small area (LSOA), E01000006)" in app.sidebar.caption[0].value


def test_region_narrows_the_england_map_and_is_kept_in_the_url(cached):
    app = start()
    app.sidebar.selectbox(key="sb_region").select("E12000001").run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Districts of North East"
    assert app.query_params["region"] == "E12000001"
    assert set(table(app)["Code"]) == set(LADS)
    shared = start(region="E12000001", level="lsoa")
    assert shared.title[0].value == "Small areas (LSOAs) of North East"
    assert len(table(shared)) == len(LSOAS)
    unknown = start(region="E12999999")
    assert unknown.title[0].value == "Districts of England"


def test_small_areas_show_the_names_people_use(cached):
    Cache(cached).store_table(
        pd.DataFrame({"lsoa21_code": ["E01000001", "E01000002"],
                      "ward24_name": ["Headland & Harbour", "Headland & Harbour"]}),
        _provenance("lookup_lsoa21_ward24_lad24"))
    Cache(cached).store_table(
        pd.DataFrame({"msoa21_code": ["E02000001"], "msoa21_name": ["Hartlepool 001"],
                      "msoa21_hcl_name": ["Old Hartlepool"]}), _provenance("msoa_names_hocl"))
    app = start(area="E06000001", level="lsoa", indicator="imd_score")
    shown = table(app).set_index("Code")
    assert shown.at["E01000001", "Local name"] == "Old Hartlepool, Headland & Harbour ward"
    assert shown.at["E01000003", "Local name"] == ""
    sent = payload(app)["values"]
    assert any(t.startswith("Old Hartlepool, Headland & Harbour ward") for t in sent["note_texts"])
    app.text_input(key="sb_search").input("headland")
    rerun(app)
    options = app.selectbox(key="sb_pick").options
    assert any("E02000001" in o and "Old Hartlepool" in o for o in options)
