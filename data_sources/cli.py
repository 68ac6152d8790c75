"""Command line: ``python -m data_sources refresh|status|build|export``,
``police-agreement`` and ``backup-cache|restore-cache``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from data_sources.cache import Cache, open_cache
from data_sources.cache_backup import CacheBackupError, backup_cache, restore_cache
from data_sources.errors import DataSourceError
from data_sources.http import Progress, make_session
from data_sources.refresh import LEVELS, DatasetSpec, RefreshContext, run_refresh
from data_sources.refresh_lock import (
    RefreshBusy,
    RefreshLockError,
    acquire_refresh_lock,
    check_freshness,
    record_attempts,
)
from data_sources.registry import DATASETS, SOURCES, select
from data_sources.status import cache_status, human_size
from settings import Settings, get_settings


class ProgressBars:
    """One tqdm bar per download, on stderr, created when the first bytes arrive."""

    def __init__(self) -> None:
        self._bars: list[tqdm] = []

    def __call__(self, label: str) -> Progress:
        bar: tqdm | None = None

        def update(done: int, total: int | None) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, desc=label, unit="B", unit_scale=True, leave=False,
                           file=sys.stderr, disable=None)
                self._bars.append(bar)
            bar.update(done - bar.n)

        return update

    def close(self) -> None:
        for bar in self._bars:
            bar.close()
        self._bars.clear()


def refresh(args: argparse.Namespace) -> int:
    settings = get_settings()
    overrides = {}
    if args.police_area:
        overrides["police_areas"] = args.police_area
    if args.police_months:
        overrides["police_months"] = args.police_months
    if overrides:
        settings = settings.model_copy(update=overrides)
    try:
        specs = select(args.source, args.level, args.dataset)
    except ValueError as exc:
        print(f"refresh not started: {exc}", file=sys.stderr)
        return 2
    cache = open_cache(settings)
    try:
        lock = acquire_refresh_lock(settings)
    except RefreshBusy as exc:
        problem = exc.problem(timedelta(hours=settings.refresh_stuck_hours))
        if args.if_stale and problem:
            print(f"refresh not started: {problem}", file=sys.stderr)
            return 1
        print(f"another refresh is running ({exc}); nothing to do.", flush=True)
        return 0
    except RefreshLockError as exc:
        print(f"refresh not started: {exc}", file=sys.stderr)
        return 1
    with lock:
        if args.if_stale:
            hours = settings.refresh_max_age_hours if args.max_age is None else args.max_age
            specs = stale_specs(cache, specs, hours)
            if not specs:
                return 0
        return refresh_locked(args, settings, cache, specs)


def stale_specs(cache: Cache, specs: list[DatasetSpec], hours: float) -> list[DatasetSpec]:
    """The datasets last refreshed ``hours`` ago or longer (or never), saying what it found."""
    fresh = check_freshness(cache, [spec.id for spec in specs], timedelta(hours=hours))
    if fresh.stale:
        print(f"{len(fresh.stale)} of {len(specs)} dataset(s) last refreshed {hours:g} hours "
              "ago or more, or never: refreshing those.")
        return [spec for spec in specs if spec.id in fresh.stale]
    oldest = min(fresh.last_attempt.values(), default=None)
    since = "" if oldest is None else f" (the oldest at {oldest:%Y-%m-%d %H:%M} UTC)"
    print(f"Every dataset was refreshed less than {hours:g} hours ago{since}; nothing to do.")
    return []


def refresh_locked(args: argparse.Namespace, settings: Settings, cache: Cache,
                   specs: list[DatasetSpec]) -> int:
    """The refresh itself, run while holding the refresh lock."""
    bars = ProgressBars()
    ctx = RefreshContext(
        settings=settings,
        cache=cache,
        session=make_session(),
        progress=bars,
        log=lambda message: print(message, flush=True),
    )
    print(f"Refreshing {len(specs)} dataset(s) into {ctx.cache.root}", flush=True)
    try:
        report = run_refresh(ctx, specs)
    finally:
        bars.close()
    if not settings.offline:
        try:
            record_attempts(cache, [spec.id for spec in specs])
        except OSError as exc:
            print(f"(when each dataset was tried could not be recorded: {exc})")
    print(f"\n{len(report.stored)} stored, {len(report.skipped)} skipped, "
          f"{len(report.failed)} failed.")
    for spec, reason in report.skipped:
        print(f"  {spec.id} (skipped): {reason}")
    for spec, problem in report.failed:
        kind = "optional, skipped" if spec.optional else "FAILED"
        print(f"  {spec.id} ({kind}): {problem}")
    if report.failed:
        print("Datasets that failed keep their last good cached copy, if they had one.")
    built = True
    if report.stored and not args.no_build:
        print("\nBuilding the joined dataset and the map tiles from the cache:")
        built = run_build(ctx.cache)
    return 0 if report.ok and built else 1


def status(args: argparse.Namespace) -> int:
    cache = open_cache()
    rows = cache_status(cache, DATASETS)
    print(f"Cache: {cache.root}")
    header = f"{'dataset':36} {'state':8} {'rows':>8} {'size':>9}  {'fetched at (UTC)':20}  vintage"
    print(header)
    print("-" * len(header))
    for row in rows:
        fetched = row.fetched_at or "-"
        state = row.state + ("*" if row.optional and row.state != "ok" else "")
        print(f"{row.dataset:36} {state:8} {row.rows:>8,} {human_size(row.size_bytes):>9}  "
              f"{fetched:20}  {row.vintage}; {row.geography}")
        if row.problem:
            print(f"{'':36}   last refresh failed: {row.problem}")
    cached = sum(r.state in ("ok", "stale") for r in rows)
    print(f"\n{cached} of {len(rows)} datasets cached. * optional dataset.")
    return 0


def run_build(cache: Cache) -> bool:
    """Rebuild the joined dataset and the map tiles; True when every step succeeded.

    Imported here, not at the top: the derived tables are built from the data layer's
    cache, and data_sources itself never depends on indicators/ or geo/.
    """
    from geo.tiles import build_tiles
    from indicators.joined import build_joined

    ok = True
    steps = (
        ("joined dataset", lambda c: list(build_joined(c, public_report_counts(c)).values())),
        ("map tiles", build_tiles),
    )
    for name, step in steps:
        start = time.perf_counter()
        try:
            stored = step(cache)
        except (DataSourceError, ValueError, KeyError, OSError) as exc:
            print(f"{name}: FAILED: {exc}")
            ok = False
            continue
        print(f"{name}: built in {time.perf_counter() - start:.1f} s")
        for entry in stored:
            print(f"  {entry.dataset}: {entry.rows:,} rows")
            for note in entry.notes:
                if note.startswith("segregation"):  # the kind of small area, and changes
                    print(f"    {note}")
    return ok


def public_report_counts(cache: Cache) -> pd.DataFrame | None:
    """The suppressed monthly report counts for the joined dataset, if a report store exists.

    The default SQLite store is not created just to find it empty.
    """
    from reports.aggregate import joined_dataset_counts
    from reports.areas import AreaDirectory
    from reports.store import database_url, open_store

    url = database_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        print("reports: no report store yet, so the joined dataset has no report counts")
        return None
    store = open_store(url=url)
    try:
        return joined_dataset_counts(store, AreaDirectory.from_cache(cache))
    finally:
        store.dispose()


def build(args: argparse.Namespace) -> int:
    """Rebuild the joined dataset and the map tiles from the cache."""
    return 0 if run_build(open_cache()) else 1


def police_agreement(args: argparse.Namespace) -> int:
    """Check the placement of crimes against police.uk's own LSOA codes, store it, rebuild."""
    from data_sources.police_placement import check_files, published_levels

    cache = open_cache()
    try:
        table, entry = check_files(cache, args.files)
    except DataSourceError as exc:
        print(f"police-agreement failed: {exc}", file=sys.stderr)
        return 1
    print("\n".join(entry.notes))
    levels, why = published_levels(table, None)
    names = {"lsoa": "LSOAs", "msoa": "MSOAs", "lad": "districts"}
    print(f"Police figures are published for: {', '.join(names[lv] for lv in levels) or 'none'}"
          + (f" ({why})" if why else ""))
    if args.no_build:
        return 0
    print("\nBuilding the joined dataset and the map tiles from the cache:")
    return 0 if run_build(cache) else 1


