"""The Compare page, driven with AppTest, and its pure helpers."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from indicators.catalogue import get_indicator
from settings import PROJECT_ROOT
from tests.test_downloads_page import HARTLEPOOL, TOWER_HAMLETS, build_small_cache
from ui.compare_view import check_selection, compute_comparison, compute_wide, residents_notes

PAGE = str(PROJECT_ROOT / "views" / "compare.py")


def run_page(monkeypatch, root, **params) -> AppTest:
    monkeypatch.setenv("GRA_CACHE_DIR", str(root))
    app = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def test_check_selection_refuses_too_few_and_too_many():
    assert "at least 2" in check_selection(["a"])
    assert "at least 2" in check_selection([])
    assert check_selection(["a", "b"]) is None
    assert "at most 10" in check_selection([str(i) for i in range(11)])


def test_comparison_ranks_in_england(tmp_path):
    import pandas as pd
    rows = pd.DataFrame({"area_code": ["A", "B", "C"], "area_name": ["Aa", "Bb", "Cc"],
                         "d_asian": [0.5, 0.2, None]})
    long = compute_comparison(rows, ["B", "C"], [get_indicator("d_asian")])
    assert list(long["rank"].astype("object").where(long["rank"].notna(), None)) == [2, None]
    wide = compute_wide(long, {"d_asian": get_indicator("d_asian")})
    assert wide.loc[0, "Bb (B)"] == "0.200 index 0-1 (rank 2 of 2)"
    assert wide.loc[0, "Cc (C)"] == "no value"



def test_prefilled_area_asks_for_one_more(monkeypatch, tmp_path):
    build_small_cache(tmp_path)
    app = run_page(monkeypatch, tmp_path, area=HARTLEPOOL, level="lad")
    assert app.multiselect[0].value == [HARTLEPOOL]
    assert "one more" in app.info[0].value
    assert not app.get("download_button")


def test_the_comparison_is_a_link(monkeypatch, tmp_path):
    build_small_cache(tmp_path)
    app = run_page(monkeypatch, tmp_path, area=HARTLEPOOL, level="lad")
    app.multiselect[0].set_value([HARTLEPOOL, TOWER_HAMLETS]).run()
    assert app.query_params["areas"] == f"{HARTLEPOOL},{TOWER_HAMLETS}"
    chosen = app.query_params["indicators"]
    shared = run_page(monkeypatch, tmp_path, level="lad", areas=f"{TOWER_HAMLETS},{HARTLEPOOL}",
                      indicators=chosen)
    assert shared.multiselect[0].value == [TOWER_HAMLETS, HARTLEPOOL]
    assert shared.multiselect[1].value == chosen.split(",")
    assert shared.dataframe and not shared.warning


def test_a_bad_comparison_link_says_what_it_left_out(monkeypatch, tmp_path):
    build_small_cache(tmp_path)
    app = run_page(monkeypatch, tmp_path, level="lad", areas=f"{HARTLEPOOL},E06999999",
                   indicators="no_such_measure")
    said = " ".join(w.value for w in app.warning)
    assert "E06999999" in said and "no_such_measure" in said and "left out" in said
    assert app.multiselect[0].value == [HARTLEPOOL]


def test_two_areas_show_table_chart_and_csv(monkeypatch, tmp_path):
    build_small_cache(tmp_path)
    app = run_page(monkeypatch, tmp_path, area=HARTLEPOOL, level="lad")
    app.multiselect[0].set_value([HARTLEPOOL, TOWER_HAMLETS]).run()
    assert not app.exception
    wide = app.dataframe[0].value
    assert "0.410 index 0-1 (rank 1 of 2)" in wide.iloc[0].tolist()
    assert len(app.get("plotly_chart")) == 1
    assert len(app.get("download_button")) == 2
    assert any("Census 2021" in c.value for c in app.caption)


def test_level_switch_changes_the_choices(monkeypatch, tmp_path):
    build_small_cache(tmp_path)
    app = run_page(monkeypatch, tmp_path, level="lad")
    app.radio[0].set_value("lsoa").run()
    assert not app.exception
    assert app.multiselect[0].options == []
    app.selectbox(key="compare_district_lsoa").select(HARTLEPOOL).run()
    assert app.multiselect[0].options == ["Hartlepool 001A (E01011954)",
                                          "Hartlepool 001B (E01011955)"]
    app.multiselect[0].set_value(["E01011954"]).run()
    app.selectbox(key="compare_district_lsoa").select(TOWER_HAMLETS).run()
    assert not app.exception, app.exception
    assert app.multiselect[0].value == ["E01011954"]
    assert len(app.multiselect[0].options) == 3


def test_rates_show_months_interval_and_england_from_the_build():
    import pandas as pd

    from indicators.benchmarks import compute_benchmarks

    rows = pd.DataFrame({
        "area_code": ["A", "B", "C"], "area_name": ["Aa", "Bb", "Cc"], "level": "lad",
        "region_code": "E12000001", "population_2021": [10_000, 20_000, 30_000],
        "public_order_count": [100, 150, None],
        "public_order_per_10k": [100.0, 75.0, None],
        "public_order_per_10k_lower": [81.4, 63.5, None],
        "public_order_per_10k_upper": [121.6, 88.0, None],
        "public_order_per_10k_vs_england": ["Similar", "Similar", None],
        "police_period": ["2022-07 to 2023-06", "2021-11 to 2022-10", None],
        "denominator_flag": ["City of London: about 360,000 people", None, None]})
    benchmarks = compute_benchmarks(rows, pd.DataFrame(index=["E92000001"]),
                                    pd.DataFrame({"region_code": ["E12000001"],
                                                  "region_name": ["North East"]}))
    long = compute_comparison(rows, ["A", "B"], [get_indicator("public_order_per_10k")],
                              benchmarks)
    assert list(long["england"]) == [pytest.approx(250 / 3)] * 2
    assert long["benchmark_note"].iloc[0] == "the 2 of 3 districts with police data"
    rate = get_indicator("public_order_per_10k")
    wide = compute_wide(long, {rate.id: rate}).iloc[0]
    assert wide["Aa (A)"] == ("100.0 per 10,000 residents a year (rank 1 of 2), 2022-07 to "
                              "2023-06; 95% CI 81.4 to 121.6; similar vs England "
                              "(see the residents note)")
    assert wide["England"] == "83.3 (the 2 of 3 districts with police data)"
    assert residents_notes(long) == {"Aa": "City of London: about 360,000 people"}
