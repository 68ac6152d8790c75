"""Organisations and accounts: created and changed by administrators (or the command line).

Every change is written to the audit log. Nothing is deleted.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from reports.audit import Actor, record
from reports.auth import check_role, hash_password, normalise_email, require_role
from reports.models import Organisation, User
from reports.store import Store
from reports.validation import hidden_characters

EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """An organisation or account could not be created or changed; the message says why."""


def add_organisation(store: Store, actor: Actor, name: str) -> int:
    """Create an organisation; its id.

    Raises
    ------
    AccountError
        Blank name, or an organisation of that name exists already.
    """
    require_role(actor, "admin")
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise AccountError("an organisation needs a name of 1 to 200 characters")
    problem = hidden_characters(name)
    if problem:
        raise AccountError(f"organisation name: {problem}")
    now = datetime.now(UTC)
    with store.write() as session:
        if session.scalars(select(Organisation).where(Organisation.name == name)).first():
            raise AccountError(f"the organisation {name!r} exists already")
        organisation = Organisation(name=name, created_at=now)
        session.add(organisation)
        session.flush()
        record(session, actor, "create", "organisation", organisation.id,
               {"name": (None, name)}, now)
        return organisation.id


def add_user(store: Store, actor: Actor, email: str, organisation: str, role: str,
             password: str) -> int:
    """Create an account in an existing organisation; its id.

    Raises
    ------
    AccountError
        Malformed or taken email, unknown organisation or role, or a too-short password.
    """
    require_role(actor, "admin")
    email = normalise_email(email)
    if not EMAIL_SHAPE.match(email) or hidden_characters(email):
        raise AccountError(f"{email!r} is not an email address")
    try:
        check_role(role)
        password_hash = hash_password(password)
    except ValueError as exc:
        raise AccountError(str(exc)) from exc
    now = datetime.now(UTC)
    with store.write() as session:
        org = session.scalars(select(Organisation).where(Organisation.name == organisation)).first()
        if org is None:
            raise AccountError(f"there is no organisation called {organisation!r}; "
                               "create it first with add-org")
        if session.scalars(select(User).where(User.email == email)).first():
            raise AccountError(f"there is already an account for {email}")
        user = User(email=email, organisation_id=org.id, role=role, password_hash=password_hash,
                    failed_signins=0, created_at=now)
        session.add(user)
        session.flush()
        record(session, actor, "create", "user", user.id,
               {"email": (None, email), "organisation": (None, org.name), "role": (None, role)},
               now)
        return user.id


def set_role(store: Store, actor: Actor, email: str, role: str) -> None:
    """Change the role of an account.

    Raises
    ------
    AccountError
        Unknown account or role.
    """
    require_role(actor, "admin")
    try:
        check_role(role)
    except ValueError as exc:
        raise AccountError(str(exc)) from exc
    _change_user(store, actor, email, "role", role)


def set_submission_limit(store: Store, actor: Actor, email: str, per_hour: int | None) -> None:
    """Set how many reports an account may submit an hour (None: the default limit)."""
    require_role(actor, "admin")
    if per_hour is not None and per_hour < 0:
        raise AccountError("a submission limit cannot be negative")
    _change_user(store, actor, email, "submissions_per_hour", per_hour)


def _change_user(store: Store, actor: Actor, email: str, field: str, value: object) -> None:
    now = datetime.now(UTC)
    with store.write() as session:
        user = session.scalars(
            select(User).where(User.email == normalise_email(email)).with_for_update()
        ).first()
        if user is None:
            raise AccountError(f"there is no account with the email {email}")
        old = getattr(user, field)
        if old == value:
            return
        setattr(user, field, value)
        record(session, actor, "update", "user", user.id, {field: (old, value)}, now)
