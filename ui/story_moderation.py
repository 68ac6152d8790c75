"""The Stories tab of the Moderation page: publish a member's story or return it."""

from __future__ import annotations

import streamlit as st

from reports.audit import Actor
from reports.auth import PermissionDenied
from reports.store import Store
from reports.stories import (
    StoryError,
    approve_story,
    get_story,
    return_story,
    story_audit,
    story_queue,
)
from ui.reports_view import audit_table
from ui.story_form import NO_NAMES, STATUS_LABELS


def _decided(ok: bool, message: str) -> None:
    st.session_state["mod_result"] = (ok, message)
    st.rerun()


def render_story_moderation(store: Store, actor: Actor) -> None:
    """The queue of stories, one story in full, approve / return with a note, audit."""
    queue = story_queue(store, actor)
    st.subheader(f"Stories waiting for a moderator: {len(queue)}")
    st.caption("Check before publishing: " + NO_NAMES + " The organisation is named only "
               "when it ticked that it agrees.")
    if queue:
        st.dataframe([{"Story": s.id, "Organisation": s.organisation, "Title": s.title,
                       "Submitted (UTC)": s.submitted_at.strftime("%Y-%m-%d %H:%M")}
                      for s in queue], hide_index=True, width="stretch")
    ids = [s.id for s in queue]
    choice = st.selectbox("Story to review (oldest first)", ids, key="mod_story_choice",
                          index=0 if ids else None, placeholder="No stories waiting")
    other = st.number_input("…or any story by number", min_value=0, step=1, value=0,
                            key="mod_story_other")
    story_id = int(other) if other else choice
    if story_id is None:
        return
    try:
        story = get_story(store, actor, int(story_id))
    except LookupError as exc:
        st.warning(str(exc))
        return
    with st.container(border=True):
        st.text("\n".join([
            f"Story {story.id} from {story.organisation}, about activity {story.activity_id}: "
            f"{story.activity_title}",
            f"Status: {STATUS_LABELS.get(story.status, story.status)}",
            "Consent to publish: " + ("yes" if story.consent_publish else "no"),
            "Organisation may be named: " + ("yes" if story.name_organisation else "no"),
            "", f"Title: {story.title}", "", story.text,
            *(["", f"Quote: {story.quote}"] if story.quote else []),
            *(["", f"Moderator's note: {story.moderation_note}"] if story.moderation_note
              else [])]))
    left, right = st.columns(2)
    with left:
        note = st.text_input("Note (optional)", key=f"mod_story_approve_note_{story.id}")
        if st.button("Publish", key="mod_story_approve", type="primary", icon=":material/check:"):
            try:
                approve_story(store, actor, story.id, note or None)
            except (StoryError, LookupError, PermissionDenied) as exc:
                _decided(False, str(exc))
            _decided(True, f"Story {story.id} is published.")
    with right:
        why = st.text_input("What to change (required, the organisation sees it)",
                            key=f"mod_story_return_note_{story.id}")
        if st.button("Return to the organisation", key="mod_story_return",
                     icon=":material/undo:"):
            try:
                return_story(store, actor, story.id, why)
            except (StoryError, LookupError, PermissionDenied) as exc:
                _decided(False, str(exc))
            _decided(True, f"Story {story.id} is returned to {story.organisation}.")
    st.markdown("**Audit trail**")
    st.dataframe(audit_table(story_audit(store, actor, story.id)), hide_index=True,
                 width="stretch")
