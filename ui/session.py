"""Who is signed in: the sign-in form, the server-side session and its cookie, sign-out.

A sign-in (:func:`reports.auth.sign_in`, which also counts failures and locks an account
after too many) starts a session in the report database (:mod:`reports.web_sessions`) and
puts its random token in a browser cookie, :data:`COOKIE_NAME`. Nothing about the account
lives only in this process: a new Streamlit session, on this replica or on any other
(after a reload, a restart or a fail-over), reads the cookie that the browser sent with
the websocket handshake (``st.context.cookies``) and finds the account again in the
database. Every run checks the token afresh, so sign-out and expiry end the session on
every replica at once. Sign-in attempts are throttled per client (the browser's address:
:func:`client_address`) and per account in the database (:mod:`reports.auth`).

The cookie is written by a small first-party component (``st.components.v2``, not
iframed) whose JavaScript is fixed; the token reaches it as data, never as HTML. It is
``Path=/; SameSite=Strict`` and ``Secure`` when the page is served over https. It cannot
be ``HttpOnly``: only a server response can set that, and Streamlit gives a script no
response of its own. Scripts on the page could therefore read it, which is one more
reason that no page renders user text as HTML; the server keeps only the token's sha256.

app.py calls :func:`current_actor` to build the role-gated navigation and
:func:`render_session_sidebar` to offer sign-in / sign-out in the sidebar. Pages that
need an account call :func:`require_actor` first.
"""

from __future__ import annotations

import streamlit as st

from reports.audit import Actor
from reports.auth import SignInError, sign_in
from reports.taxonomy import ROLES, role_rank
from reports.web_sessions import SESSION_LIFETIME, actor_for_token, end_session, start_session
from ui.reports_view import get_store

COOKIE_NAME = "gra_session"
TOKEN_KEY = "gra_session_token"
ROLE_LABELS = {term.id: term.label.lower() for term in ROLES}

_COOKIE_JS = """
export default function ({ data }) {
  if (!data) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  const flags = "; Path=/; SameSite=Strict" + secure;
  if (data.token) {
    document.cookie = data.name + "=" + data.token + "; Max-Age=" + data.max_age + flags;
  } else if (document.cookie.split("; ").some((c) => c.startsWith(data.name + "="))) {
    document.cookie = data.name + "=; Max-Age=0" + flags;
  }
}
"""
_cookie_writer = st.components.v2.component("gra_session_cookie", js=_COOKIE_JS)


def _browser_token() -> str | None:
    """The session token the browser sent when this Streamlit session connected."""
    token = st.context.cookies.get(COOKIE_NAME)
    # Outside a browser (AppTest) there are no cookies, only a stand-in object.
    return token if isinstance(token, str) and token else None


def _session_token() -> str | None:
    # The browser's cookie is taken once, when the session starts; after a sign-out the
    # token is None and the cookie sent at connection time is not taken up again.
    if TOKEN_KEY not in st.session_state:
        st.session_state[TOKEN_KEY] = _browser_token()
    return st.session_state[TOKEN_KEY]


def current_actor() -> Actor | None:
    """The signed-in account of this browser, or None.

    Checked in the database on every call: a revoked or expired session gives None (and is
    forgotten by this browser session).
    """
    token = _session_token()
    if token is None:
        return None
    actor = actor_for_token(get_store(), token)
    if actor is None:
        st.session_state[TOKEN_KEY] = None
    return actor


def sign_out() -> None:
    """End the session in the database, forget it here, and drop what report pages kept."""
    end_session(get_store(), st.session_state.get(TOKEN_KEY))
    st.session_state[TOKEN_KEY] = None
    for key in list(st.session_state):
        if str(key).startswith(("submit_", "mod_", "signin_", "area_", "act_", "story_")):
            del st.session_state[key]


