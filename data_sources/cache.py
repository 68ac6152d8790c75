"""The on-disk cache: raw downloads, parsed tables and one provenance manifest.

Layout under the cache directory::

    manifest.json              one entry per cached table (see :class:`Provenance`)
    raw/<source>/<file>        the publisher's bytes as downloaded
    tables/<dataset>-<sha>.parquet   the parsed, validated table (GeoParquet for layers)
    tiles/<dataset>-<sha>.pmtiles    a built file (map tiles), with companions of the same
                                     stem beside it (``<dataset>-<sha>.codes.json``)

Every file is written to a temporary name and renamed into place, so an interrupted
write never leaves a half file that is later read as good. A table or built file is
named after its content hash and the manifest is replaced in one rename, so a reader sees
either the complete old table or the complete new one. The previous file of each table
(with its companions) is kept until the next refresh, for readers that opened the
manifest just before a switch.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from filelock import FileLock

from data_sources.errors import NotCachedError
from settings import Settings, get_settings

MANIFEST = "manifest.json"
STORED_FOLDERS = ("tables", "tiles")
"""Where the files the manifest names live: parsed tables, and built files."""


@dataclass
class Provenance:
    """Where a cached table came from, what it is, and what its users must credit."""

    dataset: str
    source: str
    title: str
    url: str
    vintage: str
    geography: str
    licence: str
    attribution: str
    fetched_at: str = ""
    bytes: int = 0
    sha256: str = ""
    rows: int = 0
    file: str = ""
    raw_file: str = ""
    previous_file: str = ""
    notes: list[str] = field(default_factory=list)
    last_error: str = ""
    last_error_at: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> Provenance:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def now_utc() -> str:
    """The current time as an ISO 8601 UTC timestamp, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is fsynced and renamed over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def atomic_write_bytes(target: Path, content: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(content)


def file_stem(relative: str) -> str:
    """``<dataset>-<hash>``: what a stored file and its companions share
    (``tiles/tiles_lsoa-0123abcd4567ef89.pmtiles`` → ``tiles_lsoa-0123abcd4567ef89``)."""
    return Path(relative).name.split(".", 1)[0]


def companion_of(relative: str, suffix: str) -> str:
    """The companion with ``suffix`` of a stored file, relative to the cache root
    (``tiles/x-<hash>.pmtiles``, ``.codes.json`` → ``tiles/x-<hash>.codes.json``)."""
    return (Path(relative).parent / f"{file_stem(relative)}{suffix}").as_posix()


class Cache:
    """Raw files, tables and the manifest under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = FileLock(str(self.root / ".manifest.lock"))

    # ---------------------------------------------------------------- raw files
    @staticmethod
    def raw_relative(source: str, name: str) -> str:
        """Where a publisher's file is kept, relative to the cache root."""
        return (Path("raw") / source / name).as_posix()

    def write_raw(self, relative: str, content: bytes) -> None:
        """Store a publisher's bytes at ``relative`` (see :meth:`raw_relative`)."""
        atomic_write_bytes(self.root / relative, content)

    def raw_path(self, relative: str) -> Path:
        return self.root / relative

    # ---------------------------------------------------------------- manifest
    def manifest(self) -> dict[str, Provenance]:
        """Every cached table's provenance, by dataset id (empty when nothing is cached)."""
        path = self.root / MANIFEST
        if not path.is_file():
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
        return {k: Provenance.from_dict(v) for k, v in data.get("datasets", {}).items()}

    def provenance(self, dataset: str) -> Provenance | None:
        return self.manifest().get(dataset)

    def _write_manifest(self, entries: dict[str, Provenance]) -> None:
        body = {
            "written_at": now_utc(),
            "datasets": {k: asdict(v) for k, v in sorted(entries.items())},
        }
        atomic_write_bytes(
            self.root / MANIFEST,
            json.dumps(body, indent=2, ensure_ascii=False).encode("utf-8"),
        )

    # ---------------------------------------------------------------- tables
    def store_table(self, df: pd.DataFrame, provenance: Provenance) -> Provenance:
        """Write ``df`` and switch the manifest entry of ``provenance.dataset`` to it.

        ``provenance`` must already carry url, bytes, sha256 and raw_file of the download;
        rows, file, fetched_at (if empty) are filled in here.
        """
        relative = self._write_parquet(df, provenance.dataset)
        provenance.rows = len(df)
        return self._switch_to(relative, provenance)

    def store_file(self, built: Path, provenance: Provenance,
                   companions: Mapping[str, bytes] | None = None) -> Provenance:
        """Copy a built file (a tile archive) into ``tiles/`` and switch the manifest to it.

        Parameters
        ----------
        built
            The file as its builder wrote it (anywhere; it is copied, not moved). It is
            stored as ``tiles/<dataset>-<sha256[:16]><suffix>``.
        provenance
            Its manifest entry; rows (set by the caller), notes and licence as for
            :meth:`store_table`. file, previous_file and fetched_at (if empty) are filled in.
        companions
            Files that belong with it, by suffix (``{".codes.json": b"..."}``), stored as
            ``tiles/<dataset>-<sha256[:16]><suffix>``.

        Notes
        -----
        The companions and the file are in place before the manifest switches, so a reader
        that finds the new file in the manifest finds its companions too. The hash is the
        built file's; the previous file and its companions are kept until the next store.
        The file is readable by everyone (0644): tiles are public and a web server running
        as another user may serve them directly.
        """
        folder = self.root / "tiles"
        digest = _file_sha256(built)[:16]
        relative = f"tiles/{provenance.dataset}-{digest}{built.suffix}"
        for suffix, content in (companions or {}).items():
            atomic_write_bytes(self.root / companion_of(relative, suffix), content)
        if not (self.root / relative).is_file():
            folder.mkdir(parents=True, exist_ok=True)
            with atomic_path(self.root / relative) as tmp:
                shutil.copyfile(built, tmp)
                tmp.chmod(0o644)  # a web server may serve it directly, as another user
        return self._switch_to(relative, provenance)

    def _switch_to(self, relative: str, provenance: Provenance) -> Provenance:
        """Point the dataset's manifest entry at the stored file ``relative`` (one rename),
        keeping the file it replaces as ``previous_file`` and deleting older ones."""
        with self._lock:
            entries = self.manifest()
            old = entries.get(provenance.dataset)
            provenance.file = relative
            provenance.fetched_at = provenance.fetched_at or now_utc()
            provenance.previous_file = old.file if old and old.file != relative else ""
            provenance.last_error = provenance.last_error_at = ""
            entries[provenance.dataset] = provenance
            self._write_manifest(entries)
            self._remove_unreferenced(provenance.dataset, provenance)
        return provenance

    def _write_parquet(self, df: pd.DataFrame, dataset: str) -> str:
        """Write ``df`` atomically under a name carrying its content hash; returns it relative."""
        tables = self.root / "tables"
        tables.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dataset}.", suffix=".tmp", dir=tables)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            df.to_parquet(tmp, index=False)
            _fsync(tmp)
            digest = hashlib.sha256(tmp.read_bytes()).hexdigest()[:16]
            relative = f"tables/{dataset}-{digest}.parquet"
            os.replace(tmp, self.root / relative)
        finally:
            tmp.unlink(missing_ok=True)
        return relative

    def record_failure(self, template: Provenance, error: str) -> None:
        """Note a failed refresh on the dataset's entry, leaving its last good table in place.

        A dataset never fetched gets an entry with no file, so `status` can say why.
        """
        with self._lock:
            entries = self.manifest()
            entry = entries.setdefault(template.dataset, template)
            entry.last_error = error
            entry.last_error_at = now_utc()
            self._write_manifest(entries)

    def _remove_unreferenced(self, dataset: str, entry: Provenance) -> None:
        """Delete the dataset's files (and companions) other than its current and previous."""
        keep = {file_stem(f) for f in (entry.file, entry.previous_file) if f}
        for folder in STORED_FOLDERS:
            for path in (self.root / folder).glob(f"{dataset}-*"):
                if file_stem(path.name) not in keep:
                    path.unlink(missing_ok=True)

    def load_table(self, dataset: str, columns: list[str] | None = None,
                   filters: list[tuple[str, str, object]] | None = None) -> pd.DataFrame:
        """The cached table (a GeoDataFrame for boundary layers); ``filters`` (pyarrow's,
        e.g. ``[("area_code", "==", "E01000001")]``) reads only the matching rows.

        Raises
        ------
        NotCachedError
            When the dataset has never been fetched into this cache.
        """
        path = self._table_path(dataset)
        if b"geo" in (pq.read_schema(path).metadata or {}):
            import geopandas as gpd

            return gpd.read_parquet(path, columns=columns, filters=filters)
        return pd.read_parquet(path, columns=columns, filters=filters)

    def table_columns(self, dataset: str) -> list[str]:
        """The column names of the cached table, in order, read from its schema alone
        (to read a wide table a few columns at a time with :meth:`load_table`).

        Raises
        ------
        NotCachedError
            When the dataset has never been fetched into this cache.
        """
        schema = pq.read_schema(self._table_path(dataset))
        index = {name for name in (schema.pandas_metadata or {}).get("index_columns", [])
                 if isinstance(name, str)}
        return [name for name in schema.names if name not in index]

    def _table_path(self, dataset: str) -> Path:
        entry = self.provenance(dataset)
        if entry is None or not entry.file:
            raise NotCachedError(
                f"{dataset} is not in the cache at {self.root}. "
                "Run `python -m data_sources refresh` on a machine with internet."
            )
        return self.root / entry.file


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_cache(settings: Settings | None = None) -> Cache:
    """The cache the settings point at."""
    return Cache((settings or get_settings()).cache_dir)
