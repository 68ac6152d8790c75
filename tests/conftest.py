"""Shared fixtures: the loopback publisher mirror and settings pointing at it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.common import CannotRun
from bench.national import HOSTS, publisher_mirror
from data_sources.cache import Cache
from data_sources.http import make_session
from data_sources.refresh import RefreshContext
from settings import PROJECT_ROOT, Settings, get_settings
from tests.fixtures.reports.helpers import DATABASES, bootstrap, fresh_store
from tests.mirror import Mirror


@pytest.fixture(autouse=True)
def _clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No GRA_ variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("GRA_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    """A fresh, migrated report store, once on SQLite and once on PostgreSQL (skipped
    with the reason when PostgreSQL is not there)."""
    with fresh_store(request.param, tmp_path) as fresh:
        yield fresh


@pytest.fixture
def people(store):
    """The organisations and accounts of :func:`tests.fixtures.reports.helpers.bootstrap`."""
    return bootstrap(store)


@pytest.fixture(scope="session")
def mirror() -> Iterator[Mirror]:
    server = Mirror().start()
    yield server
    server.stop()


@pytest.fixture
def mirror_env(mirror: Mirror, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings whose base URLs point at the mirror, with a fresh cache and quick retries."""
    mirror.reset()
    for variable, host in HOSTS.items():
        monkeypatch.setenv(variable, mirror.url(host))
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GRA_STRICT_ROW_COUNTS", "0")
    monkeypatch.setenv("GRA_HTTP_TIMEOUT", "2")
    monkeypatch.setenv("GRA_HTTP_RETRIES", "2")
    monkeypatch.setenv("GRA_HTTP_BACKOFF", "0.01")
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def ctx(mirror_env: Settings) -> RefreshContext:
    """A refresh context on the mirror, as the CLI builds one."""
    return RefreshContext(
        settings=mirror_env, cache=Cache(mirror_env.cache_dir), session=make_session()
    )


# ---------------------------------------------------------------- national data
SHARED = PROJECT_ROOT.parent / "shared"
MIRROR_SCRIPT = SHARED / "tools" / "publisher_mirror.py"
NATIONAL_POLICE = {"GRA_POLICE_AREAS": "E06000016", "GRA_POLICE_FROM": "2021-11",
                   "GRA_POLICE_TO": "2022-10"}


@dataclass(frozen=True)
class NationalRun:
    """One real `refresh` (with its build) of all of England through the publisher mirror."""

    result: subprocess.CompletedProcess
    cache: Cache
    base_url: str


def mirror_environment(base: str, cache_dir: Path) -> dict[str, str]:
    """The process environment that points every fetcher at the national mirror."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRA_")}
    env.update({variable: f"{base}/{host}" for variable, host in HOSTS.items()})
    env.update(GRA_CACHE_DIR=str(cache_dir), GRA_HTTP_RETRIES="1", GRA_HTTP_BACKOFF="0.1",
               **NATIONAL_POLICE)
    return env


@pytest.fixture(scope="session")
def national_mirror() -> Iterator[str]:
    """The base URL of ../shared's publisher mirror, started on a free loopback port."""
    try:
        with publisher_mirror() as base:
            yield base
    except CannotRun as reason:
        pytest.skip(str(reason))


@pytest.fixture(scope="session")
def national(national_mirror: str, tmp_path_factory) -> NationalRun:
    """The real `python -m data_sources refresh` of all of England, run once per session."""
    cache_dir = tmp_path_factory.mktemp("national-cache")
    result = subprocess.run(
        [sys.executable, "-m", "data_sources", "refresh"],
        cwd=PROJECT_ROOT, env=mirror_environment(national_mirror, cache_dir),
        capture_output=True, text=True, timeout=1800,
    )
    return NationalRun(result, Cache(cache_dir), national_mirror)
