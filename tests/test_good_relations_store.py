"""Service areas, activities and stories in the report store, on SQLite and PostgreSQL.

Every record here is invented for the tests (tests/fixtures/reports/good_relations.py).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reports.activities import (
    InvalidActivity,
    get_activity,
    list_activities,
    record_activity,
    withdraw_activity,
)
from reports.auth import PermissionDenied
from reports.models import AuditEntry
from reports.service_area_sources import lsoas_from_postcodes, lsoas_within
from reports.service_areas import (
    ServiceAreaError,
    create_service_area,
    directory_service_areas,
    get_service_area,
    list_service_areas,
    set_directory_listing,
)
from reports.stories import (
    InvalidStory,
    StoryError,
    approve_story,
    own_stories,
    published_stories,
    return_story,
    revise_story,
    story_audit,
    story_queue,
    submit_story,
)
from tests.fixtures.reports.good_relations import DIRECTORY, activity, seed_work, story
from tests.fixtures.reports.helpers import TODAY, fake_postcodes


def test_a_service_area_keeps_its_lsoas_organisation_and_consent(store, people):
    area_id = create_service_area(store, people["thames"], "  Thamesbury   north ",
                                  ["e01000002", "E01000001", "E01000001"],
                                  list_in_directory=False, directory=DIRECTORY)
    area = get_service_area(store, area_id, people["thames"])
    assert area.name == "Thamesbury north" and area.organisation == "Thamesbury Together"
    assert area.lsoa_codes == ("E01000001", "E01000002") and not area.list_in_directory
    assert [a.id for a in list_service_areas(store, people["moderator"])] == [area_id]
    assert list_service_areas(store, people["river"]) == []
    with pytest.raises(LookupError):
        get_service_area(store, area_id)  # not listed: the public cannot see it
    with pytest.raises(LookupError):
        get_service_area(store, area_id, people["river"])
    set_directory_listing(store, people["thames"], area_id, True)
    assert [a.id for a in directory_service_areas(store)] == [area_id]
    assert get_service_area(store, area_id).list_in_directory


def test_bad_service_areas_are_refused_and_nothing_is_stored(store, people):
    for name, codes, words in [("", ["E01000001"], "name"), ("North", [], "at least one"),
                               ("North", ["E02000001"], "not 2021 LSOAs"),
                               ("North", ["E01999999"], "E01999999")]:
        with pytest.raises(ServiceAreaError, match=words):
            create_service_area(store, people["thames"], name, codes, list_in_directory=True,
                                directory=DIRECTORY)
    create_service_area(store, people["thames"], "North", ["E01000001"],
                        list_in_directory=True, directory=DIRECTORY)
    with pytest.raises(ServiceAreaError, match="already"):
        create_service_area(store, people["thames"], "north", ["E01000001"],
                            list_in_directory=True, directory=DIRECTORY)
    assert len(list_service_areas(store, people["admin"])) == 1


def test_lsoas_from_postcodes_districts_and_msoas():
    found = lsoas_from_postcodes("sw1a1aa\nZZ9 9ZZ, EH1 1AA; nonsense",
                                 lambda _: fake_postcodes, DIRECTORY)
    assert found.lsoa_codes == ["E01000001"]
    assert found.problems == ["NONSENSE: not a postcode", "ZZ9 9ZZ: no such postcode",
                              "EH1 1AA: postcode EH1 1AA is not in England"]
    assert lsoas_within(["E09000002", "E02003302"], DIRECTORY).lsoa_codes == [
        "E01000007", "E01000008", "E01016003"]
    assert lsoas_within(["E12000007"], DIRECTORY).problems


def test_an_activity_is_checked_stored_and_audited(store, people):
    create_service_area(store, people["thames"], "Thamesbury north", ["E01000001"],
                        list_in_directory=True, directory=DIRECTORY)
    activity_id = record_activity(store, people["thames"], activity(
        approaches="Arts; dialogue_mediation", end_date="31/03/2025"), today=TODAY)
    found = get_activity(store, people["thames"], activity_id)
    assert (found.kind, found.approaches, found.people_reached) == (
        "common_purpose", ("arts", "dialogue_mediation"), 40)
    assert found.end_date.isoformat() == "2025-03-31" and found.status == "recorded"
    with pytest.raises(LookupError):
        get_activity(store, people["river"], activity_id)
    with pytest.raises(InvalidActivity) as refused:
        record_activity(store, people["thames"], activity(
            kind="knitting", approaches=[], service_area="Elsewhere", start_date="2025-05-01",
            end_date="2025-04-01", people_reached="many"), today=TODAY)
    fields = {error.field for error in refused.value.errors}
    assert fields == {"kind", "approaches", "service_area", "end_date", "people_reached"}
    with pytest.raises(InvalidActivity, match="service_area"):  # another org's area
        record_activity(store, people["river"], activity(), today=TODAY)
    withdraw_activity(store, people["thames"], activity_id, "recorded twice")
    assert list_activities(store, people["moderator"], include_withdrawn=False) == []
    with store.read() as session:
        actions = session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "activity")).all()
    assert actions == ["record", "withdraw"]


def test_the_same_form_twice_stores_one_activity(store, people):
    create_service_area(store, people["thames"], "Thamesbury north", ["E01000001"],
                        list_in_directory=True, directory=DIRECTORY)
    first = record_activity(store, people["thames"], activity(), submission_key="k", today=TODAY)
    again = record_activity(store, people["thames"], activity(), submission_key="k", today=TODAY)
    assert first == again and len(list_activities(store, people["thames"])) == 1


def test_a_story_is_moderated_then_public_without_naming_without_consent(store, people):
    seeded = seed_work(store, people, name_organisation=False)
    [public] = published_stories(store)
    assert public.organisation is None and public.lsoa_codes == ("E01000001", "E01000002")
    assert public.kind == "common_purpose" and public.approaches == ("sport",)
    return_story(store, people["moderator"], seeded["story"], "Please shorten the quote.")
    assert published_stories(store) == []
    [mine] = own_stories(store, people["thames"])
    assert mine.status == "returned" and mine.moderation_note == "Please shorten the quote."
    revise_story(store, people["thames"], mine.id,
                 story(seeded["activity"], quote="Shorter.", name_organisation=True))
    assert [s.id for s in story_queue(store, people["moderator"])] == [mine.id]
    approve_story(store, people["moderator"], mine.id)
    [public] = published_stories(store)
    assert public.organisation == "Thamesbury Together" and public.quote == "Shorter."
    actions = [entry.action for entry in story_audit(store, people["moderator"], mine.id)]
    assert actions == ["submit", "approve", "return", "revise", "approve"]


def test_stories_need_consent_an_own_activity_and_a_moderator(store, people):
    seeded = seed_work(store, people)
    with pytest.raises(InvalidStory, match="consent"):
        submit_story(store, people["thames"], story(seeded["activity"], consent_publish=False))
    with pytest.raises(LookupError):
        submit_story(store, people["river"], story(seeded["activity"]))
    pending = submit_story(store, people["thames"], story(seeded["activity"]))
    with pytest.raises(PermissionDenied):
        approve_story(store, people["thames"], pending)
    with pytest.raises(StoryError, match="note"):
        return_story(store, people["moderator"], pending, "  ")
    with pytest.raises(StoryError):
        approve_story(store, people["moderator"], seeded["story"])  # already published


def test_a_withdrawn_activity_takes_its_stories_down(store, people):
    seeded = seed_work(store, people)
    withdraw_activity(store, people["thames"], seeded["activity"])
    assert published_stories(store) == []
