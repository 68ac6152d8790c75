"""Shared fixtures: the loopback publisher mirror and settings pointing at it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from data_sources.cache import Cache
from data_sources.http import make_session
from data_sources.refresh import RefreshContext
from settings import Settings, get_settings
from tests.mirror import Mirror

HOSTS = {
    "GRA_NOMIS_BASE_URL": "www.nomisweb.co.uk",
    "GRA_IOD_BASE_URL": "assets.publishing.service.gov.uk",
    "GRA_GEOPORTAL_BASE_URL": "services1.arcgis.com",
    "GRA_ONS_HUB_BASE_URL": "hub.arcgis.com",
    "GRA_POLICE_BASE_URL": "data.police.uk",
    "GRA_POSTCODES_BASE_URL": "api.postcodes.io",
}


@pytest.fixture(autouse=True)
def _clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No GRA_ variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("GRA_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


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
