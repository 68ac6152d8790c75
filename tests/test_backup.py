"""Backups and restores of the report store (SQLite and PostgreSQL) and of the data cache.

The report store is backed up with the real command line while another process keeps
submitting reports, restored into an empty database, and compared row by row.
PostgreSQL runs in a throwaway database created and dropped by the test.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

import reports.backup
from data_sources.cache import Cache, Provenance
from data_sources.cache_backup import CacheBackupError, backup_cache, restore_cache
from data_sources.refresh_lock import acquire_refresh_lock
from reports.accounts import set_submission_limit
from reports.audit import CLI_ACTOR
from reports.auth import actor_for_email
from reports.backup import BackupError, backup_store, restore_store
from reports.models import Base
from reports.store import Store, make_engine, open_store
from reports.submissions import submit_report
from settings import PROJECT_ROOT, Settings
from tests.fixtures.reports.helpers import (
    POSTGRES_ADMIN_URL,
    TODAY,
    bootstrap,
    postgres_available,
    report,
    tiny_directory,
)

pytestmark = pytest.mark.timeout(300)

NO_POSTGRES = "PostgreSQL is not reachable on 127.0.0.1:5432 (user postgres, database test)"
KINDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql",
                 marks=pytest.mark.skipif(not postgres_available(), reason=NO_POSTGRES)),
]
WRITER = "thames"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database of its own; dropped (with its sessions) afterwards."""
    name = f"gra_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def empty_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of a database that does not exist yet (SQLite) or has no tables (PostgreSQL)."""
    if kind == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / 'reports.db'}"
        return
    with postgres_database() as url:
        yield url


