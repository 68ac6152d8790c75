"""English Indices of Deprivation: File 7 (LSOA) and File 10 (LAD summaries), over the mirror.

The File 7 fixtures under tests/fixtures/mirror/assets.publishing.service.gov.uk carry the
published headers (BOM, the truncated 2025 header) with invented values. File 10 workbooks
are written here with openpyxl, with MHCLG's trailing-space headers, and served at the
publisher's path through a scripted mirror answer.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from data_sources import iod, iod_lad_summary, iod_lsoa
from data_sources.errors import SourceFormatError
from data_sources.refresh import OGL, RefreshContext, run_refresh
from settings import PROJECT_ROOT
from tests.mirror import Fault

HOST = "assets.publishing.service.gov.uk"
FIXTURES = Path(__file__).parent / "fixtures" / "mirror" / HOST
FILE7_2019 = FIXTURES / iod.IOD2019.file7_paths[0].lstrip("/")
FILE7_2025 = FIXTURES / iod.IOD2025.file7_paths[0].lstrip("/")
MEDIA_2019 = "5dc407b440f0b6379a7acc8d"
OLD_2019 = "attachment_data/file/845345"
FILE10_2019 = "5d8b3cfbe5274a08be69aa91"
FILE10_2025 = "6917412ebc34c86ce4e6e7fc"
SPECS = {spec.id: spec for spec in iod.DATASETS}

SHARED = PROJECT_ROOT.parent / "shared" / "data"
REAL_FILE10 = (
    SHARED / "real" / "iod2019"
    / "File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"
)
MIRROR = SHARED / "mirror" / HOST
needs_real = pytest.mark.skipif(not REAL_FILE10.exists(), reason="../shared/data/real not present")
needs_mirror = pytest.mark.skipif(not MIRROR.exists(), reason="../shared/data/mirror not present")


def refresh(ctx: RefreshContext, *ids: str):
    return run_refresh(ctx, [SPECS[i] for i in ids])


def failure(report) -> str:
    assert len(report.failed) == 1, report
    return report.failed[0][1]


def edit_csv(path: Path, old: str, new: str, *, bom: bool = True) -> bytes:
    """The fixture's bytes with one text replacement (and the BOM kept or dropped)."""
    text = path.read_bytes().decode("utf-8-sig")
    assert old in text
    return (b"\xef\xbb\xbf" if bom else b"") + text.replace(old, new, 1).encode()


