"""What makes ``refresh`` safe to run from cron on every replica: one lock, and a freshness check.

Exactly one refresh runs at a time. With a PostgreSQL report store (``GRA_DATABASE_URL``)
the lock is a session advisory lock held on its own connection, so replicas on different
machines agree; otherwise it is a file lock (``flock``) in the cache directory, which the
replicas of one machine share. Either is released by the operating system or the server
when the holder exits or dies, so a crashed refresh never leaves a stale lock behind.
A refresh that finds the lock taken raises :class:`RefreshBusy` naming the holder, since
when it holds the lock and (for the file lock) whether its recorded process still runs, so
that ``refresh --if-stale`` can tell a refresh at work from a stuck one (held longer than
``GRA_REFRESH_STUCK_HOURS``) or a stale lock (kept by a process other than the refresh that
took it, e.g. a child that inherited the lock file).

Freshness: a dataset is fresh while its last refresh attempt (stored, failed, or skipped
for want of anything to fetch) is younger than the maximum age. Attempts are taken from
the manifest (``fetched_at``, ``last_error_at``) and from ``refresh-attempts.json``, which
the runner updates after each run under the lock.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from data_sources.cache import Cache, atomic_write_bytes, now_utc
from data_sources.errors import DataSourceError
from settings import Settings

ADVISORY_KEY = 4_417_002
"""The advisory lock key of the refresh (the report store's migrations use 4_417_001)."""
LOCK_FILE = ".refresh.lock"
HOLDER_FILE = ".refresh.lock.holder"
HOLDER_WAIT_SECONDS = 2.0  # the holder names itself right after taking the lock
ATTEMPTS_FILE = "refresh-attempts.json"


class RefreshBusy(Exception):
    """Another refresh holds the lock; the message says which lock and, if known, who.

    ``since`` is when the holder took the lock (None when unknown); ``gone`` names the
    recorded holder when it is a process of this machine that no longer runs.
    """

    def __init__(self, message: str, since: datetime | None = None, gone: str = "") -> None:
        super().__init__(message)
        self.since = since
        self.gone = gone

    def problem(self, stuck_after: timedelta, now: datetime | None = None) -> str | None:
        """Why the lock is stale or its refresh stuck, or None while it looks at work."""
        if self.gone:
            return (f"the refresh lock ({self}) is stale: {self.gone} took it but no longer "
                    "runs, and another process still keeps the lock (a child it started?). "
                    "Find it (e.g. `fuser` on the lock file) and end it.")
        held = (now or datetime.now(UTC)) - self.since if self.since else None
        if held is not None and held >= stuck_after:
            hours = stuck_after.total_seconds() / 3600
            return (f"the refresh holding the lock ({self}) has run for "
                    f"{held.total_seconds() / 3600:.1f} hours, longer than "
                    f"GRA_REFRESH_STUCK_HOURS ({hours:g}): it looks stuck. Check that "
                    "process and end it if it hangs; the lock is freed when it exits.")
        return None


class RefreshLockError(DataSourceError):
    """The lock could not be checked at all (e.g. the PostgreSQL server is unreachable)."""


def holder_label() -> str:
    """Who is refreshing: process id, host and start time, for the others' messages."""
    return f"pid {os.getpid()} on {socket.gethostname()} since {now_utc()}"


class RefreshLock:
    """The held lock of one refresh; release it with :meth:`release` or a ``with`` block."""

    description: str

    def release(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> RefreshLock:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


class _FileRefreshLock(RefreshLock):
    def __init__(self, cache_dir: Path) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._path = cache_dir / LOCK_FILE
        self._holder = cache_dir / HOLDER_FILE
        self._lock = FileLock(str(self._path), timeout=0)
        self.description = f"file lock {self._path}"

    def acquire(self) -> _FileRefreshLock:
        try:
            self._lock.acquire()
        except Timeout:
            holder = self._read_holder()
            raise RefreshBusy(f"{self.description}, held by {holder}", *_holder_state(holder)
                              ) from None
        atomic_write_bytes(self._holder, holder_label().encode("utf-8"))
        return self

    def _read_holder(self) -> str:
        """Who holds the lock, as it wrote itself down; waits a moment for a holder that
        has just taken the lock and not yet written its name."""
        deadline = time.monotonic() + HOLDER_WAIT_SECONDS
        while True:
            try:
                return self._holder.read_text(encoding="utf-8").strip() or "another process"
            except OSError:
                if time.monotonic() > deadline:
                    return "another process"
                time.sleep(0.02)

    def release(self) -> None:
        if self._lock.is_locked:
            self._holder.unlink(missing_ok=True)
            self._lock.release()


_HOLDER = re.compile(r"pid (\d+) on (\S+) since (\S+)")


def _holder_state(holder: str) -> tuple[datetime | None, str]:
    """When the recorded holder took the lock, and its label if it is gone from this host."""
    found = _HOLDER.fullmatch(holder)
    if found is None:
        return None, ""
    pid, host, since = int(found[1]), found[2], _parse(found[3])
    if host != socket.gethostname():
        return since, ""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return since, f"pid {pid} on {host}"
    except PermissionError:
        pass  # it runs, as another user
    return since, ""


class _PostgresRefreshLock(RefreshLock):
    """``pg_try_advisory_lock`` on a connection of its own, kept open for the whole run.

    The connection runs in autocommit, so the refresh never sits idle in a transaction;
    its ``application_name`` names the holder for the others' messages.
    """

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.description = (f"PostgreSQL advisory lock {ADVISORY_KEY} on database "
                            f"{parsed.database} at {parsed.host or 'localhost'}")
        self._engine = create_engine(
            url, poolclass=NullPool,
            connect_args={"application_name": f"gra refresh {holder_label()}"[:63],
                          "connect_timeout": 10},
        )
        self._connection: Connection | None = None

    def acquire(self) -> _PostgresRefreshLock:
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except SQLAlchemyError as exc:
            self._engine.dispose()
            raise RefreshLockError(f"could not reach PostgreSQL to take the "
                                   f"{self.description}: {exc.__cause__ or exc}") from exc
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                 {"key": ADVISORY_KEY}).scalar_one()
        if not got:
            holder, since = self._holder(connection)
            connection.close()
            self._engine.dispose()
            raise RefreshBusy(f"{self.description}, held by {holder}", since)
        self._connection = connection
        return self

    @staticmethod
    def _holder(connection: Connection) -> tuple[str, datetime | None]:
        """Who holds the lock, and since when (the start of its connection)."""
        row = connection.execute(text(
            "SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :key "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ), {"key": ADVISORY_KEY}).first()
        if row is None:
            return "another session", None
        if not row.application_name:
            return "another session", row.backend_start
        return row.application_name.removeprefix("gra refresh ") + (
            f" (from {row.client_addr})" if row.client_addr else ""), row.backend_start

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                         {"key": ADVISORY_KEY})
            finally:
                # Closing the connection releases the lock even if the unlock failed.
                self._connection.close()
                self._connection = None
                self._engine.dispose()


