"""Census 2021 TS021 (bulk zip, API fallback), Census 2011 KS201EW (API) and optional tables.

Fixtures under tests/fixtures/mirror/www.nomisweb.co.uk hold invented counts in the
published formats: bulk zips of wide CSVs (``date,geography,geography code,<labels>``)
and the API's long, fully quoted CSV, served with paging and the silent row cap by
tests/mirror/nomis.py.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from data_sources import census_labels, nomis, nomis_api
from data_sources.errors import SourceFormatError
from data_sources.refresh import OGL, RefreshContext, run_refresh
from indicators.topics import TOPICS, topic_counts
from settings import PROJECT_ROOT
from tests.fixtures import topics as topic_fixtures
from tests.mirror import Fault
from tests.mirror import nomis as nomis_mirror

HOST = "www.nomisweb.co.uk"
FIXTURES = Path(__file__).parent / "fixtures" / "mirror" / HOST
TS021_ZIP = FIXTURES / "output" / "census" / "2021" / "census2021-ts021.zip"
API_2021 = "NM_2041_1.data.csv"
API_2011 = "NM_608_1.data.csv"
SPECS = {spec.id: spec for spec in nomis.DATASETS}
REAL = PROJECT_ROOT.parent / "shared" / "data" / "real" / "census2021" / "census2021-ts021-msoa.csv"
COLUMNS_2021 = ["area_code", "area_name", *nomis.IDS_2021]


def refresh(ctx: RefreshContext, *ids: str):
    return run_refresh(ctx, [SPECS[i] for i in ids])


def failure(report) -> str:
    assert len(report.failed) == 1, report
    return report.failed[0][1]


def members() -> dict[str, str]:
    with zipfile.ZipFile(TS021_ZIP) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def zip_of(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


def edit_member(member: str, edit) -> bytes:
    """The TS021 zip with ``member``'s rows (header first) passed through ``edit``."""
    files = members()
    rows = list(csv.reader(io.StringIO(files[member])))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(edit(rows))
    files[member] = out.getvalue()
    return zip_of(files)


def serve_ts021(mirror, body: bytes) -> None:
    mirror.fault("census2021-ts021.zip", Fault("body", body=body))


def small_pages(monkeypatch, rows: int = 5, page: int | None = None) -> None:
    monkeypatch.setattr(nomis_mirror, "MAX_ROWS", rows)
    monkeypatch.setattr(nomis_api, "PAGE_ROWS", page or rows)


# ---------------------------------------------------------------- Census 2021 bulk zip


@pytest.mark.parametrize(
    ("level", "geography", "code", "name", "total"),
    [
        ("lsoa", "LSOA 2021", "E01011954", "Hartlepool 001A", 1_585),
        ("msoa", "MSOA 2021", "E02000001", "City of London 001", 8_118),
        ("lad", "LAD 2021", "E08000025", "Birmingham", 114_989),
    ],
)
def test_census2021_loads_each_level_from_the_bulk_zip(ctx, level, geography, code, name, total):
    dataset = f"census2021_ethnicity_{level}"
    report = refresh(ctx, dataset)
    assert report.ok, report.failed
    table = ctx.cache.load_table(dataset)
    assert list(table.columns) == COLUMNS_2021
    assert len(table) == 3 and table["area_code"].str.startswith("E").all()
    row = table.set_index("area_code").loc[code]
    assert row["area_name"] == name and row["total"] == total
    broads = table[list(nomis.BROADS)].sum(axis=1)
    assert (broads == table["total"]).all()
    entry = ctx.cache.provenance(dataset)
    assert (entry.vintage, entry.geography, entry.licence) == ("Census 2021", geography, OGL)
    assert entry.attribution == nomis.ATTRIBUTION
    assert entry.url.endswith("/output/census/2021/census2021-ts021.zip")
    assert nomis.PERTURBATION_NOTE in entry.notes
    assert "England only: 1 Welsh rows dropped." in entry.notes


def test_the_bulk_zip_is_downloaded_once_for_all_levels(ctx, mirror):
    report = refresh(ctx, *(f"census2021_ethnicity_{level}" for level in ("lsoa", "msoa", "lad")))
    assert report.ok, report.failed
    assert len(mirror.requests_to("census2021-ts021.zip")) == 1
    assert not mirror.requests_to(API_2021)


