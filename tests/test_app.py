"""The app shell and the Data & sources page, driven with Streamlit's AppTest."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache
from data_sources.refresh import OGL
from data_sources.registry import DATASETS
from settings import PROJECT_ROOT

APP = str(PROJECT_ROOT / "dashboard.py")


def run_app() -> AppTest:
    """Open the app (the Map is the default page), then go to Data & sources."""
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    app.switch_page("views/sources.py").run()
    assert not app.exception, app.exception
    return app


def test_empty_cache_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path / "empty"))
    app = run_app()
    assert app.title[0].value == "Data & sources"
    assert "python -m data_sources refresh" in app.warning[0].value


def test_cached_sources_show_with_vintage_and_fetch_time(monkeypatch, tmp_path):
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path))
    spec = DATASETS[0]
    provenance = spec.template("https://example.invalid/file.csv")
    provenance.fetched_at = "2026-11-20T09:30:00Z"
    Cache(tmp_path).store_table(pd.DataFrame({"area_code": ["E01000001"]}), provenance)
    app = run_app()
    table = app.dataframe[0].value
    row = table[table["Id"] == spec.id].iloc[0]
    assert row["State"] == "Cached"
    assert row["Vintage"] == spec.vintage
    assert row["Fetched (UTC)"] == "2026-11-20 09:30:00"
    assert row["Rows"] == 1
    assert not app.warning
    assert any(OGL in m.value or spec.attribution in m.value for m in app.markdown)
