"""The ONS Open Geography Portal fetcher against the loopback ArcGIS emulation and hub CSV.

Fixture layers are small invented areas with real-looking GSS codes, each with one Welsh
feature that the England filter must drop; the LSOA layer has a self-intersecting polygon.
"""

from __future__ import annotations

import dataclasses
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from data_sources import arcgis, geoportal
from data_sources.cache import Cache
from data_sources.errors import SourceFormatError, SourceUnavailableError
from data_sources.http import make_session
from data_sources.refresh import OGL, RefreshContext, build_dataset, run_refresh
from data_sources.validate import validate_table
from settings import get_settings
from tests.mirror import Fault
from tests.mirror import arcgis as arcgis_mirror

SPECS = {spec.id: spec for spec in geoportal.DATASETS}
SERVICES = "/ESMARspQHYMw9BZ9/arcgis/rest/services/"
LSOA_BGC = "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5"
LSOA_BSC = "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BSC_V4"
MSOA_V2 = "Middle_layer_Super_Output_Areas_December_2021_Boundaries_EW_BSC_V2"
HUB_PATH = "b9ca90c10aaa4b8d9791e9859a38ca67_0/downloads/data"
# A fault that answers normally: queued first, it lets the count query through so that the
# next fault on the same /query path lands on a page.
PASS = Fault("slow", seconds=0)
ARCGIS_ERROR = json.dumps({"error": {
    "code": 400, "message": "Cannot perform query. Invalid query parameters.",
    "details": ["Unable to perform query. Please check your parameters."]}}).encode()


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    """The emulated layers answer at most 2 features a query (maxRecordCount 2)."""
    monkeypatch.setattr(arcgis_mirror, "MAX_RECORDS", 2)
    return 2


def refresh(ctx: RefreshContext, *dataset_ids: str):
    return run_refresh(ctx, [SPECS[d] for d in dataset_ids])


def queries(mirror, service: str) -> list[dict[str, str]]:
    return [r.query for r in mirror.requests_to(f"{service}/FeatureServer/0/query")]


def failure(report) -> str:
    (_, message), = report.failed
    return message


# ---------------------------------------------------------------- paging and counting


def test_a_layer_is_read_page_by_page_and_every_feature_arrives(ctx, mirror, small_pages):
    report = refresh(ctx, "boundaries_lsoa21")
    assert report.ok, report.failed
    lsoas = ctx.cache.load_table("boundaries_lsoa21")
    assert sorted(lsoas["area_code"]) == [
        "E01000001", "E01000002", "E01000003", "E01000005", "E01032739"]
    sent = queries(mirror, LSOA_BGC)
    assert sent[0]["returnCountOnly"] == "true"
    assert sent[0]["where"] == "LSOA21CD LIKE 'E%'"
    pages = sent[1:]
    assert [p["resultOffset"] for p in pages] == ["0", "2", "4"]
    assert {p["resultRecordCount"] for p in pages} == {"2"}
    assert {(p["outSR"], p["f"], p["returnGeometry"], p["orderByFields"]) for p in pages} == {
        ("4326", "geojson", "true", "FID")}
    entry = ctx.cache.provenance("boundaries_lsoa21")
    raw = json.loads((ctx.cache.root / entry.raw_file).read_bytes())
    assert raw["type"] == "FeatureCollection" and len(raw["features"]) == entry.rows == 5
    assert f"ArcGIS service: {LSOA_BGC}" in entry.notes
    assert "LSOA21CD+LIKE+%27E%25%27" in entry.url and "resultOffset" not in entry.url


def test_page_size_follows_the_layers_max_record_count(ctx, mirror):
    assert refresh(ctx, "boundaries_lsoa21").ok
    pages = queries(mirror, LSOA_BGC)[1:]
    assert [(p["resultOffset"], p["resultRecordCount"]) for p in pages] == [("0", "2000")]


