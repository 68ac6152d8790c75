"""Passwords, sign-in with lock-out, and role checks.

Passwords are hashed with argon2id. After :data:`MAX_FAILURES` wrong passwords in a row
an account is locked for :data:`LOCKOUT`; the counter and the lock live in the database,
so they hold across every replica of the app. Roles are nested: member < moderator < admin.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select

from reports.audit import Actor
from reports.models import User
from reports.store import Store
from reports.taxonomy import ROLE_IDS, role_rank

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not a real password, used to even out timing")


class SignInError(Exception):
    """Sign-in refused; the message can be shown to the person signing in."""


class PermissionDenied(Exception):
    """The account's role does not allow this action."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``.

    Raises
    ------
    ValueError
        When the password is shorter than :data:`MIN_PASSWORD_LENGTH` characters.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def sign_in(store: Store, email: str, password: str, *, now: datetime | None = None) -> Actor:
    """Check an email and password; the signed-in account as an :class:`Actor`.

    Raises
    ------
    SignInError
        Wrong email or password (one message for both), or the account is locked.
    """
    now = now or datetime.now(UTC)
    with store.write() as session:
        user = session.scalars(
            select(User).where(User.email == normalise_email(email)).with_for_update()
        ).one_or_none()
        refusal = _check_password(user, password, now)
        if refusal is None:
            return actor_of(user)
    # Raised after the block so that the failure count is committed, not rolled back.
    raise SignInError(refusal)


def _check_password(user: User | None, password: str, now: datetime) -> str | None:
    """None when the password is right (the account is updated), else the refusal."""
    if user is None:
        _verify(_DUMMY_HASH, password)
        return "Wrong email or password."
    if user.locked_until is not None and user.locked_until > now:
        return _locked_message(user.locked_until)
    if not _verify(user.password_hash, password):
        _count_failure(user, now)
        if user.locked_until is not None and user.locked_until > now:
            return _locked_message(user.locked_until)
        return "Wrong email or password."
    user.failed_signins = 0
    user.locked_until = None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return None


def _count_failure(user: User, now: datetime) -> None:
    user.failed_signins += 1
    if user.failed_signins >= MAX_FAILURES:
        user.locked_until = now + LOCKOUT
        user.failed_signins = 0


def _locked_message(until: datetime) -> str:
    return (f"Too many wrong passwords: this account is locked until {until:%H:%M} UTC. "
            "Try again then, or ask an administrator.")


def actor_of(user: User) -> Actor:
    """The :class:`Actor` of an account row."""
    return Actor(user.id, user.email, user.organisation_id, user.role)


def actor_for_email(store: Store, email: str) -> Actor:
    """The account with ``email`` as an :class:`Actor` (command line: no password asked).

    Raises
    ------
    LookupError
        When there is no such account.
    """
    with store.read() as session:
        user = session.scalars(
            select(User).where(func.lower(User.email) == normalise_email(email))
        ).one_or_none()
        if user is None:
            raise LookupError(f"there is no account with the email {email}")
        return actor_of(user)


def require_role(actor: Actor, role: str) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` has ``role`` or a higher one."""
    if role_rank(actor.role) < role_rank(role):
        raise PermissionDenied(f"{actor.label} is a {actor.role}; this needs a {role}.")


def check_role(role: str) -> str:
    """``role`` if it is known, else ValueError naming the known roles."""
    if role not in ROLE_IDS:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLE_IDS)}")
    return role


def normalise_email(email: str) -> str:
    """Emails are compared without outer spaces and case."""
    return email.strip().lower()
