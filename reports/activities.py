"""Good relations activities: what a member organisation did, where, when, for how many.

Members record activities of their own organisation in one of its service areas; they and
moderators see them in full, the public only as suppressed counts
(:mod:`reports.work_summary`). Withdrawal is a status, nothing is deleted, and every
change is audited. :func:`check_activity` is shared by the form and the CSV import.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reports.audit import Actor, record
from reports.auth import PermissionDenied, require_role
from reports.models import Activity, ActivityApproach, Organisation, ServiceArea
from reports.store import Store
from reports.taxonomy import APPROACHES, KINDS, find_term
from reports.validation import EARLIEST_DATE, FieldError, hidden_characters, parse_date

MAX_TITLE = 200
MAX_PEOPLE = 10_000_000
STATUSES = ("recorded", "withdrawn")


class InvalidActivity(ValueError):
    """The activity has problems; ``errors`` lists them field by field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))


@dataclass(frozen=True)
class ActivityInput:
    """An activity as typed in the form or read from a CSV row.

    ``approaches`` is a list of ids or labels, or one text separated by semicolons;
    ``service_area`` is the id or the name of one of the organisation's service areas.
    """

    title: str | None
    kind: str | None
    approaches: list[str] | str | None
    service_area: int | str | None
    start_date: date | str | None
    end_date: date | str | None = None
    people_reached: int | str | None = None


@dataclass(frozen=True)
class CleanActivity:
    """An activity that passed every check, ready to store."""

    title: str
    kind: str
    approaches: tuple[str, ...]
    service_area_id: int
    start_date: date
    end_date: date | None
    people_reached: int | None


@dataclass(frozen=True)
class ActivityView:
    """One activity as its organisation and moderators see it."""

    id: int
    organisation_id: int
    organisation: str
    service_area_id: int
    service_area: str
    title: str
    kind: str
    approaches: tuple[str, ...]
    start_date: date
    end_date: date | None
    people_reached: int | None
    status: str
    submitted_at: datetime


def check_activity(raw: ActivityInput, service_areas: dict[str, int], *,
                   today: date | None = None) -> tuple[CleanActivity | None, list[FieldError]]:
    """Check every field of an activity.

    Parameters
    ----------
    service_areas
        The organisation's current service areas, id by name.

    Returns
    -------
    tuple
        The clean activity (None when there are problems) and the problems.
    """
    errors: list[FieldError] = []
    today = today or date.today()
    title = _check_title(raw.title, errors)
    kind = _check_kind(raw.kind, errors)
    approaches = _check_approaches(raw.approaches, errors)
    area = _check_area(raw.service_area, service_areas, errors)
    start = _check_date(raw.start_date, "start_date", True, today, errors)
    end = _check_date(raw.end_date, "end_date", False, None, errors)
    if start and end and end < start:
        errors.append(FieldError("end_date", "The end date is before the start date."))
    people = _check_people(raw.people_reached, errors)
    if errors:
        return None, errors
    return CleanActivity(title, kind, approaches, area, start, end, people), []


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_title(value: str | None, errors: list[FieldError]) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        errors.append(FieldError("title", "Give the activity a short name."))
    elif len(text) > MAX_TITLE:
        errors.append(FieldError("title", f"Keep the name to {MAX_TITLE} characters."))
    problem = hidden_characters(text)
    if problem:
        errors.append(FieldError("title", problem))
    return text


def _check_kind(value: str | None, errors: list[FieldError]) -> str:
    if _blank(value):
        errors.append(FieldError("kind", "Choose the kind of work."))
        return ""
    term = find_term(KINDS, str(value))
    if term is None:
        errors.append(FieldError("kind", f"'{value}' is not a kind of work we know; use one "
                                         f"of: {', '.join(t.id for t in KINDS)}."))
        return ""
    return term.id


def _check_approaches(value: list[str] | str | None, errors: list[FieldError]
                      ) -> tuple[str, ...]:
    given = value.split(";") if isinstance(value, str) else list(value or [])
    given = [str(item).strip() for item in given if str(item).strip()]
    if not given:
        errors.append(FieldError("approaches", "Choose at least one approach."))
        return ()
    found, unknown = [], []
    for item in given:
        term = find_term(APPROACHES, item)
        (unknown.append(item) if term is None else found.append(term.id))
    if unknown:
        errors.append(FieldError("approaches", f"Not approaches we know: {', '.join(unknown)}; "
                                               f"use: {', '.join(t.id for t in APPROACHES)}."))
    return tuple(sorted(set(found), key=[t.id for t in APPROACHES].index))