def test_fewer_features_than_the_count_fails_clearly(ctx, mirror, small_pages):
    mirror.fault("/query", Fault("body", body=b'{"count": 7}'))
    report = refresh(ctx, "boundaries_lsoa21")
    message = failure(report)
    assert "geoportal" in message and LSOA_BGC in message
    assert "fetched 5 features" in message and "reports 7" in message
    assert ctx.cache.provenance("boundaries_lsoa21").file == ""


def test_a_count_answer_without_a_count_fails_clearly(ctx, mirror):
    mirror.fault("/query", Fault("body", body=b'{"objectIds": []}'))
    message = failure(refresh(ctx, "boundaries_lsoa21"))
    assert "answered without a count" in message and "returnCountOnly=true" in message


# ---------------------------------------------------------------- service names


def test_the_next_service_name_is_tried_when_arcgis_says_invalid_url(ctx, mirror):
    assert refresh(ctx, "boundaries_region").ok
    tried = [r.path.split(SERVICES)[1].split("/")[0] for r in mirror.requests_to(SERVICES)]
    assert tried[:2] == ["Regions_December_2021_EN_BGC", "Regions_December_2021_EN_BUC"]
    entry = ctx.cache.provenance("boundaries_region")
    assert entry.rows == 3
    assert "Resolution: BUC, ultra-generalised (500 m), clipped" in entry.notes


def test_msoa_falls_back_through_two_names_and_records_the_resolution(ctx, mirror):
    assert refresh(ctx, "boundaries_msoa21").ok
    info = [r for r in mirror.requests_to(SERVICES) if r.path.endswith("FeatureServer/0")]
    assert [r.path.split("_EW_")[1].split("/")[0] for r in info] == [
        "BGC_V3", "BSC_V3", "BSC_V2"]
    entry = ctx.cache.provenance("boundaries_msoa21")
    assert f"ArcGIS service: {MSOA_V2}" in entry.notes
    assert any(note.startswith("Resolution: BSC") for note in entry.notes)


def test_a_pinned_service_name_is_the_only_one_asked(ctx, mirror):
    ctx.settings = ctx.settings.model_copy(
        update={"geoportal_services": {"boundaries_lsoa21": LSOA_BSC}})
    assert refresh(ctx, "boundaries_lsoa21").ok
    assert mirror.requests_to(LSOA_BGC) == []
    assert ctx.cache.provenance("boundaries_lsoa21").rows == 3


def test_the_pin_is_read_from_the_environment(mirror_env, monkeypatch):
    monkeypatch.setenv("GRA_GEOPORTAL_SERVICES", json.dumps({"boundaries_lsoa21": LSOA_BSC}))
    get_settings.cache_clear()
    assert get_settings().geoportal_services == {"boundaries_lsoa21": LSOA_BSC}


def test_no_service_answering_names_each_tried_and_says_how_to_pin(ctx, mirror):
    ctx.settings = ctx.settings.model_copy(
        update={"geoportal_services": {"boundaries_lad24": "LAD_December_2099_BGC"}})
    message = failure(refresh(ctx, "boundaries_lad24"))
    assert "LAD_December_2099_BGC (code 400: Invalid URL)" in message
    assert "GRA_GEOPORTAL_SERVICES" in message and "boundaries_lad24" in message
    assert "LAD_December_2099_BGC/FeatureServer/0" in message


# ---------------------------------------------------------------- ArcGIS errors and faults


def test_an_arcgis_error_object_on_a_page_fails_clearly(ctx, mirror, small_pages):
    mirror.fault("/query", PASS, PASS, Fault("body", body=ARCGIS_ERROR))
    report = refresh(ctx, "boundaries_lsoa21")
    message = failure(report)
    assert "the ArcGIS service answered with an error" in message
    assert "Cannot perform query. Invalid query parameters." in message
    assert "resultOffset=2" in message and "geoportal" in message


