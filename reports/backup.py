"""Backing up and restoring the report store, on SQLite and on PostgreSQL.

SQLite: :meth:`sqlite3.Connection.backup` copies the database in one step under a read
transaction, so the copy is the database as of one moment even while other processes
keep writing (WAL mode lets them). The copy is switched to a rollback journal, checked
with ``PRAGMA integrity_check`` and renamed into place, so a backup file is whole or absent.

PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot of the database named in
the URL) and ``pg_restore --single-transaction`` (all or nothing). They are looked up on
``PATH`` and in ``/usr/lib/postgresql/*/bin``; the connection details go to them as
``PG*`` environment variables, so a password never shows in the process list.

A backup never overwrites a live database: the file to write may not be the store itself
(by any path: relative, through a symbolic or hard link), one of its ``-wal``, ``-shm`` or
``-journal`` files, nor any other SQLite database in use (in WAL mode, or with such a
file beside it). Replacing a database under its writers corrupts it.

A restore only goes into an empty database (no table of the store holds a row), so it can
never merge two alliances' reports or overwrite live ones; a schema left by an older
version is then upgraded like any other (``alembic upgrade head``).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from reports.models import Base
from reports.store import create_private_file, make_engine, migrate

TABLES = tuple(table.name for table in Base.metadata.sorted_tables)
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
PG_TIMEOUT_SECONDS = 3600
# URL query parameters passed on to pg_dump / pg_restore, as libpq environment variables.
PG_PARAMETERS = {"options": "PGOPTIONS", "sslmode": "PGSSLMODE",
                 "connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME"}


class BackupError(Exception):
    """A backup or restore could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup or restore handled: the file, its size, and what it holds."""

    path: Path
    size_bytes: int
    contents: str
    """Rows per table, or (for a PostgreSQL dump) the tables whose data it holds."""

    def describe(self) -> str:
        return f"{self.path} ({self.size_bytes:,} bytes): {self.contents}"


def rows_text(rows: dict[str, int]) -> str:
    return "rows: " + ", ".join(f"{table} {n:,}" for table, n in rows.items())


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def backup_store(url: str, out: Path) -> BackupSummary:
    """Write a backup of the report store at ``url`` to the file ``out``.

    Raises
    ------
    BackupError
        No database there, ``out`` is the store or another live database (see
        :func:`refuse_live_target`), ``pg_dump`` missing or failing, or a copy that fails
        its check.
    """
    parsed = make_url(url)
    out = Path(out)
    source = _sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None
    refuse_live_target(out, source)
    out.parent.mkdir(parents=True, exist_ok=True)
    if source is not None:
        return _backup_sqlite(source, out)
    if parsed.get_backend_name() == "postgresql":
        return _backup_postgres(parsed, out)
    raise BackupError(f"backups of {parsed.get_backend_name()} databases are not supported")


def restore_store(url: str, backup: Path) -> BackupSummary:
    """Restore the backup file ``backup`` into the empty report store at ``url``.

    Raises
    ------
    BackupError
        The file is not a backup, the database is not empty, or ``pg_restore`` failed.
    """
    parsed = make_url(url)
    backup = Path(backup)
    if not backup.is_file():
        raise BackupError(f"there is no backup file at {backup}")
    _require_empty(url)
    if parsed.get_backend_name() == "sqlite":
        _restore_sqlite(backup, _sqlite_path(parsed))
    elif parsed.get_backend_name() == "postgresql":
        _restore_postgres(parsed, backup)
    else:
        raise BackupError(f"restoring {parsed.get_backend_name()} databases is not supported")
    return BackupSummary(backup, backup.stat().st_size, rows_text(count_rows(url)))


def count_rows(url: str) -> dict[str, int]:
    """Rows in each table of the store (tables absent count 0), upgrading the schema first."""
    engine = make_engine(url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            return {table.name: connection.execute(select(func.count()).select_from(table))
                    .scalar_one() for table in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def _require_empty(url: str) -> None:
    """Refuse a target database that holds any row of the store."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            filled = [table.name for table in Base.metadata.sorted_tables
                      if table.name in present
                      and connection.execute(select(table).limit(1)).first() is not None]
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot open {safe_url(url)}: {exc.__cause__ or exc}") from exc
    finally:
        engine.dispose()
    if filled:
        raise BackupError(
            f"{safe_url(url)} is not empty (it has rows in {', '.join(filled)}). Restore into "
            "a new, empty database and point GRA_DATABASE_URL at it; nothing was changed.")


def refuse_live_target(out: Path, store: Path | None) -> None:
    """Raise :class:`BackupError` when writing ``out`` would replace a live database.

    ``out`` is refused when it is the SQLite file ``store`` (compared as files, so relative
    paths and links count), a ``-wal`` / ``-shm`` / ``-journal`` file of it or of another
    database, or any SQLite database in use: one in WAL mode (every report store is) or
    with one of those files beside it. An earlier backup (a self-contained file) may be
    overwritten.
    """
    target = Path(os.path.realpath(out))
    databases = [target] + [target.with_name(target.name.removesuffix(side))
                            for side in SQLITE_SIDE_FILES if target.name.endswith(side)]
    for database in databases:
        if store is not None and _same_file(database, store):
            raise BackupError(
                f"{out} is the report database itself{_side_note(database, target)}; writing a "
                "backup over it would destroy it. Choose a path outside the database, e.g. "
                "backups/reports-YYYY-MM-DD.db; nothing was written.")
        if _live_sqlite(database):
            raise BackupError(
                f"{out} is {'a file of ' if database != target else ''}a SQLite database in "
                f"use ({database}); a backup never replaces a live database. Choose a new "
                "file; nothing was written.")