def keep_columns(path: Path, count: int) -> bytes:
    """The fixture with only its first ``count`` columns (a copy lacking the rest)."""
    rows = list(csv.reader(path.read_bytes().decode("utf-8-sig").splitlines()))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(row[:count] for row in rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode()


# ---------------------------------------------------------------- File 10 workbooks


DISTRICTS = [
    ("E06000009", "Blackpool"), ("E08000012", "Liverpool"), ("E09000001", "City of London"),
]
SHEET_LABELS = {
    "IMD": "IMD", "Income": "Income", "Employment": "Employment",
    "Education": "Education, Skills and Training", "Health": "Health Deprivation and Disability",
    "Crime": "Crime", "Barriers": "Barriers to Housing and Services",
    "Living": "Living Environment", "IDACI": "IDACI", "IDAOPI": "IDAOPI",
}


def sheet_headers(sheet: str, lad_year: str, extent_label: str) -> list[str]:
    """A File 10 sheet's header row as MHCLG publishes it, trailing spaces included."""
    label = SHEET_LABELS[sheet]
    headers = [f"Local Authority District code ({lad_year})",
               f"Local Authority District name ({lad_year})"]
    headers += [f"{label} - {m} " for m in (
        "Average rank", "Rank of average rank", "Average score", "Rank of average score",
        "Proportion of LSOAs in most deprived 10% nationally",
        "Rank of proportion of LSOAs in most deprived 10% nationally")]
    if sheet == "IMD":
        headers += [f"{extent_label} - {m} " for m in (
            "Extent", "Rank of extent", "Local concentration", "Rank of local concentration")]
    if sheet in ("Income", "Employment"):
        headers += [f"{sheet} scale ", f"Rank of {sheet} Scale"]
    return headers


def file10_workbook(
    lad_year: str = "2019", extent_label: str = "IMD 2019", sheets: tuple[str, ...] = tuple(
        SHEET_LABELS), first_rank: int = 1,
) -> bytes:
    """A tiny File 10 xlsx: a Notes sheet, then one sheet per domain with invented values."""
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["English Indices of Deprivation: local authority district summaries"])
    for s, sheet in enumerate(sheets):
        ws = book.create_sheet(sheet)
        headers = sheet_headers(sheet, lad_year, extent_label)
        ws.append(headers)
        for i, (code, name) in enumerate(DISTRICTS):
            rank = first_rank + i
            values = [24000.5 - 1000 * i + s, rank, 45.039 - 5 * i + s, rank, 0.4149 - 0.1 * i,
                      rank]
            values += [0.5 + 0.1 * i if n % 2 == 0 else rank for n in range(len(headers) - 8)]
            ws.append([code, name, *values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- File 7


def test_iod2019_lsoa_stores_every_published_column(ctx, mirror):
    report = refresh(ctx, "iod2019_lsoa")
    assert report.ok, report.failed
    table = ctx.cache.load_table("iod2019_lsoa").set_index("area_code")
    assert len(table) == 4 and len(table.columns) == 56
    tendring = table.loc["E01021988"]
    assert (tendring["imd_score"], tendring["imd_rank"], tendring["imd_decile"]) == (87.104, 1, 1)
    assert tendring["lad_code"] == "E07000076" and tendring["lad_name"] == "Tendring"
    assert table.loc["E01000001", "pop_total"] > 0
    assert {"outdoors_decile", "pop_16_59", "idaci_score"} <= set(table.columns)
    entry = ctx.cache.provenance("iod2019_lsoa")
    assert entry.url.endswith(iod.IOD2019.file7_paths[0])
    assert (entry.vintage, entry.geography, entry.licence) == ("IoD 2019", "LSOA 2011", OGL)
    assert entry.attribution.startswith("English Indices of Deprivation 2019, Ministry of Housing")
    assert entry.notes == []
    assert not mirror.requests_to(OLD_2019)


def test_iod2025_lsoa_reads_the_bom_and_the_truncated_header(ctx):
    assert FILE7_2025.read_bytes().startswith(b"\xef\xbb\xbf")
    report = refresh(ctx, "iod2025_lsoa")
    assert report.ok, report.failed
    table = ctx.cache.load_table("iod2025_lsoa").set_index("area_code")
    assert len(table) == 4 and len(table.columns) == 55
    assert "pop_16_59" not in table.columns
    assert table["children_young_people_decile"].between(1, 10).all()
    assert table.loc["E01035624", "lad_code"] == "E06000016"
    assert table.loc["E01000001", "imd_score"] == pytest.approx(8.611)
    entry = ctx.cache.provenance("iod2025_lsoa")
    assert (entry.vintage, entry.geography) == ("IoD 2025", "LSOA 2021")


def test_iod2019_falls_back_to_the_older_address_on_404(ctx, mirror):
    mirror.fault(MEDIA_2019, 404)
    report = refresh(ctx, "iod2019_lsoa")
    assert report.ok, report.failed
    entry = ctx.cache.provenance("iod2019_lsoa")
    assert OLD_2019 in entry.url
    assert any("older address" in note for note in entry.notes)
    assert len(ctx.cache.load_table("iod2019_lsoa")) == 4


def test_a_server_error_is_not_taken_for_a_moved_file(ctx, mirror):
    mirror.fault(MEDIA_2019, 500, 500, 500)
    message = failure(refresh(ctx, "iod2019_lsoa"))
    assert message.startswith("iod:") and MEDIA_2019 in message and "500" in message
    assert not mirror.requests_to(OLD_2019)


def test_a_file_missing_at_every_address_says_so(ctx, mirror):
    mirror.fault(MEDIA_2019, 404)
    mirror.fault(OLD_2019, 404)
    message = failure(refresh(ctx, "iod2019_lsoa"))
    assert "404" in message and "not found at the publisher" in message
    assert MEDIA_2019 in message and OLD_2019 in message


def test_a_missing_imd_column_names_source_url_and_column(ctx, mirror):
    bad = edit_csv(FILE7_2025, "Index of Multiple Deprivation (IMD) Score", "IMD Scr")
    mirror.fault("691ded56", Fault("body", body=bad))
    message = failure(refresh(ctx, "iod2025_lsoa"))
    assert message.startswith("iod: File 7 (IoD 2025)")
    assert "imd_score" in message and iod.IOD2025.file7_paths[0] in message


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        (",Tendring,87.104,1,1,", ",Tendring,87.104,1,11,", "imd_decile"),
        (",Tendring,87.104,1,1,", ",Tendring,87.104,0,1,", "imd_rank"),
        (",Tendring,87.104,1,1,", ",Tendring,87.104,32845,1,", "imd_rank"),
    ],
)
def test_out_of_range_values_fail_clearly(ctx, mirror, old, new, column):
    mirror.fault(MEDIA_2019, Fault("body", body=edit_csv(FILE7_2019, old, new)))
    message = failure(refresh(ctx, "iod2019_lsoa"))
    assert column in message and "E01021988" in message and MEDIA_2019 in message
    assert ctx.cache.provenance("iod2019_lsoa").last_error == message


