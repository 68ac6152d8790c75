"""Checking a report before it is stored: one plain-English message per problem field.

:func:`check_report` is pure apart from the injected postcode resolver: it takes what a
member typed (or a CSV row) and returns either the cleaned report or every problem, each
naming the field, so the form and the importer can show them next to the right input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from reports.areas import AreaDirectory, PostcodeResolver, looks_like_area_code
from reports.taxonomy import CATEGORIES, TENSION_LEVELS, find_term

EARLIEST_DATE = date(2000, 1, 1)
MAX_DESCRIPTION = 1000
MAX_SOURCE = 200
POSTCODE_SHAPE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Invisible marks that reorder text (U+202E RIGHT-TO-LEFT OVERRIDE and its kin): they make
text read on screen differently from what is stored, so free text may not hold them."""
FIELDS = ("incident_date", "incident_time", "area", "category", "tension_level",
          "description", "source")


@dataclass(frozen=True)
class ReportInput:
    """A report as typed in the form or read from a CSV row (text or typed values)."""

    incident_date: date | str | None
    area: str | None
    category: str | None
    tension_level: str | None
    description: str | None
    incident_time: time | str | None = None
    source: str | None = None


@dataclass(frozen=True)
class CleanReport:
    """A report that passed every check, ready to store."""

    incident_date: date
    incident_time: time | None
    area_code: str
    area_level: str
    category: str
    tension_level: str
    description: str
    source: str | None


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, in words a practitioner understands."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class ReportCheck:
    """The outcome of :func:`check_report`: the clean report, or the list of problems."""

    report: CleanReport | None
    errors: list[FieldError]


def check_report(
    raw: ReportInput,
    *,
    directory: AreaDirectory,
    resolve_postcode: PostcodeResolver | None = None,
    today: date | None = None,
) -> ReportCheck:
    """Check every field of a report.

    Parameters
    ----------
    raw
        The report as entered.
    directory
        The known areas.
    resolve_postcode
        Turns a postcode into an LSOA code; without it postcodes are refused with a
        message asking for an area code.
    today
        The date after which an incident date is "in the future" (default: today).

    Returns
    -------
    ReportCheck
        ``report`` is set only when ``errors`` is empty.
    """
    errors: list[FieldError] = []
    incident_date = _check_date(raw.incident_date, today or date.today(), errors)
    incident_time = _check_time(raw.incident_time, errors)
    area = _check_area(raw.area, directory, resolve_postcode, errors)
    category = _check_term(raw.category, "category", CATEGORIES, errors)
    level = _check_term(raw.tension_level, "tension_level", TENSION_LEVELS, errors)
    description = _check_text(raw.description, "description", MAX_DESCRIPTION, True, errors)
    source = _check_text(raw.source, "source", MAX_SOURCE, False, errors)
    if errors:
        return ReportCheck(None, errors)
    report = CleanReport(incident_date, incident_time, area[0], area[1], category, level,
                         description, source or None)
    return ReportCheck(report, [])


def validate_report(raw: ReportInput, **context) -> list[FieldError]:
    """Every problem of ``raw`` (empty when it can be stored); see :func:`check_report`."""
    return check_report(raw, **context).errors


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_date(value: date | str | None, today: date, errors: list[FieldError]) -> date | None:
    if _blank(value):
        errors.append(FieldError("incident_date", "Give the date of the incident."))
        return None
    parsed = value if isinstance(value, date) else parse_date(str(value).strip())
    if isinstance(parsed, datetime):
        parsed = parsed.date()
    if parsed is None:
        errors.append(FieldError(
            "incident_date", f"'{_short(value)}' is not a date; write it as 2024-03-31 "
            "or 31/03/2024."))
    elif parsed > today:
        errors.append(FieldError(
            "incident_date", f"{parsed:%d/%m/%Y} is in the future; give the date it happened."))
    elif parsed < EARLIEST_DATE:
        errors.append(FieldError(
            "incident_date", f"{parsed:%d/%m/%Y} is before 2000; reports start in 2000."))
    else:
        return parsed
    return None


