"""Passwords, sign-in throttled per client and per account, and role checks.

Passwords are hashed with argon2id. Every refusal says the same :data:`SIGN_IN_REFUSED`,
whether the email is unknown, the password wrong or the attempt throttled, so a sign-in
form never tells whether an account exists. Throttling lives in the database (the
``signin_attempts`` table and the account row), so it holds across every replica:

- **per client** (the browser's address): after :data:`CLIENT_MAX_FAILURES` failed
  attempts within :data:`CLIENT_WINDOW`, that client is refused, on any account, without
  a password check, until its oldest failure there ages out. One client can neither guess
  at speed nor keep the server busy hashing.
- **per account**: after :data:`ACCOUNT_FREE_FAILURES` failures in a row, from any
  clients, the account is slowed: attempts from clients that have not signed in to it
  within :data:`KNOWN_CLIENT_AGE` are refused until a delay has passed, which doubles with
  each further failure from :data:`ACCOUNT_BASE_DELAY` up to :data:`ACCOUNT_MAX_DELAY`.
  This bounds guessing spread over many addresses, while a client the owner has signed in
  from before is never held back, so a stranger cannot lock anyone out; nor does a slowed
  account end anyone's open session.

Roles are nested: member < moderator < admin.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from reports.audit import Actor
from reports.models import SigninAttempt, User
from reports.store import Store
from reports.taxonomy import ROLE_IDS, role_rank

SIGN_IN_REFUSED = ("Wrong email or password, or too many attempts. Check them and try again "
                   "in a few minutes; an administrator can help if it goes on.")
CLIENT_MAX_FAILURES = 20
CLIENT_WINDOW = timedelta(minutes=15)
ACCOUNT_FREE_FAILURES = 5
ACCOUNT_BASE_DELAY = timedelta(seconds=30)
ACCOUNT_MAX_DELAY = timedelta(minutes=15)
KNOWN_CLIENT_AGE = timedelta(days=90)
LOCAL_CLIENT = "local"
"""The client of a sign-in that cannot tell its address (a test, a script on the server)."""
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


def sign_in(store: Store, email: str, password: str, *, client: str = LOCAL_CLIENT,
            now: datetime | None = None) -> Actor:
    """Check an email and password from ``client``; the signed-in account as an :class:`Actor`.

    Parameters
    ----------
    client
        Who is signing in, as far as the server can tell: the browser's address.

    Raises
    ------
    SignInError
        :data:`SIGN_IN_REFUSED`, for a wrong email or password and for a throttled attempt.
    """
    now = now or datetime.now(UTC)
    who, account = _digest(client), _digest(normalise_email(email))
    with store.write() as session:
        if _recent_failures(session, who, now) >= CLIENT_MAX_FAILURES:
            raise SignInError(SIGN_IN_REFUSED)  # no hashing: this client already knows
        user = session.scalars(
            select(User).where(User.email == normalise_email(email)).with_for_update()
        ).one_or_none()
        if user is not None and _slowed(user, now) and not _known(session, who, account, now):
            _verify(_DUMMY_HASH, password)  # as long as a real check: nothing to tell apart
            signed_in = False  # a failure of this client, not one more of the account
        else:
            signed_in = _check_password(user, password, now)
        session.add(SigninAttempt(at=now, client=who, account=account, succeeded=signed_in))
        if signed_in:
            session.execute(delete(SigninAttempt).where(SigninAttempt.at < now - KNOWN_CLIENT_AGE))
            return actor_of(user)
    # Raised after the block so that the failure is committed, not rolled back.
    raise SignInError(SIGN_IN_REFUSED)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def _recent_failures(session: Session, client: str, now: datetime) -> int:
    return session.scalar(select(func.count(SigninAttempt.id)).where(
        SigninAttempt.client == client, SigninAttempt.at > now - CLIENT_WINDOW,
        SigninAttempt.succeeded.is_(False)))


def _slowed(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _known(session: Session, client: str, account: str, now: datetime) -> bool:
    """Whether ``client`` signed in to ``account`` within :data:`KNOWN_CLIENT_AGE`."""
    return session.scalar(select(SigninAttempt.id).where(
        SigninAttempt.account == account, SigninAttempt.client == client,
        SigninAttempt.succeeded.is_(True), SigninAttempt.at > now - KNOWN_CLIENT_AGE
    ).limit(1)) is not None


def _check_password(user: User | None, password: str, now: datetime) -> bool:
    """Whether the password is right; the account's failure count and delay follow."""
    if user is None:
        _verify(_DUMMY_HASH, password)
        return False
    if not _verify(user.password_hash, password):
        user.failed_signins += 1
        beyond = user.failed_signins - ACCOUNT_FREE_FAILURES
        if beyond >= 0:
            delay = ACCOUNT_BASE_DELAY * 2 ** min(beyond, 10)
            user.locked_until = now + min(ACCOUNT_MAX_DELAY, delay)
        return False
    user.failed_signins = 0
    user.locked_until = None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return True


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
