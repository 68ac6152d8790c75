"""Checking reports: one plain-English message per problem field (with property tests)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.taxonomy import CATEGORIES, CATEGORY_IDS, TENSION_LEVEL_IDS, TENSION_LEVELS
from reports.validation import (
    EARLIEST_DATE,
    FIELDS,
    MAX_DESCRIPTION,
    ReportInput,
    check_report,
    validate_report,
)
from tests.fixtures.reports.helpers import TODAY, fake_postcodes, report, tiny_directory

DIRECTORY = tiny_directory()
KNOWN_AREAS = sorted(DIRECTORY.areas.index[DIRECTORY.areas["level"].isin(["lsoa", "msoa",
                                                                          "lad"])])


def check(raw: ReportInput):
    return check_report(raw, directory=DIRECTORY, resolve_postcode=fake_postcodes, today=TODAY)


def fields_of(raw: ReportInput) -> set[str]:
    return {error.field for error in check(raw).errors}


def test_taxonomy_covers_the_required_categories_and_defines_levels():
    assert len(CATEGORIES) >= 9
    assert TENSION_LEVEL_IDS == ("low", "moderate", "high", "critical")
    assert all(len(term.description.split()) >= 8 for term in CATEGORIES + TENSION_LEVELS)


def test_a_good_report_is_cleaned():
    clean = check(report(area=" e02000001 ", category="Rumour or misinformation",
                         tension_level="HIGH", incident_date="14/03/2025",
                         incident_time="18:30")).report
    assert (clean.area_code, clean.area_level) == ("E02000001", "msoa")
    assert clean.category == "rumour" and clean.tension_level == "high"
    assert clean.incident_date == date(2025, 3, 14)
    assert str(clean.incident_time) == "18:30:00"


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"incident_date": None}, "incident_date", "Give the date"),
    ({"incident_date": "2025-06-31"}, "incident_date", "is not a date"),
    ({"incident_date": "2025-07-01"}, "incident_date", "in the future"),
    ({"incident_date": "1999-12-31"}, "incident_date", "before 2000"),
    ({"incident_time": "25:00"}, "incident_time", "not a time"),
    ({"area": ""}, "area", "Give the area"),
    ({"area": "E01999999"}, "area", "not a 2021 area code we know"),
    ({"area": "E12000007"}, "area", "neither a postcode nor an area code"),
    ({"area": "ZZ9 9ZZ"}, "area", "does not exist"),
    ({"area": "EH1 1AA"}, "area", "not in England"),
    ({"category": "weather"}, "category", "not a category we know"),
    ({"tension_level": "extreme"}, "tension_level", "not a tension level"),
    ({"description": "  "}, "description", "Write a short description"),
    ({"description": "x" * (MAX_DESCRIPTION + 1)}, "description", "keep it to 1000"),
    ({"source": "y" * 201}, "source", "keep it to 200"),
    ({"description": "a\x00b"}, "description", "control characters"),
    ({"description": "invoice \u202egpj.exe"}, "description", "(U+202E) that changes the "
                                                               "direction of the text"),
    ({"description": "\u2067hidden\u2069 order"}, "description", "U+2067"),
    ({"source": "police\u200f"}, "source", "changes the direction"),
])
def test_each_problem_names_its_field_in_plain_english(changes, field, words):
    errors = check(report(**changes)).errors
    assert [error.field for error in errors] == [field]
    assert words in errors[0].message


def test_postcode_resolves_to_its_lsoa():
    clean = check(report(area="sw1a1aa")).report
    assert (clean.area_code, clean.area_level) == ("E01000001", "lsoa")


def test_postcode_without_resolver_asks_for_a_code():
    errors = validate_report(report(area="SW1A 1AA"), directory=DIRECTORY, today=TODAY)
    assert "give the LSOA, MSOA or district code" in errors[0].message


def test_resolver_failure_is_a_field_message():
    def broken(postcode):
        raise ConnectionError("postcodes.io timed out")

    errors = validate_report(report(area="SW1A 1AA"), directory=DIRECTORY, today=TODAY,
                             resolve_postcode=broken)
    assert errors[0].field == "area" and "could not be looked up" in errors[0].message


dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
texts = st.text(max_size=1200)


@settings(max_examples=300, deadline=None)
@given(incident_date=st.one_of(dates, dates.map(str), st.text(max_size=12), st.none()),
       area=st.one_of(st.sampled_from(KNOWN_AREAS), st.text(max_size=12), st.none()),
       category=st.one_of(st.sampled_from(CATEGORY_IDS), st.text(max_size=20), st.none()),
       level=st.one_of(st.sampled_from(TENSION_LEVEL_IDS), st.text(max_size=10)),
       description=st.one_of(texts, st.none()),
       source=st.one_of(st.text(max_size=250), st.none()))
def test_validation_never_crashes_and_accepts_only_good_reports(
        incident_date, area, category, level, description, source):
    raw = ReportInput(incident_date=incident_date, area=area, category=category,
                      tension_level=level, description=description, source=source)
    result = check(raw)
    assert (result.report is None) == bool(result.errors)
    assert {error.field for error in result.errors} <= set(FIELDS)
    assert all(error.message.strip() for error in result.errors)
    if result.report is not None:
        clean = result.report
        assert EARLIEST_DATE <= clean.incident_date <= TODAY
        assert clean.area_code in KNOWN_AREAS
        assert clean.category in CATEGORY_IDS and clean.tension_level in TENSION_LEVEL_IDS
        assert 0 < len(clean.description) <= MAX_DESCRIPTION
        assert clean.description == description.strip()


@settings(max_examples=200, deadline=None)
@given(days=st.integers(min_value=-12000, max_value=3000))
def test_dates_are_accepted_exactly_between_2000_and_today(days):
    day = TODAY + timedelta(days=days)
    accepted = "incident_date" not in fields_of(report(incident_date=day.isoformat()))
    assert accepted == (EARLIEST_DATE <= day <= TODAY)


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1, max_size=1500).filter(lambda t: t.strip()))
def test_free_text_is_kept_verbatim_or_refused(text):
    result = check(report(description=text))
    if result.report is not None:
        assert result.report.description == text.strip()
    else:
        assert [e.field for e in result.errors] == ["description"]
