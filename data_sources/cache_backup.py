"""Backing up and restoring the cache: the manifest and the tables it names.

Everything in the cache can be fetched again from the publishers, but a national refresh
takes a while and a publisher may have withdrawn an old release, so a copy is worth
keeping. A table file is named after its content hash (``tables/<dataset>-<sha256[:16]>``,
and likewise a built file such as a tile archive under ``tiles/``, with its companions)
and a refresh switches to it in the single rename of ``manifest.json``, so a consistent
copy needs no lock: read the manifest once, copy the tables it names (checking each
against the hash in its name) with their companions, and write the manifest last. A
copy is therefore a working cache directory as soon as its manifest appears. Raw
downloads are not copied: the app never reads them, and the manifest keeps each one's
URL and sha256.

A refresh that switches a table twice while a backup runs removes the file the backup
was about to copy; the backup then starts again from the new manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from data_sources.cache import (
    MANIFEST,
    Cache,
    Provenance,
    atomic_path,
    atomic_write_bytes,
    file_stem,
)
from data_sources.errors import DataSourceError

ATTEMPTS = 3
TABLE_NAME = re.compile(
    r"^(tables|tiles)/[A-Za-z0-9_]+-(?P<hash>[0-9a-f]{16})\.(parquet|pmtiles)$")


class CacheBackupError(DataSourceError):
    """A cache backup or restore could not be made; the message says why."""


@dataclass(frozen=True)
class CacheCopy:
    """What a backup or restore copied: tables and their bytes."""

    tables: int
    bytes: int


def backup_cache(cache: Cache, out: Path) -> CacheCopy:
    """Copy ``cache``'s tables and manifest into ``out`` (a new or empty directory).

    Raises
    ------
    CacheBackupError
        Nothing is cached, ``out`` holds files, a table does not match its hash, or
        refreshes kept replacing tables faster than they could be copied.
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise CacheBackupError(f"{out} is not empty; back up into a new directory")
    for _ in range(ATTEMPTS):
        source = cache.root / MANIFEST
        if not source.is_file():
            raise CacheBackupError(f"nothing is cached at {cache.root} (no {MANIFEST})")
        manifest = source.read_bytes()
        try:
            copied = _copy_tables(cache.root, out, _entries(manifest, source))
        except FileNotFoundError:
            continue  # a refresh switched a table twice meanwhile: start again
        atomic_write_bytes(out / MANIFEST, manifest)
        return copied
    raise CacheBackupError(f"the cache at {cache.root} kept changing during {ATTEMPTS} "
                           "attempts; run the backup again when no refresh is running")


def restore_cache(backup: Path, cache: Cache) -> CacheCopy:
    """Put a backup made by :func:`backup_cache` into ``cache``: tables first, manifest last.

    Every table is checked against its hash before anything is written. Tables of the
    cache that the restored manifest does not name stay on disk until the next refresh.
    Run it while holding the refresh lock, so no refresh writes the manifest meanwhile.

    Raises
    ------
    CacheBackupError
        The backup lacks a manifest or a table, or a table does not match its hash.
    """
    backup = Path(backup)
    source = backup / MANIFEST
    if not source.is_file():
        raise CacheBackupError(f"{backup} is not a cache backup (no {MANIFEST})")
    manifest = source.read_bytes()
    entries = _entries(manifest, source)
    for entry in entries:
        if not (backup / entry.file).is_file():
            raise CacheBackupError(f"the backup lacks {entry.file}, which its manifest names")
        _check_hash(backup / entry.file, entry.file)
    copied = _copy_tables(backup, cache.root, entries)
    atomic_write_bytes(cache.root / MANIFEST, manifest)
    return copied


def _entries(manifest: bytes, path: Path) -> list[Provenance]:
    """The manifest's entries that name a table file (failed-only entries name none)."""
    try:
        data = json.loads(manifest)
    except json.JSONDecodeError as exc:
        raise CacheBackupError(f"{path} is not a readable manifest: {exc}") from exc
    entries = [Provenance.from_dict(v) for v in data.get("datasets", {}).values()]
    return [entry for entry in entries if entry.file]


def _copy_tables(source: Path, target: Path, entries: list[Provenance]) -> CacheCopy:
    """Copy each entry's companions, then its table file checked against its hash;
    same-named tables are kept."""
    total = 0
    for entry in entries:
        destination = target / entry.file
        for companion in _companions(source, entry.file):
            atomic_write_bytes(destination.parent / companion.name, companion.read_bytes())
        if not destination.is_file():
            with atomic_path(destination) as tmp:
                shutil.copyfile(source / entry.file, tmp)
                _check_hash(tmp, entry.file)
        total += destination.stat().st_size
    return CacheCopy(len(entries), total)


def _companions(root: Path, relative: str) -> list[Path]:
    """The files stored beside a table under its stem (a tile archive's code list)."""
    main = root / relative
    return sorted(p for p in main.parent.glob(f"{file_stem(relative)}.*") if p != main)


def _check_hash(path: Path, name: str) -> None:
    match = TABLE_NAME.match(name)
    if match is None:
        raise CacheBackupError(f"{name} is not a table file name of the cache")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    if digest != match["hash"]:
        raise CacheBackupError(f"{path} does not match the hash in its name {name}: the file "
                               "is damaged")