def test_msoa_values_match_the_fixture_row(ctx):
    refresh(ctx, "census2021_ethnicity_msoa")
    row = ctx.cache.load_table("census2021_ethnicity_msoa").set_index("area_code").loc["E02000001"]
    published = next(r for r in csv.reader(io.StringIO(members()["census2021-ts021-msoa.csv"]))
                     if r[2] == "E02000001")
    assert [int(row[c]) for c in nomis.IDS_2021] == [int(v) for v in published[3:]]


def test_columns_are_chosen_by_label_in_any_order_and_wording(ctx, mirror):
    refresh(ctx, "census2021_ethnicity_msoa")
    expected = ctx.cache.load_table("census2021_ethnicity_msoa")
    ctx = RefreshContext(settings=ctx.settings, cache=ctx.cache, session=ctx.session)
    reworded = {
        "Ethnic group: Asian, Asian British or Asian Welsh: Bangladeshi":
            "Ethnic group: Asian or Asian British: Bangladeshi",
        "Ethnic group: White: Gypsy or Irish Traveller":
            "Ethnic group: White: Gypsy/Irish Travellers",
        "Ethnic group: Total: All usual residents": "Ethnic group: Total",
        "Ethnic group: Other ethnic group: Any other ethnic group":
            "Ethnic group: Other ethnic group: Any other",
    }

    def shuffle(rows):
        header = [reworded.get(label, label) for label in rows[0]]
        order = [0, 1, 2, *range(len(header) - 1, 2, -1)]
        return [[row[i] for i in order] for row in [header, *rows[1:]]]

    serve_ts021(mirror, edit_member("census2021-ts021-msoa.csv", shuffle))
    report = refresh(ctx, "census2021_ethnicity_msoa")
    assert report.ok, report.failed
    assert ctx.cache.load_table("census2021_ethnicity_msoa").equals(expected)


def test_a_missing_category_names_it_and_the_url(ctx, mirror):
    def drop_roma(rows):
        at = rows[0].index("Ethnic group: White: Roma")
        return [row[:at] + row[at + 1:] for row in rows]

    serve_ts021(mirror, edit_member("census2021-ts021-msoa.csv", drop_roma))
    message = failure(refresh(ctx, "census2021_ethnicity_msoa"))
    assert message.startswith("nomis: Census 2021 TS021 (MSOA 2021)")
    assert "no category for ['white_roma']" in message
    assert "census2021-ts021.zip" in message


def test_an_unrecognised_category_fails_clearly(ctx, mirror):
    def add_column(rows):
        return [rows[0] + ["Ethnic group: Unknown heritage"]] + [row + ["0"] for row in rows[1:]]

    serve_ts021(mirror, edit_member("census2021-ts021-msoa.csv", add_column))
    message = failure(refresh(ctx, "census2021_ethnicity_msoa"))
    assert "unrecognised ethnic group category ['Ethnic group: Unknown heritage']" in message


def test_a_row_that_does_not_add_up_is_refused_and_the_last_good_copy_kept(ctx, mirror):
    assert refresh(ctx, "census2021_ethnicity_msoa").ok

    def break_sum(rows):
        rows[1][4] = str(int(rows[1][4]) + 1)  # the Asian broad group of the first area
        return rows

    serve_ts021(mirror, edit_member("census2021-ts021-msoa.csv", break_sum))
    later = RefreshContext(settings=ctx.settings, cache=ctx.cache, session=ctx.session)
    message = failure(refresh(later, "census2021_ethnicity_msoa"))
    assert "do not add up to asian" in message and "E02000001" in message
    assert len(ctx.cache.load_table("census2021_ethnicity_msoa")) == 3


