"""The Stories tab of the Our work page: tell the story of an activity, see what became of
it, change a returned story and send it again."""

from __future__ import annotations

import uuid

import streamlit as st

from reports.activities import own_activities
from reports.audit import Actor
from reports.store import Store
from reports.stories import (
    MAX_QUOTE,
    MAX_TEXT,
    InvalidStory,
    StoryError,
    StoryInput,
    StoryView,
    own_stories,
    revise_story,
    submit_story,
    withdraw_story,
)
from reports.taxonomy import STORY_STATUSES

STATUS_LABELS = {term.id: term.label for term in STORY_STATUSES}
NO_NAMES = ("Do not name or describe any person so that they could be recognised; say "
            "'a young volunteer', not a name.")


def _story_fields(prefix: str, activities: dict[int, str], current: StoryView | None) -> None:
    st.selectbox("The activity it is about", list(activities), format_func=activities.get,
                 key=f"{prefix}_activity", placeholder="Choose an activity",
                 index=None if current is None else list(activities).index(current.activity_id)
                 if current.activity_id in activities else None)
    st.text_input("Title", key=f"{prefix}_title", max_chars=200,
                  value=None if current is None else current.title)
    st.text_area("The story", key=f"{prefix}_text", max_chars=MAX_TEXT, help=NO_NAMES,
                 value=None if current is None else current.text)
    st.text_area("A quote (optional)", key=f"{prefix}_quote", max_chars=MAX_QUOTE, height=80,
                 help="Words of a participant, unnamed.",
                 value=None if current is None else current.quote)
    st.checkbox("We agree that this story is published on this site and in its feed",
                key=f"{prefix}_consent", value=False)
    st.checkbox("Name our organisation beside the story",
                key=f"{prefix}_name_org", value=False if current is None
                else current.name_organisation)


def _input(prefix: str) -> StoryInput:
    state = st.session_state
    return StoryInput(state.get(f"{prefix}_activity"), state.get(f"{prefix}_title"),
                      state.get(f"{prefix}_text"), state.get(f"{prefix}_quote"),
                      bool(state.get(f"{prefix}_consent")),
                      bool(state.get(f"{prefix}_name_org")))


def _send(store: Store, actor: Actor) -> None:
    state = st.session_state
    try:
        story_id = submit_story(store, actor, _input("story"), submission_key=state["story_key"])
    except InvalidStory as exc:
        state["story_flash"] = (False, "Not sent: " + "; ".join(e.message for e in exc.errors))
        return
    except LookupError as exc:
        state["story_flash"] = (False, f"Not sent: {exc}.")
        return
    for key in ("story_activity", "story_title", "story_text", "story_quote", "story_consent",
                "story_name_org"):
        state.pop(key, None)
    state["story_key"] = uuid.uuid4().hex
    state["story_flash"] = (True, f"Thank you: story {story_id} is sent to the moderators. "
                                  "It is published once one approves it.")


def render_stories_form(store: Store, actor: Actor) -> None:
    """The story form and the organisation's stories."""
    st.session_state.setdefault("story_key", uuid.uuid4().hex)
    flash = st.session_state.pop("story_flash", None)
    if flash:
        (st.success if flash[0] else st.error)(flash[1])
    activities = {a.id: f"{a.id}: {a.title}" for a in own_activities(store, actor)}
    if not activities:
        st.info("Record an activity first (Activities tab): a story tells of one.")
        return
    with st.container(border=True):
        st.subheader("Tell the story of an activity")
        st.caption(NO_NAMES + " A moderator reads every story before it is published.")
        _story_fields("story", activities, None)
        st.button("Send the story", key="story_send", type="primary", on_click=_send,
                  args=(store, actor))
    _render_own(store, actor, activities)


def _render_own(store: Store, actor: Actor, activities: dict[int, str]) -> None:
    stories = own_stories(store, actor)
    st.subheader("Your organisation's stories")
    if not stories:
        st.info("No story sent yet.")
        return
    st.dataframe([{"Number": s.id, "Title": s.title, "Activity": s.activity_title,
                   "Status": STATUS_LABELS.get(s.status, s.status),
                   "Organisation named": "yes" if s.name_organisation else "no",
                   "Moderator's note": s.moderation_note or ""} for s in stories],
                 hide_index=True, width="stretch")
    open_ones = {s.id: s for s in stories if s.status in ("pending", "returned")}
    if open_ones:
        with st.expander("Change a returned or waiting story and send it again"):
            choice = st.selectbox("Story", list(open_ones), key="story_revise_id",
                                  format_func=lambda i: f"{i}: {open_ones[i].title}")
            current = open_ones[choice]
            _story_fields(f"story_rev{choice}", activities, current)
            if st.button("Send it again", key="story_revise"):
                try:
                    revise_story(store, actor, choice, _input(f"story_rev{choice}"))
                except (InvalidStory, StoryError, LookupError) as exc:
                    st.session_state["story_flash"] = (False, f"Not sent: {exc}")
                else:
                    st.session_state["story_flash"] = (True, f"Story {choice} is sent again.")
                st.rerun()
    live = [s.id for s in stories if s.status != "withdrawn"]
    if live:
        with st.expander("Withdraw a story"):
            choice = st.selectbox("Story", live, key="story_withdraw_id")
            if st.button("Withdraw it", key="story_withdraw"):
                withdraw_story(store, actor, choice)
                st.session_state["story_flash"] = (True, f"Story {choice} is withdrawn.")
                st.rerun()
