"""The Streamlit side of the tension-report pages: the store, the areas, and plain tables.

Pages call these helpers; the work itself is done by the :mod:`reports` package. The
report store and the area directory are opened once per database URL / cache state and
shared between sessions (``st.cache_resource``). Every table built here holds plain text:
pages show it with ``st.dataframe`` or ``st.text``, never as markdown or HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from data_sources.errors import NotCachedError
from reports.areas import (
    AreaDirectory,
    PostcodeBatchResolver,
    PostcodeResolver,
    looks_like_area_code,
)
from reports.areas import bulk_resolver_from_postcodes_io as _postcodes_io_bulk
from reports.areas import resolver_from_postcodes_io as _postcodes_io
from reports.audit import Actor
from reports.models import Organisation
from reports.moderation import AuditView, ReportView, list_reports
from reports.store import Store, database_url, open_store
from reports.taxonomy import CATEGORIES, STATUSES, TENSION_LEVELS, Term
from settings import get_settings
from ui.cached import manifest_stamp

CATEGORY_LABELS = {term.id: term.label for term in CATEGORIES}
LEVEL_LABELS = {term.id: term.label for term in TENSION_LEVELS}
STATUS_LABELS = {term.id: term.label for term in STATUSES}
AREA_LEVEL_LABELS = {"lsoa": "LSOA", "msoa": "MSOA", "lad": "District"}


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    store = open_store(url=url)
    # a moderation decision, edit or import republishes the report tables at once
    store.area_directory = get_directory
    return store


def get_store() -> Store:
    """The report store of the settings (GRA_DATABASE_URL), migrated, shared by sessions."""
    return _store(database_url(get_settings()))


@st.cache_resource(show_spinner=False, max_entries=4)
def _directory(cache_dir: str, stamp: float) -> AreaDirectory:
    return AreaDirectory.from_cache()


def get_directory() -> AreaDirectory:
    """The known 2021 areas from the data cache, shared by sessions.

    Raises
    ------
    NotCachedError
        When the area lookups are not cached.
    """
    return _directory(str(get_settings().cache_dir), manifest_stamp())


def require_directory() -> AreaDirectory:
    """The known 2021 areas from the data cache; stops the page saying what to do if absent."""
    try:
        return get_directory()
    except NotCachedError:
        st.error("The list of areas is not cached yet, so reports cannot be checked. In the "
                 "project folder, run `python -m data_sources refresh`, then reload this page.")
        st.stop()


def postcode_resolver() -> PostcodeResolver:
    """Turns a postcode into its LSOA code through postcodes.io."""
    return _postcodes_io()


def bulk_postcode_resolver() -> PostcodeBatchResolver:
    """Looks up every postcode of an import file at once (postcodes.io, in bulk, in time)."""
    return _postcodes_io_bulk()


def term_description(terms: tuple[Term, ...], term_id: str | None) -> str:
    """The plain-English description of a category or level id ('' when none chosen)."""
    for term in terms:
        if term.id == term_id:
            return term.description
    return ""


# ---------------------------------------------------------------- area look-up


@dataclass(frozen=True)
class AreaFound:
    """What an area code or postcode stands for: the LSOA / MSOA / district it lies in."""

    lines: list[str]
    error: str | None = None


def _area_line(directory: AreaDirectory, level: str, code: str | None) -> str | None:
    if not code or code not in directory.areas.index:
        return None
    name = directory.areas.at[code, "area_name"]
    return f"{AREA_LEVEL_LABELS[level]}: {name} ({code})"


def _lines_for_code(directory: AreaDirectory, code: str) -> list[str]:
    row = directory.areas.loc[code]
    lines = []
    for level in ("lsoa", "msoa", "lad"):
        found = row.get(f"{level}_code")
        line = _area_line(directory, level, None if pd.isna(found) else str(found))
        if line:
            lines.append(line)
    return lines


def look_up_area(text: str, directory: AreaDirectory,
                 resolve: PostcodeResolver | None = None) -> AreaFound:
    """The LSOA, MSOA and district that an area code or postcode points at."""
    text = (text or "").strip().upper()
    if not text:
        return AreaFound([], "Type a postcode or an LSOA, MSOA or district code first.")
    if looks_like_area_code(text):
        if directory.level_of(text) is None:
            return AreaFound([], f"{text} is not a 2021 area code we know.")
        return AreaFound(_lines_for_code(directory, text))
    resolve = resolve or postcode_resolver()
    try:
        lsoa = resolve(text)
    except ValueError as exc:
        return AreaFound([], f"{text}: {exc}")
    except Exception as exc:  # noqa: BLE001 - any look-up failure is told, not raised
        return AreaFound([], f"The postcode {text} could not be looked up just now ({exc}); "
                             "give the area code instead, or try again later.")
    if lsoa is None:
        return AreaFound([], f"The postcode {text} does not exist.")
    if directory.level_of(lsoa) != "lsoa":
        return AreaFound([], f"The postcode {text} lies in {lsoa}, which is not an area we "
                             "know.")
    return AreaFound([f"Postcode {text} lies in:", *_lines_for_code(directory, lsoa)])


def area_name(directory: AreaDirectory | None, code: str) -> str:
    """``Name (code)`` for a known area, else the code."""
    if directory is None or code not in directory.areas.index:
        return code
    return f"{directory.areas.at[code, 'area_name']} ({code})"


# ---------------------------------------------------------------- tables of reports


def reports_table(reports: list[ReportView], directory: AreaDirectory | None, *,
                  organisation: bool = False) -> pd.DataFrame:
    """Reports as a plain-text table (one row each), newest first as given."""
    rows = []
    for report in reports:
        row = {
            "Report": report.id,
            "Status": STATUS_LABELS.get(report.status, report.status),
            "Date": report.incident_date.isoformat(),
            "Time": "" if report.incident_time is None else report.incident_time.strftime("%H:%M"),
            "Area": area_name(directory, report.area_code),
            "Category": CATEGORY_LABELS.get(report.category, report.category),
            "Tension level": LEVEL_LABELS.get(report.tension_level, report.tension_level),
            "Description": report.description,
            "Source": report.source or "",
            "Submitted (UTC)": report.submitted_at.strftime("%Y-%m-%d %H:%M"),
            "Moderator's note": report.moderation_note or "",
        }
        if organisation:
            row = {"Report": row.pop("Report"), "Organisation": report.organisation, **row}
        rows.append(row)
    columns = ["Report", *(["Organisation"] if organisation else []), "Status", "Date", "Time",
               "Area", "Category", "Tension level", "Description", "Source",
               "Submitted (UTC)", "Moderator's note"]
    return pd.DataFrame(rows, columns=columns).astype({"Report": "Int64"})


def report_text(report: ReportView, directory: AreaDirectory | None) -> str:
    """Every field of one report as plain text, for ``st.text``."""
    when = report.incident_date.isoformat()
    if report.incident_time is not None:
        when += f" at {report.incident_time:%H:%M}"
    lines = [
        f"Report {report.id} from {report.organisation}",
        f"Status: {STATUS_LABELS.get(report.status, report.status)}",
        f"When: {when}",
        f"Area: {area_name(directory, report.area_code)} "
        f"[{AREA_LEVEL_LABELS.get(report.area_level, report.area_level)}]",
        f"Category: {CATEGORY_LABELS.get(report.category, report.category)}",
        f"Tension level: {LEVEL_LABELS.get(report.tension_level, report.tension_level)}",
        f"Source: {report.source or '(none given)'}",
        f"Submitted: {report.submitted_at:%Y-%m-%d %H:%M} UTC",
    ]
    if report.moderation_note:
        lines.append(f"Moderator's note: {report.moderation_note}")
    lines += ["", "Description:", report.description]
    return "\n".join(lines)


AUDIT_FIELDS = {"status": "Status", "moderated_by": "Moderator (user number)",
                "moderation_note": "Moderator's note", "tension_level": "Tension level",
                "area_code": "Area", "incident_date": "Date of the incident",
                "incident_time": "Time of the incident"}
"""Field names of the audit log in words (others: the name with spaces, capitalised)."""


def audit_value(field: str, value: object) -> str:
    """One old or new value of the audit log as a person reads it: labels for statuses,
    categories and levels, "none" for nothing, text in quotes."""
    if value is None or value == "":
        return "none"
    labels = {"status": STATUS_LABELS, "category": CATEGORY_LABELS,
              "tension_level": LEVEL_LABELS}.get(field, {})
    if value in labels:
        return labels[value].lower() if field == "status" else labels[value]
    return f"“{value}”" if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def audit_change(field: str, old: object, new: object) -> str:
    """'Status: none → waiting for a moderator'."""
    name = AUDIT_FIELDS.get(field, field.replace("_", " ").capitalize())
    return f"{name}: {audit_value(field, old)} → {audit_value(field, new)}"


def audit_table(entries: list[AuditView]) -> pd.DataFrame:
    """The audit trail of a report as plain text, oldest first."""
    rows = [{
        "When (UTC)": entry.at.strftime("%Y-%m-%d %H:%M:%S"),
        "Who": entry.actor,
        "Action": entry.action,
        "Changes": "; ".join(audit_change(name, old, new) for name, (old, new) in sorted(
            entry.changes.items(), key=lambda change: change[0] != "status")),
        "Note": entry.note or "",
    } for entry in entries]
    return pd.DataFrame(rows, columns=["When (UTC)", "Who", "Action", "Changes", "Note"])


def problems_table(plan) -> pd.DataFrame:
    """Every problem of a checked import file: line (blank for the file), field, reason."""
    rows = [{"Line": "", "Field": "file", "Reason": problem} for problem in plan.problems]
    for row in plan.invalid:
        rows += [{"Line": str(row.line), "Field": error.field, "Reason": error.message}
                 for error in row.errors]
    return pd.DataFrame(rows, columns=["Line", "Field", "Reason"])


def own_reports(store: Store, actor: Actor) -> list[ReportView]:
    """The reports of the actor's own organisation (moderators see everyone's elsewhere)."""
    reports = list_reports(store, actor)
    if actor.role == "member":
        return reports
    with store.read() as session:
        organisation = session.get(Organisation, actor.organisation_id)
    name = None if organisation is None else organisation.name
    return [report for report in reports if report.organisation == name]
