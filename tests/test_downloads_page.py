"""The Downloads page, driven with AppTest, and the zip its button builds on click."""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache, Provenance
from data_sources.registry import DATASETS
from indicators.export import AreaFilter
from indicators.provenance_files import OGL_STATEMENT, OS_STATEMENT
from settings import PROJECT_ROOT
from ui.downloads import build_export_zip

PAGE = str(PROJECT_ROOT / "views" / "downloads.py")
NORTH_EAST, LONDON = "E12000001", "E12000007"
HARTLEPOOL, TOWER_HAMLETS = "E06000001", "E09000030"
SPECS = {spec.id: spec for spec in DATASETS}


def store(cache: Cache, dataset: str, table: pd.DataFrame) -> Provenance:
    provenance = SPECS[dataset].template(f"https://example.invalid/{dataset}")
    return cache.store_table(table, provenance)


def build_small_cache(root, *, joined: bool = True, boundaries: bool = True) -> Cache:
    """Two districts in two regions, one MSOA and two LSOAs each; invented values."""
    cache = Cache(root)
    lookup = pd.DataFrame({
        "lsoa21_code": ["E01011954", "E01011955", "E01004200", "E01004201"],
        "lsoa21_name": ["Hartlepool 001A", "Hartlepool 001B", "Tower Hamlets 001A",
                        "Tower Hamlets 001B"],
        "msoa21_code": ["E02002483", "E02002483", "E02000864", "E02000864"],
        "msoa21_name": ["Hartlepool 001", "Hartlepool 001", "Tower Hamlets 001",
                        "Tower Hamlets 001"],
        "lad22_code": [HARTLEPOOL, HARTLEPOOL, TOWER_HAMLETS, TOWER_HAMLETS],
        "lad22_name": ["Hartlepool", "Hartlepool", "Tower Hamlets", "Tower Hamlets"],
    })
    inputs = [store(cache, "lookup_lsoa21_msoa21_lad22", lookup), store(
        cache, "lookup_lad22_region", pd.DataFrame({
            "lad22_code": [HARTLEPOOL, TOWER_HAMLETS],
            "lad22_name": ["Hartlepool", "Tower Hamlets"],
            "region_code": [NORTH_EAST, LONDON], "region_name": ["North East", "London"]}))]
    if boundaries:
        store(cache, "boundaries_lad21", gpd.GeoDataFrame(
            {"area_code": [HARTLEPOOL, TOWER_HAMLETS],
             "area_name": ["Hartlepool", "Tower Hamlets"]},
            geometry=[box(-1.3, 54.6, -1.2, 54.7), box(-0.05, 51.5, 0.0, 51.53)],
            crs="EPSG:4326"))
    if joined:
        rows = [(HARTLEPOOL, "Hartlepool", "lad", HARTLEPOOL, NORTH_EAST, 0.41, None),
                (TOWER_HAMLETS, "Tower Hamlets", "lad", TOWER_HAMLETS, LONDON, 0.37, None)]
        rows += [(r.lsoa21_code, r.lsoa21_name, "lsoa", r.lad22_code,
                  NORTH_EAST if r.lad22_code == HARTLEPOOL else LONDON, None, 20.0 + i)
                 for i, r in enumerate(lookup.itertuples())]
        table = pd.DataFrame(rows, columns=["area_code", "area_name", "level", "lad_code",
                                            "region_code", "d_asian", "imd_score"])
        cache.store_table(table, Provenance(
            dataset="joined_area_indicator", source="derived", title="Joined (test)", url="",
            vintage="Census 2021", geography="LSOA 2021, LAD 2022",
            licence="Open Government Licence v3.0", attribution="Test attribution.",
            notes=[f"input {p.dataset}: sha256 {p.sha256}, fetched at {p.fetched_at}"
                   for p in inputs]))
    return cache


def run_page(monkeypatch, root) -> AppTest:
    monkeypatch.setenv("GRA_CACHE_DIR", str(root))
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def texts(app: AppTest) -> str:
    return "\n".join(e.value for e in [*app.markdown, *app.caption, *app.info, *app.warning])