def test_a_query_on_fields_the_layer_lacks_fails_clearly(ctx, mirror):
    # The MSOA layer pinned to an LSOA service: ArcGIS refuses the unknown field.
    ctx.settings = ctx.settings.model_copy(
        update={"geoportal_services": {"boundaries_msoa21": LSOA_BSC}})
    with pytest.raises(SourceUnavailableError, match="Invalid field: MSOA21CD"):
        build_dataset(SPECS["boundaries_msoa21"], ctx)


def test_a_500_on_a_page_is_retried(ctx, mirror, small_pages):
    mirror.fault("/query", PASS, PASS, 500)
    assert refresh(ctx, "boundaries_lsoa21").ok
    offsets = [q.get("resultOffset") for q in queries(mirror, LSOA_BGC)]
    assert offsets == [None, "0", "2", "2", "4"]
    assert ctx.cache.provenance("boundaries_lsoa21").rows == 5


def test_a_truncated_page_is_fetched_again(ctx, mirror, small_pages):
    mirror.fault("/query", PASS, "truncate")
    assert refresh(ctx, "boundaries_lsoa21").ok
    assert [q.get("resultOffset") for q in queries(mirror, LSOA_BGC)] == [None, "0", "0", "2",
                                                                          "4"]


def test_a_page_cut_short_every_time_keeps_the_last_good_copy(ctx, mirror, small_pages):
    assert refresh(ctx, "boundaries_lsoa21").ok
    good = ctx.cache.provenance("boundaries_lsoa21")
    mirror.fault("/query", PASS, PASS, "truncate", "truncate", "truncate")
    message = failure(refresh(ctx, "boundaries_lsoa21"))
    assert "connection dropped mid-download" in message and "resultOffset=2" in message
    entry = ctx.cache.provenance("boundaries_lsoa21")
    assert entry.file == good.file and entry.last_error
    assert len(ctx.cache.load_table("boundaries_lsoa21")) == 5


def test_a_page_that_is_not_json_fails_clearly(ctx, mirror, small_pages):
    mirror.fault("/query", PASS, Fault("body", body=b'{"type": "FeatureCollection", "feat'))
    message = failure(refresh(ctx, "boundaries_lsoa21"))
    assert "not valid JSON" in message and "resultOffset=0" in message


# ---------------------------------------------------------------- parsing


def test_geojson_becomes_a_valid_geodataframe_in_wgs84(ctx, mirror):
    assert refresh(ctx, "boundaries_lad21").ok
    lads = ctx.cache.load_table("boundaries_lad21")
    assert isinstance(lads, gpd.GeoDataFrame) and lads.crs.to_epsg() == 4326
    assert list(lads.columns) == ["area_code", "area_name", "geometry"]
    assert lads.set_index("area_code").loc["E06000023", "area_name"] == "Bristol, City of"
    assert not lads["area_code"].str.startswith("W").any()
    assert lads.geometry.geom_type.eq("MultiPolygon").all()


def test_invalid_geometry_is_made_valid_keeping_its_area():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    features = [{"type": "Feature", "id": 1, "geometry": bowtie,
                 "properties": {"LSOA21CD": "E01000003", "LSOA21NM": "City of London 001C"}}]
    frame = geoportal.parse_boundaries(features, geoportal.LSOA21, "http://x")
    assert frame.is_valid.all() and frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].area == pytest.approx(0.5)
    assert shapely.get_type_id(frame.geometry.iloc[0]) == 6  # MultiPolygon


def test_a_boundary_without_geometry_fails_clearly():
    features = [{"type": "Feature", "id": 1, "geometry": None,
                 "properties": {"LAD21CD": "E09000001", "LAD21NM": "City of London"}}]
    with pytest.raises(SourceFormatError, match=r"1 feature\(s\) without a boundary"):
        geoportal.parse_boundaries(features, geoportal.LAD21, "http://x")


# ---------------------------------------------------------------- lookups


