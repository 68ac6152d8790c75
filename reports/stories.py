"""Stories of good relations work: submitted by members, approved or returned by moderators.

A member tells the story of one of their organisation's activities (title, text, an
optional quote) and must consent to its publication; naming the organisation beside it
is a second, separate consent. Moderators approve a story (it becomes public: the
Stories page, area profiles, the Atom feed) or return it with a note saying what to
change; the member then revises it and sends it again. Stories never name individuals
(the form asks, the moderator checks). Every step is audited; nothing is deleted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reports.activities import approaches_of
from reports.audit import Actor, entries_for, record
from reports.auth import PermissionDenied, require_role
from reports.models import Activity, Organisation, ServiceAreaLsoa, Story
from reports.moderation import AuditView
from reports.store import Store
from reports.validation import FieldError, hidden_characters

MAX_TITLE = 200
MAX_TEXT = 4000
MAX_QUOTE = 500


class InvalidStory(ValueError):
    """The story has problems; ``errors`` lists them field by field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))


class StoryError(ValueError):
    """The action does not fit the story's status, or a required note is missing."""


@dataclass(frozen=True)
class StoryInput:
    """A story as typed in the form."""

    activity_id: int | None
    title: str | None
    text: str | None
    quote: str | None = None
    consent_publish: bool = False
    name_organisation: bool = False


@dataclass(frozen=True)
class StoryView:
    """One story with everything its organisation and moderators may see."""

    id: int
    activity_id: int
    activity_title: str
    organisation_id: int
    organisation: str
    title: str
    text: str
    quote: str | None
    consent_publish: bool
    name_organisation: bool
    status: str
    submitted_at: datetime
    moderation_note: str | None
    published_at: datetime | None


@dataclass(frozen=True)
class PublishedStory:
    """An approved story as the public sees it: the organisation only with its consent,
    the place as the LSOAs of the activity's service area, never a person."""

    id: int
    title: str
    text: str
    quote: str | None
    organisation: str | None
    kind: str
    approaches: tuple[str, ...]
    lsoa_codes: tuple[str, ...]
    start_date: date
    end_date: date | None
    published_at: datetime


def check_story(raw: StoryInput) -> list[FieldError]:
    """Every problem of a story (empty when it can be stored)."""
    errors: list[FieldError] = []
    if raw.activity_id is None:
        errors.append(FieldError("activity_id", "Choose the activity the story is about."))
    _check_text(raw.title, "title", MAX_TITLE, True, errors)
    _check_text(raw.text, "text", MAX_TEXT, True, errors)
    _check_text(raw.quote, "quote", MAX_QUOTE, False, errors)
    if not raw.consent_publish:
        errors.append(FieldError("consent_publish", "Stories are submitted to be published: "
                                 "tick the consent, or keep the story for later."))
    return errors


def _check_text(value: str | None, field: str, limit: int, required: bool,
                errors: list[FieldError]) -> None:
    text = (value or "").strip()
    if not text:
        if required:
            errors.append(FieldError(field, f"Write the {field}."))
        return
    if len(text) > limit:
        errors.append(FieldError(field, f"This is {len(text)} characters long; keep it to "
                                        f"{limit} or fewer."))
    problem = hidden_characters(text)
    if problem:
        errors.append(FieldError(field, problem))


def submit_story(store: Store, actor: Actor, raw: StoryInput, *,
                 submission_key: str | None = None) -> int:
    """Store a story of one of the actor's organisation's activities as pending; its id.

    Raises
    ------
    InvalidStory
        When a field is wrong or consent is not given (nothing is stored).
    LookupError
        When the activity is not one of the organisation's recorded activities.
    """
    require_role(actor, "member")
    if actor.user_id is None or actor.organisation_id is None:
        raise PermissionDenied("stories are submitted by an account of an organisation")
    errors = check_story(raw)
    if errors:
        raise InvalidStory(errors)
    key = None if submission_key is None else _form_key(actor, submission_key)
    now = datetime.now(UTC)
    try:
        with store.write() as session:
            if key is not None:
                existing = session.scalar(select(Story.id).where(Story.dedupe_key == key))
                if existing is not None:
                    return existing
            _own_activity(session, actor, raw.activity_id)
            story = Story(activity_id=raw.activity_id, organisation_id=actor.organisation_id,
                          submitted_by=actor.user_id, submitted_at=now, status="pending",
                          dedupe_key=key, **_fields(raw))
            session.add(story)
            session.flush()
            record(session, actor, "submit", "story", story.id, {"status": (None, "pending")},
                   now)
            return story.id
    except IntegrityError:
        with store.read() as session:
            found = session.scalar(select(Story.id).where(Story.dedupe_key == key))
        if found is None:
            raise
        return found


