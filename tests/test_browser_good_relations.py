"""Good relations work end to end in headless Chromium: a member defines a service area
from a postcode (looked up on the loopback postcodes.io), records an activity and tells
its story; a moderator publishes it; a visitor finds it on the Stories page, in the Who
works where directory and in the district's area profile, and in the Atom feed.

Every organisation, place name, activity and story is invented for the test.
"""

from __future__ import annotations

import pytest
import requests

from bench.national import app_environment
from bench.server import app_server
from data_sources.cache import Cache, Provenance
from reports.store import open_store
from tests.browser import ARTIFACTS, browser_missing
from tests.fixtures.reports.helpers import bootstrap
from tests.test_deploy import SHOTS, chromium
from tests.test_good_relations_pages import write_cache
from tests.test_profile import districts

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