def test_hub_csv_with_bom_becomes_one_row_per_england_lsoa(ctx, mirror):
    assert refresh(ctx, "lookup_lsoa21_msoa21_lad22").ok
    lookup = ctx.cache.load_table("lookup_lsoa21_msoa21_lad22").set_index("lsoa21_code")
    assert list(lookup.columns) == ["lsoa21_name", "msoa21_code", "msoa21_name", "lad22_code",
                                    "lad22_name"]
    assert sorted(lookup.index) == ["E01000001", "E01000002", "E01000027", "E01014485"]
    assert tuple(lookup.loc["E01000001", ["msoa21_code", "lad22_code"]]) == ("E02000001",
                                                                             "E09000001")
    assert lookup.loc["E01014485", "lad22_name"] == "Bristol, City of"
    (request,) = mirror.requests_to(HUB_PATH)
    assert request.query == {"format": "csv", "spatialRefId": "4326"}
    entry = ctx.cache.provenance("lookup_lsoa21_msoa21_lad22")
    assert entry.attribution == geoportal.ATTRIBUTION_NO_OS


def test_an_lsoa_in_two_msoas_fails_clearly(ctx, mirror):
    body = ("\ufeffOA21CD,LSOA21CD,LSOA21NM,MSOA21CD,MSOA21NM,LAD22CD,LAD22NM\r\n"
            "E00000001,E01000001,City of London 001A,E02000001,City of London 001,E09000001,"
            "City of London\r\n"
            "E00000003,E01000001,City of London 001A,E02000002,Barking and Dagenham 001,"
            "E09000001,City of London\r\n").encode()
    mirror.fault(HUB_PATH, Fault("body", body=body))
    message = failure(refresh(ctx, "lookup_lsoa21_msoa21_lad22"))
    assert "1 LSOA(s) lie in more than one MSOA" in message and "E01000001" in message
    assert HUB_PATH in message


def test_the_hub_answering_something_else_fails_clearly(ctx, mirror):
    mirror.fault(HUB_PATH, Fault("body", body=b'{"status": "Pending"}'))
    message = failure(refresh(ctx, "lookup_lsoa21_msoa21_lad22"))
    assert "missing field(s)" in message and "OA21CD" in message


def test_district_to_region_drops_duplicates_and_county_rows(ctx, mirror):
    assert refresh(ctx, "lookup_lad22_region").ok
    lookup = ctx.cache.load_table("lookup_lad22_region").set_index("lad22_code")
    assert sorted(lookup.index) == ["E06000023", "E07000026", "E09000001", "E09000002"]
    assert lookup.loc["E07000026", "region_name"] == "North West"
    notes = ctx.cache.provenance("lookup_lad22_region").notes
    assert any("Dropped 1 row(s) that are not districts, e.g. ['E10000006']" in n for n in notes)
    (page,) = queries(mirror, "LAD22_RGN22_EN_LU")[1:]
    assert page["returnGeometry"] == "false" and page["where"] == "LAD22CD LIKE 'E%'"


def test_without_an_object_id_field_pages_are_ordered_by_every_field():
    assert arcgis.order_by(geoportal.LAD22_REGION, {}) == "LAD22CD,LAD22NM,RGN22CD,RGN22NM"
    assert arcgis.order_by(geoportal.LAD22_REGION, {"objectIdField": "FID"}) == "FID"


def test_conflicting_duplicates_fail_clearly():
    rows = pd.DataFrame({"lad22_code": ["E09000002", "E09000002"],
                         "region_code": ["E12000007", "E12000008"]})
    with pytest.raises(SourceFormatError, match="conflicting values for the same"):
        geoportal.drop_exact_duplicates(rows, ["lad22_code"], "http://x")


