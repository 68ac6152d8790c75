"""Seeing and reviewing reports: the queue, approve, reject, edit, withdraw, audit trail.

Who sees what: a member sees only their own organisation's reports; moderators and
administrators see every report with its free text. Nothing is deleted: rejection and
withdrawal are statuses, and every change is written to the audit log with its note.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.areas import AreaDirectory, PostcodeResolver
from reports.audit import Actor, entries_for, record
from reports.auth import PermissionDenied, require_role
from reports.models import Organisation, Report
from reports.publication import after_change
from reports.store import Store
from reports.submissions import InvalidReport
from reports.validation import FIELDS, ReportInput, check_report, hidden_characters

EDITABLE = FIELDS
ACTIONS = {"approved": "approve", "rejected": "reject", "withdrawn": "withdraw"}


class ModerationError(ValueError):
    """The action does not fit the report's status, or a required note is missing."""


@dataclass(frozen=True)
class ReportView:
    """One report as shown to someone allowed to see it (free text included)."""

    id: int
    organisation: str
    incident_date: date
    incident_time: time | None
    area_code: str
    area_level: str
    category: str
    tension_level: str
    description: str
    source: str | None
    status: str
    submitted_at: datetime
    moderated_at: datetime | None
    moderation_note: str | None


@dataclass(frozen=True)
class AuditView:
    """One audit entry: when, who, what action, which fields changed from what to what."""

    at: datetime
    actor: str
    action: str
    changes: dict[str, list[object]]
    note: str | None


def list_reports(store: Store, actor: Actor, status: str | None = None) -> list[ReportView]:
    """The reports ``actor`` may see, newest incident first; optionally one status only."""
    require_role(actor, "member")
    query = select(Report, Organisation.name).join(Organisation)
    if actor.role == "member":
        query = query.where(Report.organisation_id == actor.organisation_id)
    if status is not None:
        query = query.where(Report.status == status)
    query = query.order_by(Report.incident_date.desc(), Report.id.desc())
    with store.read() as session:
        return [_view(report, name) for report, name in session.execute(query)]


def moderation_queue(store: Store, actor: Actor) -> list[ReportView]:
    """Pending reports of every organisation, oldest submission first (moderators)."""
    require_role(actor, "moderator")
    query = (select(Report, Organisation.name).join(Organisation)
             .where(Report.status == "pending").order_by(Report.submitted_at, Report.id))
    with store.read() as session:
        return [_view(report, name) for report, name in session.execute(query)]


def get_report(store: Store, actor: Actor, report_id: int) -> ReportView:
    """One report, if ``actor`` may see it.

    Raises
    ------
    LookupError
        No such report, or (for a member) one of another organisation: the two are not
        told apart, so members cannot probe for other organisations' reports.
    """
    require_role(actor, "member")
    with store.read() as session:
        row = session.execute(select(Report, Organisation.name).join(Organisation)
                              .where(Report.id == report_id)).first()
        if row is None or not _may_see(actor, row[0]):
            raise LookupError(f"there is no report {report_id} you can see")
        return _view(*row)


def approve(store: Store, actor: Actor, report_id: int, note: str | None = None) -> None:
    """Approve a pending (or earlier rejected) report: it now counts in the aggregates."""
    require_role(actor, "moderator")
    _decide(store, actor, report_id, "approved", ("pending", "rejected"), _optional(note))
    after_change(store)


def reject(store: Store, actor: Actor, report_id: int, note: str) -> None:
    """Reject a pending (or earlier approved) report; the note says why (required)."""
    require_role(actor, "moderator")
    _decide(store, actor, report_id, "rejected", ("pending", "approved"), _required(note))
    after_change(store)


def withdraw(store: Store, actor: Actor, report_id: int, note: str | None = None) -> None:
    """Withdraw a pending or approved report of the actor's own organisation.

    Raises
    ------
    PermissionDenied
        When the report belongs to another organisation.
    """
    require_role(actor, "member")
    now = datetime.now(UTC)
    with store.write() as session:
        report = _locked(session, report_id)
        if report is None or report.organisation_id != actor.organisation_id:
            raise PermissionDenied("only the organisation that submitted a report can "
                                   "withdraw it")
        _move(session, actor, report, "withdrawn", ("pending", "approved"), _optional(note),
              now, set_moderator=False)
    after_change(store)


