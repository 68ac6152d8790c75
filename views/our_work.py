"""Our work: a member organisation's service areas, activities and stories."""

from __future__ import annotations

import streamlit as st

from ui.activity_form import render_activities
from ui.reports_view import get_store, require_directory
from ui.service_area_form import render_service_areas
from ui.session import describe, require_actor
from ui.story_form import render_stories_form

st.title("Our good relations work")
actor = require_actor("member", "record your organisation's good relations work")
directory = require_directory()
store = get_store()
st.text(f"Signed in as {describe(actor)}.")
st.caption("Where you work, what you do there and the stories worth telling. The public "
           "sees your activities only as counts of five or more; your stories once a "
           "moderator approves them; your organisation's name only where you agree.")

areas_tab, activities_tab, stories_tab = st.tabs(["Service areas", "Activities", "Stories"])
with areas_tab:
    render_service_areas(store, actor, directory)
with activities_tab:
    render_activities(store, actor)
with stories_tab:
    render_stories_form(store, actor)
