"""The audit log: every change to a report, account or organisation, with who and when.

Entries are only ever added. ``changes`` holds ``{"field": [old, new]}`` as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.models import AuditEntry

COMMAND_LINE = "command line"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in account, or the command line (``user_id`` None)."""

    user_id: int | None
    email: str
    organisation_id: int | None
    role: str

    @property
    def label(self) -> str:
        return self.email or COMMAND_LINE


CLI_ACTOR = Actor(None, COMMAND_LINE, None, "admin")


def _plain(value: object) -> object:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int,
    changes: dict[str, tuple[object, object]],
    at: datetime,
    note: str | None = None,
) -> None:
    """Add one audit entry in the caller's transaction."""
    payload = {name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()}
    session.add(AuditEntry(
        at=at, actor_id=actor.user_id, actor_label=actor.label, action=action, entity=entity,
        entity_id=entity_id, changes=json.dumps(payload, ensure_ascii=False, sort_keys=True),
        note=note,
    ))


def entries_for(session: Session, entity: str, entity_id: int) -> list[AuditEntry]:
    """The audit entries of one report, account or organisation, oldest first."""
    query = (select(AuditEntry).where(AuditEntry.entity == entity,
                                      AuditEntry.entity_id == entity_id)
             .order_by(AuditEntry.id))
    return list(session.scalars(query))
