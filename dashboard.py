"""Good Relations Atlas: the Streamlit script behind every page. It configures the app,
draws the shared sidebar and routes to views/ through the registry in ui/navigation.py.
(app.py starts it, with the HTTP routes of the map's tiles and scripts.)

The page files live in views/, not pages/: a folder called pages/ beside the entry script
switches on Streamlit's older automatic multipage mode, which runs a deep-linked page
without this script (no sidebar, no registry) on a freshly started server.
"""

from __future__ import annotations

import streamlit as st

from ui.first_run import render_first_run_note
from ui.navigation import build_navigation
from ui.session import current_actor, render_session_sidebar
from ui.sidebar import render_sidebar, render_view_note

st.set_page_config(page_title="Good Relations Atlas", page_icon="🤝",
                   layout="wide")

actor = current_actor()
sections, specs = build_navigation(role=actor.role if actor else None)
page = st.navigation(sections)
render_session_sidebar()
spec = specs.get(page.title)
if spec is None or spec.sidebar:
    render_sidebar()
    render_view_note()
render_first_run_note()
page.run()
