"""The Service area profile and What changed pages, driven with AppTest on the invented
England of tests/fixtures/service_areas.py and a SQLite store seeded with INVENTED
records (tests only, never shipped)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from reports.activities import ActivityInput, record_activity
from reports.service_areas import create_service_area
from reports.store import open_store
from settings import PROJECT_ROOT, get_settings
from tests.fixtures import service_areas as invented
from tests.fixtures.reports.helpers import TODAY, bootstrap
from tests.test_submit_page import signed_in as sign_in
from ui.report_counts import SERVICE_AREA_COUNTS

EFFECT = str(PROJECT_ROOT / "views" / "effect.py")
PROFILE = str(PROJECT_ROOT / "views" / "service_area.py")


@pytest.fixture
def seeded(tmp_path, monkeypatch):
    invented.store_cache(tmp_path / "cache")
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GRA_DATABASE_URL", url)
    monkeypatch.setenv("GRA_OFFLINE", "1")
    get_settings.cache_clear()
    store = open_store(url=url)
    people = bootstrap(store)
    create_service_area(store, people["thames"], "Invented: Eastgate estates",
                        invented.SERVICE_AREA, list_in_directory=True,
                        directory=invented.directory())
    for title, start in (("Invented: street dialogue", "2024-07-11"),
                         ("Invented: new choir", "2025-05-02")):
        record_activity(store, people["thames"], ActivityInput(
            title=title, kind="tackling_tensions", approaches=["dialogue_mediation"],
            service_area="Invented: Eastgate estates", start_date=start, end_date=None,
            people_reached="30"), today=TODAY)
    create_service_area(store, people["river"], "Invented: unlisted riverside",
                        invented.SERVICE_AREA[:2], list_in_directory=False,
                        directory=invented.directory())
    invented.seed_reports(store, people["thames"], "2024-07")
    yield store, people
    store.dispose()


def signed_in(page: str) -> AppTest:
    at = sign_in(page, "ana@thamesbury.example", timeout=120)
    assert not at.exception, at.exception
    return at


def words(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.markdown, *at.info, *at.caption, *at.warning])


def test_effect_page_needs_a_member(seeded):
    at = AppTest.from_file(EFFECT, default_timeout=60).run()
    assert not at.exception
    assert "Sign in" in at.warning[0].value and not at.dataframe


def test_effect_page_estimates_against_similar_areas(seeded):
    at = signed_in(EFFECT)
    at.selectbox(key="effect_activity").set_value("1").run()  # street dialogue, July 2024
    assert not at.exception, at.exception
    assert at.header[0].value == "Invented: street dialogue in Invented: Eastgate estates"
    estimates = at.dataframe[0].value
    assert list(estimates["Measure"].str.split(" per").str[0]) == [
        "public-order offences", "anti-social behaviour incidents", "tension reports"]
    assert estimates["Months before / after"].iloc[:2].eq("12 / 12").all()
    # the service area's tension reports come from the audited publication
    # (INVENTED reports rise by 6 a month in one of its LSOAs from the start on)
    reports = estimates.iloc[2]
    assert reports["Months before / after"] == "12 / 12"
    assert reports["Difference in differences"].startswith("+")
    assert " to " in reports["95% interval"]
    text = words(at)
    assert SERVICE_AREA_COUNTS in text
    assert "does not show that the activity caused any change" in text
    assert "Welch" in text and "similar areas" in text
    assert any(b.label == "Download bid PDF" for b in at.get("download_button"))
    assert at.query_params["activity"]


def test_too_few_months_in_plain_words(seeded):
    at = signed_in(EFFECT)
    at.selectbox(key="effect_activity").set_value("2").run()  # new choir, May 2025
    assert not at.exception, at.exception
    text = words(at)
    assert "Too few months to tell: 12 months with data before the start and 2 after" in text
    assert at.dataframe[0].value["Difference in differences"].eq("").all()


def test_service_area_profile_is_public_when_listed(seeded):
    at = AppTest.from_file(PROFILE, default_timeout=120).run()
    assert not at.exception, at.exception
    assert at.header[0].value == "Invented: Eastgate estates"
    # the unlisted area of another organisation is not offered to the public
    assert at.selectbox(key="service_area_pick").options == [
        "Invented: Eastgate estates (Thamesbury Together)"]
    frames = [d.value for d in at.dataframe]
    key = next(f for f in frames if "Indicator" in f.columns)
    assert any(key["Indicator"].str.startswith("IMD average score"))
    assert any(len(f) == 5 and "Distance" in f.columns for f in frames)
    assert any("Dissimilarity" in " ".join(f["Indicator"]) for f in [key])
    assert "6 small areas (LSOAs)" in words(at)
    assert {b.label for b in at.get("download_button")} == {"Download PDF", "Download HTML"}
    # its tension reports by year, suppressed with every published table
    years = next(f for f in frames if "Approved reports" in f.columns)
    assert years["Year"].tolist() == ["2023", "2024", "2025"]
    assert years["Approved reports"].str.fullmatch(r"\d+|<5|\[c\]").all()
    assert SERVICE_AREA_COUNTS in words(at)


def test_service_area_counts_left_out_are_said_not_taken_for_zero(seeded, monkeypatch):
    # as when overlapping service areas hold too many small counts to audit quickly
    monkeypatch.setattr("reports.area_set_cube.MAX_RISKY_CELLS", -1)
    at = signed_in(EFFECT)
    at.selectbox(key="effect_activity").set_value("1").run()
    assert not at.exception, at.exception
    reports = at.dataframe[0].value.iloc[2]
    assert reports["Months before / after"] == "0 / 0"
    assert reports["Difference in differences"] == ""
    assert "not published by month" in words(at)
    assert "no approved tension reports" not in words(at)
