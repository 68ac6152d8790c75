"""Tension reports on the Map: suppressed yearly counts or rates from a real report store."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache, Provenance
from reports.aggregate import load_report_counts, reports_version
from reports.areas import AreaDirectory
from reports.auth import actor_for_email
from reports.moderation import approve
from reports.store import Store, make_engine, migrate
from reports.submissions import submit_report
from settings import PROJECT_ROOT
from tests.fixtures.reports.helpers import bootstrap, lookup_frames, report
from tests.test_map import _layer, drawn, payload, store_boundaries
from ui.report_map import (
    report_indicator,
    report_map_table,
    report_map_values,
    report_years,
)

APP = str(PROJECT_ROOT / "dashboard.py")
DISTRICTS = {"E09000001": "Thamesbury", "E09000002": "Marshfield", "E06000035": "Riverbank"}
# district -> (LSOA, number of approved reports in 2025)
REPORTS = {"E09000001": ("E01000001", 7), "E09000002": ("E01000007", 2),
           "E06000035": ("E01016001", 6)}
DESCRIPTION = "Private detail about a named family"


def _provenance(dataset: str) -> Provenance:
    return Provenance(dataset, "test", f"Test {dataset}", "https://example.invalid/",
                      "Test vintage", "test", "Open Government Licence v3.0", "Test.")


@pytest.fixture
def reports_app(tmp_path, monkeypatch):
    """A cache of the tiny England of the report tests and a SQLite store with reports."""
    lsoa, region, populations = lookup_frames()
    cache = Cache(tmp_path / "cache")
    cache.store_table(lsoa, _provenance("lookup_lsoa21_msoa21_lad22"))
    cache.store_table(region, _provenance("lookup_lad22_region"))
    cache.store_table(populations[0], _provenance("census2021_ethnicity_lsoa"))
    joined = pd.DataFrame({"area_code": list(DISTRICTS), "area_name": list(DISTRICTS.values()),
                           "level": "lad", "lad_code": list(DISTRICTS),
                           "imd_avg_score": pd.array([20.0, 25.0, 30.0], dtype="Float64")})
    cache.store_table(joined.assign(region_code="E12000007"),
                      _provenance("joined_area_indicator"))
    store_boundaries(cache, {"boundaries_lad21": _layer(list(DISTRICTS), DISTRICTS)})

    url = f"sqlite:///{tmp_path / 'reports.db'}"
    store = Store(make_engine(url))
    migrate(store.engine)
    actors = bootstrap(store)
    directory = AreaDirectory.from_cache(cache)
    for lsoa_code, n in REPORTS.values():
        for day in range(n):
            rid = submit_report(store, actors["thames"], report(
                area=lsoa_code, incident_date=f"2025-03-{day + 1:02d}", description=DESCRIPTION),
                directory=directory)
            approve(store, actors["moderator"], rid)
    monkeypatch.setenv("GRA_CACHE_DIR", str(cache.root))
    monkeypatch.setenv("GRA_DATABASE_URL", url)
    yield store, directory
    store.dispose()


def open_reports_map() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params.update(level="lad")
    app.run()
    assert not app.exception, app.exception
    app.radio(key="map_mode").set_value("reports").run()
    assert not app.exception, app.exception
    return app


def test_reports_map_shows_exactly_the_published_suppressed_counts(reports_app):
    store, directory = reports_app
    app = open_reports_map()
    assert app.selectbox(key="map_year").value == "2025"
    table = app.dataframe[0].value.set_index("Code")
    published = load_report_counts(store, directory, level="lad", by="all", period="year")
    assert dict(table["Reports"]) == dict(zip(published["area_code"], published["shown"],
                                              strict=True))
    assert table.at["E09000002", "Reports"] == "<5"
    assert table.at["E09000002", "Note"] == "Suppressed: 1 to 4 reports"
    assert table.at["E06000035", "Reports"] == "6"
    assert table.at["E09000001", "Reports"] in ("7", "[c]")
    shown = [v for v in table["Reports"] if v not in ("<5", "[c]")]
    assert all(int(v) >= 5 or int(v) == 0 for v in shown)
    everything = " ".join(str(e.value) for e in (*app.markdown, *app.caption, *app.text))
    sent = payload(app)
    everything += json.dumps(sent)
    assert DESCRIPTION not in everything and "thamesbury.example" not in everything
    assert "Tension reports, 2025" in [s.value for s in app.subheader]
    # The map is given the published counts only; a suppressed count has no value but its
    # note, in the browser as in the table.
    on_map = drawn(app)
    assert on_map["E09000002"] is None and on_map["E06000035"] == 6
    notes = {sent["values"]["note_texts"][n] for _, n in sent["values"]["notes"]}
    assert "Suppressed: 1 to 4 reports" in notes
    assert sent["legend"]["no_value_label"] == "Suppressed (<5 or [c])"
    assert sent["hover"]["ranked"] is False


def test_reports_map_rate_per_10000_residents(reports_app):
    _, directory = reports_app
    app = open_reports_map()
    app.radio(key="map_measure").set_value("rate").run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value.set_index("Code")
    column = "Tension reports per 10,000 residents, 2025 (per 10,000 residents)"
    residents = directory.areas.at["E06000035", "residents"]
    assert table.at["E06000035", column] == pytest.approx(6 / residents * 10_000, abs=0.01)
    assert pd.isna(table.at["E09000002", column])


def test_the_reports_map_year_and_measure_are_in_the_link(reports_app):
    app = open_reports_map()
    app.radio(key="map_measure").set_value("rate").run()
    assert app.query_params["map"] == "reports" and app.query_params["measure"] == "rate"
    year = app.query_params["year"]
    shared = AppTest.from_file(APP, default_timeout=60)
    shared.query_params.update(level="lad", map="reports", year=year, measure="rate")
    shared.run()
    assert not shared.exception, shared.exception
    assert shared.radio(key="map_measure").value == "rate"
    assert shared.selectbox(key="map_year").value == year


def test_without_a_report_store_the_reports_map_says_so(reports_app, monkeypatch, tmp_path):
    monkeypatch.setenv("GRA_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    app = open_reports_map()
    assert "no tension report database" in app.info[0].value
    assert not app.dataframe


def test_report_map_values_zero_suppressed_and_rates():
    areas = pd.DataFrame({"area_code": ["A", "B", "C", "D"], "area_name": list("abcd")})
    counts = pd.DataFrame({
        "area_code": ["A", "B", "C", "A"], "period": ["2025", "2025", "2025", "2024"],
        "count": pd.array([12, pd.NA, pd.NA, 9], dtype="Int64"),
        "shown": ["12", "<5", "[c]", "9"],
        "residents": pd.array([2000, 1500, pd.NA, 2000], dtype="Int64"),
    })
    assert report_years(counts) == ["2025", "2024"]
    values = report_map_values(areas, counts, "2025", "count").set_index("area_code")
    assert list(values["shown"]) == ["12", "<5", "[c]", "0"]
    assert values.at["A", "value"] == 12 and values.at["D", "value"] == 0
    assert pd.isna(values.at["B", "value"]) and values.at["B", "note"].startswith("Suppressed")
    rates = report_map_values(areas, counts, "2025", "rate").set_index("area_code")
    assert rates.at["A", "value"] == pytest.approx(60.0)
    assert rates.at["D", "value"] == 0
    # every rate has its 95% interval, except where the count is withheld: an interval
    # (a function of the count and the residents) would give the count away
    assert rates.at["A", "lower"] < 60.0 < rates.at["A", "upper"]
    assert rates.loc[["B", "C"], ["value", "lower", "upper"]].isna().all().all()
    assert report_years(counts.iloc[0:0], today=pd.Timestamp("2026-02-01").date()) == ["2026"]
    table = report_map_table(rates.reset_index(), report_indicator("rate", "2025"), "rate")
    assert list(table["Code"]) == ["A", "D", "B", "C"]


def test_trends_shows_all_reports_per_month_by_default(reports_app):
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params.update(area="E06000035", level="lad")
    app.run()
    app.switch_page("views/trends.py").run()
    assert not app.exception, app.exception
    assert app.radio(key="trends_breakdown").value == "all"
    table = app.dataframe[0].value
    rate = "Rate per 10,000 residents"
    assert table.to_dict("records") == [{
        "Month": "2025-03", "All reports": "All reports", "Approved reports": "6",
        rate: table[rate].iloc[0], "95% CI lower": table["95% CI lower"].iloc[0],
        "95% CI upper": table["95% CI upper"].iloc[0]}]  # words, no raw count column
    numbers = table[["95% CI lower", rate, "95% CI upper"]].iloc[0].astype(float)
    assert numbers.is_monotonic_increasing
    assert "reports_chart" in [chart.key for chart in app.get("plotly_chart")]
    small = AppTest.from_file(APP, default_timeout=60)
    small.query_params.update(area="E09000002", level="lad")
    small.run()
    small.switch_page("views/trends.py").run()
    assert not small.exception, small.exception
    assert "all are withheld" in small.info[0].value
    shown = small.dataframe[0].value
    assert list(shown["Approved reports"]) == ["<5"]
    assert "None" not in shown.to_string()  # a withheld rate is blank, not "None"
    drawn = [chart.key for chart in small.get("plotly_chart")]
    assert "reports_chart" not in drawn  # no empty axes: nothing to draw is said in words


def test_an_approval_shows_at_once_and_an_unchanged_store_reuses_its_cube(reports_app):
    store, directory = reports_app
    app = open_reports_map()
    assert app.dataframe[0].value.set_index("Code").at["E06000035", "Reports"] == "6"
    before = reports_version(store)
    app.run()
    assert reports_version(store) == before
    river = actor_for_email(store, "raj@riverbank.example")
    moderator = actor_for_email(store, "mod@alliance.example")
    rid = submit_report(store, river, report(area="E01016001",
                                                       incident_date="2025-04-02"),
                        directory=directory)
    approve(store, moderator, rid)
    assert reports_version(store) != before
    app.run()
    assert not app.exception, app.exception
    assert app.dataframe[0].value.set_index("Code").at["E06000035", "Reports"] == "7"