def test_lsoa_to_ward_lookup(ctx, mirror):
    assert refresh(ctx, "lookup_lsoa21_ward24_lad24").ok
    lookup = ctx.cache.load_table("lookup_lsoa21_ward24_lad24").set_index("lsoa21_code")
    assert len(lookup) == 4 and lookup.loc["E01000003", "ward24_name"] == "Bishopsgate"
    assert list(lookup.columns) == ["lsoa21_name", "ward24_code", "ward24_name", "lad24_code",
                                    "lad24_name"]


def test_lsoa11_to_lsoa21_keeps_splits_and_merges(ctx, mirror):
    spec = SPECS["lookup_lsoa11_lsoa21"]
    built = spec.build(ctx)
    table = dataclasses.replace(spec.table, min_rows=1)
    frame = validate_table(built.frame, table, source="geoportal", url=built.download.url)
    assert len(frame) == 6 and set(frame["change"]) == {"U", "S", "M"}
    assert sorted(frame.loc[frame["lsoa11_code"] == "E01000005", "lsoa21_code"]) == [
        "E01032739", "E01032740"]
    assert (frame["lsoa21_code"] == "E01033583").sum() == 2


def test_lsoa11_to_lsoa21_needs_about_all_of_england(ctx, mirror):
    message = failure(refresh(ctx, "lookup_lsoa11_lsoa21"))
    assert "6 rows, expected at least 33000" in message


def test_every_dataset_credits_ons_and_os_only_for_boundaries():
    assert {s.source for s in geoportal.DATASETS} == {"geoportal"}
    assert {s.licence for s in geoportal.DATASETS} == {OGL}
    for spec in geoportal.DATASETS:
        has_os = "Contains OS data" in spec.attribution
        assert has_os == spec.id.startswith("boundaries_"), spec.id
    levels = {s.id: s.level for s in geoportal.DATASETS}
    assert levels["boundaries_lsoa21"] == "lsoa" and levels["boundaries_region"] is None


# ---------------------------------------------------------------- all of England

@pytest.mark.national
def test_all_of_england_through_the_national_mirror(national_mirror, tmp_path, monkeypatch):
    national_base = national_mirror
    monkeypatch.setenv("GRA_GEOPORTAL_BASE_URL", f"{national_base}/services1.arcgis.com")
    monkeypatch.setenv("GRA_ONS_HUB_BASE_URL", f"{national_base}/hub.arcgis.com")
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path))
    get_settings.cache_clear()
    settings = get_settings()
    ctx = RefreshContext(settings=settings, cache=Cache(tmp_path), session=make_session())
    report = run_refresh(ctx, list(geoportal.DATASETS))
    assert report.ok, report.failed
    rows = {p.dataset: p.rows for p in report.stored}
    assert rows == {
        "boundaries_lad21": 309, "boundaries_lad24": 296, "boundaries_region": 9,
        "boundaries_msoa21": 6_856, "boundaries_lsoa21": 33_755,
        "lookup_lsoa21_msoa21_lad22": 33_755, "lookup_lad22_region": 309,
        "lookup_lsoa21_ward24_lad24": 33_755, "lookup_lsoa11_lsoa21": rows["lookup_lsoa11_lsoa21"],
    }
    assert rows["lookup_lsoa11_lsoa21"] >= 33_000
    lookup = ctx.cache.load_table("lookup_lsoa21_msoa21_lad22").set_index("lsoa21_code")
    assert tuple(lookup.loc["E01000001", ["msoa21_code", "lad22_code"]]) == ("E02000001",
                                                                             "E09000001")
    regions = ctx.cache.load_table("lookup_lad22_region").set_index("lad22_code")
    assert regions.loc["E09000001", "region_name"] == "London"
    assert ctx.cache.provenance("boundaries_msoa21").notes[0].endswith("EW_BSC_V2")
    assert ctx.cache.provenance("boundaries_region").notes[0].endswith("EN_BUC")
    lsoas = ctx.cache.load_table("boundaries_lsoa21")
    assert lsoas.crs.to_epsg() == 4326 and lsoas.is_valid.all()
