"""Sign-in that survives a new Streamlit session, driven with AppTest.

AppTest has no browser, so no cookies: the tests stand in for the browser by replacing
``ui.session._browser_token`` (what ``st.context.cookies`` holds in a real browser) with
the token the sign-in issued. tests/test_deploy.py checks the real cookie in Chromium.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from reports.auth import ACCOUNT_FREE_FAILURES, SignInError, sign_in
from reports.models import WebSession
from reports.web_sessions import token_hash
from settings import PROJECT_ROOT
from tests import test_submit_page
from tests.fixtures.reports.helpers import PASSWORD
from ui import session as ui_session

people = test_submit_page.people  # a tmp SQLite store with accounts, and the tiny cache

APP = str(PROJECT_ROOT / "dashboard.py")
SUBMIT = str(PROJECT_ROOT / "views" / "submit.py")


def sidebar_text(at: AppTest) -> str:
    return " ".join(str(t.value) for t in at.sidebar.text)


def sign_in_on_sidebar(email: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.text_input(key="signin_sidebar_email").input(email)
    at.sidebar.text_input(key="signin_sidebar_password").input(password)
    at.sidebar.button[0].click().run()
    assert not at.exception, at.exception
    return at


def browser_sends(monkeypatch, token: str | None) -> None:
    """The next sessions connect with ``token`` in their cookie."""
    monkeypatch.setattr(ui_session, "_browser_token", lambda: token)


def test_sign_in_starts_a_server_side_session(people):
    store, _ = people
    at = sign_in_on_sidebar("ana@thamesbury.example")
    assert "ana@thamesbury.example (member)" in sidebar_text(at)
    token = at.session_state[ui_session.TOKEN_KEY]
    with store.read() as session:
        row = session.scalars(select(WebSession)).one()
    assert row.token_hash == token_hash(token) and row.revoked_at is None


def test_a_new_session_with_the_cookie_is_signed_in(people, monkeypatch):
    at = sign_in_on_sidebar("ana@thamesbury.example")
    browser_sends(monkeypatch, at.session_state[ui_session.TOKEN_KEY])
    fresh = AppTest.from_file(SUBMIT, default_timeout=60).run()  # another replica, say
    assert not fresh.exception, fresh.exception
    assert fresh.title[0].value == "Submit a tension report"
    assert not fresh.warning  # no "Sign in ..." prompt
    assert "ana@thamesbury.example (member)" in " ".join(t.value for t in fresh.text)


def test_sign_out_ends_the_session_everywhere(people, monkeypatch):
    at = sign_in_on_sidebar("ana@thamesbury.example")
    token = at.session_state[ui_session.TOKEN_KEY]
    at.sidebar.button(key="signout_sidebar").click().run()
    assert "Signed in as" not in " ".join(c.value for c in at.sidebar.caption)
    assert at.session_state[ui_session.TOKEN_KEY] is None
    browser_sends(monkeypatch, token)  # a browser that kept the old cookie
    fresh = AppTest.from_file(SUBMIT, default_timeout=60).run()
    assert "Sign in" in fresh.warning[0].value


def test_an_open_session_outlives_a_stranger_guessing_its_password(people, monkeypatch):
    store, _ = people
    at = sign_in_on_sidebar("raj@riverbank.example")
    browser_sends(monkeypatch, at.session_state[ui_session.TOKEN_KEY])
    for n in range(ACCOUNT_FREE_FAILURES + 3):
        with pytest.raises(SignInError):
            sign_in(store, "raj@riverbank.example", "wrong password", client=f"192.0.2.{n}")
    at.run()  # the next click on the page already open
    assert "raj@riverbank.example (member)" in sidebar_text(at)
    fresh = AppTest.from_file(SUBMIT, default_timeout=60).run()  # a reload, same cookie
    assert not fresh.warning
    assert "raj@riverbank.example (member)" in " ".join(t.value for t in fresh.text)


@pytest.mark.parametrize(("peer", "real_ip", "client"), [
    (None, None, "localhost"),                       # a browser on this machine
    (None, "203.0.113.9", "203.0.113.9"),            # behind the deployment's nginx
    ("198.51.100.7", "203.0.113.9", "198.51.100.7"),  # a header from anyone else: ignored
    (None, "  ", "localhost"),
])
def test_sign_ins_are_throttled_by_the_browser_address(peer, real_ip, client):
    assert ui_session.client_address(peer, real_ip) == client


def test_a_garbage_cookie_is_ignored(people, monkeypatch):
    browser_sends(monkeypatch, "made-up")
    at = AppTest.from_file(SUBMIT, default_timeout=60).run()
    assert not at.exception
    assert "Sign in" in at.warning[0].value