def _check_area(value: int | str | None, service_areas: dict[str, int],
                errors: list[FieldError]) -> int:
    if _blank(value):
        errors.append(FieldError("service_area", "Choose the service area it took place in."
                                 if service_areas else "Define a service area first."))
        return 0
    if isinstance(value, int) and value in service_areas.values():
        return value
    wanted = " ".join(str(value).split()).casefold()
    for name, area_id in service_areas.items():
        if name.casefold() == wanted or str(area_id) == wanted:
            return area_id
    errors.append(FieldError("service_area", f"'{value}' is not one of your organisation's "
                                             "service areas."))
    return 0


def _check_date(value: date | str | None, field: str, required: bool, latest: date | None,
                errors: list[FieldError]) -> date | None:
    if _blank(value):
        if required:
            errors.append(FieldError(field, "Give the date the activity started."))
        return None
    parsed = value if isinstance(value, date) else parse_date(str(value).strip())
    if parsed is None:
        errors.append(FieldError(field, f"'{value}' is not a date; write it as 2024-03-31 "
                                        "or 31/03/2024."))
    elif parsed < EARLIEST_DATE:
        errors.append(FieldError(field, f"{parsed:%d/%m/%Y} is before 2000."))
    elif latest is not None and parsed > latest:
        errors.append(FieldError(field, f"{parsed:%d/%m/%Y} is in the future; record an "
                                        "activity once it has started."))
    else:
        return parsed
    return None


def _check_people(value: int | str | None, errors: list[FieldError]) -> int | None:
    if _blank(value):
        return None
    try:
        number = int(str(value).strip().replace(",", ""))
    except ValueError:
        errors.append(FieldError("people_reached", f"'{value}' is not a whole number."))
        return None
    if not 0 <= number <= MAX_PEOPLE:
        errors.append(FieldError("people_reached", "Give a number from 0 upwards (or leave it "
                                                   "empty when you do not know)."))
        return None
    return number


def service_area_names(session: Session, organisation_id: int | None) -> dict[str, int]:
    """The organisation's current service areas, id by name."""
    rows = session.execute(select(ServiceArea.name, ServiceArea.id).where(
        ServiceArea.organisation_id == organisation_id, ServiceArea.retired_at.is_(None)))
    return dict(rows.all())


def record_activity(store: Store, actor: Actor, raw: ActivityInput, *,
                    submission_key: str | None = None, today: date | None = None) -> int:
    """Store an activity of the actor's organisation; its id.

    ``submission_key`` works as for :func:`reports.submissions.submit_report`: the same
    key again returns the first activity's id instead of storing a copy.

    Raises
    ------
    InvalidActivity
        When a field is wrong (nothing is stored).
    """
    require_role(actor, "member")
    if actor.user_id is None or actor.organisation_id is None:
        raise PermissionDenied("activities are recorded by an account of an organisation")
    key = None if submission_key is None else _form_key(actor, submission_key)
    try:
        with store.write() as session:
            if key is not None:
                existing = session.scalar(select(Activity.id).where(Activity.dedupe_key == key))
                if existing is not None:
                    return existing
            clean, errors = check_activity(raw, service_area_names(session, actor.organisation_id),
                                           today=today)
            if clean is None:
                raise InvalidActivity(errors)
            return add_activity(session, actor, clean, datetime.now(UTC), dedupe_key=key)
    except IntegrityError:
        with store.read() as session:
            found = session.scalar(select(Activity.id).where(Activity.dedupe_key == key))
        if found is None:
            raise
        return found


def _form_key(actor: Actor, submission_key: str) -> str:
    digest = hashlib.sha256(f"{actor.user_id}\n{submission_key}".encode()).hexdigest()
    return f"form:{digest}"


