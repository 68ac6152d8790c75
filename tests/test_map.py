"""The Map page and the shared sidebar, driven with Streamlit's AppTest on a tiny cache."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache, Provenance
from settings import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
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


def build_cache(root, web_layers: bool = True) -> None:
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
    if web_layers:
        cache.store_table(_layer(list(LADS), LADS), _provenance("web_lad"))
        cache.store_table(_layer(MSOAS, msoa_names), _provenance("web_msoa"))
        districts = {c: lad for c, (_, lad) in LSOAS.items()}
        for name in ("web_lsoa", "web_lsoa_detail"):
            cache.store_table(_layer(districts, lsoa_names), _provenance(name))


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
    """Run again from app.py, as the server does."""
    app.run()
    assert not app.exception, app.exception
    return app


def table(app: AppTest) -> pd.DataFrame:
    return app.dataframe[0].value



def test_districts_of_england_by_default_with_ranks_and_sources(cached):
    app = start()
    assert app.title[0].value == "Districts of England"
    assert app.query_params == {"level": "lad", "indicator": "imd_avg_score"}
    shown = table(app)
    assert shown["Area"].tolist() == ["Middlesbrough", "Hartlepool"]
    assert shown["Rank"].tolist() == [1, 2]
    assert app.get("plotly_chart")
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
    assert app.radio("sb_level").value == "lsoa"
    assert "Hartlepool (district, E06000001)" in app.sidebar.caption[0].value


def test_a_bad_link_falls_back_to_defaults(cached):
    app = start(area="E99999999", level="county", indicator="no_such_thing")
    assert app.title[0].value == "Districts of England"
    assert app.query_params == {"level": "lad", "indicator": "imd_avg_score"}


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


def test_without_boundaries_the_table_still_shows(monkeypatch, tmp_path):
    build_cache(tmp_path, web_layers=False)
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path))
    app = start()
    assert "map boundaries are not available" in app.warning[0].value
    assert len(table(app)) == 2


def click(app: AppTest, code: str) -> AppTest:
    """What the browser sends when a polygon is clicked: the chart's selection state."""
    chart = app.get("plotly_chart")[0]
    key = chart.proto.id.rsplit("-", 1)[-1]
    app.session_state[key] = {"selection": {"points": [{"location": code}], "box": [],
                                            "lasso": [], "point_indices": [0]}}
    return rerun(app)


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
