"""How many reports an account may submit in an hour, counted in the database.

The count is taken from the reports table itself inside the submitting transaction, with
the account row locked, so the limit holds across processes and replicas. Imported rows
are not counted (an import is one deliberate action, capped in size by the importer).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.models import Report, User

DEFAULT_PER_HOUR = 30
WINDOW = timedelta(hours=1)


class RateLimited(Exception):
    """The account has submitted as many reports as it may this hour."""


def submissions_allowed(user: User) -> int:
    """The account's hourly limit: its own setting, or :data:`DEFAULT_PER_HOUR`."""
    return DEFAULT_PER_HOUR if user.submissions_per_hour is None else user.submissions_per_hour


def check_submission_allowed(session: Session, user: User, now: datetime) -> None:
    """Raise :class:`RateLimited` when ``user`` may not submit another report now.

    The caller must hold a lock on the account row (``SELECT ... FOR UPDATE``, or SQLite's
    write lock) so that two submissions cannot both take the last place.
    """
    since = now - WINDOW
    recent = session.scalar(
        select(func.count(Report.id)).where(
            Report.submitted_by == user.id,
            Report.submitted_at > since,
            Report.import_batch_id.is_(None),
        )
    )
    limit = submissions_allowed(user)
    if recent >= limit:
        raise RateLimited(
            f"You have submitted {recent} reports in the last hour, the most allowed for one "
            f"account ({limit}). Please try again later, or use a bulk import."
        )
