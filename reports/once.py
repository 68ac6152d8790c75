"""Storing one filling-in of a form once, however often it is sent.

A form made with a random submission key (a UUID made when it is shown) stores its row
with ``dedupe_key`` = :func:`form_key`; sending it again (a double click, a retry after a
dropped connection) finds that row instead of storing a copy, and two copies sent at the
same moment are told apart by the unique index: :func:`store_once` answers the loser
with the winner's id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reports.audit import Actor
from reports.store import Store


def form_key(actor: Actor, submission_key: str | None) -> str | None:
    """The stored key of one filling-in of a form by ``actor`` (None without a key)."""
    if submission_key is None:
        return None
    digest = hashlib.sha256(f"{actor.user_id}\n{submission_key}".encode()).hexdigest()
    return f"form:{digest}"


def stored_id(session: Session, model: type, key: str | None) -> int | None:
    """The id of the row of ``model`` stored under ``key``, if any."""
    if key is None:
        return None
    return session.scalar(select(model.id).where(model.dedupe_key == key))


def store_once(store: Store, model: type, key: str | None, write: Callable[[], int]) -> int:
    """``write()``; when it loses a race on ``key``, the id of the row that won."""
    try:
        return write()
    except IntegrityError:
        with store.read() as session:
            found = stored_id(session, model, key)
        if found is None:
            raise
        return found