def test_a_zip_without_the_member_falls_back_to_the_api(ctx, mirror, monkeypatch):
    small_pages(monkeypatch)
    files = members()
    del files["census2021-ts021-lsoa.csv"]
    serve_ts021(mirror, zip_of(files))
    report = refresh(ctx, "census2021_ethnicity_lsoa")
    assert report.ok, report.failed
    table = ctx.cache.load_table("census2021_ethnicity_lsoa").set_index("area_code")
    assert len(table) == 4 and table.loc["E01000003", "total"] == 1_699
    assert list(table.columns) == COLUMNS_2021[1:]
    requests = mirror.requests_to(API_2021)
    assert len(requests) == 20  # 4 areas x 25 categories, 5 rows a page
    query = requests[0].query
    assert query["geography"] == "2092957699TYPE151" and query["measures"] == "20100"
    assert "c2021_eth_20_name" in query["select"]
    entry = ctx.cache.provenance("census2021_ethnicity_lsoa")
    assert API_2021 in entry.url
    assert any("LSOA counts fetched from the Nomis API" in n and "no lsoa member" in n
               for n in entry.notes)


def test_a_zip_without_the_member_and_no_api_says_both(ctx, mirror):
    files = members()
    del files["census2021-ts021-lsoa.csv"]
    serve_ts021(mirror, zip_of(files))
    mirror.fault(API_2021, 404)
    message = failure(refresh(ctx, "census2021_ethnicity_lsoa"))
    assert message.startswith("nomis: the bulk zip")
    assert "has no member census2021-ts021-lsoa.csv" in message
    assert "the Nomis API fallback failed: HTTP 404" in message
    assert API_2021 in message


def test_a_zip_missing_at_the_publisher_says_so(ctx, mirror):
    mirror.fault("census2021-ts021.zip", 404)
    message = failure(refresh(ctx, "census2021_ethnicity_msoa"))
    assert "census2021-ts021.zip was not found at the publisher" in message


def test_a_file_that_is_not_a_zip_fails_clearly(ctx, mirror):
    serve_ts021(mirror, b"<html>Service unavailable</html>")
    message = failure(refresh(ctx, "census2021_ethnicity_msoa"))
    assert "not a readable zip file" in message


# ---------------------------------------------------------------- Census 2011 (API, paged)


def test_census2011_msoa_pages_through_the_api(ctx, mirror, monkeypatch):
    small_pages(monkeypatch)
    report = refresh(ctx, "census2011_ethnicity_msoa")
    assert report.ok, report.failed
    table = ctx.cache.load_table("census2011_ethnicity_msoa")
    assert list(table.columns) == ["area_code", "area_name", *nomis.IDS_2011]
    assert table.set_index("area_code").loc["E02000001", "total"] == 8_347
    requests = mirror.requests_to(API_2011)
    assert [int(r.query["RecordOffset"]) for r in requests] == list(range(0, 72, 5))
    assert {r.query["rural_urban"] for r in requests} == {"0"}
    assert {r.query["geography"] for r in requests} == {"2092957699TYPE297"}
    entry = ctx.cache.provenance("census2011_ethnicity_msoa")
    assert (entry.vintage, entry.geography) == ("Census 2011", "MSOA 2011")
    assert "15 page(s)" in entry.notes[0]
    raw = ctx.cache.raw_path(entry.raw_file).read_text()
    assert raw.count("GEOGRAPHY_CODE") == 1 and raw.count("E02000001") == 24


def test_a_cap_below_the_page_size_is_paged_through_by_record_count(ctx, mirror, monkeypatch):
    small_pages(monkeypatch, rows=5, page=25_000)
    report = refresh(ctx, "census2011_ethnicity_lsoa")
    assert report.ok, report.failed
    assert len(ctx.cache.load_table("census2011_ethnicity_lsoa")) == 3
    assert len(mirror.requests_to(API_2011)) == 15


def test_an_answer_stopping_before_record_count_is_refused(ctx, mirror, monkeypatch):
    small_pages(monkeypatch)
    mirror.fault(API_2011, Fault("body", body=first_page()), "empty")
    message = failure(refresh(ctx, "census2011_ethnicity_msoa"))
    assert "stopped at 5 of the 72 rows RECORD_COUNT promised" in message
    assert "NM_608_1.data.csv" in message


def test_a_short_answer_without_record_count_is_refused(ctx, mirror, monkeypatch):
    small_pages(monkeypatch, rows=50)
    mirror.fault(API_2011, Fault("body", body=first_page(30, record_count=False)))
    message = failure(refresh(ctx, "census2011_ethnicity_msoa"))
    assert "1 area(s) lack some categories, e.g. ['E02000002']" in message


HEADER_ONLY = b'"GEOGRAPHY_CODE","GEOGRAPHY_NAME","CELL_NAME","OBS_VALUE","RECORD_COUNT"\r\n'


