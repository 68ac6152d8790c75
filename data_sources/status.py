"""What the cache holds, as rows for the `status` command and the app's data page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from data_sources.cache import Cache, Provenance
from data_sources.refresh import DatasetSpec


@dataclass(frozen=True)
class StatusRow:
    dataset: str
    title: str
    source: str
    vintage: str
    geography: str
    rows: int
    size_bytes: int
    fetched_at: str
    state: str
    """``ok``, ``stale`` (cached, but the last refresh failed), ``failed`` or ``missing``."""
    problem: str
    attribution: str
    licence: str
    optional: bool


def cache_status(cache: Cache, specs: Sequence[DatasetSpec]) -> list[StatusRow]:
    """One row per known dataset, cached or not, in registry order, then any other cached table."""
    manifest = cache.manifest()
    rows = []
    for spec in specs:
        entry = manifest.pop(spec.id, None)
        if entry is None:
            rows.append(
                StatusRow(spec.id, spec.title, spec.source, spec.vintage, spec.geography, 0, 0,
                          "", "missing", "", spec.attribution, spec.licence, spec.optional)
            )
            continue
        rows.append(_row(cache, entry, spec.optional))
    rows.extend(_row(cache, entry, False) for entry in manifest.values())
    return rows


def _row(cache: Cache, entry: Provenance, optional: bool) -> StatusRow:
    path = cache.root / entry.file if entry.file else None
    size = path.stat().st_size if path and path.is_file() else 0
    if entry.file and not entry.last_error:
        state = "ok"
    elif entry.file:
        state = "stale"
    else:
        state = "failed"
    return StatusRow(entry.dataset, entry.title, entry.source, entry.vintage, entry.geography,
                     entry.rows, size, entry.fetched_at, state, entry.last_error,
                     entry.attribution, entry.licence, optional)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} GB"


def fix_command(row: StatusRow) -> str:
    """The command that fetches one dataset again (police counts need their districts)."""
    command = f"python -m data_sources refresh --dataset {row.dataset}"
    if row.dataset == "police_lsoa_month":
        command += " --police-area LAD_CODE"
    return command
