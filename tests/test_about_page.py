"""The About & methodology page, driven with AppTest."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache
from data_sources.registry import DATASETS
from indicators.catalogue import CATALOGUE
from settings import PROJECT_ROOT

PAGE = str(PROJECT_ROOT / "views" / "about.py")


def run_page(monkeypatch, root) -> AppTest:
    monkeypatch.setenv("GRA_CACHE_DIR", str(root))
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def indicator_ids(app: AppTest) -> list[str]:
    return [i for frame in app.dataframe[:-1] for i in frame.value["Id"]]


def all_text(app: AppTest) -> str:
    return "\n".join(e.value for e in [*app.markdown, *app.latex, *app.caption])


def test_every_indicator_is_listed_by_theme(monkeypatch, tmp_path):
    app = run_page(monkeypatch, tmp_path)
    assert app.title[0].value == "About & methodology"
    assert sorted(indicator_ids(app)) == sorted(CATALOGUE)
    segregation = next(f.value for f in app.dataframe
                       if "Id" in f.value and "d_asian" in set(f.value["Id"]))
    row = segregation.set_index("Id").loc["d_asian"]
    assert row["Definition"] == CATALOGUE["d_asian"].definition
    assert row["Polarity"] == "Higher is worse"
    assert row["Levels"] == "district" and row["Vintage"] == "Census 2021"
    assert row["Licence"] == "Open Government Licence v3.0"


def test_search_theme_and_level_filters(monkeypatch, tmp_path):
    app = run_page(monkeypatch, tmp_path)
    app.text_input[0].set_value("dissimilarity").run()
    ids = indicator_ids(app)
    assert "d_asian" in ids and "imd_score" not in ids
    assert {CATALOGUE[i].theme for i in ids} == {"segregation", "uncertainty"}
    app.text_input[0].set_value("").run()
    app.multiselect[0].set_value(["deprivation"])
    app.selectbox[0].set_value("lsoa").run()
    ids = indicator_ids(app)
    assert "imd_score_2019" in ids and "imd_avg_score" not in ids
    assert all("lsoa" in CATALOGUE[i].levels and CATALOGUE[i].theme == "deprivation"
               for i in ids)
    app.text_input[0].set_value("no such words anywhere").run()
    assert "No indicator matches" in app.info[0].value


def test_methodology_explains_measures_and_suppression(monkeypatch, tmp_path):
    app = run_page(monkeypatch, tmp_path)
    text = all_text(app)
    for words in ["Index of dissimilarity", "Isolation", "Theil's H", "Simpson diversity",
                  "Location quotient", "`seg_unit`", "IoD 2019 on 2021 LSOAs", "extent",
                  "local concentration", '"<5"', "Secondary suppression", "never public",
                  "**Against random placement**", "95% range if random", "**Small groups.**",
                  "gets no value (the reason is given)"]:
        assert words in text, words
    assert any(r"\frac{g_i}{G}" in e.value for e in app.latex)


def test_sources_show_when_fetched_with_licence(monkeypatch, tmp_path):
    spec = DATASETS[0]
    provenance = spec.template("https://example.invalid/file.csv")
    provenance.fetched_at = "2026-11-20T09:30:00Z"
    Cache(tmp_path).store_table(pd.DataFrame({"area_code": ["E01000001"]}), provenance)
    app = run_page(monkeypatch, tmp_path)
    sources = app.dataframe[-1].value.set_index("Id")
    assert sources.loc[spec.id, "Fetched or built (UTC)"] == "2026-11-20 09:30:00"
    assert sources.loc[spec.id, "Licence"] == spec.licence
    assert sources.loc[DATASETS[1].id, "Fetched or built (UTC)"] == "not fetched"
    assert any(spec.attribution in m.value for m in app.markdown)
    assert not app.warning


def test_empty_cache_still_explains_and_says_what_to_do(monkeypatch, tmp_path):
    app = run_page(monkeypatch, tmp_path / "empty")
    assert "python -m data_sources refresh" in app.warning[0].value
    assert len(indicator_ids(app)) == len(CATALOGUE)


def test_methodology_explains_intervals_periods_flags_and_placement(monkeypatch, tmp_path):
    text = all_text(run_page(monkeypatch, tmp_path))
    for words in ["95% confidence intervals", "never scaled up", "12 calendar",
                  "significantly higher", "similar", "the 1 of 309 districts with police data",
                  "no rate and no interval", "Residents note", "City of London",
                  "police-agreement", "at least 99% agree", "Not yet measured on this cache",
                  "reproduces the published File 10 of 2019"]:
        assert words in text, words


def test_what_changed_method_and_caution(monkeypatch, tmp_path):
    text = all_text(run_page(monkeypatch, tmp_path))
    assert "Welch" in text and "does not show that the activity caused any change" in text
    assert "Service areas" in text