@pytest.mark.parametrize(
    ("body", "problem"), [(b"", "empty body"), (HEADER_ONLY, "a header but no rows")]
)
def test_an_empty_api_answer_fails_clearly(ctx, mirror, body, problem):
    mirror.fault(API_2011, Fault("body", body=body))
    message = failure(refresh(ctx, "census2011_ethnicity_msoa"))
    assert problem in message


def test_census2011_lad_loads_above_its_lower_bound(ctx, monkeypatch):
    spec = SPECS["census2011_ethnicity_lad"]
    assert spec.table.rows is None and spec.table.min_rows == nomis.LAD_2011_MIN_ROWS
    small = dataclasses.replace(spec, table=dataclasses.replace(spec.table, min_rows=3))
    report = run_refresh(ctx, [small])
    assert report.ok, report.failed
    assert ctx.cache.load_table("census2011_ethnicity_lad")["area_code"].tolist() == [
        "E09000001", "E06000001", "E08000025"]


def test_census2011_lad_fixture_is_below_the_national_bound(ctx):
    message = failure(refresh(ctx, "census2011_ethnicity_lad"))
    assert f"expected at least {nomis.LAD_2011_MIN_ROWS}" in message


def first_page(rows: int = 5, *, record_count: bool = True) -> bytes:
    """The API's first page of the 2011 MSOA table, as the mirror writes it."""
    path = FIXTURES / "api" / "v01" / "dataset" / "NM_608_1" / "2092957699TYPE297.csv"
    table = list(csv.DictReader(io.StringIO(path.read_text())))
    columns = ["GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "CELL_NAME", "OBS_VALUE"]
    for row in table:
        row["RECORD_COUNT"] = str(len(table))
    return nomis_mirror.api_csv(columns + ["RECORD_COUNT"] * record_count, table[:rows])


# ---------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Ethnic group: Total: All usual residents", "total"),
        ("All categories: Ethnic group", "total"),
        ("Ethnic group: White: English, Welsh, Scottish, Northern Irish or British",
         "white_british"),
        ("White: English/Welsh/Scottish/Northern Irish/British", "white_british"),
        ("White: Gypsy or Irish Traveller", "white_gypsy_traveller"),
        ("White: Irish", "white_irish"),
        ("Ethnic group: White: Roma", "white_roma"),
        ("Mixed/multiple ethnic group: White and Black Caribbean", "mixed_white_black_caribbean"),
        ("Mixed or Multiple ethnic groups: White and Asian", "mixed_white_asian"),
        ("Black, Black British, Black Welsh, Caribbean or African", "black"),
        ("Black/African/Caribbean/Black British: Other Black", "black_other"),
        ("Asian/Asian British: Chinese", "asian_chinese"),
        ("Other ethnic group: Arab", "other_arab"),
        ("Ethnic Group: Other ethnic group: Any other ethnic group; measures: Value", "other_any"),
        ("Ethnic group: Martian", None),
        ("White: Irish: Dublin", None),
    ],
)
def test_classify_label(label, expected):
    assert census_labels.classify_label(label) == expected


def test_select_categories_refuses_two_labels_for_one_category():
    def fail(problem: str) -> SourceFormatError:
        return SourceFormatError("nomis", "http://x", problem)

    with pytest.raises(SourceFormatError, match="both look like white_irish"):
        nomis.select_categories(["White: Irish", "White: Irish (incl. NI)"], nomis.IDS_2011, fail)


def test_roma_is_not_a_2011_category():
    with pytest.raises(ValueError, match="unrecognised"):
        nomis.select_categories(["White: Roma"], nomis.IDS_2011, ValueError)


# ---------------------------------------------------------------- optional 2021 tables


def test_religion_loads_one_column_per_published_category(ctx):
    report = refresh(ctx, "census2021_religion_msoa")
    assert report.ok, report.failed
    table = ctx.cache.load_table("census2021_religion_msoa")
    assert list(table.columns) == [
        "area_code", "area_name", "total", "no_religion", "christian", "buddhist", "hindu",
        "jewish", "muslim", "sikh", "other_religion", "not_answered"]
    row = table.set_index("area_code").loc["E02000001"]
    assert (row["total"], row["muslim"]) == (22_058, 3_830)
    assert SPECS["census2021_religion_msoa"].optional


