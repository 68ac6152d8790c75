"""Bulk CSV import (line numbers, --only-valid, no duplicates) and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data_sources.cache import Cache, Provenance
from reports.importer import ImportRefused, plan_import, run_import
from reports.models import ImportBatch, Report
from tests.fixtures.reports.helpers import (
    DATABASES,
    PASSWORD,
    TODAY,
    bootstrap,
    database_url,
    fake_postcodes,
    lookup_frames,
    postgres_available,
    tiny_directory,
)

DIRECTORY = tiny_directory()
FIXTURES = Path(__file__).parent / "fixtures" / "reports"
MIXED = (FIXTURES / "mixed_rows.csv").read_bytes()
ROOT = Path(__file__).resolve().parents[1]


def plan(content: bytes, actor):
    return plan_import(content, "mixed_rows.csv", actor, directory=DIRECTORY,
                       resolve_postcodes=lambda postcodes: fake_postcodes, today=TODAY)


def count_reports(store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count(Report.id)))


def test_every_bad_row_is_reported_with_its_line_and_reason(store):
    people = bootstrap(store)
    checked = plan(MIXED, people["thames"])
    assert len(checked.rows) == 9 and len(checked.valid) == 5
    problems = checked.describe_problems()
    assert problems == [
        "line 3: area: E01999999 is not a 2021 area code we know; check it against the area "
        "search, or give a postcode.",
        "line 4: incident_date: 01/07/2031 is in the future; give the date it happened.",
        "line 4: category: 'weather' is not a category we know; use one of: hate_incident, "
        "protest, online_narrative, rumour, dispute, immigration_asylum, "
        "welfare_housing_services, extremist_activity, positive_event.",
        "line 9: description: Write a short description of what happened.",
        "line 11: row: has 4 cells but the header has 7 columns",
    ]


def test_nothing_is_imported_unless_only_valid_is_chosen(store):
    people = bootstrap(store)
    checked = plan(MIXED, people["thames"])
    with pytest.raises(ImportRefused, match="4 of 9 rows have problems, so nothing"):
        run_import(store, people["thames"], checked)
    assert count_reports(store) == 0
    result = run_import(store, people["thames"], checked, only_valid=True)
    assert (result.imported, result.duplicates, result.invalid) == (5, 0, 4)
    again = run_import(store, people["thames"], plan(MIXED, people["thames"]), only_valid=True)
    assert (again.imported, again.duplicates) == (0, 5)
    assert count_reports(store) == 5
    with store.read() as session:
        statuses = set(session.scalars(select(Report.status)))
        descriptions = set(session.scalars(select(Report.description)))
        assert session.scalar(select(func.count(ImportBatch.id))) == 2
    assert statuses == {"pending"}
    assert '<b>Leaflets</b> said "=cmd|\' /C calc\'!A0"' in descriptions


def test_same_rows_from_another_organisation_are_not_duplicates(store):
    people = bootstrap(store)
    run_import(store, people["thames"], plan(MIXED, people["thames"]), only_valid=True)
    result = run_import(store, people["river"], plan(MIXED, people["river"]), only_valid=True)
    assert result.imported == 5


@pytest.mark.parametrize(("content", "message"), [
    (b"date,area\n2025-01-01,E01000001\n", "missing column(s) incident_date, category"),
    ("incident_date,area,category,tension_level,description\n".encode("utf-16"), "not UTF-8"),
    (b"incident_date,area,category,tension_level,description\n", "no reports"),
])
def test_file_problems_refuse_the_whole_file(store, content, message):
    people = bootstrap(store)
    checked = plan(content, people["thames"])
    assert message in " ".join(checked.problems)
    with pytest.raises(ImportRefused):
        run_import(store, people["thames"], checked, only_valid=True)


def write_tiny_cache(root: Path) -> None:
    lsoa, region, populations = lookup_frames()
    cache = Cache(root)
    for name, frame in (("lookup_lsoa21_msoa21_lad22", lsoa), ("lookup_lad22_region", region),
                        ("census2021_ethnicity_lsoa", populations[0])):
        cache.store_table(frame, Provenance(name, "test", name, "http://test", "2021",
                                            "lsoa", "OGL", "test fixture"))


def cli(env: dict, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reports", *args], input=stdin, env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("kind", [p.values[0] for p in DATABASES])
def test_bootstrap_import_moderate_export_from_the_command_line(kind, tmp_path):
    if kind == "postgresql" and not postgres_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    write_tiny_cache(tmp_path / "cache")
    with database_url(kind, tmp_path) as url:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("GRA_")},
               "GRA_DATABASE_URL": url, "GRA_CACHE_DIR": str(tmp_path / "cache"),
               "GRA_OFFLINE": "1"}
        for args in (("add-org", "Alliance Office"), ("add-org", "Thamesbury Together"),
                     ("add-org", "Riverbank Voices")):
            assert cli(env, *args).returncode == 0
        for email, org, role in (("mod@a.example", "Alliance Office", "member"),
                                 ("ana@t.example", "Thamesbury Together", "member"),
                                 ("raj@r.example", "Riverbank Voices", "member")):
            done = cli(env, "add-user", email, "--org", org, "--role", role,
                       "--password-stdin", stdin=PASSWORD + "\n")
            assert done.returncode == 0, done.stderr
        assert cli(env, "set-role", "mod@a.example", "moderator").returncode == 0
        refused = cli(env, "add-user", "x@a.example", "--org", "Nowhere", "--role", "member",
                      "--password-stdin", stdin=PASSWORD + "\n")
        assert refused.returncode == 1 and "no organisation called 'Nowhere'" in refused.stderr
        csv_file = FIXTURES / "mixed_rows.csv"
        first = cli(env, "import", str(csv_file), "--as", "ana@t.example")
        assert first.returncode == 1
        assert "line 3: area: E01999999" in first.stderr and "nothing imported" in first.stderr
        second = cli(env, "import", str(csv_file), "--as", "ana@t.example", "--only-valid")
        assert second.returncode == 0, second.stderr
        # offline, the postcode row cannot be looked up: it is reported, not imported
        assert "line 5: area: The postcode SW1A 1AA could not be looked up" in second.stderr
        assert "imported 4 report(s)" in second.stdout
        third = cli(env, "import", str(csv_file), "--as", "ana@t.example", "--only-valid")
        assert "imported 0 report(s) as pending; 4 already imported" in third.stdout
        submitted = cli(env, "submit", "--as", "raj@r.example", "--date", "2024-06-01",
                        "--area", "E01000001", "--category", "protest", "--level", "high",
                        "--description", "=HYPERLINK(\"x\") march past the <b>mosque</b>")
        assert submitted.returncode == 0, submitted.stderr
        assert "as pending" in submitted.stdout
        bad = cli(env, "submit", "--as", "raj@r.example", "--date", "2099-01-01", "--area",
                  "E01999999", "--category", "riot", "--level", "low", "--description", "x")
        assert bad.returncode == 1
        assert "incident_date:" in bad.stderr and "area:" in bad.stderr
        assert "category:" in bad.stderr
        assert "5 report(s)" in cli(env, "queue", "--as", "mod@a.example").stdout
        member = cli(env, "approve", "1", "--as", "ana@t.example")
        assert member.returncode == 1 and "needs a moderator" in member.stderr
        assert "0 report(s)" not in cli(env, "list", "--as", "raj@r.example").stdout
        assert "Leaflets" not in cli(env, "list", "--as", "raj@r.example").stdout
        for report_id in range(1, 6):
            done = cli(env, "approve", str(report_id), "--as", "mod@a.example")
            assert done.returncode == 0 and f"report {report_id} approved" in done.stdout
        assert "0 report(s)" in cli(env, "queue", "--as", "mod@a.example").stdout
        exported = cli(env, "export", "--level", "lad", "--by", "all", "--period", "year")
        assert exported.returncode == 0, exported.stderr
        assert exported.stdout.splitlines() == [
            "area_code,area_name,level,period,group,count,residents,rate_per_10k",
            "E06000035,Riverbank,lad,2024,all,<5,4600,",
            "E09000001,Thamesbury,lad,2024,all,<5,7900,",
            "E09000001,Thamesbury,lad,2025,all,<5,7900,",
        ]
        assert "Leaflets" not in exported.stdout and "hostel" not in exported.stdout



def test_the_command_line_says_what_went_wrong_without_a_traceback(tmp_path):
    write_tiny_cache(tmp_path / "cache")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GRA_")},
           "GRA_DATABASE_URL": f"sqlite:///{tmp_path / 'reports.db'}",
           "GRA_CACHE_DIR": str(tmp_path / "cache"), "GRA_OFFLINE": "1"}
    assert cli(env, "add-org", "Thamesbury Together").returncode == 0
    assert cli(env, "add-user", "ana@t.example", "--org", "Thamesbury Together", "--role",
               "member", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    huge = tmp_path / "huge.csv"
    huge.write_text("incident_date,area,category,tension_level,description\n"
                    f'2025-01-02,E01000001,rumour,low,"{"x" * 140_000}"\n', encoding="utf-8")
    assert cli(env, "set-limit", "ana@t.example", "0").returncode == 0
    answers = {
        "a cell over 128 KiB": (cli(env, "import", str(huge), "--as", "ana@t.example"),
                                "line 2: a cell is longer than 131,072 characters"),
        "a missing file": (cli(env, "import", str(tmp_path / "absent.csv"), "--as",
                               "ana@t.example"), "No such file or directory"),
        "the hourly limit": (cli(env, "submit", "--as", "ana@t.example", "--date",
                                 "2025-01-02", "--area", "E01000001", "--category", "rumour",
                                 "--level", "low", "--description", "x"),
                             "the most allowed for one account (0)"),
        "a database that cannot be opened": (cli(
            {**env, "GRA_DATABASE_URL": f"sqlite:///{tmp_path / 'no' / 'such' / 'x.db'}"},
            "list", "--as", "ana@t.example"), "cannot be opened"),
        "a backup folder that cannot be made": (cli(env, "backup", "--out",
                                                    str(huge / "x.db")),
                                                "the backup could not be made: File exists"),
    }
    for what, (done, message) in answers.items():
        assert done.returncode == 1, what
        assert message in done.stderr and "Traceback" not in done.stderr, (what, done.stderr)


def test_an_import_looks_its_postcodes_up_in_bulk_and_within_its_time(mirror, mirror_env,
                                                                      tmp_path):
    write_tiny_cache(mirror_env.cache_dir)
    env = {**os.environ, "GRA_DATABASE_URL": f"sqlite:///{tmp_path / 'reports.db'}"}
    assert cli(env, "add-org", "Thamesbury Together").returncode == 0
    assert cli(env, "add-user", "ana@t.example", "--org", "Thamesbury Together", "--role",
               "member", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    postcodes = [f"ZZ{i // 10} {i % 10}ZZ" for i in range(248)] + ["LE1 6RP", "EH1 1YZ"]
    rows = [f"2025-01-02,{postcode},rumour,low,seen near {postcode}" for postcode in postcodes]
    sheet = tmp_path / "postcodes.csv"
    sheet.write_text("incident_date,area,category,tension_level,description\n"
                     + "\n".join(rows) + "\n", encoding="utf-8")

    done = cli(env, "import", str(sheet), "--as", "ana@t.example")
    assert done.returncode == 1, done.stderr
    asked = mirror.requests_to("/postcodes")
    assert [(r.method, len(r.json()["postcodes"])) for r in asked] == [
        ("POST", 100), ("POST", 100), ("POST", 50)]  # not one request per row
    assert "line 2: area: The postcode ZZ0 0ZZ does not exist." in done.stderr
    assert "line 250: area: The postcode LE1 6RP lies in E01013571" in done.stderr
    assert "line 251: area: EH1 1YZ: postcode EH1 1YZ is not in England" in done.stderr

    # postcodes.io failing: the import gives up on look-ups when its time is spent.
    mirror.fault("/postcodes", *[500] * 20)
    slow = {**env, "GRA_POSTCODE_LOOKUP_SECONDS": "1.5", "GRA_HTTP_RETRIES": "4",
            "GRA_HTTP_BACKOFF": "1"}
    started = time.monotonic()
    done = cli(slow, "import", str(sheet), "--as", "ana@t.example")
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert ("line 2: area: The postcode ZZ0 0ZZ could not be looked up just now (the 1.5 s "
            "allowed for postcode look-ups (GRA_POSTCODE_LOOKUP_SECONDS) ran out)") in done.stderr
    assert len(mirror.requests_to("/postcodes")) == 3 + 2  # one try, one retry, no more
    assert took < 20, took  # one look-up per row took 15 s or more each
