"""The Trends page, driven with AppTest, and its pure helpers."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from data_sources.cache import Provenance
from settings import PROJECT_ROOT, get_settings
from tests.test_downloads_page import (
    HARTLEPOOL,
    NORTH_EAST,
    TOWER_HAMLETS,
    build_small_cache,
)
from ui.trends_view import (
    Place,
    build_bar_figure,
    compute_missing_months,
    compute_police_series,
    compute_report_series,
)

PAGE = str(PROJECT_ROOT / "views" / "trends.py")
PLACES = [Place(HARTLEPOOL, "Hartlepool", "lad"), Place(NORTH_EAST, "North East", "region"),
          Place("E92000001", "England", "country")]


def months_table() -> pd.DataFrame:
    return pd.DataFrame({
        "area_code": [HARTLEPOOL] * 3, "area_name": ["Hartlepool"] * 3, "level": ["lad"] * 3,
        "lad_code": [HARTLEPOOL] * 3, "region_code": [NORTH_EAST] * 3,
        "month": ["2024-01", "2024-02", "2024-04"],
        "public_order": pd.array([10, 20, None], dtype="Int64"),
        "public_order_month_per_10k": pd.array([1.0, 2.0, None], dtype="Float64"),
        "asb": pd.array([5, 6, 7], dtype="Int64"),
        "asb_month_per_10k": pd.array([0.5, 0.6, 0.7], dtype="Float64"),
    })


def test_one_district_with_data_is_not_drawn_as_its_region_or_england():
    """Issue 12, case 2: with police data for one district only, the "North East" and
    "England" lines were that district again, drawn exactly on top of it."""
    residents = pd.DataFrame({"area_code": [HARTLEPOOL, "E06000002", "E06000047"],
                              "region_code": [NORTH_EAST] * 3,
                              "population_2021": [100_000, 140_000, 520_000]})
    series = compute_police_series(months_table(), residents, PLACES)
    assert set(series["place"]) == {"Hartlepool"}
    assert [why.split(" is not drawn")[0] for why in series.attrs["not_drawn"]] == [
        "North East", "England"]
    asb = series[series["measure"] == "Anti-social behaviour"]
    assert compute_missing_months(asb, "Hartlepool") == ["2024-03"]


def test_partial_coverage_is_named_for_the_districts_it_comes_from():
    two = pd.concat([months_table(), months_table().assign(
        area_code="E06000002", area_name="Darlington", lad_code="E06000002")])
    residents = pd.DataFrame({"area_code": [HARTLEPOOL, "E06000002", "E06000047"],
                              "region_code": [NORTH_EAST] * 3,
                              "population_2021": [100_000, 100_000, 520_000]})
    series = compute_police_series(two, residents, PLACES)
    order = series[series["measure"] == "Public-order offences"]
    england = order[order["place"] == "England: the 2 of 3 districts with police data"]
    assert list(england["month"]) == ["2024-01", "2024-02"]  # April not published
    assert list(england["rate_per_10k"]) == [1.0, 2.0]
    assert list(england["districts"]) == [2, 2]
    assert (england["lower"] < england["rate_per_10k"]).all()
    assert (england["rate_per_10k"] < england["upper"]).all()
    assert "England" not in set(series["place"])


def test_report_series_keeps_suppressed_cells_as_text():
    counts = pd.DataFrame({"period": ["2024-01", "2024-01"], "group": ["protest", "rumour"],
                           "count": pd.array([7, None], dtype="Int64"),
                           "shown": ["7", "<5"],
                           "rate_per_10k": pd.array([0.7, None], dtype="Float64")})
    series = compute_report_series(counts, "category")
    assert list(series["reports"]) == ["7", "<5"]
    assert series["count"].isna().tolist() == [False, True]
    assert series["category"].iloc[0] == "Protest or counter-protest"


def run_page(monkeypatch, root, **params) -> AppTest:
    monkeypatch.setenv("GRA_CACHE_DIR", str(root))
    monkeypatch.setenv("GRA_DATABASE_URL", f"sqlite:///{root}/no-such-reports.db")
    app = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def build_cache_with_months(root):
    cache = build_small_cache(root)
    cache.store_table(months_table(), Provenance(
        dataset="joined_area_month", source="derived", title="Months (test)", url="",
        vintage="test", geography="LAD 2022", licence="Open Government Licence v3.0",
        attribution="Test."))
    return cache



def test_england_by_default_and_no_report_store(monkeypatch, tmp_path):
    build_small_cache(tmp_path)
    app = run_page(monkeypatch, tmp_path)
    infos = [i.value for i in app.info]
    assert any("England as a whole" in i for i in infos)
    assert any("no tension report database" in i for i in infos)
    assert any("No police data has been fetched yet" in i for i in infos)


def test_an_area_without_police_data_offers_to_fetch_it(monkeypatch, tmp_path):
    build_cache_with_months(tmp_path)
    app = run_page(monkeypatch, tmp_path, area=TOWER_HAMLETS, level="lad")
    assert any("Police data for Tower Hamlets has not been fetched yet" in i.value
               for i in app.info)
    assert app.button(key="police_fetch").label == "Fetch police.uk data for Tower Hamlets"
    monkeypatch.setenv("GRA_OFFLINE", "1")
    get_settings.cache_clear()
    offline = run_page(monkeypatch, tmp_path, area=TOWER_HAMLETS, level="lad")
    assert not [b for b in offline.button if b.key == "police_fetch"]
    assert any(f"--police-area {TOWER_HAMLETS}" in c.value for c in offline.caption)


def test_area_shows_police_lines_and_switching_offence(monkeypatch, tmp_path):
    build_cache_with_months(tmp_path)
    app = run_page(monkeypatch, tmp_path, area=HARTLEPOOL, level="lad")
    police = app.radio(key="trends_police")
    assert police.value == "Public-order offences"
    table = app.dataframe[0].value
    # the test cache has no residents, so no region or England rate can be formed
    assert set(table["Place"]) == {"Hartlepool"}
    assert "Rate per 10,000 residents" in table.columns and "rate_per_10k" not in table.columns
    police.set_value("Anti-social behaviour").run()
    table = app.dataframe[0].value
    assert list(table.loc[table["Place"] == "Hartlepool", "Offences"]) == ["5", "6", "7"]
    assert any("no data for 1 month(s) (2024-03" in c.value for c in app.caption)
    assert app.get("download_button")


def test_change_section_switches_measure(monkeypatch, tmp_path):
    build_cache_with_months(tmp_path)
    app = run_page(monkeypatch, tmp_path, area=HARTLEPOOL, level="lad")
    app.radio(key="trends_topic").set_value(
        "Diversity and segregation (Census 2011 → 2021)").run()
    assert not app.exception
    assert app.selectbox(key="trends_measure").value
    summary = app.dataframe[-1].value
    assert "Why not available" in summary.columns
    assert "None" not in summary.to_string() and "nan" not in summary.to_string()


def test_month_axes_are_labelled_by_month_even_for_one_month():
    one = pd.DataFrame({"month": ["2025-03"], "group": ["All reports"], "count": [6]})
    fig = build_bar_figure(one, "month", "count", "group", "Approved reports", "t")
    assert fig.layout.xaxis.tickformat == "%b %Y" and fig.layout.xaxis.dtick == "M1"
    many = pd.DataFrame({"month": [f"2024-{m:02d}" for m in range(1, 13)] + ["2025-01"],
                         "group": "All reports", "count": 1})
    assert build_bar_figure(many, "month", "count", "group", "y", "t").layout.xaxis.dtick == "M3"


def test_change_chart_names_its_editions_and_keeps_its_title_in_view():
    """Issue 14: a year legend (even for one bar per place) and a title that wraps rather
    than run under the chart's toolbar."""
    from ui.trends_change import change_bars, change_title
    from ui.trends_view import wrap_title

    shown = pd.DataFrame({"place": ["Hartlepool", "England"], "unit": "score",
                          "earlier": pd.array([None, None], dtype="Float64"),
                          "latest": [30.5, 21.7],
                          "vintages": "IoD 2019, computed on the 2011 LSOAs, each placed in "
                                      "its 2021 MSOA and 2022 district → IoD 2025, computed "
                                      "on LSOA 2021"})
    title = change_title("IMD average score (IoD 2025)", shown["vintages"].iloc[0])
    assert title == "IMD average score: IoD 2019 and IoD 2025"
    bars = change_bars(shown)
    fig = build_bar_figure(bars, "place", "value", "edition", "score", title,
                           barmode="group", legend_title="Edition")
    assert fig.layout.showlegend and fig.layout.legend.title.text == "Edition"
    assert [t.name for t in fig.data] == ["IoD 2019 (no value)", "IoD 2025"]
    long_title = wrap_title("Reports about Leicester 012 (neighbourhood) by tension level")
    assert all(len(line) <= 40 for line in long_title.split("<br>"))
