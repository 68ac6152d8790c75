"""Exports of the joined dataset: every format opens, text stays text, provenance is complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from data_sources.cache import Cache, Provenance
from indicators.export import DICTIONARY_COLUMNS, AreaFilter, export_joined
from indicators.provenance_files import OGL_STATEMENT, OS_STATEMENT
from indicators.writers import neutralise_formulas
from settings import PROJECT_ROOT

NORTH_EAST, LONDON = "E12000001", "E12000007"
HARTLEPOOL, MIDDLESBROUGH, TOWER_HAMLETS = "E06000001", "E06000002", "E09000030"


def joined_table() -> pd.DataFrame:
    """A hand-built joined table: three districts and four LSOAs, invented values."""
    lads = pd.DataFrame({
        "area_code": [HARTLEPOOL, MIDDLESBROUGH, TOWER_HAMLETS],
        "area_name": ["Hartlepool", "=HYPERLINK(\"http://x\")", "Tower Hamlets"],
        "level": "lad",
        "lad_code": [HARTLEPOOL, MIDDLESBROUGH, TOWER_HAMLETS],
        "region_code": [NORTH_EAST, NORTH_EAST, LONDON],
        "population_2021": [92_300, 143_900, 310_300],
        "d_asian": [0.41, np.nan, 0.37],
        "d_asian_change": [-0.03, np.nan, 0.02],
        "imd_score": [np.nan] * 3,
        "seg_unit": ["msoa", "msoa", "msoa"],
    })
    lsoas = pd.DataFrame({
        "area_code": ["E01011954", "E01011955", "E01012007", "E01004200"],
        "area_name": ["Hartlepool 001A", "+Hartlepool 001B", "@Middlesbrough 001A",
                      "-Tower Hamlets 001A"],
        "level": "lsoa",
        "lad_code": [HARTLEPOOL, HARTLEPOOL, MIDDLESBROUGH, TOWER_HAMLETS],
        "region_code": [NORTH_EAST, NORTH_EAST, NORTH_EAST, LONDON],
        "population_2021": [1_510, 1_620, 1_480, 1_750],
        "d_asian": [np.nan] * 4,
        "d_asian_change": [np.nan] * 4,
        "imd_score": [41.2, -1.5, 7.25, 22.0],
        "seg_unit": pd.Series([pd.NA] * 4, dtype="str"),
    })
    return pd.concat([lads, lsoas], ignore_index=True)


def month_table() -> pd.DataFrame:
    """Area × month with suppressed report counts beside real ones (an object column)."""
    return pd.DataFrame({
        "area_code": [HARTLEPOOL, HARTLEPOOL, MIDDLESBROUGH],
        "area_name": ["Hartlepool", "Hartlepool", "Middlesbrough"],
        "level": "lad",
        "lad_code": [HARTLEPOOL, HARTLEPOOL, MIDDLESBROUGH],
        "region_code": NORTH_EAST,
        "month": ["2024-01", "2024-02", "2024-01"],
        "public_order": [31.0, np.nan, 40.0],
        "reports_total": pd.Series(["<5", 12, "<5"], dtype=object),
    })


def dictionary_for(columns) -> pd.DataFrame:
    return pd.DataFrame([{
        "column": c, "label": f"Label of {c}", "definition": f"What {c} means.",
        "unit": "", "polarity": "neutral", "vintage": "Census 2021", "source": "test",
        "licence": "Open Government Licence v3.0",
    } for c in columns])


def provenance() -> list[Provenance]:
    joined = Provenance(
        dataset="joined_area_indicator", source="derived", title="Joined area × indicator",
        url="", vintage="as built", geography="LSOA 2021, MSOA 2021, LAD 2022",
        licence="Open Government Licence v3.0", attribution="Derived by Good Relations Atlas.",
        fetched_at="2025-01-02T03:04:05Z", sha256="ab" * 32,
        notes=["imd_score is NA at LAD: IoD 2025 File 10 is not cached"],
    )
    census = Provenance(
        dataset="census2021_ethnicity_msoa", source="nomis", title="Census 2021 TS021 by MSOA",
        url="https://www.nomisweb.co.uk/output/census/2021/census2021-ts021.zip",
        vintage="Census 2021", geography="MSOA 2021", licence="Open Government Licence v3.0",
        attribution="Source: Office for National Statistics licensed under the OGL v3.0.",
        fetched_at="2025-01-01T00:00:00Z", sha256="cd" * 32,
    )
    lad = Provenance(
        dataset="boundaries_lad21", source="geoportal", title="LAD December 2021 boundaries",
        url="https://services1.arcgis.com/x/FeatureServer/0", vintage="December 2021",
        geography="LAD December 2021", licence="Open Government Licence v3.0",
        attribution="Source: ONS. Contains OS data © Crown copyright and database right 2025.",
        fetched_at="2025-01-01T00:00:01Z", sha256="ef" * 32,
    )
    return [joined, census, lad]


def lad_boundaries() -> gpd.GeoDataFrame:
    """Three squares in British National Grid metres (no boundary for Tower Hamlets)."""
    return gpd.GeoDataFrame(
        {"area_code": [HARTLEPOOL, MIDDLESBROUGH, "E06000003"], "area_name": ["a", "b", "c"]},
        geometry=[box(445_000, 525_000, 455_000, 535_000), box(445_000, 515_000, 455_000, 525_000),
                  box(455_000, 515_000, 465_000, 525_000)],
        crs="EPSG:27700",
    )


def export(tmp_path: Path, fmt: str, level: str = "lad", table: pd.DataFrame | None = None,
           **kwargs) -> list[Path]:
    table = joined_table() if table is None else table
    kwargs.setdefault("boundaries", lad_boundaries() if fmt == "gpkg" else None)
    return export_joined(table, level, fmt, tmp_path / f"out.{fmt}",
                         dictionary=dictionary_for(table.columns), provenance=provenance(),
                         **kwargs)


# ------------------------------------------------------------------------ each format
def test_csv_opens_in_pandas_with_formulas_neutralised_and_numbers_kept(tmp_path):
    written = export(tmp_path, "csv", level="lsoa")
    assert [p.name for p in written] == ["out.csv", "out_data_dictionary.csv",
                                         "out_provenance.txt", "out_provenance.json"]
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbfarea_code,")
    data = pd.read_csv(tmp_path / "out.csv")
    assert list(data.columns) == list(joined_table().columns)
    assert len(data) == 4 and set(data["level"]) == {"lsoa"}
    assert list(data["area_name"]) == ["Hartlepool 001A", "'+Hartlepool 001B",
                                       "'@Middlesbrough 001A", "'-Tower Hamlets 001A"]
    assert data["imd_score"].tolist() == [41.2, -1.5, 7.25, 22.0]


def test_csv_quotes_a_formula_name_of_a_district(tmp_path):
    export(tmp_path, "csv")
    data = pd.read_csv(tmp_path / "out.csv")
    assert data.loc[1, "area_name"] == "'=HYPERLINK(\"http://x\")"
    assert data["d_asian_change"].tolist()[0] == pytest.approx(-0.03)


def test_neutralise_leaves_negative_numbers_written_as_text():
    table = pd.DataFrame({"a": ["-3.5", "-x", "=1+1", None, "<5", "\tcmd"],
                          "b": [-1, 2, 3, 4, 5, 6]})
    out = neutralise_formulas(table)
    assert out["a"].tolist()[:3] == ["-3.5", "'-x", "'=1+1"]
    assert pd.isna(out["a"][3])
    assert out["a"].tolist()[4:] == ["<5", "'\tcmd"]
    assert out["b"].tolist() == [-1, 2, 3, 4, 5, 6]


def test_parquet_keeps_types(tmp_path):
    export(tmp_path, "parquet")
    data = pd.read_parquet(tmp_path / "out.parquet")
    assert data["area_code"].tolist() == [HARTLEPOOL, MIDDLESBROUGH, TOWER_HAMLETS]
    assert data.loc[1, "area_name"] == "=HYPERLINK(\"http://x\")"  # only CSV is quoted
    assert data["population_2021"].dtype.kind == "i"
    assert data["d_asian"].isna().tolist() == [False, True, False]


def test_geopackage_opens_with_geometry_in_wgs84(tmp_path):
    export(tmp_path, "gpkg")
    path = tmp_path / "out.gpkg"
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["lad"]
    info = pyogrio.read_info(path, layer="lad")
    assert info["geometry_type"] == "MultiPolygon"
    layer = gpd.read_file(path, layer="lad")
    assert layer.crs.to_epsg() == 4326
    assert len(layer) == 3
    assert set(layer.columns) == {*joined_table().columns, "geometry"}
    by_code = layer.set_index("area_code")
    hartlepool = by_code.geometry[HARTLEPOOL]
    assert -1.4 < hartlepool.centroid.x < -1.1 and 54.6 < hartlepool.centroid.y < 54.8
    assert by_code.geometry[TOWER_HAMLETS] is None  # no boundary: kept, without geometry
    record = json.loads((tmp_path / "out_provenance.json").read_text(encoding="utf-8"))
    assert any("1 area(s) have no boundary" in n and TOWER_HAMLETS in n
               for n in record["notes"])
    dictionary = pd.read_csv(tmp_path / "out_data_dictionary.csv")
    geometry = dictionary.set_index("column").loc["geometry"]
    assert "EPSG:4326" in geometry["definition"] and geometry["source"] == "boundaries_lad21"


def test_geopackage_without_boundaries_is_an_attribute_table(tmp_path):
    export(tmp_path, "gpkg", boundaries=None)
    info = pyogrio.read_info(tmp_path / "out.gpkg", layer="lad")
    assert info["geometry_type"] is None and info["features"] == 3
    provenance_text = (tmp_path / "out_provenance.txt").read_text(encoding="utf-8")
    assert OS_STATEMENT not in provenance_text.split("Attribution")[0]


def test_spreadsheet_has_data_dictionary_and_sources_sheets(tmp_path):
    export(tmp_path, "xlsx", level="lsoa")
    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert book.sheetnames == ["data", "dictionary", "sources"]
    rows = list(book["data"].iter_rows(values_only=True))
    assert rows[0] == tuple(joined_table().columns)
    assert len(rows) == 5
    assert rows[2][rows[0].index("imd_score")] == -1.5
    assert rows[1][rows[0].index("d_asian")] is None
    dictionary = list(book["dictionary"].iter_rows(values_only=True))
    assert dictionary[0] == tuple(DICTIONARY_COLUMNS)
    assert [r[0] for r in dictionary[1:]] == list(joined_table().columns)
    sources = pd.DataFrame(list(book["sources"].values)[1:],
                           columns=next(book["sources"].values))
    assert sources["dataset"].tolist() == [p.dataset for p in provenance()]
    assert sources["sha256"].tolist() == [p.sha256 for p in provenance()]


def test_spreadsheet_formula_like_name_is_text_not_a_formula(tmp_path):
    export(tmp_path, "xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["data"]
    cell = sheet.cell(row=3, column=2)
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"


# ------------------------------------------------------------------------ suppression
@pytest.mark.parametrize("fmt", ["csv", "parquet", "gpkg", "xlsx"])
def test_suppressed_counts_stay_text_in_every_format(tmp_path, fmt):
    export(tmp_path, fmt, table=month_table(), boundaries=None)
    path = tmp_path / f"out.{fmt}"
    if fmt == "csv":
        values = pd.read_csv(path, dtype={"reports_total": str})["reports_total"].tolist()
    elif fmt == "parquet":
        column = pd.read_parquet(path)["reports_total"]
        assert pd.api.types.is_string_dtype(column.dtype)
        values = column.tolist()
    elif fmt == "gpkg":
        assert pyogrio.read_info(path)["dtypes"][-1] == "object"
        values = pyogrio.read_dataframe(path)["reports_total"].tolist()
    else:
        sheet = openpyxl.load_workbook(path)["data"]
        cells = [row[7] for row in sheet.iter_rows(min_row=2)]
        assert all(c.data_type == "s" for c in cells)
        values = [c.value for c in cells]
    assert values == ["<5", "12", "<5"]


# ------------------------------------------------------------------------ provenance
def test_provenance_names_every_input_with_licence_and_notes(tmp_path):
    export(tmp_path, "gpkg")
    text = (tmp_path / "out_provenance.txt").read_text(encoding="utf-8")
    record = json.loads((tmp_path / "out_provenance.json").read_text(encoding="utf-8"))
    for p in provenance():
        for value in (p.dataset, p.title, p.url, p.fetched_at, p.sha256, p.vintage, p.licence,
                      p.attribution):
            assert value in text
    assert OGL_STATEMENT in text and OS_STATEMENT in record["licence"][1]
    assert "imd_score is NA at LAD: IoD 2025 File 10 is not cached" in text
    assert [d["dataset"] for d in record["datasets"]] == [p.dataset for p in provenance()]
    assert record["datasets"][1]["sha256"] == "cd" * 32
    assert record["level"] == "lad" and record["rows"] == 3 and record["areas"] == "England"


def test_no_os_statement_without_boundaries(tmp_path):
    export(tmp_path, "csv")
    record = json.loads((tmp_path / "out_provenance.json").read_text(encoding="utf-8"))
    assert record["licence"] == [OGL_STATEMENT]


# ------------------------------------------------------------------------ filters
@pytest.mark.parametrize(("area_filter", "codes"), [
    (AreaFilter.region(NORTH_EAST), ["E01011954", "E01011955", "E01012007"]),
    (AreaFilter.district(HARTLEPOOL), ["E01011954", "E01011955"]),
    (AreaFilter.region(LONDON), ["E01004200"]),
])
def test_filter_to_a_region_or_district(tmp_path, area_filter, codes):
    export(tmp_path, "parquet", level="lsoa", area_filter=area_filter)
    assert pd.read_parquet(tmp_path / "out.parquet")["area_code"].tolist() == codes
    record = json.loads((tmp_path / "out_provenance.json").read_text(encoding="utf-8"))
    assert record["areas"] == area_filter.label and record["rows"] == len(codes)


def test_unknown_area_code_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="no lsoa areas in district E06000099"):
        export(tmp_path, "csv", level="lsoa", area_filter=AreaFilter.district("E06000099"))
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------ bad requests
def test_missing_suffix_is_added(tmp_path):
    table = joined_table()
    written = export_joined(table, "lad", "csv", tmp_path / "districts",
                            dictionary=dictionary_for(table.columns), provenance=provenance())
    assert written[0] == tmp_path / "districts.csv"
    assert written[1] == tmp_path / "districts_data_dictionary.csv"


@pytest.mark.parametrize(("change", "message"), [
    ({"fmt": "pdf"}, "unknown export format 'pdf'"),
    ({"level": "region"}, "unknown level 'region'"),
    ({"out": "out.csv", "fmt": "gpkg"}, r"out.csv does not end in .gpkg"),
])
def test_bad_requests_are_refused(tmp_path, change, message):
    args = {"level": "lad", "fmt": "csv", "out": "out.csv"} | change
    table = joined_table()
    with pytest.raises(ValueError, match=message):
        export_joined(table, args["level"], args["fmt"], tmp_path / args["out"],
                      dictionary=dictionary_for(table.columns), provenance=provenance())


def test_undocumented_column_is_refused_and_old_export_kept(tmp_path):
    export(tmp_path, "csv")
    before = (tmp_path / "out.csv").read_bytes()
    table = joined_table().assign(mystery=1)
    with pytest.raises(ValueError, match=r"does not describe the columns \['mystery'\]"):
        export_joined(table, "lad", "csv", tmp_path / "out.csv",
                      dictionary=dictionary_for(joined_table().columns), provenance=provenance())
    assert (tmp_path / "out.csv").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(("boundaries", "message"), [
    (lad_boundaries().set_crs(None, allow_override=True), "no CRS"),
    (pd.concat([lad_boundaries(), lad_boundaries()]), "area codes twice"),
])
def test_bad_boundaries_are_refused(tmp_path, boundaries, message):
    with pytest.raises(ValueError, match=message):
        export(tmp_path, "gpkg", boundaries=boundaries)
    assert not (tmp_path / "out.gpkg").exists()


def test_files_are_readable_by_others_and_no_temporary_file_is_left(tmp_path):
    for fmt in ("csv", "parquet", "gpkg", "xlsx"):
        export(tmp_path, fmt)
    assert all(p.stat().st_mode & 0o044 == 0o044 for p in tmp_path.iterdir())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") or "-journal" in p.name]


# ------------------------------------------------------------------------ command line
def lsoa_boundaries() -> gpd.GeoDataFrame:
    codes = joined_table().query("level == 'lsoa'")["area_code"]
    return gpd.GeoDataFrame(
        {"area_code": codes.to_numpy(), "area_name": "x"},
        geometry=[box(-1.3 + i / 100, 54.6, -1.29 + i / 100, 54.61) for i in range(len(codes))],
        crs="EPSG:4326",
    )


def store(cache: Cache, dataset: str, frame: pd.DataFrame, notes: Sequence[str] = ()) -> None:
    template = next((p for p in provenance() if p.dataset == dataset), None)
    entry = template or Provenance(
        dataset=dataset, source="derived" if dataset.startswith("joined") else "test",
        title=f"Title of {dataset}", url=f"https://example.org/{dataset}", vintage="2021",
        geography="2021", licence="Open Government Licence v3.0",
        attribution=f"Attribution of {dataset}.", sha256="12" * 32,
    )
    entry.notes = list(notes) or entry.notes
    cache.store_table(frame, entry)


@pytest.fixture
def built_cache(tmp_path) -> Path:
    """A cache holding hand-built joined tables, their inputs and the boundaries."""
    cache = Cache(tmp_path / "cache")
    store(cache, "census2021_ethnicity_msoa", pd.DataFrame({"area_code": ["E02000001"]}))
    store(cache, "iod2025_lsoa", pd.DataFrame({"area_code": ["E01000001"]}))
    store(cache, "police_lsoa_month", pd.DataFrame({"lsoa21_code": ["E01000001"]}))
    store(cache, "boundaries_lad21", lad_boundaries())
    store(cache, "boundaries_lsoa21", lsoa_boundaries())
    store(cache, "joined_area_indicator", joined_table(), [
        "input census2021_ethnicity_msoa: sha256 " + "cd" * 32,
        "input iod2025_lsoa: sha256 " + "12" * 32 + ", fetched at -",
        "input census2011_ethnicity_msoa missing: not cached",
        "imd_score is NA at LAD: IoD 2025 File 10 is not cached",
    ])
    months = month_table().assign(reports_total=["<5", "12", "<5"])
    store(cache, "joined_area_month", months, ["input police_lsoa_month: sha256 -"])
    return cache.root


def run_cli(cache_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRA_")}
    env.update(GRA_CACHE_DIR=str(cache_dir), GRA_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "data_sources", *args], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


def read_any(path: Path, layer: str) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype={"reports_total": str})
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".gpkg":
        return gpd.read_file(path, layer=layer)
    sheet = openpyxl.load_workbook(path)["data"]
    rows = list(sheet.values)
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.mark.parametrize("fmt", ["csv", "parquet", "gpkg", "xlsx"])
def test_cli_export_writes_every_file_of_a_level(built_cache, tmp_path, fmt):
    out = tmp_path / "export" / f"districts.{fmt}"
    result = run_cli(built_cache, "export", "--level", "lad", "--format", fmt, "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = read_any(out, "lad")
    assert data["area_code"].tolist() == [HARTLEPOOL, MIDDLESBROUGH, TOWER_HAMLETS]
    assert "imd_score" not in data.columns  # an LSOA indicator, not exported for districts
    assert {"d_asian", "d_asian_change", "seg_unit", "population_2021"} <= set(data.columns)
    months = read_any(out.with_name(f"districts_months.{fmt}"), "lad")
    assert months["reports_total"].tolist() == ["<5", "12", "<5"]
    dictionary = pd.read_csv(out.with_name("districts_data_dictionary.csv"))
    assert dictionary["column"].tolist() == [c for c in data.columns]
    assert dictionary["label"].notna().all() and dictionary["definition"].notna().all()
    record = json.loads(out.with_name("districts_provenance.json").read_text(encoding="utf-8"))
    datasets = [d["dataset"] for d in record["datasets"]]
    assert datasets[:3] == ["joined_area_indicator", "census2021_ethnicity_msoa", "iod2025_lsoa"]
    assert ("boundaries_lad21" in datasets) == (fmt == "gpkg")
    assert (len(record["licence"]) == 2) == (fmt == "gpkg")
    assert "imd_score is NA at LAD" in out.with_name("districts_provenance.txt").read_text()
    month_record = json.loads(out.with_name("districts_months_provenance.json").read_text())
    assert [d["dataset"] for d in month_record["datasets"]] == ["joined_area_month",
                                                                "police_lsoa_month"]
    for line in ("districts", "districts_months"):
        assert f"{line}.{fmt}" in result.stdout


def test_cli_export_of_one_district_lsoas_as_geopackage(built_cache, tmp_path):
    out = tmp_path / "hartlepool.gpkg"
    result = run_cli(built_cache, "export", "--level", "lsoa", "--format", "gpkg",
                     "--out", str(out), "--district", HARTLEPOOL)
    assert result.returncode == 0, result.stderr
    layer = gpd.read_file(out, layer="lsoa")
    assert layer["area_code"].tolist() == ["E01011954", "E01011955"]
    assert layer.crs.to_epsg() == 4326 and layer.geometry.notna().all()
    assert "d_asian" not in layer.columns and "imd_score" in layer.columns
    assert not out.with_name("hartlepool_months.gpkg").exists()  # no LSOA months cached


def test_cli_export_refuses_clearly(built_cache, tmp_path):
    result = run_cli(built_cache, "export", "--level", "lad", "--format", "csv",
                     "--out", str(tmp_path / "x.csv"), "--region", "E12000009")
    assert result.returncode == 1
    assert "no lad areas in region E12000009" in result.stderr
    empty = tmp_path / "empty-cache"
    result = run_cli(empty, "export", "--level", "lad", "--format", "csv",
                     "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 1
    assert "joined_area_indicator is not in the cache" in result.stderr
    assert "python -m data_sources build" in result.stderr
    assert not (tmp_path / "x.csv").exists()


# ------------------------------------------------------------------------ IoD 2019 as published
CORBY_2019 = "E07000150"  # a LAD 2019 code, merged into North Northamptonshire in 2021


def iod2019_native_table() -> pd.DataFrame:
    """A hand-built iod2019_lsoa: three LSOA 2011 rows, invented values, a sub-domain."""
    return pd.DataFrame({
        "area_code": ["E01011954", "E01011955", "E01026991"],
        "area_name": ["Hartlepool 001A", "Hartlepool 001B", "Corby 001A"],
        "lad_code": [HARTLEPOOL, HARTLEPOOL, CORBY_2019],
        "lad_name": ["Hartlepool", "Hartlepool", "Corby"],
        "imd_score": [41.2, 7.25, 22.0], "imd_rank": [1_500, 30_000, 9_800],
        "imd_decile": [1, 10, 3],
        "income_score": [0.3, 0.02, 0.15], "income_rank": [900, 31_000, 8_000],
        "income_decile": [1, 10, 3],
        "indoors_score": [-0.5, 1.2, 0.1], "indoors_rank": [25_000, 2_000, 15_000],
        "indoors_decile": [8, 1, 5],
        "pop_total": [1_510, 1_620, 1_480], "pop_working_age": [900, 1_000, 870],
    })


@pytest.fixture
def native_cache(built_cache) -> Path:
    """The built cache plus a hand-built iod2019_lsoa on LSOA 2011."""
    Cache(built_cache).store_table(iod2019_native_table(), Provenance(
        dataset="iod2019_lsoa", source="iod", title="IoD 2019 File 7 by LSOA",
        url="https://assets.publishing.service.gov.uk/media/x/File_7.csv", vintage="IoD 2019",
        geography="LSOA 2011", licence="Open Government Licence v3.0",
        attribution="English Indices of Deprivation 2019, MHCLG.", sha256="34" * 32,
        fetched_at="2025-01-03T00:00:00Z",
    ))
    return built_cache


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_cli_export_of_iod2019_as_published(native_cache, tmp_path, fmt):
    out = tmp_path / f"iod2019.{fmt}"
    result = run_cli(native_cache, "export", "--level", "lsoa11", "--format", fmt,
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = read_any(out, "lsoa11")
    assert list(data.columns) == list(iod2019_native_table().columns)
    assert data["area_code"].tolist() == ["E01011954", "E01011955", "E01026991"]
    assert data["lad_code"].tolist() == [HARTLEPOOL, HARTLEPOOL, CORBY_2019]
    assert data["imd_score"].astype(float).tolist() == [41.2, 7.25, 22.0]
    dictionary = pd.read_csv(out.with_name("iod2019_data_dictionary.csv"))
    assert dictionary["column"].tolist() == list(data.columns)
    assert dictionary[DICTIONARY_COLUMNS].notna().all().all()
    assert set(dictionary["vintage"]) == {"IoD 2019 (LSOA 2011, as published)"}
    assert set(dictionary["source"]) == {"iod2019_lsoa"}
    row = dictionary.set_index("column").loc["imd_rank"]
    assert "32,844 LSOAs (2011)" in row["definition"] and row["polarity"] == "higher_better"
    assert "best-fit" not in " ".join(dictionary["definition"])  # not the mapped values
    record = json.loads(out.with_name("iod2019_provenance.json").read_text(encoding="utf-8"))
    assert [d["dataset"] for d in record["datasets"]] == ["iod2019_lsoa"]
    assert record["level"] == "lsoa11" and record["rows"] == 3
    assert record["licence"] == [OGL_STATEMENT]
    text = out.with_name("iod2019_provenance.txt").read_text(encoding="utf-8")
    assert "iod2019_lsoa: IoD 2019 File 7 by LSOA" in text and "34" * 32 in text
    assert not out.with_name(f"iod2019_months.{fmt}").exists()
    if fmt == "xlsx":
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == ["data", "dictionary", "sources"]
        assert [r[0] for r in book["sources"].iter_rows(min_row=2, values_only=True)] == [
            "iod2019_lsoa"]


def test_cli_export_of_iod2019_filters_on_the_lad_2019_code(native_cache, tmp_path):
    out = tmp_path / "corby.csv"
    result = run_cli(native_cache, "export", "--level", "lsoa11", "--format", "csv",
                     "--out", str(out), "--district", CORBY_2019)
    assert result.returncode == 0, result.stderr
    assert pd.read_csv(out)["area_code"].tolist() == ["E01026991"]
    record = json.loads(out.with_name("corby_provenance.json").read_text(encoding="utf-8"))
    assert record["areas"] == f"district {CORBY_2019}"


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "gpkg"], "cannot be exported as a GeoPackage: no LSOA 2011 boundaries"),
    (["--format", "csv", "--region", NORTH_EAST], "no LSOA 2011 to region lookup is cached"),
    (["--format", "csv", "--district", "E06000061"], "carry the LAD 2019 codes"),
])
def test_cli_export_of_iod2019_refuses_clearly(native_cache, tmp_path, args, message):
    out = tmp_path / "x"
    result = run_cli(native_cache, "export", "--level", "lsoa11", "--out", str(out), *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == [native_cache]


def test_iod2019_dictionary_covers_every_file7_column_in_the_catalogue_words():
    from data_sources.iod import IOD2019
    from data_sources.iod_lsoa import file7_columns
    from indicators.catalogue import CATALOGUE, IOD2019_NATIVE, iod2019_native_dictionary

    assert list(IOD2019_NATIVE) == list(file7_columns(IOD2019))
    dictionary = iod2019_native_dictionary(file7_columns(IOD2019))
    assert dictionary["label"].is_unique and dictionary["definition"].is_unique
    mapped = CATALOGUE["imd_decile_2019"]
    assert mapped.definition.startswith(IOD2019_NATIVE["imd_decile"].definition)
    assert mapped.label == IOD2019_NATIVE["imd_decile"].label
    with pytest.raises(KeyError, match="region_code"):
        iod2019_native_dictionary(["area_code", "region_code"])


# ------------------------------------------------------------------------ national scale
@pytest.mark.national
@pytest.mark.parametrize(("level", "rows"), [("lad", 309), ("lsoa", 33_755)])
def test_national_geopackage(national, tmp_path, level, rows):
    national_cache = national.cache.root
    out = tmp_path / f"england_{level}.gpkg"
    start = time.perf_counter()
    result = run_cli(national_cache, "export", "--level", level, "--format", "gpkg",
                     "--out", str(out))
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stdout + result.stderr
    print(f"\n{level} GeoPackage: {rows:,} areas, {out.stat().st_size / 1e6:.1f} MB, "
          f"export command {seconds:.1f} s\n{result.stdout}")
    layer = pyogrio.read_dataframe(out, layer=level)
    assert len(layer) == rows and layer["area_code"].is_unique
    assert layer.crs.to_epsg() == 4326
    assert layer.geometry.notna().all() and layer.geometry.is_valid.all()
    assert layer["area_code"].str.startswith("E").all()
    dictionary = pd.read_csv(out.with_name(f"england_{level}_data_dictionary.csv"))
    assert dictionary["column"].tolist() == [c for c in layer.columns]
    text = out.with_name(f"england_{level}_provenance.txt").read_text(encoding="utf-8")
    for dataset in ("joined_area_indicator", "iod2025_lsoa", f"boundaries_{level}21"):
        assert dataset in text
    assert OS_STATEMENT in text and OGL_STATEMENT in text


# ------------------------------------------------------------------------ build, then export
DISTRICTS = {HARTLEPOOL: ("Hartlepool", ["E02002483", "E02002484"]),
             MIDDLESBROUGH: ("Middlesbrough", ["E02002498", "E02002499"])}


def tiny_inputs() -> dict[str, pd.DataFrame]:
    """Two districts, four MSOAs, eight LSOAs on a grid of 0.01° squares; invented counts."""
    rows = []
    for d, (lad, (lad_name, msoas)) in enumerate(DISTRICTS.items()):
        for m, msoa in enumerate(msoas):
            for k in range(2):
                rows.append({"lsoa21_code": f"E0101{d}{m}{k}0",
                             "lsoa21_name": f"{lad_name} 00{m + 1}{'AB'[k]}",
                             "msoa21_code": msoa, "msoa21_name": f"{lad_name} 00{m + 1}",
                             "lad22_code": lad, "lad22_name": lad_name,
                             "x": -1.30 + 0.02 * d + 0.01 * k, "y": 54.60 + 0.01 * m})
    lookup = pd.DataFrame(rows)
    return {
        "lookup_lsoa21_msoa21_lad22": lookup.drop(columns=["x", "y"]),
        "lookup_lad22_region": pd.DataFrame({
            "lad22_code": list(DISTRICTS), "lad22_name": [v[0] for v in DISTRICTS.values()],
            "region_code": NORTH_EAST, "region_name": "North East"}),
        "census2021_ethnicity_msoa": census_counts(lookup),
        "iod2025_lsoa": pd.DataFrame({
            "area_code": lookup["lsoa21_code"], "area_name": lookup["lsoa21_name"],
            "lad_code": lookup["lad22_code"], "lad_name": lookup["lad22_name"],
            "imd_score": np.linspace(5.5, 60.25, 8), "imd_rank": np.arange(8) * 4_000 + 100,
            "imd_decile": np.arange(8) + 1}),
        "boundaries_lsoa21": squares(lookup, "lsoa21_code", "lsoa21_name"),
        "boundaries_msoa21": squares(lookup, "msoa21_code", "msoa21_name"),
        "boundaries_lad21": squares(lookup, "lad22_code", "lad22_name"),
    }


def census_counts(lookup: pd.DataFrame) -> pd.DataFrame:
    from indicators.segregation import DETAILED_2021

    msoas = lookup.drop_duplicates("msoa21_code").reset_index(drop=True)
    rng = np.random.default_rng(3)
    counts = pd.DataFrame(rng.integers(5, 400, size=(len(msoas), len(DETAILED_2021))),
                          columns=list(DETAILED_2021))
    counts["white_british"] += 4_000
    for broad in ("white", "mixed", "asian", "black", "other"):
        counts[broad] = counts[[c for c in DETAILED_2021 if c.startswith(broad)]].sum(axis=1)
    counts["total"] = counts[list(DETAILED_2021)].sum(axis=1)
    return pd.concat([msoas[["msoa21_code", "msoa21_name"]].set_axis(
        ["area_code", "area_name"], axis=1), counts], axis=1)


def squares(lookup: pd.DataFrame, code: str, name: str) -> gpd.GeoDataFrame:
    cells = gpd.GeoDataFrame(lookup[[code, name]].set_axis(["area_code", "area_name"], axis=1),
                             geometry=[box(x, y, x + 0.01, y + 0.01)
                                       for x, y in zip(lookup["x"], lookup["y"], strict=True)],
                             crs="EPSG:4326")
    return cells.dissolve("area_code", as_index=False)[["area_code", "area_name", "geometry"]]


@pytest.fixture
def tiny_cache(tmp_path) -> Path:
    cache = Cache(tmp_path / "tiny-cache")
    for dataset, frame in tiny_inputs().items():
        store(cache, dataset, frame)
    return cache.root


@pytest.mark.parametrize("fmt", ["csv", "parquet", "gpkg", "xlsx"])
def test_cli_build_then_export(tiny_cache, tmp_path, fmt):
    build = run_cli(tiny_cache, "build")
    assert build.returncode == 0, build.stdout + build.stderr
    assert "joined_area_indicator: 14 rows" in build.stdout and "tiles_lsoa: 8 rows" in build.stdout
    for level, rows in (("lad", 2), ("msoa", 4), ("lsoa", 8)):
        out = tmp_path / f"{level}.{fmt}"
        result = run_cli(tiny_cache, "export", "--level", level, "--format", fmt,
                         "--out", str(out))
        assert result.returncode == 0, result.stderr
        data = read_any(out, level)
        assert len(data) == rows and set(data["level"]) == {level}
        assert set(data["lad_code"]) == set(DISTRICTS)
        assert (data["region_code"] == NORTH_EAST).all()
        dictionary = pd.read_csv(out.with_name(f"{level}_data_dictionary.csv"))
        assert dictionary["column"].tolist() == list(data.columns)
        record = json.loads(out.with_name(f"{level}_provenance.json").read_text())
        datasets = [d["dataset"] for d in record["datasets"]]
        assert {"joined_area_indicator", "census2021_ethnicity_msoa",
                "lookup_lsoa21_msoa21_lad22"} <= set(datasets)
        if fmt == "gpkg":
            assert data.crs.to_epsg() == 4326 and data.geometry.notna().all()
            assert f"boundaries_{level}21" in datasets
    lads = read_any(tmp_path / f"lad.{fmt}", "lad").set_index("area_code")
    assert lads["seg_unit"].eq("msoa").all()
    assert lads["d_asian"].between(0, 1, inclusive="neither").all()
    lsoas = read_any(tmp_path / f"lsoa.{fmt}", "lsoa")
    assert lsoas["imd_score"].astype(float).tolist() == pytest.approx(np.linspace(5.5, 60.25, 8))