def _form_key(actor: Actor, submission_key: str) -> str:
    digest = hashlib.sha256(f"{actor.user_id}\n{submission_key}".encode()).hexdigest()
    return f"form:{digest}"


def _fields(raw: StoryInput) -> dict[str, object]:
    return {"title": " ".join((raw.title or "").split()), "text": (raw.text or "").strip(),
            "quote": (raw.quote or "").strip() or None,
            "consent_publish": bool(raw.consent_publish),
            "name_organisation": bool(raw.name_organisation)}


def _own_activity(session: Session, actor: Actor, activity_id: int | None) -> None:
    activity = session.get(Activity, activity_id)
    if (activity is None or activity.organisation_id != actor.organisation_id
            or activity.status != "recorded"):
        raise LookupError(f"there is no recorded activity {activity_id} of your organisation")


def revise_story(store: Store, actor: Actor, story_id: int, raw: StoryInput) -> None:
    """Change a returned (or still pending) story of the actor's organisation and send it
    to the moderators again."""
    require_role(actor, "member")
    errors = check_story(raw)
    if errors:
        raise InvalidStory(errors)
    now = datetime.now(UTC)
    with store.write() as session:
        story = _locked(session, story_id)
        if story is None or story.organisation_id != actor.organisation_id:
            raise LookupError(f"there is no story {story_id} of your organisation")
        if story.status not in ("pending", "returned"):
            raise StoryError(f"story {story_id} is {story.status}; only a pending or returned "
                             "story can be changed")
        _own_activity(session, actor, raw.activity_id)
        changes = {name: (getattr(story, name), value)
                   for name, value in {**_fields(raw), "activity_id": raw.activity_id}.items()
                   if getattr(story, name) != value}
        for name, (_, value) in changes.items():
            setattr(story, name, value)
        if story.status != "pending":
            changes["status"] = (story.status, "pending")
            story.status = "pending"
        record(session, actor, "revise", "story", story.id, changes, now)


def withdraw_story(store: Store, actor: Actor, story_id: int) -> None:
    """Withdraw a story of the actor's organisation; a published one is taken down."""
    require_role(actor, "member")
    now = datetime.now(UTC)
    with store.write() as session:
        story = _locked(session, story_id)
        if story is None or story.organisation_id != actor.organisation_id:
            raise LookupError(f"there is no story {story_id} of your organisation")
        if story.status == "withdrawn":
            return
        record(session, actor, "withdraw", "story", story.id,
               {"status": (story.status, "withdrawn")}, now)
        story.status = "withdrawn"


def approve_story(store: Store, actor: Actor, story_id: int, note: str | None = None) -> None:
    """Publish a pending story (moderators)."""
    require_role(actor, "moderator")
    _decide(store, actor, story_id, "approved", _optional(note))


def return_story(store: Store, actor: Actor, story_id: int, note: str) -> None:
    """Send a pending or published story back to its organisation; the note says what to
    change (required). A published story is taken down."""
    require_role(actor, "moderator")
    note = _optional(note)
    if note is None:
        raise StoryError("write a note saying what to change; the organisation sees it")
    _decide(store, actor, story_id, "returned", note)


def _decide(store: Store, actor: Actor, story_id: int, status: str, note: str | None) -> None:
    allowed = {"approved": ("pending",), "returned": ("pending", "approved")}[status]
    now = datetime.now(UTC)
    with store.write() as session:
        story = _locked(session, story_id)
        if story is None:
            raise LookupError(f"there is no story {story_id}")
        if story.status not in allowed:
            raise StoryError(f"story {story_id} is {story.status}; it cannot become {status}")
        changes: dict[str, tuple[object, object]] = {"status": (story.status, status)}
        story.status, story.moderated_by, story.moderated_at = status, actor.user_id, now
        if note:
            changes["moderation_note"] = (story.moderation_note, note)
            story.moderation_note = note
        if status == "approved":
            story.published_at = now
        record(session, actor, "approve" if status == "approved" else "return", "story",
               story.id, changes, now, note)