def edit(
    store: Store,
    actor: Actor,
    report_id: int,
    changes: dict[str, object],
    note: str,
    *,
    directory: AreaDirectory,
    resolve_postcode: PostcodeResolver | None = None,
) -> None:
    """Correct fields of a report (moderators); re-checked like a new report, with a note.

    Parameters
    ----------
    changes
        New values by field name: incident_date, incident_time, area, category,
        tension_level, description, source.

    Raises
    ------
    InvalidReport
        When the edited report would not pass the checks (nothing is changed).
    """
    require_role(actor, "moderator")
    note = _required(note)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ModerationError(f"these fields cannot be edited: {', '.join(unknown)}")
    with store.read() as session:
        current = session.get(Report, report_id)
        if current is None:
            raise LookupError(f"there is no report {report_id}")
        merged = {**_as_input(current), **changes}
    check = check_report(ReportInput(**merged), directory=directory,
                         resolve_postcode=resolve_postcode,
                         today=datetime.now(UTC).date())
    if check.report is None:
        raise InvalidReport(check.errors)
    _apply_edit(store, actor, report_id, check.report, note)
    after_change(store)


def _apply_edit(store: Store, actor: Actor, report_id: int, clean, note: str) -> None:
    now = datetime.now(UTC)
    with store.write() as session:
        report = _locked(session, report_id)
        diff = {}
        for field in fields(clean):
            old, new = getattr(report, field.name), getattr(clean, field.name)
            if old != new:
                diff[field.name] = (old, new)
                setattr(report, field.name, new)
        if diff:
            report.moderated_by, report.moderated_at = actor.user_id, now
            report.moderation_note = note
            record(session, actor, "edit", "report", report.id, diff, now, note)


def audit_trail(store: Store, actor: Actor, report_id: int) -> list[AuditView]:
    """Every change to a report, oldest first (moderators)."""
    require_role(actor, "moderator")
    with store.read() as session:
        return [AuditView(e.at, e.actor_label, e.action, json.loads(e.changes), e.note)
                for e in entries_for(session, "report", report_id)]


def _decide(store: Store, actor: Actor, report_id: int, status: str,
            allowed_from: tuple[str, ...], note: str | None) -> None:
    now = datetime.now(UTC)
    with store.write() as session:
        report = _locked(session, report_id)
        if report is None:
            raise LookupError(f"there is no report {report_id}")
        _move(session, actor, report, status, allowed_from, note, now, set_moderator=True)


def _move(session: Session, actor: Actor, report: Report, status: str,
          allowed_from: tuple[str, ...], note: str | None, now: datetime, *,
          set_moderator: bool) -> None:
    if report.status not in allowed_from:
        raise ModerationError(f"report {report.id} is {report.status}; it cannot become "
                              f"{status}")
    changes: dict[str, tuple[object, object]] = {"status": (report.status, status)}
    report.status = status
    if set_moderator:
        changes["moderated_by"] = (report.moderated_by, actor.user_id)
        report.moderated_by, report.moderated_at = actor.user_id, now
        if note:
            changes["moderation_note"] = (report.moderation_note, note)
            report.moderation_note = note
    record(session, actor, ACTIONS[status], "report", report.id, changes, now, note)


def _locked(session: Session, report_id: int) -> Report | None:
    return session.scalars(select(Report).where(Report.id == report_id).with_for_update()
                           ).one_or_none()


def _required(note: str | None) -> str:
    if note is None or not note.strip():
        raise ModerationError("write a note saying why; it is kept in the audit log")
    return _optional(note)


def _optional(note: str | None) -> str | None:
    """The note stripped, or None when blank; ModerationError when it hides characters."""
    if note is None or not note.strip():
        return None
    problem = hidden_characters(note)
    if problem:
        raise ModerationError(f"note: {problem}")
    return note.strip()


def _may_see(actor: Actor, report: Report) -> bool:
    return actor.role != "member" or report.organisation_id == actor.organisation_id


def _as_input(report: Report) -> dict[str, object]:
    return {"incident_date": report.incident_date, "incident_time": report.incident_time,
            "area": report.area_code, "category": report.category,
            "tension_level": report.tension_level, "description": report.description,
            "source": report.source}


def _view(report: Report, organisation: str) -> ReportView:
    return ReportView(
        report.id, organisation, report.incident_date, report.incident_time, report.area_code,
        report.area_level, report.category, report.tension_level, report.description,
        report.source, report.status, report.submitted_at, report.moderated_at,
        report.moderation_note,
    )