def add_activity(session: Session, actor: Actor, clean: CleanActivity, now: datetime, *,
                 dedupe_key: str | None = None, import_batch_id: int | None = None) -> int:
    """Insert one activity, its approaches and its audit entry in the caller's transaction."""
    activity = Activity(
        organisation_id=actor.organisation_id, service_area_id=clean.service_area_id,
        submitted_by=actor.user_id, submitted_at=now, title=clean.title, kind=clean.kind,
        start_date=clean.start_date, end_date=clean.end_date,
        people_reached=clean.people_reached, status="recorded",
        import_batch_id=import_batch_id, dedupe_key=dedupe_key)
    session.add(activity)
    session.flush()
    session.add_all(ActivityApproach(activity_id=activity.id, approach=approach)
                    for approach in clean.approaches)
    record(session, actor, "record" if import_batch_id is None else "import", "activity",
           activity.id, {"status": (None, "recorded"), "kind": (None, clean.kind),
                         "service_area_id": (None, clean.service_area_id)}, now)
    return activity.id


def list_activities(store: Store, actor: Actor, *,
                    include_withdrawn: bool = True) -> list[ActivityView]:
    """The activities ``actor`` may see (a member: their organisation's; moderators: all),
    latest start first."""
    require_role(actor, "member")
    query = _query()
    if actor.role == "member":
        query = query.where(Activity.organisation_id == actor.organisation_id)
    if not include_withdrawn:
        query = query.where(Activity.status == "recorded")
    with store.read() as session:
        return _views(session, query)


def own_activities(store: Store, actor: Actor) -> list[ActivityView]:
    """The recorded (not withdrawn) activities of the actor's own organisation."""
    query = _query().where(Activity.organisation_id == actor.organisation_id,
                           Activity.status == "recorded")
    with store.read() as session:
        return _views(session, query)


def get_activity(store: Store, actor: Actor, activity_id: int) -> ActivityView:
    """One activity, if ``actor`` may see it.

    Raises
    ------
    LookupError
        No such activity, or (for a member) one of another organisation.
    """
    require_role(actor, "member")
    with store.read() as session:
        found = _views(session, _query().where(Activity.id == activity_id))
    if not found or (actor.role == "member"
                     and found[0].organisation_id != actor.organisation_id):
        raise LookupError(f"there is no activity {activity_id} you can see")
    return found[0]


def withdraw_activity(store: Store, actor: Actor, activity_id: int,
                      note: str | None = None) -> None:
    """Withdraw an activity of the actor's own organisation (or any, for a moderator):
    it no longer counts anywhere."""
    require_role(actor, "member")
    now = datetime.now(UTC)
    with store.write() as session:
        activity = session.scalars(select(Activity).where(Activity.id == activity_id)
                                   .with_for_update()).one_or_none()
        if activity is None or (actor.role == "member"
                                and activity.organisation_id != actor.organisation_id):
            raise LookupError(f"there is no activity {activity_id} you can withdraw")
        if activity.status == "withdrawn":
            return
        activity.status = "withdrawn"
        record(session, actor, "withdraw", "activity", activity.id,
               {"status": ("recorded", "withdrawn")}, now, (note or "").strip() or None)


def _query() -> Select:
    return (select(Activity, Organisation.name, ServiceArea.name)
            .join(Organisation, Activity.organisation_id == Organisation.id)
            .join(ServiceArea, Activity.service_area_id == ServiceArea.id)
            .order_by(Activity.start_date.desc(), Activity.id.desc()))


def _views(session: Session, query: Select) -> list[ActivityView]:
    rows = session.execute(query).all()
    approaches = approaches_of(session, [activity.id for activity, _, _ in rows])
    return [ActivityView(a.id, a.organisation_id, organisation, a.service_area_id, area, a.title,
                         a.kind, approaches.get(a.id, ()), a.start_date, a.end_date,
                         a.people_reached, a.status, a.submitted_at)
            for a, organisation, area in rows]


def approaches_of(session: Session, activity_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """The approaches of each activity, in the order of the taxonomy."""
    order = [t.id for t in APPROACHES]
    found: dict[int, list[str]] = {}
    for chunk in range(0, len(activity_ids), 500):
        rows = session.execute(select(ActivityApproach.activity_id, ActivityApproach.approach)
                               .where(ActivityApproach.activity_id.in_(
                                   activity_ids[chunk:chunk + 500])))
        for activity_id, approach in rows:
            found.setdefault(activity_id, []).append(approach)
    return {key: tuple(sorted(values, key=lambda a: order.index(a) if a in order else 99))
            for key, values in found.items()}