def _same_file(path: Path, other: Path) -> bool:
    if path.exists() and other.exists():
        return os.path.samefile(path, other)
    return path == Path(os.path.realpath(other))


def _side_note(database: Path, target: Path) -> str:
    return "" if database == target else f" ({target.name} belongs to it)"


def _live_sqlite(path: Path) -> bool:
    """Whether ``path`` is a SQLite database in WAL mode or with a journal beside it."""
    try:
        with open(path, "rb") as f:
            header = f.read(20)
    except OSError:
        return False
    if not header.startswith(SQLITE_HEADER):
        return False
    # Bytes 18 and 19 are the file format versions: 2 means WAL mode.
    in_wal_mode = len(header) == 20 and 2 in (header[18], header[19])
    return in_wal_mode or any(path.with_name(path.name + side).exists()
                              for side in SQLITE_SIDE_FILES)


# ---------------------------------------------------------------- SQLite


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _backup_sqlite(source: Path, out: Path) -> BackupSummary:
    if not source.is_file():
        raise BackupError(f"there is no report database at {source}")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        src = sqlite3.connect(source, timeout=60)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            # One self-contained file: no -wal beside the copy.
            dst.execute("PRAGMA journal_mode=DELETE")
            rows = _check_sqlite(dst, tmp)
        finally:
            dst.close()
            src.close()
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupSummary(out, out.stat().st_size, rows_text(rows))


def _check_sqlite(connection: sqlite3.Connection, path: Path) -> dict[str, int]:
    """Rows per table of a SQLite copy after an integrity check; BackupError if it fails."""
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        names = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database: {exc}") from exc
    if verdict != "ok":
        raise BackupError(f"{path} failed its integrity check: {verdict}")
    if "alembic_version" not in names:
        raise BackupError(f"{path} is not a report store (it has no alembic_version table)")
    # Table names come from the store's own metadata, never from input.
    return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in TABLES if table in names}


def _restore_sqlite(backup: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        _check_sqlite(src, backup)
        target.parent.mkdir(parents=True, exist_ok=True)
        create_private_file(target)
        dst = sqlite3.connect(target, timeout=60)
        try:
            # Page by page into the open database: other connections see the restored data.
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


# ---------------------------------------------------------------- PostgreSQL


def find_pg_tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: on PATH, else the newest under /usr/lib."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/").glob(PG_BIN_GLOB.lstrip("/") + f"/{name}"),
                        key=lambda p: [int(x) for x in re.findall(r"\d+", p.parts[-3])],
                        reverse=True)
    if candidates:
        return str(candidates[0])
    raise BackupError(
        f"{name} was not found on PATH nor in {PG_BIN_GLOB}. Install the PostgreSQL client "
        "tools of your server's major version or newer (Debian: apt install "
        "postgresql-client) and run the command again.")


def _pg_environment(url: URL) -> dict[str, str]:
    """The connection details of ``url`` as libpq environment variables."""
    unknown = sorted(set(url.query) - set(PG_PARAMETERS))
    if unknown:
        raise BackupError(f"the database URL parameters {unknown} cannot be passed to "
                          f"pg_dump/pg_restore; use only {sorted(PG_PARAMETERS)}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username,
              "PGPASSWORD": url.password, "PGDATABASE": url.database}
    values.update({PG_PARAMETERS[k]: v if isinstance(v, str) else v[-1]
                   for k, v in url.query.items()})
    env.update({k: str(v) for k, v in values.items() if v is not None})
    return env


def _run_pg(url: URL, args: list[str]) -> str:
    tool = find_pg_tool(args[0])
    try:
        done = subprocess.run([tool, *args[1:]], env=_pg_environment(url), capture_output=True,
                              text=True, timeout=PG_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{args[0]} did not finish within {PG_TIMEOUT_SECONDS} s") from exc
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout


def _backup_postgres(url: URL, out: Path) -> BackupSummary:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _run_pg(url, ["pg_dump", "--format=custom", f"--file={tmp}"])
        listing = _run_pg(url, ["pg_restore", "--list", str(tmp)])
        missing = [t for t in TABLES if not re.search(rf"TABLE DATA \S+ {t} ", listing)]
        if missing:
            raise BackupError(f"the dump of {url.database} lacks the tables {missing}: is "
                              "GRA_DATABASE_URL the report store?")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupSummary(out, out.stat().st_size, "data of " + ", ".join(TABLES))


def _restore_postgres(url: URL, backup: Path) -> None:
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            has_tables = bool(set(inspect(connection).get_table_names()) & {*TABLES,
                                                                             "alembic_version"})
    finally:
        engine.dispose()
    # Empty tables made by the app's first connection are dropped and made again.
    clean = ["--clean", "--if-exists"] if has_tables else []
    _run_pg(url, ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
                  *clean, f"--dbname={url.database}", str(backup)])