def test_a_copy_without_optional_columns_loads_with_a_note(ctx, mirror):
    mirror.fault("691ded56", Fault("body", body=keep_columns(FILE7_2025, 13)))
    report = refresh(ctx, "iod2025_lsoa")
    assert report.ok, report.failed
    table = ctx.cache.load_table("iod2025_lsoa")
    assert list(table.columns)[-1] == "employment_decile" and len(table) == 4
    (note,) = ctx.cache.provenance("iod2025_lsoa").notes
    assert note.startswith("This copy of File 7 lacks 43 of the 56 published columns:")
    assert "education_score" in note and "pop_working_age" in note and "imd_" not in note


def test_thousands_separators_and_a_missing_bom_are_read(ctx, mirror):
    line = FILE7_2019.read_text(encoding="utf-8-sig").splitlines()[1]
    total = line.split(",")[-5]
    body = edit_csv(FILE7_2019, line, line.replace(f",{total},", ',"12,345",', 1), bom=False)
    mirror.fault(MEDIA_2019, Fault("body", body=body))
    report = refresh(ctx, "iod2019_lsoa")
    assert report.ok, report.failed
    assert ctx.cache.load_table("iod2019_lsoa").set_index("area_code").loc[
        "E01000001", "pop_total"] == 12_345


def test_the_last_good_copy_stays_when_a_refresh_fails(ctx, mirror):
    assert refresh(ctx, "iod2019_lsoa").ok
    mirror.fault(MEDIA_2019, "empty")
    message = failure(refresh(ctx, "iod2019_lsoa"))
    assert "empty" in message
    assert len(ctx.cache.load_table("iod2019_lsoa")) == 4
    assert ctx.cache.provenance("iod2019_lsoa").last_error == message


# ---------------------------------------------------------------- File 10


def test_iod2019_lad_summary_strips_trailing_spaces_and_matches_by_meaning(ctx, mirror):
    mirror.fault(FILE10_2019, Fault("body", body=file10_workbook()))
    report = refresh(ctx, "iod2019_lad_summary")
    assert report.ok, report.failed
    table = ctx.cache.load_table("iod2019_lad_summary").set_index("lad_code")
    assert len(table) == 3 and len(table.columns) == 69
    blackpool = table.loc["E06000009"]
    assert blackpool["lad_name"] == "Blackpool"
    assert blackpool["imd_avg_score"] == pytest.approx(45.039)
    assert blackpool["imd_rank_of_avg_score"] == 1
    assert {"imd_rank_of_local_concentration", "employment_scale", "income_rank_of_scale",
            "idaopi_prop_most_deprived_10"} <= set(table.columns)
    entry = ctx.cache.provenance("iod2019_lad_summary")
    assert (entry.geography, entry.notes) == ("LAD 2019", [])


def test_iod2025_lad_summary_reads_lad_2024_and_notes_missing_sheets(ctx, mirror):
    book = file10_workbook("2024", "IMD25", sheets=tuple(SHEET_LABELS)[:8])
    mirror.fault(FILE10_2025, Fault("body", body=book))
    report = refresh(ctx, "iod2025_lad_summary")
    assert report.ok, report.failed
    table = ctx.cache.load_table("iod2025_lad_summary")
    assert len(table) == 3 and "imd_extent" in table.columns and "idaci_avg_score" not in table
    notes = ctx.cache.provenance("iod2025_lad_summary").notes
    assert notes == ["This copy of File 10 has no IDACI sheet.",
                     "This copy of File 10 has no IDAOPI sheet."]


