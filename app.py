"""Good Relations Atlas: the entry point. It only configures the app and routes to pages/."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Good Relations Atlas", page_icon=":material/diversity_3:",
                   layout="wide")

PAGES = {
    "About": [
        st.Page("pages/data_sources.py", title="Data & sources", icon=":material/dataset:",
                url_path="data", default=True),
    ],
}

st.navigation(PAGES).run()
