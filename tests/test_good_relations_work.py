"""Activity CSV import (SQLite and PostgreSQL), the suppressed public summary, the
directory search, story filters, wards and the Atom document.

Every record is invented for the tests (tests/fixtures/reports/good_relations.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from xml.etree import ElementTree

import pandas as pd
import pytest

from geo.hierarchy import lsoas_of_wards, wards
from reports.activity_import import plan_activity_import, run_activity_import
from reports.cli import main as reports_cli
from reports.feed import stories_atom
from reports.importer import ImportRefused
from reports.service_areas import create_service_area
from reports.store import open_store
from reports.stories import PublishedStory
from reports.work_summary import (
    StoryFilter,
    directory_entries,
    entries_covering,
    filter_stories,
    load_recorded_activities,
    work_in_area,
)
from tests.fixtures.reports.good_relations import DIRECTORY, seed_work
from tests.fixtures.reports.helpers import TODAY, bootstrap

CSV = "\n".join([
    "title,kind,approaches,service_area,start_date,end_date,people_reached",
    "Invented: choir,Building understanding between identity groups,Arts; Other,"
    "Thamesbury north,2025-01-05,,30",
    "Invented: bad row,knitting,arts,Thamesbury north,2025-01-05,,",
    "Invented: mediation,tackling_tensions,dialogue_mediation,thamesbury NORTH,01/02/2025,"
    "28/02/2025,", ""]).encode()


def test_an_activity_file_is_checked_whole_then_imported_once(store, people):
    create_service_area(store, people["thames"], "Thamesbury north", ["E01000001"],
                        list_in_directory=True, directory=DIRECTORY)
    plan = plan_activity_import(store, CSV, "work.csv", people["thames"], today=TODAY)
    assert [row.line for row in plan.invalid] == [3]
    assert plan.invalid[0].errors[0].field == "kind"
    with pytest.raises(ImportRefused, match="1 of 3 rows"):
        run_activity_import(store, people["thames"], plan)
    assert load_recorded_activities(store).empty
    first = run_activity_import(store, people["thames"], plan, only_valid=True)
    again = run_activity_import(store, people["thames"], plan, only_valid=True)
    assert (first.imported, again.imported, again.duplicates) == (2, 0, 2)
    recorded = load_recorded_activities(store).sort_values("id")
    assert recorded["approaches"].tolist() == [("arts", "other"), ("dialogue_mediation",)]
    other = plan_activity_import(store, CSV, "work.csv", people["river"], today=TODAY)
    assert len(other.invalid) == 3  # another organisation has no such service area
    bad = plan_activity_import(store, b"title,kind\nx,y\n", "w.csv", people["thames"])
    assert "missing column(s) approaches, service_area, start_date" in bad.problems[0]


def test_the_public_summary_suppresses_small_counts_and_the_directory_searches(store, people):
    seed_work(store, people)
    activities = load_recorded_activities(store)
    summary = work_in_area(activities, ["E01000002"]).set_index("measure")["shown"]
    assert summary["All activities"] == "<5" and summary["Organisations"] == "<5"
    assert summary["People reached (as recorded)"] == "40"
    assert work_in_area(activities, ["E01016001"]).empty
    entries = directory_entries(store, activities)
    assert [(e.organisation, e.kinds) for e in entries] == [("Thamesbury Together",
                                                            ("common_purpose",))]
    assert entries_covering(entries, ["E01000002", "E01016001"]) == entries
    assert entries_covering(entries, ["E01016001"]) == []


def test_five_activities_of_one_kind_are_shown_and_the_rest_protected():
    rows = [(i, 1, 1, "common_purpose", date(2025, 1, 1), None, 10, (), frozenset({"A"}))
            for i in range(6)] + [(9, 2, 2, "capacity_building", date(2025, 1, 1), None, 3, (),
                                   frozenset({"A"}))]
    activities = pd.DataFrame(rows, columns=["id", "organisation_id", "service_area_id", "kind",
                                             "start_date", "end_date", "people_reached",
                                             "approaches", "lsoa_codes"])
    shown = work_in_area(activities, ["A"]).set_index("measure")["shown"]
    assert shown["Capacity building"] == "<5"
    # The total and the other kind together would give the hidden 1: one more is hidden.
    assert "[c]" in {shown["All activities"],
                     shown["Bringing people together for a common purpose or place"]}


def story(number: int, **changes) -> PublishedStory:
    values = dict(id=number, title=f"Invented story {number}", text="Invented <b>text</b> & more",
                  quote=None, organisation=None, kind="understanding", approaches=("arts",),
                  lsoa_codes=("E01000001",), start_date=date(2025, 1, 1), end_date=None,
                  published_at=datetime(2025, 6, 1, tzinfo=UTC))
    values.update(changes)
    return PublishedStory(**values)


def test_stories_filter_by_kind_approach_place_and_dates():
    stories = [story(1), story(2, kind="capacity_building", approaches=("sport",),
                                lsoa_codes=("E01016001",), end_date=date(2025, 2, 1))]
    ids = lambda chosen: [s.id for s in filter_stories(stories, chosen)]  # noqa: E731
    assert ids(StoryFilter()) == [1, 2]
    assert ids(StoryFilter(kinds=("understanding",))) == [1]
    assert ids(StoryFilter(approaches=("sport", "other"))) == [2]
    assert ids(StoryFilter(lsoa_codes=frozenset({"E01016001"}))) == [2]
    assert ids(StoryFilter(since=date(2025, 3, 1))) == [1]  # story 2 ended before
    assert ids(StoryFilter(until=date(2024, 12, 31))) == []


def test_the_atom_feed_escapes_text_and_names_no_one_without_consent():
    body = stories_atom([story(1), story(2, organisation="Invented Org")], "http://x.test/",
                        lambda codes: ["Invented district"])
    feed = ElementTree.fromstring(body)
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert [e.findtext(f"{atom}author/{atom}name") for e in entries] == [
        "A member organisation", "Invented Org"]
    assert "Invented <b>text</b> & more" in entries[0].findtext(f"{atom}content")
    assert b"<b>" not in body
    assert feed.find(f"{atom}link").get("href") == "http://x.test/feeds/stories.atom"


def test_wards_give_their_lsoas():
    lookup = pd.DataFrame({"lsoa21_code": ["E01000001", "E01000002", "E01000003"],
                           "ward24_code": ["E05000001", "E05000001", "E05000002"],
                           "ward24_name": ["Invented Ward", "Invented Ward", "Other Ward"],
                           "lad24_code": "E09000001", "lad24_name": "Thamesbury"})
    assert lsoas_of_wards(lookup, ["E05000001"]) == ["E01000001", "E01000002"]
    assert wards(lookup)["ward24_name"].tolist() == ["Invented Ward", "Other Ward"]


def test_activities_are_imported_from_the_command_line(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    monkeypatch.setenv("GRA_DATABASE_URL", url)
    store = open_store(url=url)
    people = bootstrap(store)
    create_service_area(store, people["thames"], "Thamesbury north", ["E01000001"],
                        list_in_directory=False, directory=DIRECTORY)
    (tmp_path / "work.csv").write_bytes(CSV)
    args = ["import-activities", str(tmp_path / "work.csv"), "--as", "ana@thamesbury.example"]
    assert reports_cli(args) == 1
    assert "line 3: kind:" in capsys.readouterr().err
    assert reports_cli([*args, "--only-valid"]) == 0
    assert "imported 2 activities" in capsys.readouterr().out
    assert len(load_recorded_activities(store)) == 2
    store.dispose()
