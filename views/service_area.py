"""Service area profile: a member organisation's service area profiled like any official
area (key indicators, segregation across its LSOAs, similar areas), with PDF and HTML."""

from __future__ import annotations

import streamlit as st

from ui.custom_area_view import (
    load_custom_profile,
    render_custom_profile,
    render_downloads,
    visible_service_areas,
)
from ui.first_run import render_first_run
from ui.profile_view import data_ready
from ui.session import current_actor

if not data_ready():
    render_first_run("Service area profile")
st.title("Service area profile")
st.caption("Where a member organisation works: a set of small areas (LSOAs) with the same "
           "profile as any district or neighbourhood.")

areas = visible_service_areas(current_actor())
if not areas:
    st.info("No service areas to show: members define theirs when they record their work, "
            "and only those their organisation agreed to list are public. Sign in to see "
            "your organisation's.")
    st.stop()
choices = {str(a.id): f"{a.name} ({a.organisation})" for a in areas}
wanted = st.query_params.get("service_area")
st.selectbox("Service area", list(choices), format_func=choices.get, key="service_area_pick",
             index=list(choices).index(wanted) if wanted in choices else 0)
chosen = next(a for a in areas if str(a.id) == st.session_state["service_area_pick"])
st.query_params["service_area"] = str(chosen.id)

k = st.session_state.get("service_area_k", 5)
try:
    custom = load_custom_profile(chosen, k)
except ValueError as exc:
    st.error(f"{exc} Refresh the public data, or check the area's small areas.")
    st.stop()
st.header(chosen.name)
render_downloads(custom, k=k)
render_custom_profile(custom, k)
st.selectbox("How many similar areas to compare with", (3, 5, 10), index=1,
             key="service_area_k")