def test_not_built_offers_the_build(monkeypatch, tmp_path):
    build_small_cache(tmp_path, joined=False)
    app = run_page(monkeypatch, tmp_path)
    assert "python -m data_sources build" in app.markdown[0].value
    assert app.button(key="first_run_build").label == "Build the joined dataset now"
    assert not app.get("download_button")


def test_offers_every_level_and_format_with_licence(monkeypatch, tmp_path):
    build_small_cache(tmp_path)
    app = run_page(monkeypatch, tmp_path)
    level, fmt, where = app.radio
    assert level.options[0].startswith("Local authority districts")
    assert len(level.options) == 3 and len(fmt.options) == 4
    assert "**2 districts** in England" in texts(app)
    assert app.get("download_button")[0].label == "Download CSV (zip)"
    for value, label in (("parquet", "Parquet"), ("gpkg", "GeoPackage")):
        fmt.set_value(value).run()
        assert app.get("download_button")[0].label == f"Download {label} (zip)"
    fmt.set_value("csv").run()
    assert OGL_STATEMENT in texts(app) and OS_STATEMENT in texts(app)
    assert "Test attribution." not in texts(app)  # the inputs' attributions are credited
    assert SPECS["lookup_lad22_region"].attribution in texts(app)
    dictionary = app.dataframe[0].value
    assert list(dictionary["column"]) == ["area_code", "area_name", "level", "lad_code",
                                          "region_code", "d_asian"]


def test_filter_to_a_district_and_level_changes_the_count(monkeypatch, tmp_path):
    build_small_cache(tmp_path)
    app = run_page(monkeypatch, tmp_path)
    app.radio[0].set_value("lsoa")
    app.radio[2].set_value("lad").run()
    district = app.selectbox[0]
    assert district.options == ["Hartlepool (E06000001)", "Tower Hamlets (E09000030)"]
    district.set_value(TOWER_HAMLETS).run()
    assert "**2 LSOAs** in Tower Hamlets" in texts(app)
    assert "imd_score" in set(app.dataframe[0].value["column"])
    app.radio[2].set_value("region").run()
    assert app.selectbox[0].options == ["London (E12000007)", "North East (E12000001)"]
    app.radio[0].set_value("msoa").run()
    assert "has no MSOAs in London" in texts(app)
    assert not app.get("download_button")


def test_shared_link_preselects_level_and_district(monkeypatch, tmp_path):
    build_small_cache(tmp_path)
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path))
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.query_params["level"] = "lsoa"
    app.query_params["area"] = HARTLEPOOL
    app.run()
    assert not app.exception, app.exception
    assert app.radio[0].value == "lsoa" and app.radio[2].value == "lad"
    assert app.selectbox[0].value == HARTLEPOOL
    assert "**2 LSOAs** in Hartlepool" in texts(app)


def test_geopackage_without_boundaries_is_explained(monkeypatch, tmp_path):
    build_small_cache(tmp_path, boundaries=False)
    app = run_page(monkeypatch, tmp_path)
    app.radio[1].set_value("gpkg").run()
    assert "boundaries at this level are not cached" in app.warning[0].value
    assert not app.get("download_button")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "gpkg", "xlsx"])
def test_zip_holds_data_dictionary_and_provenance(tmp_path, fmt):
    build_small_cache(tmp_path)
    payload = build_export_zip(str(tmp_path), "lad", fmt, AreaFilter.region(LONDON))
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        names = sorted(archive.namelist())
        stem = f"good-relations-atlas_lad_{LONDON}"  # no "_csv.csv": the suffix says it
        assert names == sorted(f"{stem}/{stem}{suffix}" for suffix in [
            f".{fmt}", "_data_dictionary.csv", "_provenance.txt", "_provenance.json"])
        provenance = archive.read(f"{stem}/{stem}_provenance.txt").decode("utf-8")
        if fmt == "csv":
            data = pd.read_csv(archive.open(f"{stem}/{stem}.csv"), encoding="utf-8-sig")
            assert list(data["area_code"]) == [TOWER_HAMLETS]
    assert "Open Government Licence v3.0" in provenance
    assert (OS_STATEMENT in provenance) == (fmt == "gpkg")
