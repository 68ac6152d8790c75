"""Data & sources: which public datasets are cached, their vintage, and when they were fetched."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_sources.status import fix_command, human_size
from settings import get_settings
from ui.cached import load_status

STATE_LABELS = {
    "ok": "Cached",
    "stale": "Cached (last refresh failed)",
    "failed": "Not cached (refresh failed)",
    "missing": "Not fetched yet",
}

st.title("Data & sources")
st.caption(
    "Every number in Good Relations Atlas comes from one of these public datasets. "
    "Each is fetched from its publisher, checked, and kept with its provenance."
)

rows = load_status()
cached = [r for r in rows if r.state in ("ok", "stale")]
settings = get_settings()

if not cached:
    st.warning(
        "No public data is cached yet, so there is nothing to show. "
        "On a machine with internet, run `python -m data_sources refresh` in the project "
        "folder, then reload this page."
        + (" This app runs offline (GRA_OFFLINE=1), so it cannot fetch anything itself."
           if settings.offline else "")
    )
else:
    st.write(f"{len(cached)} of {len(rows)} datasets are cached in `{settings.cache_dir}`.")

table = pd.DataFrame(
    {
        "Dataset": [r.title for r in rows],
        "State": [STATE_LABELS[r.state] for r in rows],
        "Vintage": [r.vintage for r in rows],
        "Geography": [r.geography for r in rows],
        "Rows": pd.array([r.rows if r.state in ("ok", "stale") else None for r in rows],
                         dtype="Int64"),
        "Fetched (UTC)": [r.fetched_at.replace("T", " ").rstrip("Z") for r in rows],
        "Size": [human_size(r.size_bytes) if r.size_bytes else "" for r in rows],
        "Source": [r.source for r in rows],
        "Id": [r.dataset for r in rows],
    }
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "Dataset": st.column_config.TextColumn(width="large"),
        "Rows": st.column_config.NumberColumn(format="localized"),
        "Fetched (UTC)": st.column_config.TextColumn(width="medium"),
    },
)

problems = [r for r in rows if r.problem or r.state == "missing"]
if problems:
    st.subheader(f"Not fetched, or failed at the last refresh ({len(problems)})")
    st.caption("Each with why, and the command that fetches it again (run it in the project "
               "folder; the joined dataset is rebuilt afterwards). Optional datasets add "
               "tables the pages can do without.")
    for r in problems:
        with st.container(border=True):
            st.markdown(f"**{r.title}** (`{r.dataset}`"
                        + (", optional" if r.optional else "") + f"): {STATE_LABELS[r.state]}")
            if r.problem:
                st.text(r.problem)
            st.code(fix_command(r), language="bash")
            if r.dataset == "police_lsoa_month":
                st.caption("LAD_CODE: a district's code (e.g. E06000016), or `all` for every "
                           "district of England; repeat --police-area for several.")

st.subheader("Licences and attribution")
for attribution in dict.fromkeys(r.attribution for r in cached):
    st.markdown(f"- {attribution}")
