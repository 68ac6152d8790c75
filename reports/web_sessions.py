"""Server-side sign-in sessions: a random token in the browser, its hash in the database.

A sign-in creates a row in ``web_sessions`` and hands back a random token (32 bytes) that
the browser keeps in a cookie. Any replica of the app finds the account again from that
token, so a sign-in survives a replica restart or a fail-over. Only the token's sha256 is
stored: a copy of the database does not let anyone sign in. A session ends when it is
revoked (sign-out) or when it expires (:data:`SESSION_LIFETIME` after sign-in, however
active). Failed sign-ins by others never end it: anyone can type wrong passwords for an
account, so a slowed account (:mod:`reports.auth`) keeps its open sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from reports.audit import Actor
from reports.auth import actor_of
from reports.models import User, WebSession
from reports.store import Store

SESSION_LIFETIME = timedelta(hours=12)
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """The sha256 (hex) of a session token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start_session(store: Store, actor: Actor, *, now: datetime | None = None) -> str:
    """A new session for a signed-in account; its token, for the browser's cookie.

    Raises
    ------
    ValueError
        When ``actor`` is not an account (the command line has no web session).
    """
    if actor.user_id is None:
        raise ValueError("only an account can have a web session")
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with store.write() as session:
        session.add(WebSession(token_hash=token_hash(token), user_id=actor.user_id,
                               created_at=now, expires_at=now + SESSION_LIFETIME))
    return token


def actor_for_token(store: Store, token: str | None, *,
                    now: datetime | None = None) -> Actor | None:
    """The account a session token signs in, or None when it no longer does.

    None for an unknown, revoked or expired token. The account is read afresh, so a
    changed role applies at once.
    """
    if not token:
        return None
    now = now or datetime.now(UTC)
    with store.read() as session:
        user = session.scalars(
            select(User).join(WebSession, WebSession.user_id == User.id).where(
                WebSession.token_hash == token_hash(token),
                WebSession.revoked_at.is_(None),
                WebSession.expires_at > now,
            )
        ).one_or_none()
        return None if user is None else actor_of(user)


def end_session(store: Store, token: str | None, *, now: datetime | None = None) -> None:
    """Revoke the session of ``token`` (sign-out); nothing happens for an unknown token."""
    if not token:
        return
    now = now or datetime.now(UTC)
    with store.write() as session:
        session.execute(update(WebSession)
                        .where(WebSession.token_hash == token_hash(token),
                               WebSession.revoked_at.is_(None))
                        .values(revoked_at=now))
