"""The good relations pages with AppTest: Our work (service areas from postcodes over the
loopback postcodes.io, activities, stories), Moderation's Stories tab, the public Stories
and Who works where pages and the profile's "Good relations work here".

Every organisation, activity and story is invented for the tests.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache, Provenance
from reports.activities import list_activities
from reports.service_areas import list_service_areas
from reports.store import open_store
from reports.stories import own_stories, published_stories, return_story, revise_story
from settings import PROJECT_ROOT, get_settings
from tests.fixtures.reports.good_relations import seed_work, story
from tests.fixtures.reports.helpers import bootstrap, lookup_frames
from tests.test_profile import districts
from tests.test_submit_page import signed_in, texts

OUR_WORK = str(PROJECT_ROOT / "views" / "our_work.py")
MODERATION = str(PROJECT_ROOT / "views" / "moderation.py")
STORIES = str(PROJECT_ROOT / "views" / "stories.py")
DIRECTORY = str(PROJECT_ROOT / "views" / "directory.py")
# The mirror's postcodes.io record of LE1 6RP lies in E01013571; its district and names
# here are invented for the tests.
LEICESTER_ROWS = [("E01013571", "Invented Leicester 027C", "E02002812", "Invented Leicester 027",
                   "E06000016", "Invented Leicester"),
                  ("E01013572", "Invented Leicester 027D", "E02002812", "Invented Leicester 027",
                   "E06000016", "Invented Leicester")]


def write_cache(root) -> None:
    """The tiny England of the report tests plus two invented Leicester LSOAs."""
    lsoa, region, populations = lookup_frames()
    lsoa = pd.concat([lsoa, pd.DataFrame(LEICESTER_ROWS, columns=lsoa.columns)],
                     ignore_index=True).astype("string")
    region = pd.concat([region, pd.DataFrame([("E06000016", "Invented Leicester", "E12000004",
                                               "East Midlands")], columns=region.columns)],
                       ignore_index=True).astype("string")
    wards = pd.DataFrame({"lsoa21_code": ["E01000001", "E01000002", "E01000003"],
                          "lsoa21_name": ["a", "b", "c"],
                          "ward24_code": ["E05000001", "E05000001", "E05000002"],
                          "ward24_name": ["Invented Riverside", "Invented Riverside",
                                          "Invented Hill"],
                          "lad24_code": "E09000001", "lad24_name": "Thamesbury"})
    cache = Cache(root)
    for name, frame in (("lookup_lsoa21_msoa21_lad22", lsoa), ("lookup_lad22_region", region),
                        ("census2021_ethnicity_lsoa", populations[0]),
                        ("lookup_lsoa21_ward24_lad24", wards)):
        cache.store_table(frame, Provenance(name, "test", name, "http://test", "2021", "lsoa",
                                            "OGL", "test fixture"))


@pytest.fixture
def people(mirror_env, mirror, tmp_path, monkeypatch):
    mirror.reset()
    write_cache(mirror_env.cache_dir)
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    monkeypatch.setenv("GRA_DATABASE_URL", url)
    get_settings.cache_clear()
    store = open_store(url=url)
    actors = bootstrap(store)
    yield store, actors
    store.dispose()


def test_a_member_defines_an_area_from_postcodes_records_an_activity_and_tells_a_story(people):
    store, actors = people
    at = signed_in(OUR_WORK, "ana@thamesbury.example")
    assert not at.exception, at.exception
    at.text_input(key="area_name").input("Invented: around the library")
    at.text_area(key="area_postcodes").input("le16rp\nZZ9 9ZZ")
    at.button(key="area_lookup").click().run()
    assert "1 neighbourhoods (LSOAs 2021) chosen, in Invented Leicester." in [
        t.value for t in at.text]
    assert "ZZ9 9ZZ: no such postcode" in at.warning[0].value
    at.checkbox(key="area_listed").check()
    at.button(key="area_save").click().run()
    assert "saved with 1 neighbourhoods" in at.success[0].value
    [area] = list_service_areas(store, actors["thames"])
    assert area.lsoa_codes == ("E01013571",) and area.list_in_directory

    at.text_input(key="act_title").input("Invented: shared allotment")
    at.selectbox(key="act_kind").select("common_purpose")
    at.multiselect(key="act_approaches").select("community_development")
    at.selectbox(key="act_service_area").select("Invented: around the library")
    at.date_input(key="act_start_date").set_value("2025-02-01")
    at.number_input(key="act_people_reached").set_value(25)
    at.button(key="act_save").click().run()
    assert not at.exception, at.exception
    assert "is recorded" in texts(at)
    [activity] = list_activities(store, actors["thames"])
    assert activity.people_reached == 25 and activity.approaches == ("community_development",)

    at.selectbox(key="story_activity").select(activity.id)
    at.text_input(key="story_title").input("Invented: carrots and conversation")
    at.text_area(key="story_text").input("Invented: neighbours who had never met now share "
                                         "a plot.")
    at.button(key="story_send").click().run()
    assert "consent" in texts(at)  # no consent ticked: nothing stored
    assert own_stories(store, actors["thames"]) == []
    at.checkbox(key="story_consent").check()
    at.button(key="story_send").click().run()
    assert "sent to the moderators" in texts(at)
    assert [s.status for s in own_stories(store, actors["thames"])] == ["pending"]


def test_service_areas_from_wards_districts_and_picked_neighbourhoods(people):
    store, actors = people
    at = signed_in(OUR_WORK, "ana@thamesbury.example")
    for name, method, choose in [
            ("Invented: riverside", "Wards",
             lambda: at.multiselect(key="area_wards").select("E05000001")),
            ("Invented: Marshfield", "Districts",
             lambda: at.multiselect(key="area_districts").select("E09000002")),
            ("Invented: two streets", "Neighbourhoods of a district (map)",
             lambda: (at.selectbox(key="area_pick_district").select("E09000001").run(),
                      at.multiselect(key="area_lsoas_E09000001").select("E01000003")
                      .select("E01000005")))]:
        at.text_input(key="area_name").input(name)
        at.radio(key="area_method").set_value(method).run()
        choose()
        at.run()
        at.button(key="area_save").click().run()
        assert not at.exception, at.exception
        assert "is saved" in at.success[0].value, texts(at)
    found = {a.name: a.lsoa_codes for a in list_service_areas(store, actors["thames"])}
    assert found == {"Invented: riverside": ("E01000001", "E01000002"),
                     "Invented: Marshfield": ("E01000007", "E01000008"),
                     "Invented: two streets": ("E01000003", "E01000005")}


def test_bad_activity_fields_are_shown_next_to_them(people):
    at = signed_in(OUR_WORK, "ana@thamesbury.example")
    at.button(key="act_save").click().run()
    messages = " ".join(e.value for e in at.error)
    assert "short name" in messages and "Choose the kind" in messages
    assert "Define a service area first" in messages


def test_a_moderator_returns_then_publishes_a_story(people):
    store, actors = people
    seeded = seed_work(store, actors, approve=False)
    pending = own_stories(store, actors["thames"])[0]
    return_story(store, actors["moderator"], pending.id, "Invented note: add a quote.")
    revise_story(store, actors["thames"], pending.id, story(seeded["activity"]))
    at = signed_in(MODERATION, "mod@alliance.example")
    assert not at.exception, at.exception
    assert any("Stories waiting for a moderator: 1" in s.value for s in at.subheader)
    at.button(key="mod_story_approve").click().run()
    assert f"Story {pending.id} is published." in texts(at)
    assert [s.id for s in published_stories(store)] == [pending.id]


def test_visitors_find_stories_by_place_and_kind_and_the_directory_by_postcode(people):
    store, actors = people
    seed_work(store, actors)
    at = AppTest.from_file(STORIES, default_timeout=30).run()
    assert not at.exception, at.exception
    shown = " ".join(t.value for t in at.text)
    assert "Invented story text" in shown and "Invented quote" in shown
    assert "ana@thamesbury.example" not in shown
    at.text_input(key="stories_place").input("Marshfield").run()
    assert "No published story matches" in texts(at)
    at.text_input(key="stories_place").input("E01000002").run()
    at.multiselect(key="stories_kinds").select("common_purpose").run()
    assert "Invented story text" in " ".join(t.value for t in at.text)
    at.multiselect(key="stories_kinds").unselect("common_purpose").select("capacity_building").run()
    assert "No published story matches" in texts(at)

    at = AppTest.from_file(DIRECTORY, default_timeout=30).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert table["Organisation"].tolist() == ["Thamesbury Together"]
    assert table["Kinds of work"].tolist() == [
        "Bringing people together for a common purpose or place"]
    at.text_input(key="directory_place").input("Riverbank").run()
    assert "No listed organisation works there yet." in texts(at)


def test_an_unlisted_area_and_an_unnamed_organisation_stay_private(people):
    store, actors = people
    seed_work(store, actors, listed=False, name_organisation=False)
    at = AppTest.from_file(DIRECTORY, default_timeout=30).run()
    assert "No organisation has listed a service area yet" in texts(at)
    at = AppTest.from_file(STORIES, default_timeout=30).run()
    page = " ".join(str(e.value) for e in [*at.text, *at.caption, *at.markdown])
    assert "Thamesbury Together" not in page and "Told by a member organisation" in page


def test_the_profile_shows_good_relations_work_here_suppressed(people, mirror_env):
    store, actors = people
    seed_work(store, actors)
    joined = districts()
    for column in ("area_code", "lad_code"):
        if column in joined:
            joined[column] = joined[column].replace("E06000000", "E09000001")
    Cache(mirror_env.cache_dir).store_table(joined, Provenance(
        dataset="joined_area_indicator", source="derived", title="Joined (test)", url="",
        vintage="Census 2021", geography="LAD 2022", licence="OGL v3.0", attribution="Test."))
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "profile.py"), default_timeout=60)
    at.query_params["area"] = "E09000001"
    at.run()
    assert not at.exception, at.exception
    assert "Good relations work here" in [s.value for s in at.subheader]
    work = next(d.value for d in at.dataframe if "Measure" in d.value.columns)
    assert dict(zip(work["Measure"], work["Count"], strict=True))["All activities"] == "<5"
    assert "Invented story text" in " ".join(t.value for t in at.text)
