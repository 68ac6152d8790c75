"""Refreshing the cache: what a dataset is, what building one gives, and the runner.

Each publisher module declares :class:`DatasetSpec` objects: one per cached table, with
its provenance (title, vintage, geography, licence, attribution), the checks its table
must pass and a ``build`` function that downloads and parses. The runner builds each
selected dataset, validates it, and only then writes the download under ``raw/`` and
switches the cache to the new table, so ``raw/`` and the manifest's sha256 always agree
and hold validated bytes. A failure, including one writing the cache (a full disk), is
recorded against the dataset, the last good copy stays in use, and the next dataset is
attempted.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from data_sources.cache import Cache, Provenance, sha256_of
from data_sources.errors import DataSourceError, OfflineError, SourceError
from data_sources.http import Fetched, Progress, fetch, full_url
from data_sources.validate import TableSpec, validate_table
from settings import Settings

LEVELS = ("lad", "msoa", "lsoa")

OGL = "Open Government Licence v3.0"


class NothingToFetch(Exception):
    """Raised by a build function when its settings ask for nothing (e.g. no police areas)."""


@dataclass(frozen=True)
class Download:
    """A publisher's response, and where under ``raw/`` it goes once its table validates."""

    url: str
    content: bytes
    raw_file: str

    @property
    def sha256(self) -> str:
        return sha256_of(self.content)


@dataclass
class Built:
    """What a dataset's build function returns: the table and the download it came from."""

    frame: pd.DataFrame
    download: Download
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DatasetSpec:
    """One cached table: provenance, checks and how to build it."""

    id: str
    source: str
    title: str
    vintage: str
    geography: str
    licence: str
    attribution: str
    table: TableSpec
    build: Callable[[RefreshContext], Built]
    level: str | None = None
    optional: bool = False

    def template(self, url: str = "") -> Provenance:
        return Provenance(
            dataset=self.id,
            source=self.source,
            title=self.title,
            url=url,
            vintage=self.vintage,
            geography=self.geography,
            licence=self.licence,
            attribution=self.attribution,
        )


@dataclass
class RefreshContext:
    """What a build function may use: settings, cache, one HTTP session, progress, a log."""

    settings: Settings
    cache: Cache
    session: requests.Session
    progress: Callable[[str], Progress | None] = lambda label: None
    log: Callable[[str], None] = lambda message: None
    _downloads: dict[str, Download] = field(default_factory=dict)
    _failures: dict[str, SourceError] = field(default_factory=dict)
    _written: dict[str, str] = field(default_factory=dict)

    def start_run(self) -> None:
        """Forget the downloads of an earlier run, so this one fetches afresh."""
        self._downloads.clear()
        self._failures.clear()
        self._written.clear()

    def fetch(
        self, url: str, *, source: str, label: str = "", params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Fetched:
        """One request through the shared session (no raw copy kept; see :meth:`download`)."""
        return fetch(
            url,
            source=source,
            params=params,
            session=self.session,
            settings=self.settings,
            progress=self.progress(label) if label else None,
            **kwargs,
        )

    def download(
        self, url: str, *, source: str, raw_name: str, params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Download:
        """Fetch ``url`` once per refresh and keep its bytes under ``raw/<source>/<raw_name>``.

        A URL that failed is not asked for again in the same run: the same error is raised.
        """
        key = full_url(url, params)
        if key in self._failures:
            raise self._failures[key]
        if key not in self._downloads:
            try:
                fetched = self.fetch(url, source=source, label=raw_name, params=params, **kwargs)
            except SourceError as exc:
                self._failures[key] = exc
                raise
            self._downloads[key] = self.keep_raw(source, raw_name, fetched.content, key)
        return self._downloads[key]

    def keep_raw(self, source: str, raw_name: str, content: bytes, url: str) -> Download:
        """Bytes assembled by the caller (e.g. every page of a paged API), as a download.

        Nothing is written yet: :func:`build_dataset` writes the raw file only after the
        table built from it has passed its checks.
        """
        return Download(url, content, self.cache.raw_relative(source, raw_name))

    def write_raw(self, download: Download) -> None:
        """Write a validated download under ``raw/`` (once per run, however many tables)."""
        if self._written.get(download.raw_file) != download.sha256:
            self.cache.write_raw(download.raw_file, download.content)
            self._written[download.raw_file] = download.sha256


@dataclass
class RefreshReport:
    stored: list[Provenance] = field(default_factory=list)
    skipped: list[tuple[DatasetSpec, str]] = field(default_factory=list)
    failed: list[tuple[DatasetSpec, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not [spec for spec, _ in self.failed if not spec.optional]


def build_dataset(spec: DatasetSpec, ctx: RefreshContext) -> Provenance:
    """Build, validate and store one dataset; raises on any problem, leaving the cache as it was."""
    built = spec.build(ctx)
    table = validate_table(
        built.frame,
        spec.table,
        source=spec.source,
        url=built.download.url,
        strict_rows=ctx.settings.strict_row_counts,
    )
    provenance = spec.template(built.download.url)
    provenance.bytes = len(built.download.content)
    provenance.sha256 = built.download.sha256
    provenance.raw_file = built.download.raw_file
    provenance.notes = built.notes
    ctx.write_raw(built.download)
    return ctx.cache.store_table(table, provenance)


def run_refresh(ctx: RefreshContext, specs: list[DatasetSpec]) -> RefreshReport:
    """Refresh each dataset in turn; one failing never stops the others."""
    report = RefreshReport()
    ctx.start_run()
    for spec in specs:
        ctx.log(f"{spec.id}: {spec.title}")
        try:
            provenance = build_dataset(spec, ctx)
        except NothingToFetch as exc:
            report.skipped.append((spec, str(exc)))
            ctx.log(f"  skipped: {exc}")
            continue
        except OfflineError as exc:
            report.failed.append((spec, str(exc)))
            continue
        except DataSourceError as exc:
            _fail(ctx, report, spec, str(exc))
            continue
        except OSError as exc:
            _fail(ctx, report, spec, cache_write_problem(spec.source, ctx.cache.root, exc))
            continue
        report.stored.append(provenance)
        ctx.log(f"  stored {provenance.rows:,} rows ({provenance.vintage}, {provenance.geography})")
    return report


def cache_write_problem(source: str, root: Path, exc: OSError) -> str:
    """What went wrong writing the cache, for the dataset's failure record and `status`."""
    what = ("the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT)
            else "the cache could not be written")
    where = f" ({exc.filename})" if exc.filename else ""
    return (f"{source}: {what}: {exc.strerror or exc}{where}; the download was not kept and "
            f"the last good copy stays in use. Free space under {root} and refresh again")


def _fail(ctx: RefreshContext, report: RefreshReport, spec: DatasetSpec, problem: str) -> None:
    """Record a dataset's failure in the manifest (if the disk still lets us) and the report."""
    report.failed.append((spec, problem))
    ctx.log(f"  FAILED{' (optional)' if spec.optional else ''}: {problem}")
    try:
        ctx.cache.record_failure(spec.template(), problem)
    except OSError as exc:
        ctx.log(f"  (the failure could not be recorded in the manifest either: {exc})")