def _optional(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    problem = hidden_characters(note)
    if problem:
        raise StoryError(f"note: {problem}")
    return note.strip()


def _locked(session: Session, story_id: int) -> Story | None:
    return session.scalars(select(Story).where(Story.id == story_id).with_for_update()
                           ).one_or_none()


def story_queue(store: Store, actor: Actor) -> list[StoryView]:
    """Pending stories of every organisation, oldest first (moderators)."""
    require_role(actor, "moderator")
    query = _query().where(Story.status == "pending").order_by(Story.submitted_at, Story.id)
    with store.read() as session:
        return [_view(*row) for row in session.execute(query)]


def own_stories(store: Store, actor: Actor) -> list[StoryView]:
    """The stories of the actor's own organisation, newest first."""
    query = (_query().where(Story.organisation_id == actor.organisation_id)
             .order_by(Story.submitted_at.desc(), Story.id.desc()))
    with store.read() as session:
        return [_view(*row) for row in session.execute(query)]


def get_story(store: Store, actor: Actor, story_id: int) -> StoryView:
    """One story, if ``actor`` may see it (its organisation, or a moderator).

    Raises
    ------
    LookupError
        No such story, or one the actor may not see (not told apart).
    """
    require_role(actor, "member")
    with store.read() as session:
        row = session.execute(_query().where(Story.id == story_id)).first()
    if row is None or (actor.role == "member" and row[0].organisation_id != actor.organisation_id):
        raise LookupError(f"there is no story {story_id} you can see")
    return _view(*row)


def story_audit(store: Store, actor: Actor, story_id: int) -> list[AuditView]:
    """Every change to a story, oldest first (moderators)."""
    require_role(actor, "moderator")
    with store.read() as session:
        return [AuditView(e.at, e.actor_label, e.action, json.loads(e.changes), e.note)
                for e in entries_for(session, "story", story_id)]


def published_stories(store: Store) -> list[PublishedStory]:
    """Every approved story of a recorded activity, newest first: what the public sees."""
    query = (select(Story, Activity, Organisation.name)
             .join(Activity, Story.activity_id == Activity.id)
             .join(Organisation, Story.organisation_id == Organisation.id)
             .where(Story.status == "approved", Story.consent_publish.is_(True),
                    Activity.status == "recorded")
             .order_by(Story.published_at.desc(), Story.id.desc()))
    with store.read() as session:
        rows = session.execute(query).all()
        activities = [activity for _, activity, _ in rows]
        approaches = approaches_of(session, [a.id for a in activities])
        lsoas = _lsoas_of(session, {a.service_area_id for a in activities})
    return [PublishedStory(
        story.id, story.title, story.text, story.quote,
        organisation if story.name_organisation else None, activity.kind,
        approaches.get(activity.id, ()), lsoas.get(activity.service_area_id, ()),
        activity.start_date, activity.end_date, story.published_at)
        for story, activity, organisation in rows]


def _lsoas_of(session: Session, area_ids: set[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    if area_ids:
        rows = session.execute(select(ServiceAreaLsoa.service_area_id, ServiceAreaLsoa.lsoa_code)
                               .where(ServiceAreaLsoa.service_area_id.in_(sorted(area_ids)))
                               .order_by(ServiceAreaLsoa.lsoa_code))
        for area_id, code in rows:
            found.setdefault(area_id, []).append(code)
    return {key: tuple(value) for key, value in found.items()}


def _query() -> Select:
    return (select(Story, Activity.title, Organisation.name)
            .join(Activity, Story.activity_id == Activity.id)
            .join(Organisation, Story.organisation_id == Organisation.id))


def _view(story: Story, activity_title: str, organisation: str) -> StoryView:
    return StoryView(story.id, story.activity_id, activity_title, story.organisation_id,
                     organisation, story.title, story.text, story.quote, story.consent_publish,
                     story.name_organisation, story.status, story.submitted_at,
                     story.moderation_note, story.published_at)


