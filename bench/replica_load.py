"""Multi-replica load (issue 7): dashboard sessions through nginx while members submit.

``python -m deploy``'s machinery starts two ``streamlit run`` replicas behind nginx on
free loopback ports, on a throwaway PostgreSQL schema and the national cache
(:func:`bench.national.ensure_national_cache`). For ``--duration`` seconds, at once:

After one warm-up visit of every page on each replica:

* ``--sessions`` websocket clients (:func:`bench.sessions.run_sessions`) visit the
  dashboard's pages through nginx, every visit a new Streamlit session, so nginx spreads
  them over the replicas (each new browser gets its own route);
* ``--submitters`` processes, one account each, submit reports one after another through
  ``reports.submissions.submit_report`` on the shared database, which is what the
  Submit page of any replica does.

Afterwards the database must hold exactly the reports whose submission succeeded, each
once. Prints p50 / p95 page time, visits per replica, submissions per second, and exits
1 on any error, lost or duplicated report::

    python -m bench.replica_load --sessions 20 --submitters 8 --duration 60
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from bench.common import CannotRun, free_port, median, percentile
from bench.national import ensure_national_cache
from bench.pages import SESSION_PAGES
from bench.reports_load import LOAD_TEXT, add_accounts, throwaway_store
from bench.sessions import SessionsResult, run_sessions, visit_page
from data_sources.cache import Cache
from deploy.cluster import NGINX, Plan, start, stop
from reports.areas import AreaDirectory
from reports.auth import actor_for_email
from reports.models import Report
from reports.store import Store, make_engine
from reports.submissions import submit_report
from reports.taxonomy import CATEGORY_IDS, TENSION_LEVEL_IDS
from reports.validation import ReportInput

COMMAND = "python -m bench.replica_load --sessions 20 --submitters 8 --duration 60"


@dataclass
class Submitted:
    """What one submitter process did: reports stored, failures, seconds of each call."""

    stored: int
    failures: list[str]
    seconds: list[float]


def _submitter(url: str, cache_dir: str, email: str, duration: float, start) -> Submitted:
    """In a child process: after the start signal, submit reports for ``duration`` seconds."""
    store = Store(make_engine(url))
    directory = AreaDirectory.from_cache(Cache(Path(cache_dir)))
    actor = actor_for_email(store, email)
    lsoas = directory.areas.index[directory.areas["level"] == "lsoa"].to_numpy()
    rng = np.random.default_rng(zlib.crc32(email.encode()))
    done = Submitted(0, [], [])
    start.wait()
    until = time.perf_counter() + duration
    number = 0
    try:
        while time.perf_counter() < until:
            report = ReportInput(
                incident_date=date.today() - timedelta(days=int(rng.integers(0, 60))),
                area=str(rng.choice(lsoas)), category=str(rng.choice(CATEGORY_IDS)),
                tension_level=str(rng.choice(TENSION_LEVEL_IDS)),
                description=f"{LOAD_TEXT} {email} {number}")
            began = time.perf_counter()
            try:
                submit_report(store, actor, report, directory=directory,
                              submission_key=f"replica-load-{email}-{number}")
            except Exception as exc:  # noqa: BLE001 - a failure is counted, not fatal
                done.failures.append(f"{type(exc).__name__}: {exc}")
            else:
                done.stored += 1
                done.seconds.append(time.perf_counter() - began)
            number += 1
    finally:
        store.dispose()
    return done


def _visits_per_replica(run_dir: Path) -> Counter:
    """How many websocket sessions nginx passed to each replica port."""
    log = (run_dir / "logs" / "nginx-access.log").read_text()
    return Counter(re.findall(r'"GET /_stcore/stream [^"]*" 101 .*:(\d+) route=', log))


def _stored(store: Store) -> tuple[int, int]:
    """Load reports in the database, and how many distinct ones (same text = duplicate)."""
    with store.read() as session:
        load = select(Report).where(Report.description.startswith(LOAD_TEXT)).subquery()
        rows = session.scalar(select(func.count()).select_from(load))
        distinct = session.scalar(select(func.count(func.distinct(load.c.description))))
    return rows, distinct


def _warm_up(ports: Sequence[int]) -> None:
    """One visit of every page on every replica, so that each has read the cache once."""
    for port in ports:
        for page in SESSION_PAGES:
            asyncio.run(visit_page(f"http://127.0.0.1:{port}", page, timeout=180))


def run_load(sessions: int, submitters: int, duration: float, think: float,
             cache_dir: Path) -> tuple[SessionsResult, list[Submitted], Counter, tuple[int, int]]:
    """Start the deployment, run the load, stop it; what happened.

    Raises
    ------
    CannotRun
        Without nginx, PostgreSQL or the national cache.
    """
    if not NGINX.is_file():
        raise CannotRun(f"nginx is not installed at {NGINX}")
    with throwaway_store("postgresql") as store, \
            tempfile.TemporaryDirectory(prefix="gra-replica-load-") as run_dir:
        url = store.engine.url.render_as_string(hide_password=False)
        emails = add_accounts(store, submitters)
        plan = Plan(run_dir=Path(run_dir), port=free_port(),
                    app_ports=(free_port(), free_port()), database_url=url,
                    cache_dir=cache_dir)
        start(plan)
        try:
            _warm_up(plan.app_ports)
            context = multiprocessing.get_context("spawn")
            with context.Manager() as manager, context.Pool(submitters) as pool:
                go = manager.Event()
                pending = pool.starmap_async(_submitter, [
                    (url, str(cache_dir), email, duration, go) for email in emails])
                time.sleep(5)  # the workers load the area directory before the start
                go.set()
                visits = run_sessions(f"http://127.0.0.1:{plan.port}", SESSION_PAGES,
                                      sessions=sessions, duration=duration, think=think,
                                      timeout=120)
                submitted = pending.get(timeout=duration + 300)
            per_replica = _visits_per_replica(plan.run_dir)
        finally:
            stop(plan.run_dir)
        return visits, submitted, per_replica, _stored(store)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replica_load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--submitters", type=int, default=8)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=5.0,
                        help="mean pause of a dashboard client between visits (s)")
    args = parser.parse_args(argv)
    os.environ["GRA_OFFLINE"] = "1"  # the replicas inherit it: the cache only
    try:
        cache_dir = ensure_national_cache()
        visits, submitted, per_replica, (rows, distinct) = run_load(
            args.sessions, args.submitters, args.duration, args.think, cache_dir)
    except CannotRun as exc:
        print(f"cannot run: {exc}", file=sys.stderr)
        return 2
    stored = sum(s.stored for s in submitted)
    failures = [f for s in submitted for f in s.failures]
    calls = [t for s in submitted for t in s.seconds]
    print(visits.summary())
    print(f"sessions per replica (port: websocket sessions): {dict(per_replica)}")
    print(f"{args.submitters} submitters for {args.duration:.0f} s: {stored} stored "
          f"({stored / args.duration:.1f} submissions/s), {len(failures)} failures; "
          f"call p50 {median(calls):.3f} s, p95 {percentile(calls, 95):.3f} s")
    print(f"database: {rows} load reports, {distinct} distinct; successful submissions "
          f"{stored}")
    for failure in failures[:5]:
        print(f"  failure: {failure}")
    ok = not visits.errors and not failures and rows == distinct == stored
    print("PASS: no errors, nothing lost, nothing duplicated" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
