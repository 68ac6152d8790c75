"""The Submit a report page and sign-in, driven with AppTest on a SQLite store in tmp."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from reports.moderation import list_reports
from reports.store import open_store
from settings import PROJECT_ROOT, get_settings
from tests.fixtures.reports.helpers import PASSWORD, bootstrap
from tests.test_reports_import import write_tiny_cache

PAGE = str(PROJECT_ROOT / "views" / "submit.py")


@pytest.fixture
def people(tmp_path, monkeypatch):
    write_tiny_cache(tmp_path / "cache")
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GRA_DATABASE_URL", url)
    monkeypatch.setenv("GRA_OFFLINE", "1")
    get_settings.cache_clear()
    store = open_store(url=url)
    actors = bootstrap(store)
    yield store, actors
    store.dispose()


def signed_in(page: str, email: str, password: str = PASSWORD, timeout: int = 30) -> AppTest:
    at = AppTest.from_file(page, default_timeout=timeout).run()
    at.text_input(key="signin_page_email").input(email)
    at.text_input(key="signin_page_password").input(password)
    at.button[0].click().run()
    return at


def texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.error, *at.warning, *at.success, *at.info])


def test_not_signed_in_is_refused(people):
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    assert "Sign in" in at.warning[0].value
    assert not at.text_area and not at.dataframe
    assert [t.label for t in at.text_input] == ["Email", "Password"]


def test_wrong_password_is_an_error(people):
    at = signed_in(PAGE, "ana@thamesbury.example", "not the password")
    assert not at.exception
    assert "Wrong email or password" in texts(at)
    assert not at.text_area


def test_member_submits_a_valid_report_once(people):
    store, actors = people
    at = signed_in(PAGE, "ana@thamesbury.example")
    assert not at.exception
    at.text_input(key="submit_area").input("E01000001")
    at.button(key="submit_lookup").click().run()
    assert "Thamesbury 001" in " ".join(t.value for t in at.text)
    at.selectbox(key="submit_category").select("rumour")
    at.selectbox(key="submit_tension_level").select("moderate").run()
    assert any("visible" in c.value for c in at.caption)
    at.text_area(key="submit_description").input("Rumour about the new hostel.")
    at.button(key="submit_send").click().run()
    assert "report number" in at.success[0].value
    at.button(key="submit_send").click().run()  # a double click stores nothing new
    assert len(list_reports(store, actors["thames"])) == 1
    assert at.dataframe[-1].value["Description"].tolist() == ["Rumour about the new hostel."]


def test_invalid_report_shows_errors_by_field(people):
    store, actors = people
    at = signed_in(PAGE, "ana@thamesbury.example")
    at.text_input(key="submit_area").input("E01999999")
    at.button(key="submit_send").click().run()
    messages = [e.value for e in at.error]
    assert any("not a 2021 area code we know" in m for m in messages)
    assert any("Choose a category" in m for m in messages)
    assert any("short description" in m for m in messages)
    assert list_reports(store, actors["thames"]) == []
    # Issue 14: a successful look-up clears the earlier error about the area.
    at.text_input(key="submit_area").input("E01000001")
    at.button(key="submit_lookup").click().run()
    assert "Thamesbury 001" in " ".join(t.value for t in at.text)
    assert not any("area code" in e.value for e in at.error)


def test_the_page_promises_what_public_views_show(people):
    """Public views show a count of 1 to 4 as "<5": the page says so, not "five or more"."""
    at = signed_in(PAGE, "ana@thamesbury.example")
    note = " ".join(c.value for c in at.caption)
    assert "“<5”" in note and "five or more" not in note


def test_member_sees_only_own_organisation_and_withdraws(people):
    from reports.submissions import submit_report
    from tests.fixtures.reports.helpers import report, tiny_directory

    store, actors = people
    directory = tiny_directory()
    submit_report(store, actors["river"], report(description="<b>river</b>"),
                  directory=directory)
    mine = submit_report(store, actors["thames"], report(description="**thames**"),
                         directory=directory)
    at = signed_in(PAGE, "ana@thamesbury.example")
    table = at.dataframe[-1].value
    assert table["Description"].tolist() == ["**thames**"]
    at.button(key="submit_withdraw").click().run()
    assert f"Report {mine} is withdrawn" in at.success[0].value
    assert at.dataframe[-1].value["Status"].tolist() == ["Withdrawn"]


def test_the_area_can_be_found_by_a_ward_name(people):
    import pandas as pd

    from data_sources.cache import Cache, Provenance
    Cache(get_settings().cache_dir).store_table(
        pd.DataFrame({"lsoa21_code": ["E01000001"], "ward24_name": ["Riverside Quarter"]}),
        Provenance("lookup_lsoa21_ward24_lad24", "test", "wards", "http://test", "2024",
                   "lsoa", "OGL", "test fixture"))
    at = signed_in(PAGE, "ana@thamesbury.example")
    at.text_input(key="submit_area").input("riverside").run()
    assert not at.exception, at.exception
    pick = at.selectbox(key="submit_area_pick")
    lsoa = next(o for o in pick.options if "E01000001" in o)
    assert "Riverside Quarter ward" in lsoa and "E02000001" in pick.options[0]
    pick.set_value("E01000001").run()
    assert at.text_input(key="submit_area").value == "E01000001"
    at.text_input(key="submit_area").input("Nowhere Special").run()
    assert any("No district, neighbourhood or ward" in c.value for c in at.caption)
