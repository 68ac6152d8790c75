"""Religion, country of birth and English on the pages (issue 16), driven with AppTest.

One cache holds the lookups, TS021 and the TS030, TS004 and TS029 tables of
tests/test_topics.py (published formats, invented counts) with the joined dataset built
from them; the other lacks the three tables, as the national mirror does.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache, Provenance
from indicators.catalogue import CATALOGUE
from indicators.export import export_from_cache
from indicators.joined import build_joined
from settings import PROJECT_ROOT
from tests.test_joined_segregation import census_inputs
from tests.test_topics import TOPIC_COLUMNS, topic_inputs

APP = str(PROJECT_ROOT / "dashboard.py")
PAGES = PROJECT_ROOT / "views"


def store(root, inputs) -> None:
    cache = Cache(root)
    for dataset, frame in inputs.tables.items():
        cache.store_table(frame, Provenance(dataset, "nomis" if "census" in dataset else "test",
                                            f"Test {dataset}", f"http://x/{dataset}",
                                            "Census 2021", "g", "OGL", "Test attribution."))
    build_joined(cache)


@pytest.fixture(scope="module")
def with_topics(tmp_path_factory):
    root = tmp_path_factory.mktemp("topics-cache")
    store(root, topic_inputs())
    return root


@pytest.fixture(scope="module")
def without_topics(tmp_path_factory):
    root = tmp_path_factory.mktemp("no-topics-cache")
    store(root, census_inputs())
    return root


def run(monkeypatch, root, page: str | None = None, **params: str) -> AppTest:
    monkeypatch.setenv("GRA_CACHE_DIR", str(root))
    monkeypatch.setenv("GRA_DATABASE_URL", f"sqlite:///{root}/reports.db")
    app = AppTest.from_file(str(PAGES / page) if page else APP, default_timeout=90)
    app.query_params.update(params)
    app.run()
    assert not app.exception, app.exception
    return app


def test_the_map_offers_and_shows_segregation_by_religion(monkeypatch, with_topics):
    app = run(monkeypatch, with_topics, indicator="d_muslim", level="lad")
    assert app.query_params["indicator"] == "d_muslim"
    options = app.selectbox(key="sb_indicator").options
    assert {"Dissimilarity, Born outside the UK", "Isolation, Cannot speak English well or "
            "at all", "Religion: multigroup segregation (Theil's H)"} <= set(options)
    table = app.dataframe[0].value
    assert "If spread at random" in table.columns
    assert set(table["Area"]) == {"Townbury", "Mockford"}
    assert any("Dissimilarity, Muslim" in s.value for s in app.subheader)


def test_a_link_to_an_indicator_the_cache_lacks_says_so(monkeypatch, without_topics):
    app = run(monkeypatch, without_topics, indicator="d_muslim", level="lad")
    assert not app.exception
    assert app.query_params["indicator"] != "d_muslim"
    notes = [w.value for w in app.warning]  # said above the page, once
    assert any("Dissimilarity, Muslim is not available" in n
               and "census2021_religion_lsoa" in n for n in notes), notes
    options = app.selectbox(key="sb_indicator").options
    assert not any("Muslim" in o for o in options)


def test_the_profile_sets_religion_beside_random_placement(monkeypatch, with_topics):
    app = run(monkeypatch, with_topics, "profile.py", area="E07000998")
    text = " ".join(str(f.value.to_dict()) for f in app.dataframe)
    assert "Muslim" in text and "Born outside the UK" in text
    assert "Religion: diversity (Simpson)" in text


def test_the_profile_without_the_tables_leaves_them_out(monkeypatch, without_topics):
    app = run(monkeypatch, without_topics, "profile.py", area="E07000998")
    shown = [f.value for f in app.dataframe if "Why not available" not in f.value.columns]
    text = " ".join(str(frame.to_dict()) for frame in shown)
    assert "Muslim" not in text and "Religion" not in text
    assert "Asian" in text
    # ... and the profile's list of figures it cannot give says why
    missing = next(f.value for f in app.dataframe if "Why not available" in f.value.columns)
    religion = missing[missing["Indicator"].str.contains("Religion")]
    assert not religion.empty and religion["Why not available"].str.len().gt(0).all()


def test_compare_offers_them(monkeypatch, with_topics):
    app = run(monkeypatch, with_topics, "compare.py", level="lad", indicator="pct_muslim",
              area="E07000998")
    app.multiselect[0].set_value(["E07000998", "E07000999"]).run()
    assert not app.exception, app.exception
    assert "Share: Muslim" in " ".join(app.dataframe[0].value.iloc[:, 0].astype(str))


def test_about_explains_them_and_says_which_are_cached(monkeypatch, without_topics):
    app = run(monkeypatch, without_topics, "about.py")
    text = "\n".join(e.value for e in [*app.markdown, *app.caption])
    assert "Beyond ethnic group: religion, country of birth, English" in text
    assert "Religion: not available in this cache." in text


def test_the_export_and_its_dictionary_carry_every_new_column(with_topics, tmp_path):
    for level in ("lad", "lsoa"):
        written = export_from_cache(Cache(with_topics), level, "csv",
                                    tmp_path / f"{level}.csv")
        data = pd.read_csv(written[0])
        dictionary = pd.read_csv(tmp_path / f"{level}_data_dictionary.csv").set_index("column")
        for column in (c for c in TOPIC_COLUMNS if level in CATALOGUE[c].levels):
            assert column in data.columns and column in dictionary.index
            assert data[column].notna().any(), column
        if level == "lad":
            assert dictionary.loc["d_muslim_random", "vintage"] == "Census 2021"


def test_a_small_group_born_abroad_carries_its_note_in_words(monkeypatch, with_topics):
    app = run(monkeypatch, with_topics, indicator="d_born_british_overseas", level="lad")
    table = app.dataframe[0].value.set_index("Area")
    assert "Small group (40 residents born in the British Overseas Territories, fewer than " \
        "500)" in table.loc["Mockford", "Note"]
