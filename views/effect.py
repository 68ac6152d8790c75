"""What changed: before and after an activity's start in its service area, against the
service area's statistically similar areas, with the bid PDF that says so."""

from __future__ import annotations

import streamlit as st

from ui.custom_area_view import (
    kind_label,
    load_custom_profile,
    load_effect,
    render_downloads,
    render_effect,
    service_area_of,
    visible_activities,
)
from ui.first_run import render_first_run
from ui.profile_view import data_ready, escape_markdown
from ui.session import require_actor

if not data_ready():
    render_first_run("What changed")
st.title("What changed")
actor = require_actor("member", "see what changed where your organisation works")
st.caption("Monthly tension reports and police-recorded public-order and anti-social "
           "behaviour rates in an activity's service area before and after it started, set "
           "beside the same months of statistically similar areas. A comparison, not proof "
           "of cause.")

activities = visible_activities(actor)
if not activities:
    st.info("No activities yet: record your organisation's work first.")
    st.stop()
choices = {str(a.id): f"{a.title} — {a.service_area}, from {a.start_date:%d %B %Y}"
           for a in activities}
wanted = st.query_params.get("activity")
st.selectbox("Activity", list(choices), format_func=choices.get, key="effect_activity",
             index=list(choices).index(wanted) if wanted in choices else 0)
activity = next(a for a in activities if str(a.id) == st.session_state["effect_activity"])
st.query_params["activity"] = str(activity.id)

area = service_area_of(actor, activity)
try:
    custom = load_custom_profile(area)
except ValueError as exc:
    st.error(f"{exc} Refresh the public data, or check the service area's small areas.")
    st.stop()
effect = load_effect(custom, activity.title, kind_label(activity.kind), activity.start_date)
st.header(escape_markdown(f"{activity.title} in {area.name}"))
similar = ", ".join(custom.profile.similar["area_name"].astype(str))
st.caption(f"Compared with its {len(custom.profile.similar)} most similar "
           f"{custom.profile.plural}: {similar}. {custom.profile.similar_method}")
render_downloads(custom, effect)
render_effect(effect)
