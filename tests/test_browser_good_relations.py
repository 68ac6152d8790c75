"""Good relations work end to end in headless Chromium: a member defines a service area
from a postcode (looked up on the loopback postcodes.io), records an activity and tells
its story; a moderator publishes it; a visitor finds it on the Stories page, in the Who
works where directory and in the district's area profile, and in the Atom feed. A member
opens What changed for an activity of a store seeded with invented reports and sees its
service area before and after against similar areas, with intervals.

Every organisation, place name, activity and story is invented for the test.
"""

from __future__ import annotations

import pytest
import requests

from bench.national import app_environment
from bench.server import app_server
from data_sources.cache import Cache, Provenance
from reports.activities import ActivityInput, record_activity
from reports.service_areas import create_service_area
from reports.store import open_store
from tests.browser import ARTIFACTS, browser_missing, drawn_areas, wait_map
from tests.fixtures import service_areas as invented
from tests.fixtures.reports.helpers import TODAY, bootstrap
from tests.test_deploy import SHOTS, chromium
from tests.test_good_relations_pages import write_cache
from tests.test_profile import districts
from tests.test_work_map import build_map_tiles

pytestmark = [pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing())),
              pytest.mark.timeout(600)]
LEICESTER = "E06000016"
STORY = "Invented: carrots and conversation"


@pytest.fixture
def app_url(mirror, tmp_path):
    mirror.reset()
    SHOTS.mkdir(parents=True, exist_ok=True)
    cache_dir = tmp_path / "cache"
    write_cache(cache_dir)
    build_map_tiles(cache_dir)  # invented squares, for the Stories map
    joined = districts()  # its first district stands in for the mirror's Leicester
    joined = joined[joined["area_code"] != LEICESTER].reset_index(drop=True)
    joined["area_code"] = joined["area_code"].replace("E06000000", LEICESTER)
    Cache(cache_dir).store_table(joined, Provenance(
        dataset="joined_area_indicator", source="derived", title="Joined (test)", url="",
        vintage="Census 2021", geography="LAD 2022", licence="OGL v3.0", attribution="Test."))
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    store = open_store(url=url)
    bootstrap(store)
    store.dispose()
    env = app_environment(cache_dir, GRA_DATABASE_URL=url,
                          GRA_POSTCODES_BASE_URL=mirror.url("api.postcodes.io"))
    env.pop("GRA_OFFLINE")
    with app_server(cache_dir, ARTIFACTS / "streamlit-good-relations.log", env=env) as server:
        yield server.url


def open_tab(browser, label: str) -> None:
    """Click the tab ``label`` once the page has drawn it."""
    def tab():
        return next((t for t in browser.driver.find_elements("css selector", "[role='tab']")
                     if t.text.strip() == label), None)

    browser.wait_until(lambda: tab() is not None, f"tab {label}")
    browser.retry(lambda: tab().click(), label)