def test_english_proficiency_and_country_of_birth_slug_their_labels(ctx):
    report = refresh(ctx, "census2021_english_proficiency_lad", "census2021_country_of_birth_lsoa")
    assert report.ok, report.failed
    english = ctx.cache.load_table("census2021_english_proficiency_lad")
    assert "main_language_is_not_english_cannot_speak_english" in english.columns
    birth = ctx.cache.load_table("census2021_country_of_birth_lsoa")
    assert {"europe_united_kingdom", "antarctica_and_oceania_and_other"} <= set(birth.columns)
    assert len(english) == 3 and len(birth) == 3


def test_an_optional_table_missing_at_the_publisher_fails_alone(ctx, mirror):
    mirror.fault("census2021-ts004.zip", 404)
    report = refresh(ctx, "census2021_country_of_birth_msoa", "census2021_ethnicity_msoa")
    assert report.ok  # an optional table failing does not fail the refresh
    (spec, message), = report.failed
    assert spec.id == "census2021_country_of_birth_msoa"
    assert "census2021-ts004.zip was not found at the publisher" in message
    assert len(ctx.cache.load_table("census2021_ethnicity_msoa")) == 3


@pytest.mark.parametrize(("table", "topic", "level", "api"), [
    ("ts030", "religion", "msoa", "NM_2049_1"),
    ("ts029", "english_proficiency", "lsoa", "NM_2048_1"),
    ("ts004", "country_of_birth", "lad", "NM_2024_1"),
])
def test_an_optional_table_the_zip_lacks_comes_from_the_api_with_the_same_counts(
        ctx, mirror, monkeypatch, table, topic, level, api):
    small_pages(monkeypatch)
    path = FIXTURES / "output" / "census" / "2021" / f"census2021-{table}.zip"
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n).decode() for n in archive.namelist()}
    member = files.pop(f"census2021-{table}-{topic_fixtures.MEMBERS[level]}.csv")
    mirror.fault(f"census2021-{table}.zip", Fault("body", body=zip_of(files)))
    report = refresh(ctx, f"census2021_{topic}_{level}")
    assert report.ok and not report.failed, report.failed
    from_api = ctx.cache.load_table(f"census2021_{topic}_{level}")
    from_bulk = topic_fixtures.parse(table, member.encode(), level)
    which = next(t for t in TOPICS if t.id == topic)
    pd.testing.assert_frame_equal(topic_counts(from_api, which).drop(columns="area_name"),
                                  topic_counts(from_bulk, which).drop(columns="area_name"),
                                  check_dtype=False)
    query = mirror.requests_to(f"{api}.data.csv")[0].query
    assert query["geography"] == topic_fixtures.GEOGRAPHIES[level]
    assert f"{topic_fixtures.API[table][1].casefold()}_name" in query["select"]
    entry = ctx.cache.provenance(f"census2021_{topic}_{level}")
    assert api in entry.url
    assert any(f"counts fetched from the Nomis API ({api}" in n for n in entry.notes)


def test_an_optional_table_neither_in_the_zip_nor_the_api_says_both(ctx, mirror):
    path = FIXTURES / "output" / "census" / "2021" / "census2021-ts030.zip"
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n).decode() for n in archive.namelist()
                 if not n.endswith("-lsoa.csv")}
    mirror.fault("census2021-ts030.zip", Fault("body", body=zip_of(files)))
    message = failure(refresh(ctx, "census2021_religion_lsoa"))
    assert "has no member census2021-ts030-lsoa.csv" in message
    assert "the Nomis API fallback failed" in message


# ---------------------------------------------------------------- the publisher's own file


@pytest.mark.skipif(not REAL.exists(), reason="../shared/data/real not present")
def test_parser_reads_the_real_ts021_msoa_file():
    frame, dropped = nomis.parse_ts021(REAL.read_bytes(), str(REAL),
                                       nomis.CENSUS2021.levels["msoa"])
    assert len(frame) == 6_856 and dropped == 408
    city = frame.set_index("area_code").loc["E02000001"]
    assert city["area_name"] == "City of London 001" and city["total"] == 8_584
    assert list(frame.columns) == COLUMNS_2021
