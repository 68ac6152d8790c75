"""The Area profile page, driven with AppTest on a small cache."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache, Provenance
from settings import PROJECT_ROOT
from tests.test_profile import districts

PAGE = str(PROJECT_ROOT / "views" / "profile.py")


def build_cache(root, joined: bool = True) -> None:
    if joined:
        Cache(root).store_table(districts(), Provenance(
            dataset="joined_area_indicator", source="derived", title="Joined (test)", url="",
            vintage="Census 2021", geography="LAD 2022", licence="OGL v3.0",
            attribution="Test."))


def run(monkeypatch, root, area: str | None = None) -> AppTest:
    monkeypatch.setenv("GRA_CACHE_DIR", str(root))
    monkeypatch.setenv("GRA_DATABASE_URL", f"sqlite:///{root}/reports.db")
    app = AppTest.from_file(PAGE, default_timeout=60)
    if area:
        app.query_params["area"] = area
    app.run()
    assert not app.exception, app.exception
    return app


def test_prompt_then_pick_a_district(tmp_path, monkeypatch):
    build_cache(tmp_path)
    app = run(monkeypatch, tmp_path)
    assert "Choose an area" in app.info[0].value
    app.selectbox(key="profile_pick").select("E06000003").run()
    assert not app.exception
    assert app.header[0].value == "District 3"


def test_profile_of_area_and_similar_count(tmp_path, monkeypatch):
    build_cache(tmp_path)
    app = run(monkeypatch, tmp_path, area="E06000000")
    assert app.header[0].value == "Ménage-sur-Łódź"
    text = " ".join(m.value for m in app.markdown)
    assert r"most deprived districts in England \(rank 1 of 20" in text
    frames = [d.value for d in app.dataframe]
    assert any(len(f) == 5 and "Distance" in f.columns for f in frames)
    app.selectbox(key="profile_k").select(3).run()
    frames = [d.value for d in app.dataframe]
    assert any(len(f) == 3 and "Distance" in f.columns for f in frames)
    assert len(app.get("download_button")) >= 2  # PDF and HTML, built only when clicked
