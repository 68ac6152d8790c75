"""The settings object: defaults, GRA_ variables, secrets.toml, and that README documents it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import settings as settings_module
from settings import PROJECT_ROOT, Settings, get_settings


def test_defaults_point_at_the_real_publishers():
    s = Settings()
    assert s.nomis_base_url == "https://www.nomisweb.co.uk"
    assert s.iod_base_url == "https://assets.publishing.service.gov.uk"
    assert s.geoportal_base_url == "https://services1.arcgis.com"
    assert s.police_base_url == "https://data.police.uk"
    assert s.postcodes_base_url == "https://api.postcodes.io"
    assert s.cache_dir == PROJECT_ROOT / "cache"
    assert s.offline is False


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GRA_OFFLINE", "1")
    monkeypatch.setenv("GRA_NOMIS_BASE_URL", "http://127.0.0.1:9/www.nomisweb.co.uk/")
    monkeypatch.setenv("GRA_POLICE_AREAS", "E06000016, E08000025")
    s = get_settings()
    assert s.cache_dir == tmp_path and s.offline
    assert s.nomis_base_url == "http://127.0.0.1:9/www.nomisweb.co.uk"
    assert s.police_areas == ["E06000016", "E08000025"]


def test_secrets_toml_is_read_and_the_environment_wins(monkeypatch, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('offline = true\npolice_months = 24\nunrelated = "x"\n')
    monkeypatch.setattr(settings_module, "SECRETS_FILE", secrets)
    monkeypatch.setenv("GRA_POLICE_MONTHS", "6")
    s = Settings()
    assert s.offline is True
    assert s.police_months == 6


def test_a_bad_month_is_refused_with_the_setting_named(monkeypatch):
    monkeypatch.setenv("GRA_POLICE_FROM", "2024-13")
    with pytest.raises(ValidationError, match="police_from"):
        Settings()

