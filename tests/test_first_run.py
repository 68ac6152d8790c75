"""The first-run screen: an empty cache offers to fetch the data, and the fetch is real."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache
from data_sources.cli import main
from data_sources.registry import DATASETS
from indicators.joined import AREA_TABLE
from settings import PROJECT_ROOT
from ui.first_run import follow_refresh

APP = str(PROJECT_ROOT / "dashboard.py")
DATA_PAGES = {"views/map.py": "Map", "views/trends.py": "Trends",
              "views/compare.py": "Compare areas", "views/profile.py": "Area profile",
              "views/downloads.py": "Downloads"}


def open_page(page: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("page", list(DATA_PAGES))
def test_every_data_page_offers_to_fetch_an_empty_cache(page, monkeypatch, tmp_path):
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path / "empty"))
    app = open_page(page)
    assert app.title[0].value == DATA_PAGES[page]
    assert "No public data is cached yet" in app.info[0].value
    assert app.button(key="first_run_fetch").label == "Fetch the public data now"
    assert any("python -m data_sources refresh" in m.value for m in app.markdown)
    assert not app.dataframe


def test_offline_says_exactly_what_to_do_and_offers_no_fetch(monkeypatch, tmp_path):
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("GRA_OFFLINE", "1")
    app = open_page("views/map.py")
    assert "runs offline (GRA_OFFLINE=1)" in app.warning[0].value
    assert "python -m data_sources refresh" in app.warning[0].value
    assert not [b for b in app.button if b.key == "first_run_fetch"]


def test_the_fetch_button_fetches_from_the_publishers_and_shows_the_map(mirror_env):
    app = open_page("views/map.py")
    app.button(key="first_run_fetch").click().run()
    assert not app.exception, app.exception

    entry = Cache(mirror_env.cache_dir).provenance(AREA_TABLE)
    assert entry is not None and entry.rows > 0
    # The tiny mirror lacks a few national files, so the note says what was not fetched.
    assert "stored" in app.warning[0].value
    assert "(FAILED)" in app.warning[0].value
    assert app.title[0].value == "Districts of England"
    assert not app.dataframe[0].value.empty


def test_cached_data_without_the_joined_dataset_is_built_on_click(mirror_env):
    assert main(["refresh", "--no-build", "--source", "geoportal", "--source", "iod"]) == 1
    assert Cache(mirror_env.cache_dir).provenance(AREA_TABLE) is None
    app = open_page("views/map.py")
    assert "has not been built" in app.info[0].value
    app.button(key="first_run_build").click().run()
    assert not app.exception, app.exception
    assert "The public data is cached" in app.success[0].value
    assert app.title[0].value == "Districts of England"


def test_progress_follows_the_refresh_output_dataset_by_dataset():
    first, second = DATASETS[0], DATASETS[1]
    lines = [
        "Refreshing 2 dataset(s) into cache\n",
        f"{first.id}: {first.title}\n",
        "  stored 3 rows (Census 2021, LSOA 2021)\n",
        f"{second.id}: {second.title}\n",
        "  FAILED: nomis: HTTP 404\n",
        "\n",
        "1 stored, 0 skipped, 1 failed.\n",
        f"  {second.id} (FAILED): nomis: HTTP 404\n",
        "Building the joined dataset and the map tiles from the cache:\n",
        "joined dataset: built in 0.8 s\n",
        "  joined_area_indicator: 10 rows\n",
    ]
    seen = [(p.done, p.step) for p in follow_refresh(lines, total=2)]
    assert seen[:2] == [(1, first.title), (2, second.title)]
    final = list(follow_refresh(lines, total=2))[-1]
    assert final.done == 2 and final.fraction == pytest.approx(2 / 3)
    assert final.summary == "1 stored, 0 skipped, 1 failed."
    assert final.failures == [f"{second.id} (FAILED): nomis: HTTP 404"]
    busy = "another refresh is running (file lock, held by pid 7); nothing to do."
    assert list(follow_refresh([busy], total=2))[-1].summary == busy