def acquire_refresh_lock(settings: Settings) -> RefreshLock:
    """Take the refresh lock of these settings without waiting.

    Raises
    ------
    RefreshBusy
        When another refresh holds it.
    RefreshLockError
        When the PostgreSQL server that holds the lock cannot be reached.
    """
    url = settings.database_url or ""
    if url.startswith("postgresql"):
        return _PostgresRefreshLock(url).acquire()
    return _FileRefreshLock(Path(settings.cache_dir)).acquire()


# ---------------------------------------------------------------- freshness


@dataclass(frozen=True)
class Freshness:
    """When each dataset was last attempted, and which are older than the maximum age."""

    last_attempt: dict[str, datetime | None]
    stale: list[str]


def _parse(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None
    except ValueError:
        return None


def last_attempts(cache: Cache) -> dict[str, datetime]:
    """The latest refresh attempt of every dataset the manifest or the attempts file knows."""
    path = cache.root / ATTEMPTS_FILE
    recorded = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    times: dict[str, datetime] = {}
    candidates = [(k, _parse(v)) for k, v in recorded.items()]
    for entry in cache.manifest().values():
        candidates += [(entry.dataset, _parse(entry.fetched_at)),
                       (entry.dataset, _parse(entry.last_error_at))]
    for dataset, when in candidates:
        if when is not None and (dataset not in times or when > times[dataset]):
            times[dataset] = when
    return times


def check_freshness(cache: Cache, datasets: Iterable[str], max_age: timedelta,
                    now: datetime | None = None) -> Freshness:
    """Which of ``datasets`` were last attempted longer than ``max_age`` ago (or never)."""
    now = now or datetime.now(UTC)
    attempts = last_attempts(cache)
    chosen = {dataset: attempts.get(dataset) for dataset in datasets}
    stale = [d for d, when in chosen.items() if when is None or now - when >= max_age]
    return Freshness(chosen, stale)


def record_attempts(cache: Cache, datasets: Iterable[str]) -> None:
    """Note that a run just tried ``datasets`` (call it while holding the refresh lock)."""
    path = cache.root / ATTEMPTS_FILE
    recorded = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    stamp = now_utc()
    recorded.update(dict.fromkeys(datasets, stamp))
    atomic_write_bytes(path, json.dumps(recorded, indent=2, sort_keys=True).encode("utf-8"))