def export(args: argparse.Namespace) -> int:
    """Write one level of the joined dataset with its data dictionary and provenance."""
    from indicators.export import AreaFilter, export_from_cache

    area = None
    if args.region:
        area = AreaFilter.region(args.region)
    elif args.district:
        area = AreaFilter.district(args.district)
    start = time.perf_counter()
    try:
        written = export_from_cache(open_cache(), args.level, args.format, args.out, area)
    except (DataSourceError, ValueError, KeyError) as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 1
    print(f"Exported in {time.perf_counter() - start:.1f} s:")
    for path in written:
        print(f"  {path} ({human_size(path.stat().st_size)})")
    return 0


def backup_cache_command(args: argparse.Namespace) -> int:
    """Copy the cached tables and the manifest into a new directory (a working cache)."""
    cache = open_cache()
    start = time.perf_counter()
    try:
        copied = backup_cache(cache, args.out)
    except CacheBackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backed up {copied.tables} tables ({human_size(copied.bytes)}) and the manifest of "
          f"{cache.root} to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


def restore_cache_command(args: argparse.Namespace) -> int:
    """Put a cache backup back, holding the refresh lock so no refresh runs meanwhile."""
    settings = get_settings()
    cache = open_cache(settings)
    try:
        with acquire_refresh_lock(settings):
            copied = restore_cache(args.backup, cache)
    except RefreshBusy as exc:
        print(f"not restored: a refresh is running ({exc}); run this again when it has "
              "finished", file=sys.stderr)
        return 1
    except (RefreshLockError, CacheBackupError) as exc:
        print(f"not restored: {exc}", file=sys.stderr)
        return 1
    print(f"Restored {copied.tables} tables ({human_size(copied.bytes)}) and the manifest "
          f"from {args.backup} into {cache.root}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m data_sources",
        description="Fetch the public sources of Good Relations Atlas into the cache.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_refresh = sub.add_parser("refresh", help="download, check and cache the public data")
    p_refresh.add_argument("--source", action="append", choices=SOURCES,
                           help="only this publisher (repeatable)")
    p_refresh.add_argument("--level", action="append", choices=LEVELS,
                           help="only tables at this level (repeatable); lookups always")
    p_refresh.add_argument("--dataset", action="append", metavar="ID",
                           help="only this dataset (repeatable; ids as in `status`)")
    p_refresh.add_argument("--police-area", action="append", metavar="LAD_CODE",
                           help="fetch police.uk counts for this district (repeatable); an "
                                "LSOA or MSOA code stands for its district, 'all' for every "
                                "district of England")
    p_refresh.add_argument("--police-months", type=int, metavar="N",
                           help="how many of the latest police.uk months")
    p_refresh.add_argument("--no-build", action="store_true",
                           help="do not rebuild the joined dataset afterwards")
    p_refresh.add_argument("--if-stale", action="store_true",
                           help="only the datasets last refreshed --max-age hours ago or more; "
                                "nothing when none is (for cron)")
    p_refresh.add_argument("--max-age", type=float, metavar="HOURS",
                           help="with --if-stale: the age that makes a dataset stale "
                                "(default GRA_REFRESH_MAX_AGE_HOURS, 168)")
    p_refresh.set_defaults(func=refresh)
    p_status = sub.add_parser("status", help="what is cached, its vintage and when fetched")
    p_status.set_defaults(func=status)
    p_build = sub.add_parser("build", help="rebuild the joined dataset and the map tiles "
                                           "from the cache")
    p_build.set_defaults(func=build)
    p_agree = sub.add_parser("police-agreement",
                             help="check the LSOA placement of crimes against police.uk's own "
                                  "LSOA codes in street-level CSV files, then rebuild")
    p_agree.add_argument("files", nargs="+", type=Path, metavar="PATH",
                         help="police.uk YYYY-MM-<force>-street.csv(.gz) files, or folders")
    p_agree.add_argument("--no-build", action="store_true",
                         help="do not rebuild the joined dataset afterwards")
    p_agree.set_defaults(func=police_agreement)
    p_export = sub.add_parser("export", help="write the joined dataset with its data dictionary "
                                             "and provenance")
    p_export.add_argument("--level", required=True, choices=(*LEVELS, "lsoa11"),
                          help="lsoa11: IoD 2019 as published, on LSOA 2011 with LAD 2019 "
                               "codes (not gpkg; --district takes a LAD 2019 code)")
    p_export.add_argument("--format", required=True, choices=("csv", "parquet", "gpkg", "xlsx"))
    p_export.add_argument("--out", required=True, type=Path, metavar="PATH",
                          help="the data file; dictionary and provenance files go beside it")
    where = p_export.add_mutually_exclusive_group()
    where.add_argument("--region", metavar="CODE", help="only the areas of this region")
    where.add_argument("--district", metavar="CODE", help="only the areas of this district")
    p_export.set_defaults(func=export)
    p_backup = sub.add_parser("backup-cache", help="copy the cached tables and the manifest "
                                                   "into a new directory")
    p_backup.add_argument("--out", required=True, type=Path, metavar="DIR")
    p_backup.set_defaults(func=backup_cache_command)
    p_restore = sub.add_parser("restore-cache", help="put a cache backup back into the cache")
    p_restore.add_argument("backup", type=Path, metavar="DIR")
    p_restore.set_defaults(func=restore_cache_command)
    args = parser.parse_args(argv)
    return args.func(args)
