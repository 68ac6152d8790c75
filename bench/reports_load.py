"""Report store under load: publishing 100,000 and 1,000,000 reports, and 8 submitters.

Everything runs in a throwaway database made for the run (an SQLite file in a temporary
folder; a schema of its own on PostgreSQL at 127.0.0.1:5432, dropped afterwards). The
reports are synthetic benchmark load, inserted in bulk and marked as such in their
description; they never reach the app's store or the cache. They are spread uniformly
over England (93% placed at an LSOA, 5% only at an MSOA and 2% only at a district, so
that the rest counts are exercised), 36 months, every category and tension level (no
clustering: the thinnest tables, the worst case for suppression).

* Publish: :func:`reports.publication.publish`, what every approval, rejection, edit or
  import now runs: reading the approved reports, counting the cube, suppressing it until
  the exact audit clears every hidden cell, and storing the publication. Beside it, in
  the same run and on the same database, the old way (commit ``BASELINE``, in a work tree
  of its own under /tmp): reading, building and suppressing the cube the old way and
  slicing the district × month table, which the first page after every approval paid.
* Page tables: what a page asks for (``load_report_counts``: the district table by year
  for the map, one area by month for Trends) once the publication is stored: reading it
  and slicing.
* Submissions: 8 spawned processes, each an account of its own, submit reports through
  ``reports.submissions.submit_report`` one after another after a common start signal;
  each call is timed; the figure is the 95th percentile over all calls, with the 100,000
  reports already in the table.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from bench.common import CannotRun, Context, Row, median, percentile, seconds
from data_sources.cache import Cache
from reports.accounts import add_organisation, add_user, set_submission_limit
from reports.aggregate import load_report_counts
from reports.areas import AreaDirectory
from reports.audit import CLI_ACTOR
from reports.auth import actor_for_email
from reports.models import Report
from reports.publication import publish
from reports.store import Store, make_engine, migrate
from reports.submissions import submit_report
from reports.taxonomy import CATEGORY_IDS, TENSION_LEVEL_IDS
from reports.validation import ReportInput

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REPORTS = (100_000, 1_000_000)
BASELINE = "38e912e"  # the last commit with the old suppression
BASELINE_TREE = Path("/tmp/gra-bench-baseline-reports")
FIRST_DAY, DAYS = date(2023, 1, 1), 3 * 365
SUBMITTERS = 8
# where the synthetic reports are placed: mostly an LSOA, some only an MSOA or a district
PLACED = (("lsoa", 0.93), ("msoa", 0.05), ("lad", 0.02))
PLACED_AT = [level for level, _ in PLACED]
PASSWORD = "benchmark password only"
LOAD_TEXT = "Synthetic benchmark load, not a real report."
COMMAND = "python -m bench --only reports"


@contextmanager
def throwaway_store(kind: str) -> Iterator[Store]:
    """A migrated, empty store on ``kind`` (sqlite or postgresql), removed afterwards.

    Raises
    ------
    CannotRun
        When PostgreSQL is asked for and does not answer.
    """
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="gra-bench-reports-") as folder:
            store = _migrated(f"sqlite:///{Path(folder) / 'reports.db'}")
            try:
                yield store
            finally:
                store.dispose()
        return
    schema = f"gra_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # noqa: BLE001 - any failure: no PostgreSQL to measure
        admin.dispose()
        raise CannotRun(f"PostgreSQL is not reachable at 127.0.0.1:5432 ({exc})") from exc
    store = _migrated(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    try:
        yield store
    finally:
        store.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _migrated(url: str) -> Store:
    engine = make_engine(url)
    migrate(engine)
    return Store(engine)


def add_accounts(store: Store, n: int) -> list[str]:
    """One organisation and ``n`` member accounts that may submit 10,000 reports an hour."""
    add_organisation(store, CLI_ACTOR, "Benchmark Load")
    emails = [f"bench{i}@load.example" for i in range(n)]
    for email in emails:
        add_user(store, CLI_ACTOR, email, "Benchmark Load", "member", PASSWORD)
        set_submission_limit(store, CLI_ACTOR, email, 10_000)
    return emails


def fill(store: Store, directory: AreaDirectory, submitter: str, n: int = 100_000,
         seed: int = 6) -> None:
    """Insert ``n`` approved synthetic reports in bulk (no audit entries: load only)."""
    actor = actor_for_email(store, submitter)
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    levels_of_place = rng.choice(PLACED_AT, n, p=[share for _, share in PLACED])
    areas = np.empty(n, dtype=object)
    for level in PLACED_AT:
        chosen = levels_of_place == level
        codes = directory.areas.index[directory.areas["level"] == level].to_numpy()
        areas[chosen] = rng.choice(codes, int(chosen.sum()))
    days = rng.integers(0, DAYS, n)
    categories = rng.choice(CATEGORY_IDS, n)
    levels = rng.choice(TENSION_LEVEL_IDS, n)
    for start in range(0, n, 10_000):
        rows = [{"organisation_id": actor.organisation_id, "submitted_by": actor.user_id,
                 "submitted_at": now - timedelta(days=2), "incident_date":
                 FIRST_DAY + timedelta(days=int(days[i])), "incident_time": None,
                 "area_code": str(areas[i]), "area_level": str(levels_of_place[i]),
                 "category": str(categories[i]), "tension_level": str(levels[i]),
                 "description": LOAD_TEXT, "source": None, "status": "approved",
                 "moderated_by": actor.user_id, "moderated_at": now,
                 "moderation_note": None, "import_batch_id": None, "dedupe_key": None}
                for i in range(start, min(start + 10_000, n))]
        with store.write() as session:
            session.execute(insert(Report), rows)


def time_publish(store: Store, directory: AreaDirectory) -> dict[str, float]:
    """Seconds to publish (read, count, suppress and audit, store) and to read page tables.

    The first publish in a process also indexes the area directory (kept for the next:
    the app's server publishes on every change of state); both are timed."""
    started = time.perf_counter()
    publish(store, directory)
    first = time.perf_counter() - started
    started = time.perf_counter()
    cube = publish(store, directory)
    published = time.perf_counter()
    lad = load_report_counts(store, directory, level="lad", by="all", period="year")
    map_done = time.perf_counter()
    load_report_counts(store, directory, level="region", by="category", period="month",
                       areas=["E12000004"])
    trends_done = time.perf_counter()
    return {"publish": published - started, "first": first, "map": map_done - published,
            "trends": trends_done - map_done, "cells": float(len(cube.cells)),
            "lad_rows": float(len(lad)), "left_out": float(len(cube.unpublished))}


OLD_WAY = """
import json, sys, time
from pathlib import Path
from data_sources.cache import Cache
from reports.aggregate import build_cube, load_approved, public_table
from reports.areas import AreaDirectory
from reports.store import Store, make_engine
directory = AreaDirectory.from_cache(Cache(Path(sys.argv[2])))
store = Store(make_engine(sys.argv[1]))
started = time.perf_counter()
cube = build_cube(load_approved(store), directory)
public_table(cube, directory, level="lad", by="all", period="month")
print(json.dumps({"old": time.perf_counter() - started}))
"""


def time_old_way(store: Store, cache_dir: Path) -> float:
    """Seconds the old code (commit BASELINE) takes on the same database, in a process."""
    if not BASELINE_TREE.is_dir():
        subprocess.run(["git", "worktree", "add", "--detach", str(BASELINE_TREE), BASELINE],
                       cwd=Path(__file__).resolve().parent.parent, check=True,
                       capture_output=True)
    url = store.engine.url.render_as_string(hide_password=False)
    done = subprocess.run([sys.executable, "-c", OLD_WAY, url, str(cache_dir)],
                          cwd=BASELINE_TREE, capture_output=True, text=True, timeout=1800,
                          env={"PYTHONPATH": str(BASELINE_TREE), "PATH": "/usr/bin:/bin"},
                          check=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["old"])


def _submit_worker(url: str, cache_dir: str, email: str, count: int, start,
                   ready) -> list[float]:
    """In a child process: wait for the start signal, then time ``count`` submissions."""
    store = Store(make_engine(url))
    directory = AreaDirectory.from_cache(Cache(Path(cache_dir)))
    actor = actor_for_email(store, email)
    lsoas = directory.areas.index[directory.areas["level"] == "lsoa"].to_numpy()
    rng = np.random.default_rng(zlib.crc32(email.encode()))
    today = date.today()
    times = []
    ready.wait()
    start.wait()
    try:
        for i in range(count):
            report = ReportInput(
                incident_date=today - timedelta(days=int(rng.integers(0, 60))),
                area=str(rng.choice(lsoas)), category=str(rng.choice(CATEGORY_IDS)),
                tension_level=str(rng.choice(TENSION_LEVEL_IDS)),
                description=f"{LOAD_TEXT} {email} {i}")
            began = time.perf_counter()
            submit_report(store, actor, report, directory=directory,
                          submission_key=f"bench-{email}-{i}")
            times.append(time.perf_counter() - began)
    finally:
        store.dispose()
    return times


def time_submissions(store: Store, cache_dir: Path, emails: list[str],
                     count: int) -> list[float]:
    """Latencies of ``count`` submissions from each of ``emails`` at once, in processes."""
    url = store.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        ready = manager.Barrier(len(emails) + 1)
        start = manager.Event()
        with context.Pool(len(emails)) as pool:
            pending = pool.starmap_async(_submit_worker, [
                (url, str(cache_dir), email, count, start, ready) for email in emails])
            ready.wait(timeout=300)
            start.set()
            results = pending.get(timeout=600)
    return [t for batch in results for t in batch]


def run(ctx: Context) -> list[Row]:
    directory = AreaDirectory.from_cache(Cache(ctx.cache_dir))
    sizes = (10_000,) if ctx.quick else REPORTS
    per_process = 20 if ctx.quick else 60
    rows = []
    for kind in ("sqlite", "postgresql"):
        for n in sizes:
            try:
                rows += _measure(ctx, directory, kind, n, per_process)
            except CannotRun as reason:
                for what, target in (("publish", "< 3 s"), ("page tables", "< 300 ms")):
                    rows.append(Row(f"Reports: {what}, {kind}", f"cannot run: {reason}",
                                    target, None, COMMAND))
    return rows


def _measure(ctx: Context, directory: AreaDirectory, kind: str, n: int,
             per_process: int) -> list[Row]:
    rows = []
    target = 0.3 if n <= 100_000 else 3.0
    with throwaway_store(kind) as store:
        emails = add_accounts(store, SUBMITTERS + 1)
        started = time.perf_counter()
        fill(store, directory, emails[-1], n)
        filled = time.perf_counter() - started
        parts = time_publish(store, directory)
        old = time_old_way(store, ctx.cache_dir) if n <= 100_000 else None
        page = max(parts["map"], parts["trends"])
        versus = f"; old way {seconds(old)} in the same run" if old is not None else ""
        rows.append(Row(
            what=f"Reports: publish {n:,} reports (on every change of state), {kind}",
            figure=f"{seconds(parts['publish'])}{versus}", target=f"< {seconds(target)}",
            passed=parts["publish"] < target, command=COMMAND,
            notes=[f"{parts['cells']:,.0f} published cells, {parts['left_out']:.0f} of 30 "
                   f"tables left out as too thin; {n:,} reports inserted in {filled:.1f} s; "
                   f"the first publish in the process {seconds(parts['first'])} (it also "
                   "indexes the area directory)"],
            values={"publish_s": parts["publish"], **({"old_s": old} if old else {})}))
        rows.append(Row(
            what=f"Reports: the tables a page needs, {n:,} reports, {kind}",
            figure=f"{seconds(page)} (map: districts by year {seconds(parts['map'])}; "
                   f"Trends: a region by month and category {seconds(parts['trends'])})",
            target=f"< {seconds(target)}", passed=page < target, command=COMMAND,
            values={"map_s": parts["map"], "trends_s": parts["trends"]}))
        if n == min(REPORTS) or ctx.quick:
            latencies = time_submissions(store, ctx.cache_dir, emails[:SUBMITTERS],
                                         per_process)
            p95 = percentile(latencies, 95)
            rows.append(Row(
                what=f"Reports: one submission, p95 with {SUBMITTERS} concurrent "
                     f"submitters, {kind}",
                figure=f"{seconds(p95)} (p50 {seconds(median(latencies))}, max "
                       f"{seconds(max(latencies))})",
                target="< 50 ms", passed=p95 < 0.05, command=COMMAND,
                notes=[f"{len(latencies)} submissions from {SUBMITTERS} processes, "
                       f"{n:,} reports already stored"],
                values={"p95_s": p95, "p50_s": median(latencies)}))
    return rows
