"""Server-side sign-in sessions on SQLite and PostgreSQL: token, expiry, revocation, lock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from reports.accounts import set_role
from reports.audit import CLI_ACTOR
from reports.auth import CLIENT_MAX_FAILURES, SignInError, sign_in
from reports.models import WebSession
from reports.web_sessions import (
    SESSION_LIFETIME,
    actor_for_token,
    end_session,
    start_session,
    token_hash,
)
from tests.fixtures.reports.helpers import DATABASES, bootstrap, fresh_store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=DATABASES)
def people(request, tmp_path):
    with fresh_store(request.param, tmp_path) as store:
        yield store, bootstrap(store)


def test_a_token_finds_its_account_and_only_its_hash_is_stored(people):
    store, actors = people
    token = start_session(store, actors["thames"], now=NOW)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    assert actor_for_token(store, token, now=NOW + timedelta(hours=1)) == actors["thames"]
    with store.read() as session:
        row = session.scalars(select(WebSession)).one()
    assert row.token_hash == token_hash(token) != token
    assert row.expires_at == NOW + SESSION_LIFETIME and row.revoked_at is None


def test_unknown_empty_and_expired_tokens_sign_nobody_in(people):
    store, actors = people
    token = start_session(store, actors["thames"], now=NOW)
    assert actor_for_token(store, "not-a-token", now=NOW) is None
    assert actor_for_token(store, None, now=NOW) is None
    assert actor_for_token(store, "", now=NOW) is None
    assert actor_for_token(store, token, now=NOW + SESSION_LIFETIME) is None


def test_sign_out_revokes_one_session_only(people):
    store, actors = people
    laptop = start_session(store, actors["thames"], now=NOW)
    phone = start_session(store, actors["thames"], now=NOW)
    end_session(store, laptop, now=NOW)
    end_session(store, "unknown", now=NOW)  # nothing to do, no error
    assert actor_for_token(store, laptop, now=NOW) is None
    assert actor_for_token(store, phone, now=NOW) == actors["thames"]


def test_failed_sign_ins_by_others_never_end_a_session(people):
    store, actors = people
    token = start_session(store, actors["river"])
    for n in range(CLIENT_MAX_FAILURES):
        with pytest.raises(SignInError):
            sign_in(store, "raj@riverbank.example", "wrong password", client=f"192.0.2.{n}")
    assert actor_for_token(store, token) == actors["river"]


def test_a_changed_role_applies_to_an_open_session(people):
    store, actors = people
    token = start_session(store, actors["thames"])
    set_role(store, CLI_ACTOR, "ana@thamesbury.example", "moderator")
    assert actor_for_token(store, token).role == "moderator"


def test_the_command_line_has_no_web_session(people):
    store, _ = people
    with pytest.raises(ValueError, match="only an account"):
        start_session(store, CLI_ACTOR)