def parse_date(text: str) -> date | None:
    """``2024-03-31`` or ``31/03/2024`` as a date; None when it is neither."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _check_time(value: time | str | None, errors: list[FieldError]) -> time | None:
    if _blank(value) or isinstance(value, time):
        return None if _blank(value) else value
    text = str(value).strip()
    for pattern in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).time()
        except ValueError:
            continue
    errors.append(FieldError(
        "incident_time", f"'{_short(text)}' is not a time; write it as 18:30, or leave it empty."))
    return None


def _check_area(
    value: str | None,
    directory: AreaDirectory,
    resolve_postcode: PostcodeResolver | None,
    errors: list[FieldError],
) -> tuple[str, str]:
    if _blank(value):
        errors.append(FieldError(
            "area", "Give the area: a postcode, or an LSOA, MSOA or district code."))
        return ("", "")
    text = str(value).strip().upper()
    if looks_like_area_code(text):
        level = directory.level_of(text)
        if level is None:
            errors.append(FieldError(
                "area", f"{text} is not a 2021 area code we know; check it against the "
                "area search, or give a postcode."))
            return ("", "")
        return (text, level)
    if not POSTCODE_SHAPE.match(text):
        errors.append(FieldError(
            "area", f"'{_short(text)}' is neither a postcode nor an area code (such as "
            "E01000001 or E09000030)."))
        return ("", "")
    return _resolve(text, directory, resolve_postcode, errors)


def _resolve(
    postcode: str,
    directory: AreaDirectory,
    resolve_postcode: PostcodeResolver | None,
    errors: list[FieldError],
) -> tuple[str, str]:
    if resolve_postcode is None:
        errors.append(FieldError(
            "area", "Postcodes cannot be looked up here; give the LSOA, MSOA or district code."))
        return ("", "")
    try:
        lsoa = resolve_postcode(postcode)
    except ValueError as exc:
        errors.append(FieldError("area", f"{postcode}: {exc}"))
        return ("", "")
    except Exception as exc:  # noqa: BLE001 - any lookup failure becomes a field message
        errors.append(FieldError(
            "area", f"The postcode {postcode} could not be looked up just now ({exc}); "
            "give the area code instead, or try again later."))
        return ("", "")
    if lsoa is None:
        errors.append(FieldError("area", f"The postcode {postcode} does not exist."))
        return ("", "")
    if directory.level_of(lsoa) != "lsoa":
        errors.append(FieldError(
            "area", f"The postcode {postcode} lies in {lsoa}, which is not an area we know."))
        return ("", "")
    return (lsoa, "lsoa")


def _check_term(value, field: str, terms, errors: list[FieldError]) -> str:
    what = "category" if field == "category" else "tension level"
    if _blank(value):
        errors.append(FieldError(field, f"Choose a {what}."))
        return ""
    term = find_term(terms, str(value))
    if term is None:
        choices = ", ".join(t.id for t in terms)
        errors.append(FieldError(
            field, f"'{_short(value)}' is not a {what} we know; use one of: {choices}."))
        return ""
    return term.id


def _check_text(value, field: str, limit: int, required: bool, errors: list[FieldError]) -> str:
    if _blank(value):
        if required:
            errors.append(FieldError(field, "Write a short description of what happened."))
        return ""
    text = str(value).strip()
    if len(text) > limit:
        errors.append(FieldError(
            field, f"This is {len(text)} characters long; keep it to {limit} or fewer."))
    problem = hidden_characters(text)
    if problem:
        errors.append(FieldError(field, problem))
    return text


def hidden_characters(text: str) -> str | None:
    """What is wrong with invisible characters in ``text``, or None when it has none.

    Control characters and the bidirectional controls of :data:`BIDI_CONTROLS` are refused
    in every free-text field (reports, moderators' notes, organisation names).
    """
    bidi = BIDI_CONTROLS.search(text)
    if bidi:
        return (f"This contains an invisible character (U+{ord(bidi[0]):04X}) that changes "
                "the direction of the text, so it would read differently from what is "
                "stored; retype it or paste it as plain text.")
    if CONTROL_CHARACTERS.search(text):
        return ("This contains invisible control characters; retype it or paste it as "
                "plain text.")
    return None


def _short(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
