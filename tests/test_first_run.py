"""The first-run screen: an empty cache offers to fetch the data, and the fetch is real."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache
from data_sources.cli import main
from data_sources.registry import DATASETS
from indicators.joined import AREA_TABLE
from settings import PROJECT_ROOT
from ui.first_run import police_area
from ui.refresh_run import FetchProgress, FetchSummary, follow_refresh

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


def test_the_fetch_asks_for_police_areas_and_starts_from_the_linked_area(monkeypatch, tmp_path):
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path / "empty"))
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["area"] = "E09000001"
    app.run()
    assert app.radio(key="first_run_police").value == "district"
    assert app.text_input(key="first_run_police_area").value == "E09000001"
    assert not app.button(key="first_run_fetch").disabled
    app.text_input(key="first_run_police_area").set_value("").run()
    assert app.button(key="first_run_fetch").disabled
    assert "Name a district" in " ".join(c.value for c in app.caption)
    app.radio(key="first_run_police").set_value("england").run()
    assert not app.button(key="first_run_fetch").disabled


def test_police_area_choices_become_refresh_arguments():
    assert police_area("england", "") == ("all", "")
    assert police_area("none", "") == (None, "")
    assert police_area("district", " e01000001 ") == ("E01000001", "")
    area, problem = police_area("district", "Leicester")
    assert area is None and "postcode" in problem


def test_the_fetch_button_fetches_from_the_publishers_and_shows_the_map(mirror_env):
    app = open_page("views/map.py")
    app.text_input(key="first_run_police_area").set_value("E09000001").run()
    app.button(key="first_run_fetch").click().run()
    assert not app.exception, app.exception

    cache = Cache(mirror_env.cache_dir)
    entry = cache.provenance(AREA_TABLE)
    assert entry is not None and entry.rows > 0
    police = cache.load_table("police_lsoa_month")
    assert set(police["lad_code"]) == {"E09000001"}
    # The tiny mirror lacks a few national files: a short count, no URLs, and a link to
    # the page that lists each failure with its command.
    said = app.warning[0].value
    assert f"of {len(DATASETS)} datasets were fetched and stored" in said
    assert "required:" in said and "Most of" not in said and "http" not in said
    assert len(said) < 400
    assert app.get("page_link")[0].proto.page.endswith("data")
    assert app.title[0].value == "Districts of England"
    assert not app.dataframe[0].value.empty


def test_the_summary_counts_required_and_optional_failures():
    progress = FetchProgress(30, stored=15, failures=["a"] * 6, optional_failures=["b"] * 9)
    said = FetchSummary.of(progress).headline()
    assert said.startswith("15 of 30 datasets were fetched and stored.")
    assert "15 of 30 failed, 9 of them optional, 6 required" in said
    assert not FetchSummary.of(progress).complete
    only_optional = FetchSummary.of(FetchProgress(30, stored=27, optional_failures=["b"] * 3))
    assert only_optional.complete
    assert "Every required dataset is cached; 3 optional datasets" in only_optional.headline()


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
    assert final.summary == "1 stored, 0 skipped, 1 failed." and final.stored == 1
    assert final.failures == [second.id]
    busy = "another refresh is running (file lock, held by pid 7); nothing to do."
    assert list(follow_refresh([busy], total=2))[-1].summary == busy


def test_trends_fetches_police_data_for_the_area_and_sources_list_the_fixes(mirror_env):
    main(["refresh"])  # no police areas: police counts skipped
    app = AppTest.from_file(APP, default_timeout=180)
    app.query_params.update(area="E09000001", level="lad")
    app.run()
    app.switch_page("views/trends.py").run()
    assert not app.exception, app.exception
    assert app.button(key="police_fetch").label == "Fetch police.uk data for City of London"
    app.button(key="police_fetch").click().run()
    assert not app.exception, app.exception
    assert app.radio(key="trends_police").value
    assert not [b for b in app.button if b.key == "police_fetch"]

    app.switch_page("views/sources.py").run()
    assert not app.exception, app.exception
    commands = [c.value for c in app.code]
    failed = [r for r in Cache(mirror_env.cache_dir).manifest().values() if r.last_error]
    assert failed and all(f"refresh --dataset {r.dataset}" in " ".join(commands)
                          for r in failed)
