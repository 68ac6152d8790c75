"""``python -m bench``: run every benchmark of issue 6 and print the results table.

Usage::

    python -m bench                       # everything (8 to 16 minutes, by machine load)
    python -m bench --only pages memory   # some rows
    python -m bench --quick               # fewer repetitions and 10,000 reports
    python -m bench --json out.json       # the figures as JSON too
    python -m bench --only pages --server-option runner.postScriptGC=false  # try a setting
    python -m bench --only pages --baseline 8517a60   # the maps of that commit too, same run

The national cache is built from ../shared's publisher mirror on first use (about a
minute) into ``--cache`` (default /tmp/bench-cache) and reused afterwards. Without
../shared every row says it cannot run and the exit code is 0; a row that fails
otherwise is shown as an error and the exit code is 1. CI does not run this.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from bench.common import CannotRun, Context, Row
from bench.national import DEFAULT_CACHE, ensure_national_cache
from settings import PROJECT_ROOT

GROUPS = ("segregation", "joined", "reports", "pages", "sessions", "memory")
SERVER_GROUPS = ("pages", "sessions", "memory")
TITLES = {
    "segregation": ("All segregation measures, every LAD, vs PySAL; random-placement "
                    "ranges of every D and isolation", "< 0.1 s and ≥ 50×; < 5 s"),
    "joined": ("Joined dataset rebuild, all levels", "< 30 s"),
    "reports": ("Reports: publish 100,000 and 1,000,000 reports; the tables a page needs; "
                "one submission p95 with 8 concurrent submitters",
                "< 300 ms and < 3 s; < 50 ms"),
    "pages": ("Map pages (England LAD, Birmingham LSOAs, England LSOAs, indicator switch, "
              "rerun) and Area profile with PDF",
              "< 1 s, < 1 s, < 2.5 s, < 0.5 s and < 150 KB, < 100 ms; < 2 s and < 3 s"),
    "sessions": ("20 concurrent dashboard sessions", "every page answers, p95 < 2 s"),
    "memory": ("App server memory with all of England loaded", "< 1.2 GB RSS"),
}


def _rows_of(group: str) -> list[Callable[[Context], list[Row]]]:
    """The functions measuring ``group``, each on its own (imported late: each pulls in
    its own tools)."""
    if group == "segregation":
        from bench.segregation_speed import run, run_random
        from bench.topics_speed import run as run_topics
        return [run, run_random, run_topics]
    if group == "joined":
        from bench.joined_build import run
        return [run]
    if group == "reports":
        from bench.reports_load import run
        return [run]
    from bench import pages

    measures = {"pages": [*pages.MAP_ROWS, pages.profile_row], "sessions": [pages.sessions_row],
                "memory": [pages.memory_row]}[group]
    return [lambda ctx, measure=measure: [measure(ctx, ctx.shared["server"])]
            for measure in measures]


def _not_run(group: str, reason: str, verdict: str = "cannot run") -> Row:
    what, target = TITLES[group]
    return Row(what, f"{verdict}: {reason}", target, None, f"python -m bench --only {group}")


def machine() -> str:
    """When, where and on what the figures were taken."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT,
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        commit = "?"
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit or '?'} (plus the working "
            f"tree), {os.cpu_count()} cores, load average {load}, Python "
            f"{sys.version.split()[0]}")


def markdown(rows: Sequence[Row]) -> str:
    """The results table, then every row's notes."""
    lines = ["| what | figure | target | result | command |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        lines.append(f"| {row.what} | {row.figure} | {row.target} | {row.verdict} | "
                     f"`{row.command}` |")
    lines.append("")
    for row in rows:
        for note in row.notes:
            lines.append(f"- {row.what.split(',')[0].split('(')[0].strip()}: {note}")
    return "\n".join(lines)


def run(groups: Sequence[str], cache_dir: Path, quick: bool = False,
        server_options: Sequence[str] = (), baseline: str | None = None,
        ) -> tuple[list[Row], bool]:
    """Measure ``groups``; the rows, and whether every row ran (or could not run)."""
    log = lambda message: print(f"[bench] {message}", file=sys.stderr, flush=True)  # noqa: E731
    ok = True
    try:
        ctx = Context(ensure_national_cache(cache_dir, log=log), quick=quick,
                      server_options=tuple(server_options), baseline=baseline)
    except CannotRun as reason:
        needs_cache = [g for g in groups if g != "segregation"]
        rows = [_not_run(g, str(reason)) for g in needs_cache]
        if "segregation" in groups:
            measured = []
            for measure in _rows_of("segregation"):
                try:
                    measured += measure(Context(cache_dir, quick))
                except CannotRun as why:
                    measured.append(_not_run("segregation", str(why)))
            rows = measured + rows
        return rows, True
    rows: list[Row] = []
    with ExitStack() as stack:
        for group in groups:
            log(f"{group} ...")
            started = time.perf_counter()
            for measure in _rows_of(group):
                try:
                    if group in SERVER_GROUPS and "server" not in ctx.shared:
                        from bench.server import app_server

                        ctx.shared["server"] = stack.enter_context(
                            app_server(ctx.cache_dir, options=ctx.server_options))
                    if group == "pages" and ctx.baseline and "baseline_server" not in ctx.shared:
                        from bench.server import baseline_server

                        ctx.shared["baseline_server"] = None  # tried once, not per row
                        ctx.shared["baseline_server"] = stack.enter_context(
                            baseline_server(ctx.baseline, ctx.server_options, log))
                    rows += measure(ctx)
                except CannotRun as reason:
                    rows.append(_not_run(group, str(reason)))
                except Exception as exc:  # noqa: BLE001 - one failing row must not stop others
                    traceback.print_exc()
                    message = (str(exc).strip().splitlines() or [""])[0]
                    rows.append(_not_run(group, f"{type(exc).__name__}: {message}", "error"))
                    ok = False
            log(f"{group} done in {time.perf_counter() - started:.0f} s")
    return rows, ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=GROUPS, metavar="ROW",
                        help=f"only these rows, of: {', '.join(GROUPS)}")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="national cache directory, built on first use (default "
                             "%(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer repetitions and 10,000 reports (figures are not the "
                             "recorded ones)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the rows as JSON")
    parser.add_argument("--baseline", metavar="COMMIT",
                        help="also measure the map pages of the app at COMMIT (a git work "
                             "tree under /tmp), in the same run, for old-versus-new figures")
    parser.add_argument("--server-option", action="append", default=[], metavar="KEY=VALUE",
                        help="a `streamlit run` option for the app server, e.g. "
                             "runner.postScriptGC=false (repeatable)")
    args = parser.parse_args(argv)
    options = [part for option in args.server_option
               for part in (f"--{option.partition('=')[0]}", option.partition("=")[2])]
    groups = [g for g in GROUPS if not args.only or g in args.only]
    started = time.perf_counter()
    rows, ok = run(groups, args.cache, args.quick, options, args.baseline)
    print(f"Benchmarks of Good Relations Atlas: {machine()}; "
          f"{time.perf_counter() - started:.0f} s in all"
          + (f"; app server options: {' '.join(options)}" if options else "")
          + (f"; baseline {args.baseline}" if args.baseline else "") + ".\n")
    print(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps([{k: v for k, v in vars(r).items()} for r in rows],
                                        indent=2, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