def test_a_summary_rank_out_of_range_fails_clearly(ctx, mirror):
    mirror.fault(FILE10_2019, Fault("body", body=file10_workbook(first_rank=316)))
    message = failure(refresh(ctx, "iod2019_lad_summary"))
    assert "outside 1..317" in message and "E09000001" in message and FILE10_2019 in message


def test_a_file_that_is_not_a_workbook_fails_clearly(ctx, mirror):
    mirror.fault(FILE10_2019, Fault("body", body=b"<html>Sorry, we are down</html>"))
    message = failure(refresh(ctx, "iod2019_lad_summary"))
    assert "not a readable xlsx workbook" in message and FILE10_2019 in message


def test_a_missing_2025_file_10_fails_while_the_rest_loads(ctx, mirror):
    mirror.fault(FILE10_2019, Fault("body", body=file10_workbook()))
    report = run_refresh(ctx, list(iod.DATASETS))
    assert [p.dataset for p in report.stored] == [
        "iod2019_lsoa", "iod2025_lsoa", "iod2019_lad_summary"]
    (spec, message), = report.failed
    assert spec.id == "iod2025_lad_summary"
    assert "404" in message and "not found at the publisher" in message and FILE10_2025 in message


@pytest.mark.parametrize(
    ("header", "measure"),
    [
        ("IMD - Average score ", "avg_score"),
        ("IMD - Rank of average rank ", "rank_of_avg_rank"),
        ("Crime - Rank of proportion of LSOAs in most deprived 10% nationally ",
         "rank_of_prop_most_deprived_10"),
        ("IMD25 - Local concentration", "local_concentration"),
        ("IMD 2019 - Rank of extent ", "rank_of_extent"),
        ("Rank of Income Scale", "rank_of_scale"),
        ("Employment scale ", "scale"),
        ("Local Authority District code (2024)", "lad_code"),
        ("Something else", None),
    ],
)
def test_summary_headers_are_matched_by_meaning(header, measure):
    assert iod_lad_summary.summary_measure(header) == measure


# ---------------------------------------------------------------- the publishers' own files


@needs_real
def test_parser_reads_the_real_iod2019_file_10():
    frame, notes = iod_lad_summary.parse_file10(
        REAL_FILE10.read_bytes(), str(REAL_FILE10), iod.IOD2019
    )
    assert len(frame) == 317 and len(frame.columns) == 70 and notes == []
    blackpool = frame.set_index("lad_code").loc["E06000009"]
    assert blackpool["imd_avg_score"] == pytest.approx(45.039)
    assert blackpool["imd_rank_of_avg_score"] == 1


@needs_mirror
def test_parser_reads_the_mirror_iod2019_file_7():
    path = MIRROR / iod.IOD2019.file7_paths[0].lstrip("/")
    frame, notes = iod_lsoa.parse_file7(path.read_bytes(), str(path), iod.IOD2019)
    table = frame.set_index("area_code")
    assert len(table) == 32_844
    first = table.loc["E01000001"]
    assert (first["imd_score"], first["imd_rank"], first["imd_decile"]) == (6.208, 29_199, 9)
    assert table.loc["E01021988", "imd_rank"] == 1
    assert notes[0].startswith("This copy of File 7 lacks 29 of the 57 published columns")


@needs_mirror
def test_parser_reads_the_mirror_iod2025_file_7():
    path = MIRROR / iod.IOD2025.file7_paths[0].lstrip("/")
    frame, notes = iod_lsoa.parse_file7(path.read_bytes(), str(path), iod.IOD2025)
    table = frame.set_index("area_code")
    assert len(table) == 33_755
    assert table.loc["E01000001", "imd_score"] == pytest.approx(8.742)
    assert table.loc["E01000001", "imd_decile"] == 8
    assert "pop_total" in notes[0] and "living_environment_score" not in notes[0]


def test_an_empty_file_7_is_a_format_error():
    with pytest.raises(SourceFormatError, match="iod: File 7 \\(IoD 2019\\): the file is empty"):
        iod_lsoa.parse_file7(b"", "http://example/file7.csv", iod.IOD2019)
