"""Report store under load: aggregating 100,000 reports, and 8 concurrent submitters.

Everything runs in a throwaway database made for the run (an SQLite file in a temporary
folder; a schema of its own on PostgreSQL at 127.0.0.1:5432, dropped afterwards). The
100,000 reports are synthetic benchmark load, inserted in bulk and marked as such in
their description; they never reach the app's store or the cache.

* Aggregate: ``reports.aggregate.load_report_counts(level="lad", by="all",
  period="month")``, the public API the pages call: reading the approved reports,
  building and suppressing the count cube, and slicing the district × month table. The
  reports are spread uniformly over every LSOA of England, 36 months, every category and
  tension level (no clustering: the most cells, the worst case for suppression).
* Submissions: 8 spawned processes, each an account of its own, submit reports through
  ``reports.submissions.submit_report`` one after another after a common start signal;
  each call is timed; the figure is the 95th percentile over all calls, with the 100,000
  reports already in the table.
"""

from __future__ import annotations

import multiprocessing
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
from reports.aggregate import build_cube, load_approved, public_table
from reports.areas import AreaDirectory
from reports.audit import CLI_ACTOR
from reports.auth import actor_for_email
from reports.models import Report
from reports.store import Store, make_engine, migrate
from reports.submissions import submit_report
from reports.taxonomy import CATEGORY_IDS, TENSION_LEVEL_IDS
from reports.validation import ReportInput

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REPORTS = 100_000
FIRST_DAY, DAYS = date(2023, 1, 1), 3 * 365
SUBMITTERS = 8
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


def fill(store: Store, directory: AreaDirectory, submitter: str, n: int = REPORTS,
         seed: int = 6) -> None:
    """Insert ``n`` approved synthetic reports in bulk (no audit entries: load only)."""
    actor = actor_for_email(store, submitter)
    lsoas = directory.areas.index[directory.areas["level"] == "lsoa"].to_numpy()
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    areas = rng.choice(lsoas, n)
    days = rng.integers(0, DAYS, n)
    categories = rng.choice(CATEGORY_IDS, n)
    levels = rng.choice(TENSION_LEVEL_IDS, n)
    rows = [{"organisation_id": actor.organisation_id, "submitted_by": actor.user_id,
             "submitted_at": now - timedelta(days=2), "incident_date":
             FIRST_DAY + timedelta(days=int(days[i])), "incident_time": None,
             "area_code": str(areas[i]), "area_level": "lsoa", "category": str(categories[i]),
             "tension_level": str(levels[i]), "description": LOAD_TEXT, "source": None,
             "status": "approved", "moderated_by": actor.user_id, "moderated_at": now,
             "moderation_note": None, "import_batch_id": None, "dedupe_key": None}
            for i in range(n)]
    with store.write() as session:
        for start in range(0, n, 10_000):
            session.execute(insert(Report), rows[start:start + 10_000])


def time_aggregate(store: Store, directory: AreaDirectory) -> dict[str, float]:
    """Seconds of each step of ``load_report_counts(level="lad", period="month")``."""
    started = time.perf_counter()
    approved = load_approved(store)
    read = time.perf_counter()
    cube = build_cube(approved, directory)
    built = time.perf_counter()
    table = public_table(cube, directory, level="lad", by="all", period="month")
    done = time.perf_counter()
    return {"total": done - started, "read": read - started, "cube": built - read,
            "table": done - built, "rows": float(len(table)), "cells": float(len(cube.cells))}


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
    n = 10_000 if ctx.quick else REPORTS
    per_process = 20 if ctx.quick else 60
    rows = []
    for kind in ("sqlite", "postgresql"):
        try:
            with throwaway_store(kind) as store:
                emails = add_accounts(store, SUBMITTERS + 1)
                started = time.perf_counter()
                fill(store, directory, emails[-1], n)
                filled = time.perf_counter() - started
                parts = time_aggregate(store, directory)  # once: about a minute
                total = parts["total"]
                rows.append(Row(
                    what=f"Reports: aggregate {n:,} reports by LAD × month, {kind}",
                    figure=f"{seconds(total)} (read {seconds(parts['read'])}, cube and "
                           f"suppression {seconds(parts['cube'])}, table "
                           f"{seconds(parts['table'])})",
                    target="< 300 ms", passed=total < 0.3, command=COMMAND,
                    notes=[f"{parts['cells']:,.0f} cube cells, {parts['rows']:,.0f} district-"
                           f"month rows; {n:,} reports inserted in {filled:.1f} s"],
                    values={f"{k}_s": v for k, v in parts.items()
                            if k not in ("rows", "cells")}))
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
        except CannotRun as reason:
            for what, target in (("aggregate", "< 300 ms"), ("one submission, p95", "< 50 ms")):
                rows.append(Row(f"Reports: {what}, {kind}", f"cannot run: {reason}", target,
                                None, COMMAND))
    return rows
