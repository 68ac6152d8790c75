"""Who is signed in: the sign-in form, the signed-in account in the session, sign-out.

The signed-in account is a :class:`reports.audit.Actor` (user id, email, organisation id,
role) kept in ``st.session_state`` under :data:`ACTOR_KEY`; it lives as long as the
browser session. Passwords are checked by :func:`reports.auth.sign_in`, which also counts
failures and locks an account after too many; its refusal message is shown as it is.

app.py calls :func:`current_actor` to build the role-gated navigation and
:func:`render_session_sidebar` to offer sign-in / sign-out in the sidebar. Pages that
need an account call :func:`require_actor` first.
"""

from __future__ import annotations

import streamlit as st

from reports.audit import Actor
from reports.auth import SignInError, sign_in
from reports.taxonomy import ROLES, role_rank
from ui.reports_view import get_store

ACTOR_KEY = "gra_actor"
ROLE_LABELS = {term.id: term.label.lower() for term in ROLES}


def current_actor() -> Actor | None:
    """The signed-in account of this browser session, or None."""
    actor = st.session_state.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def sign_out() -> None:
    """Forget the signed-in account (and everything the report pages kept)."""
    for key in list(st.session_state):
        if key == ACTOR_KEY or str(key).startswith(("submit_", "mod_", "signin_")):
            del st.session_state[key]


def _sign_in(prefix: str) -> None:
    email = st.session_state.get(f"{prefix}_email", "")
    password = st.session_state.get(f"{prefix}_password", "")
    st.session_state.pop(f"{prefix}_password", None)
    if not email.strip() or not password:
        st.session_state[f"{prefix}_error"] = "Type your email and your password."
        return
    try:
        actor = sign_in(get_store(), email, password)
    except SignInError as exc:
        st.session_state[f"{prefix}_error"] = str(exc)
        return
    st.session_state.pop(f"{prefix}_error", None)
    st.session_state[ACTOR_KEY] = actor


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
                render_sign_in_form("signin_sidebar")
            return current_actor()
        st.caption("Signed in as")
        st.text(describe(actor))
        st.button("Sign out", key="signout_sidebar", on_click=sign_out,
                  icon=":material/logout:")
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