def _sign_in(prefix: str) -> None:
    email = st.session_state.get(f"{prefix}_email", "")
    password = st.session_state.get(f"{prefix}_password", "")
    st.session_state.pop(f"{prefix}_password", None)
    if not email.strip() or not password:
        st.session_state[f"{prefix}_error"] = "Type your email and your password."
        return
    store = get_store()
    try:
        actor = sign_in(store, email, password, client=client_address(
            st.context.ip_address, st.context.headers.get("X-Real-IP")))
    except SignInError as exc:
        st.session_state[f"{prefix}_error"] = str(exc)
        return
    st.session_state.pop(f"{prefix}_error", None)
    st.session_state[TOKEN_KEY] = start_session(store, actor)


def client_address(peer: str | None, real_ip: str | None) -> str:
    """The address sign-ins are throttled by.

    ``peer`` is the connection's address, None when it is this machine (Streamlit hides
    loopback addresses): then the browser is local, or behind the deployment's nginx,
    which sets ``X-Real-IP`` to the browser's address (overwriting any the browser sent).
    A header from anyone else is ignored, as anyone can send one. (Outside a browser, in
    AppTest, both are stand-in objects, not text.)
    """
    if isinstance(peer, str) and peer:
        return peer
    if isinstance(real_ip, str) and real_ip.strip():
        return real_ip.strip()
    return "localhost"


def render_session_cookie() -> None:
    """Keep the browser's cookie in step: the token while signed in, else none."""
    token = st.session_state.get(TOKEN_KEY)
    _cookie_writer(key="gra_session_cookie", height=0,
                   data={"name": COOKIE_NAME, "token": token,
                         "max_age": int(SESSION_LIFETIME.total_seconds())})


def render_sign_in_form(prefix: str = "signin_page") -> Actor | None:
    """A sign-in form (email, password, button); the account once signed in.

    ``prefix`` keeps the widget keys of two forms on one screen (sidebar and page) apart.
    """
    with st.form(f"{prefix}_form", clear_on_submit=False, border=True):
        st.text_input("Email", key=f"{prefix}_email", autocomplete="username")
        st.text_input("Password", type="password", key=f"{prefix}_password",
                      autocomplete="current-password")
        st.form_submit_button("Sign in", on_click=_sign_in, args=(prefix,), type="primary")
    error = st.session_state.get(f"{prefix}_error")
    if error:
        st.error(error)
    return current_actor()


def describe(actor: Actor) -> str:
    """``email (role)`` for the signed-in account."""
    return f"{actor.email} ({ROLE_LABELS.get(actor.role, actor.role)})"


def render_session_sidebar() -> Actor | None:
    """In the sidebar: who is signed in and a sign-out button, or a sign-in form."""
    with st.sidebar:
        actor = current_actor()
        if actor is None:
            with st.expander("Sign in (member organisations)", icon=":material/login:"):
                actor = render_sign_in_form("signin_sidebar")
        else:
            st.caption("Signed in as")
            st.text(describe(actor))
            st.button("Sign out", key="signout_sidebar", on_click=sign_out,
                      icon=":material/logout:")
        render_session_cookie()
        return actor


def has_role(actor: Actor | None, role: str) -> bool:
    """Whether ``actor`` holds ``role`` or a higher one."""
    return actor is not None and role_rank(actor.role) >= role_rank(role)


def require_actor(role: str, what: str) -> Actor:
    """The signed-in account if it holds ``role``; otherwise say so and stop the page.

    A visitor who is not signed in gets a message and the sign-in form, nothing else; a
    signed-in account without the role gets a message only.
    """
    actor = current_actor()
    if actor is None:
        st.warning(f"Sign in with your organisation's account to {what}.",
                   icon=":material/lock:")
        render_sign_in_form()
        st.stop()
    if not has_role(actor, role):
        st.error(f"This page is for {ROLE_LABELS[role]}s. You are signed in as "
                 f"{describe(actor)}, so it is not available to you.", icon=":material/block:")
        st.stop()
    return actor
