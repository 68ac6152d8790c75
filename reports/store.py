"""The report database: engine from the settings, migrations on first connect, sessions.

SQLite (the default file ``reports.db`` in the project folder) is created readable by its
owner only (mode 0600; SQLite gives its ``-wal`` and ``-shm`` files the same mode), runs
in WAL mode with a busy timeout, and every write transaction starts with
``BEGIN IMMEDIATE`` so concurrent writers queue for the lock instead of failing half-way.
PostgreSQL is used when ``GRA_DATABASE_URL`` points at it. All SQL goes through
SQLAlchemy with bound parameters; reads and writes use separate session factories. Bulk
reads of many rows (every approved report, for publishing) go through an ADBC driver of
the same database instead (:meth:`Store.read_arrow`), which hands the rows over as Arrow
columns without building a Python object per value.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import adbc_driver_postgresql.dbapi
import adbc_driver_sqlite.dbapi
import pyarrow as pa
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Select, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from settings import PROJECT_ROOT, Settings, get_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_SECONDS = 60
MIGRATION_LOCK_KEY = 4_417_001


class Store:
    """Sessions on one report database: :meth:`read` for queries, :meth:`write` for changes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Where the areas of the reports come from (set by the app and the command line),
        # so that a change of state can rebuild the published tables at once.
        self.area_directory: Callable[[], Any] | None = None
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(engine.execution_options(gra_write=True),
                                    expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; closing it rolls back whatever it changed."""
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back on error."""
        with self._writer() as session, session.begin():
            yield session

    def read_arrow(self, query: Select) -> pa.Table:
        """The rows of ``query`` as an Arrow table, read in one go through an ADBC driver
        on a connection of its own (read-only and with the busy timeout on SQLite). The
        query is rendered with its values inline, so it must hold no user input."""
        url = self.engine.url
        sql = str(query.compile(dialect=self.engine.dialect,
                                compile_kwargs={"literal_binds": True}))
        sqlite = url.get_backend_name() == "sqlite"
        if sqlite:
            path = urllib.parse.quote(str(Path(url.database).resolve()))
            connection = adbc_driver_sqlite.dbapi.connect(f"file:{path}?mode=ro")
        else:
            libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
            connection = adbc_driver_postgresql.dbapi.connect(libpq)
        with connection, connection.cursor() as cursor:
            if sqlite:
                cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
                cursor.fetchall()
            cursor.execute(sql)
            return cursor.fetch_arrow_table()

    def dispose(self) -> None:
        """Close every pooled connection (before a fork, or at the end of a test)."""
        self.engine.dispose()


def database_url(settings: Settings | None = None) -> str:
    """The configured database URL; the SQLite file ``reports.db`` in the project by default."""
    configured = (settings or get_settings()).database_url
    return configured or f"sqlite:///{PROJECT_ROOT / 'reports.db'}"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, a busy timeout and immediate write locks."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        create_private_file(Path(database))
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (SQLite takes an empty file as
    an empty database): reports hold free text and password hashes."""
    if path.parent.is_dir():
        with suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _configure_sqlite(dbapi_connection, _record) -> None:
    # Take transaction control from the driver so that _begin_sqlite decides how to begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite(connection) -> None:
    writing = connection.get_execution_options().get("gra_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def migrate(engine: Engine) -> None:
    """Bring the schema up to the latest migration (``alembic upgrade head``).

    Safe when several processes start at once: SQLite serialises the write transaction,
    PostgreSQL takes an advisory lock for its duration.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.execution_options(gra_write=True).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_store(settings: Settings | None = None, *, url: str | None = None) -> Store:
    """The report store of the settings (or of ``url``), migrated to the latest schema."""
    engine = make_engine(url or database_url(settings))
    migrate(engine)
    return Store(engine)
