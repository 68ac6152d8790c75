"""Good Relations Atlas: what ``streamlit run app.py`` starts.

An ``st.App`` running the dashboard script (dashboard.py: navigation, sidebar, pages) with
HTTP routes of its own beside Streamlit's: the map's vector tiles, read by the browser
with Range requests, the map's scripts, and the Atom feed of published stories
(ui/routes.py). So the app alone serves all the map needs, offline too.
"""

import streamlit as st

from ui.routes import ROUTES

app = st.App("dashboard.py", routes=ROUTES)