def close_popup(browser) -> None:
    """Close a multiselect's options or a date's calendar, which stay open after a choice."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(browser.driver).send_keys(Keys.ESCAPE).perform()


def tick(browser, key: str) -> None:
    browser.retry(lambda: browser.css(f".st-key-{key} label").click(), key)


def test_member_story_moderated_then_found_by_a_visitor(app_url):
    with chromium("gr-member") as member:
        member.open(app_url + "/")
        member.sign_in("ana@thamesbury.example")
        member.open(app_url + "/our-work")
        member.wait_for("Define a service area")
        member.type_into("area_name", "Invented: around the library")
        member.type_into("area_postcodes", "LE1 6RP", "textarea")
        member.click("area_lookup")
        member.wait_for("1 neighbourhoods (LSOAs 2021) chosen, in Invented Leicester.")
        tick(member, "area_listed")
        member.click("area_save")
        member.wait_for("saved with 1 neighbourhoods")
        member.shot("service-area-saved")

        open_tab(member, "Activities")
        member.type_into("act_title", "Invented: shared allotment")
        member.choose("act_kind", "Bringing people together")
        member.choose("act_approaches", "Community development")
        close_popup(member)
        member.choose("act_service_area", "Invented: around the library")
        member.type_into("act_start_date", "01/02/2025")
        close_popup(member)
        member.click("act_save")
        member.wait_for("is recorded")
        member.shot("activity-recorded")

        open_tab(member, "Stories")
        member.choose("story_activity", "Invented: shared allotment")
        member.type_into("story_title", STORY)
        member.type_into("story_text", "Invented: neighbours who had never met now share a "
                                       "plot.", "textarea")
        tick(member, "story_consent")
        tick(member, "story_name_org")
        member.click("story_send")
        member.wait_for("sent to the moderators")
        member.shot("story-sent")

    with chromium("gr-moderator") as moderator:
        moderator.open(app_url + "/")
        moderator.sign_in("mod@alliance.example")
        moderator.open(app_url + "/moderation")
        open_tab(moderator, "Stories")
        moderator.wait_for("Stories waiting for a moderator: 1")
        moderator.wait_for("neighbours who had never met")
        moderator.click("mod_story_approve")
        moderator.wait_for("is published")
        moderator.shot("story-published")

    with chromium("gr-visitor") as visitor:
        visitor.open(app_url + "/stories")
        visitor.wait_for(STORY)
        visitor.wait_for("Told by Thamesbury Together")
        wait_map(visitor.driver)  # the districts with stories: Invented Leicester
        assert drawn_areas(visitor.driver) == 1
        visitor.shot("stories-page")
        visitor.open(app_url + "/who-works-where")
        visitor.type_into("directory_place", "LE1 6RP")
        visitor.wait_for("1 listed service area(s) overlap Invented Leicester 027C")
        assert "Thamesbury Together" in visitor.table_cells()
        visitor.shot("directory")
        visitor.open(app_url + f"/profile?area={LEICESTER}")
        visitor.wait_for("Good relations work here")
        visitor.wait_for(STORY)
        visitor.shot("profile")
    feed = requests.get(app_url + "/feeds/stories.atom", timeout=30)
    assert STORY in feed.text and "Invented Leicester" in feed.text


@pytest.fixture
def seeded_url(tmp_path):
    """The invented England of tests/fixtures/service_areas.py and a store of INVENTED
    records: a service area, an activity from July 2024 and approved tension reports."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    cache_dir = tmp_path / "cache"
    invented.store_cache(cache_dir)
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    store = open_store(url=url)
    people = bootstrap(store)
    create_service_area(store, people["thames"], "Invented: Eastgate estates",
                        invented.SERVICE_AREA, list_in_directory=True,
                        directory=invented.directory())
    record_activity(store, people["thames"], ActivityInput(
        title="Invented: street dialogue", kind="tackling_tensions",
        approaches=["dialogue_mediation"], service_area="Invented: Eastgate estates",
        start_date="2024-07-11", end_date=None, people_reached="30"), today=TODAY)
    invented.seed_reports(store, people["thames"], "2024-07")
    store.dispose()
    env = app_environment(cache_dir, GRA_DATABASE_URL=url)
    with app_server(cache_dir, ARTIFACTS / "streamlit-what-changed.log", env=env) as server:
        yield server.url


def test_member_sees_what_changed_against_similar_areas(seeded_url):
    with chromium("gr-effect") as member:
        member.open(seeded_url + "/")
        member.sign_in("ana@thamesbury.example")
        member.open(seeded_url + "/what-changed?activity=1")
        member.wait_for("Invented: street dialogue in Invented: Eastgate estates")
        member.wait_for("Compared with its 5 most similar")
        member.wait_for("95% interval")
        for measure in ("public-order offences", "anti-social behaviour incidents",
                        "tension reports"):
            member.wait_for(f"Set against its similar areas, the service area's rate of "
                            f"{measure}")
        member.wait_for("does not show that the activity caused any change")
        cells = member.table_cells()
        assert "12 / 12" in cells
        assert sum(" to " in cell for cell in cells) >= 3  # an interval for each measure
        member.wait_until(lambda: len(member.driver.find_elements(
            "css selector", "[data-testid='stImage'] img")) >= 3, "the three charts")
        path = member.shot("what-changed")
        charts = member.driver.find_elements("css selector", "[data-testid='stImage'] img")
        member.driver.execute_script("arguments[0].scrollIntoView()", charts[-1])
        reports = SHOTS / "gr-effect-what-changed-tension-reports.png"
        charts[-1].screenshot(str(reports))
    assert path.stat().st_size > 50_000 and reports.stat().st_size > 10_000