def all_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table of the store, in primary-key order."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns))]
                    for table in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def cli(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRA_")}
    env["GRA_DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "reports", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=240)


def keep_submitting(url: str, email: str, log: str, stop: str) -> None:
    """Run in another process: submit reports until ``stop`` exists, logging each id once
    it is committed."""
    store = Store(make_engine(url))
    directory = tiny_directory()
    actor = actor_for_email(store, email)
    with open(log, "a", encoding="utf-8") as out:
        i = 0
        while not os.path.exists(stop):
            report_id = submit_report(store, actor, report(description=f"writer report {i}"),
                                      directory=directory, today=TODAY)
            out.write(f"{report_id}\n")
            out.flush()
            i += 1
    store.dispose()


def committed(log: Path) -> list[int]:
    return [int(line) for line in log.read_text().split()] if log.is_file() else []


@contextmanager
def writer_running(url: str, folder: Path) -> Iterator[Path]:
    """Another process submitting reports to ``url``; yields its log of committed ids."""
    log, stop = folder / "writer.log", folder / "writer.stop"
    code = ("import sys; from tests.test_backup import keep_submitting; "
            "keep_submitting(*sys.argv[1:])")
    process = subprocess.Popen(
        [sys.executable, "-c", code, url, "ana@thamesbury.example", str(log), str(stop)],
        cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(committed(log)) < 20:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "the writer did not start submitting"
            time.sleep(0.1)
        yield log
    finally:
        stop.touch()
        try:
            process.wait(timeout=30)
        finally:
            process.kill()
            process.stderr.close()
    assert process.returncode == 0


@pytest.mark.parametrize("kind", KINDS)
def test_backup_while_a_writer_submits_restores_a_consistent_copy(kind, tmp_path):
    with empty_database(kind, tmp_path / "live") as live:
        store = open_store(url=live)
        actors = bootstrap(store)
        set_submission_limit(store, CLI_ACTOR, actors[WRITER].email, 1_000_000)
        store.dispose()
        backup = tmp_path / "reports.backup"
        with writer_running(live, tmp_path) as log:
            before = committed(log)
            done = cli("backup", "--out", str(backup), url=live)
            after = committed(log)
        assert done.returncode == 0, done.stderr
        assert "backed up" in done.stdout and str(backup) in done.stdout
        source = all_rows(live)
        with empty_database(kind, tmp_path / "restored") as target:
            done = cli("restore", str(backup), url=target)
            assert done.returncode == 0, done.stderr
            restored = all_rows(target)
            restored_store = Store(make_engine(target))
            try:
                # The restored store takes new reports: its id sequences came back too.
                new_id = submit_report(restored_store, actor_for_email(restored_store,
                                                                       actors[WRITER].email),
                                       report(), directory=tiny_directory(), today=TODAY)
            finally:
                restored_store.dispose()

    ids = [row[0] for row in restored["reports"]]
    assert set(before) <= set(ids), "a report committed before the backup is missing"
    assert len(ids) <= len(after) + 1, "the backup holds reports committed after it ended"
    assert len(ids) > 20
    assert new_id > max(ids)
    # One moment of the database: every report has its submit entry, and nothing else.
    submits = [row for row in restored["audit_log"] if row[4:6] == ("submit", "report")]
    assert sorted(row[6] for row in submits) == ids
    # Every restored row is exactly the live row with the same key; accounts all came back.
    for table, rows in restored.items():
        live_rows = {row[0]: row for row in source[table]}
        assert all(live_rows[row[0]] == row for row in rows), table
    assert restored["users"] == source["users"] and len(restored["users"]) == 4
    assert restored["organisations"] == source["organisations"]


@pytest.mark.parametrize("kind", KINDS)
def test_restore_into_a_store_the_app_already_created_and_compare_every_row(kind, tmp_path):
    with empty_database(kind, tmp_path / "live") as live, \
            empty_database(kind, tmp_path / "restored") as target:
        store = open_store(url=live)
        actors = bootstrap(store)
        directory = tiny_directory()
        for n in range(7):
            submit_report(store, actors["thames" if n % 2 else "river"],
                          report(description=f"report {n} <b>as typed</b>"),
                          directory=directory, today=TODAY)
        store.dispose()
        summary = backup_store(live, tmp_path / "reports.backup")
        assert summary.size_bytes > 0
        assert summary.path.stat().st_mode & 0o077 == 0  # free text: owner only
        open_store(url=target).dispose()  # the app connected first: empty tables exist
        restore_store(target, summary.path)
        assert all_rows(target) == all_rows(live)
        assert len(all_rows(target)["reports"]) == 7


@pytest.mark.parametrize("kind", KINDS)
def test_restore_refuses_a_database_that_holds_reports(kind, tmp_path):
    with empty_database(kind, tmp_path / "live") as live:
        store = open_store(url=live)
        actors = bootstrap(store)
        submit_report(store, actors["thames"], report(), directory=tiny_directory(),
                      today=TODAY)
        store.dispose()
        backup = backup_store(live, tmp_path / "reports.backup").path
        rows_before = all_rows(live)
        done = cli("restore", str(backup), url=live)
        assert done.returncode == 1
        assert "is not empty" in done.stderr and "nothing was changed" in done.stderr
        assert all_rows(live) == rows_before


def integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


@pytest.mark.parametrize("target", ["the same path", "a relative path", "a symbolic link",
                                    "a hard link", "its -wal file", "its -shm file"])
def test_backup_refuses_to_write_over_the_live_store_while_a_writer_submits(target, tmp_path):
    live = tmp_path / "live" / "reports.db"
    live.parent.mkdir()
    url = f"sqlite:///{live}"
    store = open_store(url=url)
    actors = bootstrap(store)
    set_submission_limit(store, CLI_ACTOR, actors[WRITER].email, 1_000_000)
    store.dispose()
    out = {"the same path": str(live),
           "a relative path": os.path.relpath(live, PROJECT_ROOT),
           "a symbolic link": str(tmp_path / "link.db"),
           "a hard link": str(tmp_path / "hard.db"),
           "its -wal file": f"{live}-wal", "its -shm file": f"{live}-shm"}[target]
    if target == "a symbolic link":
        (tmp_path / "link.db").symlink_to(live)
    elif target == "a hard link":
        os.link(live, tmp_path / "hard.db")
    with writer_running(url, tmp_path) as log:
        done = cli("backup", "--out", out, url=url)
        time.sleep(0.5)  # the writer keeps going on the database it had
    assert done.returncode == 1, done.stdout
    assert "nothing was written" in done.stderr and "Traceback" not in done.stderr
    assert integrity(live) == "ok"
    ids = [row[0] for row in all_rows(url)["reports"]]
    assert set(committed(log)) <= set(ids) and len(ids) > 20


def test_backup_refuses_any_other_live_database_but_replaces_an_old_backup(tmp_path):
    live, other = (f"sqlite:///{tmp_path / name}" for name in ("live.db", "other.db"))
    for url in (live, other):
        bootstrap(store := open_store(url=url))
        store.dispose()
    with pytest.raises(BackupError, match="SQLite database in use"):
        backup_store(live, tmp_path / "other.db")
    assert all_rows(other)["users"]
    old = backup_store(live, tmp_path / "reports.backup").path
    again = backup_store(live, old)
    assert again.path == old and integrity(old) == "ok"


def test_the_database_its_wal_and_its_backups_are_readable_by_their_owner_only(tmp_path):
    live, restored = tmp_path / "reports.db", tmp_path / "restored" / "reports.db"
    done = cli("add-org", "Early Risers", url=f"sqlite:///{live}")
    assert done.returncode == 0, done.stderr
    store = open_store(url=f"sqlite:///{live}")  # kept open: its -wal and -shm stay
    try:
        bootstrap(store)
        files = [live, Path(f"{live}-wal"), Path(f"{live}-shm")]
        assert {oct(path.stat().st_mode & 0o777) for path in files} == {"0o600"}
        backup = backup_store(f"sqlite:///{live}", tmp_path / "reports.backup").path
    finally:
        store.dispose()
    restored.parent.mkdir()
    restore_store(f"sqlite:///{restored}", backup)
    assert {oct(path.stat().st_mode & 0o777) for path in (backup, restored)} == {"0o600"}


def test_backup_of_a_missing_sqlite_store_and_a_file_that_is_not_a_backup(tmp_path):
    with pytest.raises(BackupError, match="no report database"):
        backup_store(f"sqlite:///{tmp_path / 'absent.db'}", tmp_path / "out.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database")
    with pytest.raises(BackupError, match="not a SQLite database"):
        restore_store(f"sqlite:///{tmp_path / 'new.db'}", junk)
    assert not (tmp_path / "out.db").exists()


def test_missing_pg_dump_is_said_clearly(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(reports.backup, "PG_BIN_GLOB", "/nonexistent/*/bin")
    with pytest.raises(BackupError, match="pg_dump was not found on PATH.*postgresql-client"):
        reports.backup.find_pg_tool("pg_dump")


# ---------------------------------------------------------------- the data cache


def small_cache(root: Path) -> Cache:
    cache = Cache(root)
    for n, dataset in enumerate(["alpha", "beta"]):
        cache.store_table(pd.DataFrame({"area_code": [f"E0100000{n}"], "value": [n]}),
                          Provenance(dataset=dataset, source="test", title=dataset, url="u",
                                     vintage="v", geography="g", licence="l", attribution="a"))
    return cache


def test_cache_backup_is_a_working_cache_and_restores(tmp_path):
    cache = small_cache(tmp_path / "cache")
    copied = backup_cache(cache, tmp_path / "backup")
    assert copied.tables == 2
    assert Cache(tmp_path / "backup").load_table("beta")["value"].tolist() == [1]
    target = Cache(tmp_path / "other")
    restore_cache(tmp_path / "backup", target)
    assert target.manifest().keys() == cache.manifest().keys()
    assert target.load_table("alpha").equals(cache.load_table("alpha"))
    with pytest.raises(CacheBackupError, match="not empty"):
        backup_cache(cache, tmp_path / "backup")


def test_a_damaged_table_is_refused_and_nothing_is_restored(tmp_path):
    cache = small_cache(tmp_path / "cache")
    backup_cache(cache, tmp_path / "backup")
    table = next((tmp_path / "backup" / "tables").glob("beta-*.parquet"))
    table.write_bytes(table.read_bytes()[:-10])
    target = Cache(tmp_path / "other")
    with pytest.raises(CacheBackupError, match="damaged"):
        restore_cache(tmp_path / "backup", target)
    assert target.manifest() == {}


def test_cache_commands_hold_the_refresh_lock(tmp_path):
    cache = small_cache(tmp_path / "cache")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRA_")}
    run = [sys.executable, "-m", "data_sources"]
    done = subprocess.run([*run, "backup-cache", "--out", str(tmp_path / "backup")],
                          cwd=PROJECT_ROOT, env={**env, "GRA_CACHE_DIR": str(cache.root)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Backed up 2 tables" in done.stdout
    target = tmp_path / "other"
    with acquire_refresh_lock(Settings(cache_dir=target)):
        done = subprocess.run([*run, "restore-cache", str(tmp_path / "backup")],
                              cwd=PROJECT_ROOT, env={**env, "GRA_CACHE_DIR": str(target)},
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "a refresh is running" in done.stderr
    assert not (target / "manifest.json").exists()
    done = subprocess.run([*run, "restore-cache", str(tmp_path / "backup")],
                          cwd=PROJECT_ROOT, env={**env, "GRA_CACHE_DIR": str(target)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert Cache(target).load_table("alpha")["value"].tolist() == [0]
