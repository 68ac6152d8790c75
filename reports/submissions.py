"""Members submitting reports: validated, rate limited, stored once, audited."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.areas import AreaDirectory, PostcodeResolver
from reports.audit import Actor, record
from reports.auth import PermissionDenied
from reports.models import Report, User
from reports.once import form_key, store_once, stored_id
from reports.ratelimit import check_submission_allowed
from reports.store import Store
from reports.validation import CleanReport, FieldError, ReportInput, check_report


class InvalidReport(ValueError):
    """The report has problems; ``errors`` lists them field by field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))


def submit_report(
    store: Store,
    actor: Actor,
    raw: ReportInput,
    *,
    directory: AreaDirectory,
    resolve_postcode: PostcodeResolver | None = None,
    submission_key: str | None = None,
    now: datetime | None = None,
    today: date | None = None,
) -> int:
    """Store a member's report as pending; its id.

    Parameters
    ----------
    submission_key
        A key unique to one filling-in of the form (e.g. a UUID made when the form is
        shown): submitting again with the same key returns the first report's id instead
        of storing a second copy (double clicks, retries after a dropped connection).

    Raises
    ------
    InvalidReport
        When a field is wrong (nothing is stored).
    RateLimited
        When the account has used its hourly allowance.
    """
    if actor.user_id is None or actor.organisation_id is None:
        raise PermissionDenied("reports are submitted by a signed-in account")
    check = check_report(raw, directory=directory, resolve_postcode=resolve_postcode,
                         today=today)
    if check.report is None:
        raise InvalidReport(check.errors)
    key = form_key(actor, submission_key)
    moment = now or datetime.now(UTC)
    return store_once(store, Report, key,
                      lambda: _store_report(store, actor, check.report, key, moment))


def _store_report(store: Store, actor: Actor, clean: CleanReport, key: str | None,
                  now: datetime) -> int:
    with store.write() as session:
        existing = stored_id(session, Report, key)
        if existing is not None:
            return existing
        user = session.scalars(
            select(User).where(User.id == actor.user_id).with_for_update()
        ).one()
        check_submission_allowed(session, user, now)
        return add_report(session, actor, clean, now, dedupe_key=key)


def add_report(session: Session, actor: Actor, clean: CleanReport, now: datetime, *,
               dedupe_key: str | None = None, import_batch_id: int | None = None) -> int:
    """Insert one pending report and its audit entry in the caller's transaction."""
    report = Report(
        organisation_id=actor.organisation_id, submitted_by=actor.user_id, submitted_at=now,
        status="pending", dedupe_key=dedupe_key, import_batch_id=import_batch_id,
        **asdict(clean),
    )
    session.add(report)
    session.flush()
    record(session, actor, "submit" if import_batch_id is None else "import", "report",
           report.id, {"status": (None, "pending")}, now)
    return report.id
