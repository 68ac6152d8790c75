"""Scheduled refresh: refreshes started at once on every "replica" (real processes against
the loopback mirror, slowed so that they overlap), the lock (file and PostgreSQL), what
readers see meanwhile, and ``--if-stale``."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from data_sources.cache import Cache
from data_sources.refresh_lock import RefreshBusy, acquire_refresh_lock
from settings import PROJECT_ROOT, Settings
from tests.fixtures.reports.helpers import postgres_available
from tests.mirror import FIXTURES, Fault
from tests.test_backup import NO_POSTGRES, postgres_database

pytestmark = pytest.mark.timeout(300)

IOD = ["--source", "iod", "--level", "lsoa", "--no-build"]
"""Two datasets (IoD 2019 and 2025, File 7) that the mirror serves whole, quickly."""
FILE7 = "File_7"
BUSY = "another refresh is running"


@pytest.fixture(params=["file", pytest.param("postgresql", marks=pytest.mark.skipif(
    not postgres_available(), reason=NO_POSTGRES))])
def lock_kind(request, mirror_env) -> Iterator[dict[str, str]]:
    """The environment of a refresh process: the mirror, and the lock to test."""
    env = {k: v for k, v in os.environ.items()}
    env["GRA_HTTP_TIMEOUT"] = "30"  # the mirror is slowed on purpose, below the time-out
    if request.param == "file":
        yield env
        return
    with postgres_database() as url:
        yield {**env, "GRA_DATABASE_URL": url}


def start_refresh(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "data_sources", "refresh", *args],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str]:
    try:
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    return process.returncode, out + err


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_two_refreshes_started_at_once_exactly_one_runs(lock_kind, mirror, mirror_env):
    mirror.fault(FILE7, Fault("slow", seconds=6))
    first, second = start_refresh(lock_kind, *IOD), start_refresh(lock_kind, *IOD)
    results = {process.pid: finish(process) for process in (first, second)}
    ran = [pid for pid, (_, out) in results.items() if "Refreshing 2 dataset(s)" in out]
    waited = [pid for pid, (_, out) in results.items() if BUSY in out]
    assert len(ran) == 1 and len(waited) == 1, results
    assert [code for code, _ in results.values()] == [0, 0], results
    message = results[waited[0]][1]
    assert f"pid {ran[0]}" in message and "nothing to do" in message
    lock = "PostgreSQL advisory lock" if "GRA_DATABASE_URL" in lock_kind else "file lock"
    assert lock in message
    assert "Refreshing" not in message and len(mirror.requests_to(FILE7)) == 2
    manifest = Cache(mirror_env.cache_dir).manifest()
    assert {"iod2019_lsoa", "iod2025_lsoa"} <= manifest.keys()


def test_a_killed_refresh_leaves_no_stale_lock(lock_kind, mirror, mirror_env):
    mirror.fault(FILE7, Fault("slow", seconds=3))
    doomed = start_refresh(lock_kind, *IOD)
    wait_for(lambda: mirror.requests_to(FILE7), "the first refresh to start downloading")
    doomed.send_signal(signal.SIGKILL)
    finish(doomed)
    code, out = finish(start_refresh(lock_kind, *IOD))
    assert code == 0 and "2 stored" in out, out


def test_an_unreachable_postgresql_fails_the_refresh_clearly(mirror_env):
    env = {**os.environ, "GRA_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/x"}
    code, out = finish(start_refresh(env, *IOD))
    assert code == 1 and "could not reach PostgreSQL" in out and "Refreshing" not in out


# ---------------------------------------------------------------- readers during a refresh


def read_cache_in_a_loop(root: str, log: str, stop: str) -> None:
    """Run in another process, as the app would: read the manifest, then every table it
    names, and check each against its manifest entry, until ``stop`` exists."""
    import pyarrow.parquet as pq

    cache = Cache(Path(root))
    with open(log, "w", encoding="utf-8") as out:
        while not os.path.exists(stop):
            seen = {}
            try:
                for dataset, entry in cache.manifest().items():
                    data = (cache.root / entry.file).read_bytes()
                    rows = pq.read_metadata(cache.root / entry.file).num_rows
                    # The app's own reader, which reads the manifest again: it may see
                    # the next version already, but always a whole one.
                    table = cache.load_table(dataset)
                    seen[dataset] = [entry.file, hashlib.sha256(data).hexdigest()[:16],
                                     rows, len(table), entry.rows]
            except Exception as exc:  # noqa: BLE001 - any failure is what we look for
                seen = {"error": repr(exc)}
            out.write(json.dumps(seen) + "\n")
            out.flush()


def shortened(path: Path) -> bytes:
    """The fixture file without its last row: an "older release" with one LSOA fewer."""
    lines = path.read_bytes().rstrip(b"\r\n").split(b"\n")
    return b"\n".join(lines[:-1]) + b"\n"


def file7(edition: str) -> Path:
    return next(p for p in (FIXTURES / "assets.publishing.service.gov.uk").rglob(
        f"*{edition}*.csv") if "media" in p.parts)


@contextmanager
def reader_running(root: Path, folder: Path) -> Iterator[Path]:
    log, stop = folder / "reader.log", folder / "reader.stop"
    code = ("import sys; from tests.test_refresh_lock import read_cache_in_a_loop; "
            "read_cache_in_a_loop(*sys.argv[1:])")
    process = subprocess.Popen([sys.executable, "-c", code, str(root), str(log), str(stop)],
                               cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: log.is_file() and log.read_text().count("\n") >= 3,
                 "the reader to start")
        yield log
    finally:
        stop.touch()
        try:
            process.wait(timeout=30)
        finally:
            process.kill()
            process.stderr.close()


def test_readers_see_the_complete_old_or_the_complete_new_data(mirror, mirror_env, tmp_path):
    env = {**os.environ, "GRA_HTTP_TIMEOUT": "30"}
    # An older release of both files, then the current one, slowly, while a reader reads.
    mirror.fault("IoD2019", Fault("body", body=shortened(file7("IoD2019"))))
    mirror.fault("IoD2025", Fault("body", body=shortened(file7("IoD2025"))))
    code, out = finish(start_refresh(env, *IOD))
    assert code == 0, out
    cache = Cache(mirror_env.cache_dir)
    old = {d: (e.file, e.rows) for d, e in cache.manifest().items()}
    with reader_running(cache.root, tmp_path) as log:
        mirror.fault("IoD2019", Fault("slow", seconds=1.5))
        mirror.fault("IoD2025", Fault("slow", seconds=1.5))
        code, out = finish(start_refresh(env, *IOD))
        assert code == 0, out
        count = log.read_text().count("\n")
        wait_for(lambda: log.read_text().count("\n") >= count + 3, "the reader to go on")
    new = {d: (e.file, e.rows) for d, e in cache.manifest().items()}
    assert old.keys() == new.keys() == {"iod2019_lsoa", "iod2025_lsoa"}
    assert all(old[d] != new[d] for d in old)

    snapshots = [json.loads(line) for line in log.read_text().splitlines()]
    assert [s for s in snapshots if "error" in s] == []
    versions = []
    for snapshot in snapshots:
        assert snapshot.keys() == old.keys()
        for dataset, (file, digest, rows, loaded, listed) in snapshot.items():
            assert [file, rows] in ([*old[dataset]], [*new[dataset]])
            assert file.endswith(f"-{digest}.parquet")  # the whole file, as written
            assert rows == listed
            assert loaded in (old[dataset][1], new[dataset][1])
        versions.append(tuple(snapshot[d][0] == new[d][0] for d in sorted(old)))
    # The reader saw the old data, the switch of each table, and the new data.
    assert versions[0] == (False, False) and versions[-1] == (True, True)
    assert (True, False) in versions
    assert versions == sorted(versions)  # never back to an older table


# ---------------------------------------------------------------- --if-stale


def test_if_stale_skips_when_every_dataset_is_fresh(mirror, mirror_env):
    env = dict(os.environ)
    police = ["--source", "police", "--no-build"]  # police counts: nothing to fetch, skipped
    code, out = finish(start_refresh(env, *police))
    assert code == 0 and "1 stored, 1 skipped" in out, out
    requests = len(mirror.requests)
    code, out = finish(start_refresh(env, *police, "--if-stale"))
    assert code == 0, out
    assert "Every dataset was refreshed less than 168 hours ago" in out
    assert "nothing to do" in out and len(mirror.requests) == requests

    time.sleep(1.1)
    code, out = finish(start_refresh(env, *police, "--if-stale", "--max-age", "0.0002"))
    assert code == 0 and "2 of 2 dataset(s) last refreshed 0.0002 hours ago" in out, out
    assert len(mirror.requests) > requests


def test_if_stale_refreshes_only_the_stale_datasets(mirror, mirror_env):
    env = dict(os.environ)
    code, out = finish(start_refresh(env, "--source", "police", "--no-build"))
    assert code == 0, out
    code, out = finish(start_refresh(env, *IOD, "--source", "police", "--if-stale"))
    assert code == 0, out
    assert "2 of 4 dataset(s)" in out and "Refreshing 2 dataset(s)" in out
    assert "police" not in out.split("Refreshing", 1)[1]


def test_if_stale_reports_a_refresh_that_holds_the_lock_too_long(lock_kind, mirror_env):
    held = acquire_refresh_lock(Settings(cache_dir=mirror_env.cache_dir,
                                         database_url=lock_kind.get("GRA_DATABASE_URL")))
    try:
        code, out = finish(start_refresh(lock_kind, *IOD, "--if-stale"))
        assert code == 0 and BUSY in out, out  # held a moment: a refresh at work
        time.sleep(1.1)
        stuck = {**lock_kind, "GRA_REFRESH_STUCK_HOURS": "0.0002"}  # 0.72 s
        code, out = finish(start_refresh(stuck, *IOD, "--if-stale"))
        assert code == 1, out
        assert "has run for 0.0 hours, longer than GRA_REFRESH_STUCK_HOURS (0.0002)" in out
        assert "looks stuck" in out and "Refreshing" not in out
        code, out = finish(start_refresh(stuck, *IOD))  # by hand: says who, changes nothing
        assert code == 0 and BUSY in out, out
    finally:
        held.release()


def test_if_stale_reports_a_stale_lock_kept_by_another_process(mirror_env):
    # The refresh recorded as the holder has exited, yet something still holds the file
    # lock (here a bare flock, as a child that inherited the locked file would).
    gone = subprocess.Popen(["true"])
    gone.wait()
    code = ("import fcntl, os, socket, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "open(sys.argv[2], 'w').write(f'pid {sys.argv[3]} on {socket.gethostname()} "
            "since 2026-01-01T00:00:00Z')\n"
            "print('held', flush=True); time.sleep(60)")
    cache_dir = Path(mirror_env.cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    keeper = subprocess.Popen([sys.executable, "-c", code, str(cache_dir / ".refresh.lock"),
                               str(cache_dir / ".refresh.lock.holder"), str(gone.pid)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert keeper.stdout.readline().strip() == "held"
        code, out = finish(start_refresh(dict(os.environ), *IOD, "--if-stale"))
        assert code == 1, out
        assert f"is stale: pid {gone.pid} on" in out and "no longer runs" in out, out
    finally:
        keeper.kill()
        keeper.wait()


def test_the_file_lock_refuses_a_second_holder_in_the_same_process(tmp_path):
    settings = Settings(cache_dir=tmp_path)
    with acquire_refresh_lock(settings):
        with pytest.raises(RefreshBusy, match=f"pid {os.getpid()}"):
            acquire_refresh_lock(settings)
    acquire_refresh_lock(settings).release()  # free again
