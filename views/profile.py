"""Area profile: one area's key figures for a funding bid, with PDF and HTML export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.hierarchy import local_labels
from indicators.profile import BENCHMARK_NOTE, RANDOM_MARK, comparison_table
from indicators.profile_export import (
    LOCAL_NAMES_SOURCE,
    reports_text,
    source_line,
    unavailable_table,
)
from indicators.profile_segregation import (
    random_placement_display,
    random_placement_explanation,
)
from ui.cached import load_hierarchy
from ui.chart_tables import readable_table
from ui.first_run import render_first_run
from ui.profile_charts import chart_figure
from ui.profile_view import (
    data_ready,
    district_choices,
    escape_markdown,
    load_charts,
    load_profile,
    load_report_rows,
    load_sources,
    render_export_buttons,
    render_terms,
    similar_display,
)
from ui.sidebar import current_view, set_view
from ui.table_download import render_table_download
from ui.work_view import render_work_here, work_directory

if not data_ready():
    render_first_run("Area profile")
st.title("Area profile")

code = current_view().area
if not code:
    st.info("Choose an area to see its profile: pick a district below, search for a "
            "district or neighbourhood in the sidebar, or click one on the Map.")
    districts = district_choices()
    st.selectbox("District", list(districts), index=None, format_func=districts.get,
                 key="profile_pick", placeholder="Choose a district",
                 on_change=lambda: set_view(area=st.session_state["profile_pick"]))
    st.stop()
# The similar-areas chooser sits in its section below; its value is read first because
# the profile (and its exports) depends on it.
k = st.session_state.get("profile_k", 5)
profile = load_profile(code, k)
if profile is None:
    st.error(f"No district, MSOA or LSOA has the code {code!r} in the joined dataset. "
             "Choose another area in the sidebar.")
    st.stop()

where = f", {profile.region_name}" if profile.region_name else ""
st.header(profile.area_name)
st.caption(f"{profile.kind} {profile.area_code}{where}")
local = local_labels(load_hierarchy(), pd.Series([profile.area_code])).iloc[0]
if local:
    st.markdown(f"Known locally as: **{escape_markdown(local)}**")
    st.caption(LOCAL_NAMES_SOURCE)
render_export_buttons(profile, k)

st.subheader("In brief")
if profile.sentences:
    st.markdown("\n".join(f"- {escape_markdown(s)}" for s in profile.sentences))
else:
    st.caption("No summary: the key figures of this area are missing in the cache.")

st.subheader("Key indicators")
st.caption(f"Rank 1 is the highest value among {profile.plural} in England; decile 1 the "
           "highest 10%. No rank is given when fewer than half of the "
           f"{profile.plural} have data. {BENCHMARK_NOTE}")
st.dataframe(comparison_table(profile), hide_index=True)
if not profile.random_placement.empty:
    st.caption(f"{RANDOM_MARK.strip()} not clearly different from a random spread: see "
               "Segregation against random placement below.")
if profile.unavailable:
    st.markdown("**Not available for this area**")
    st.dataframe(unavailable_table(profile), hide_index=True)
render_terms(profile)
if not profile.random_placement.empty:
    st.subheader("Segregation against random placement")
    st.caption(random_placement_explanation(profile.seg_unit))
    st.dataframe(random_placement_display(profile.random_placement), hide_index=True)

for i, chart in enumerate(load_charts(profile, k)):
    st.plotly_chart(chart_figure(chart), key=f"profile_chart_{i}",
                    config={"displaylogo": False})
    with st.expander("Table of this chart"):
        st.dataframe(readable_table(chart.data), hide_index=True)
        render_table_download("Download this chart's data (CSV)",
                              readable_table(chart.data, as_text=False),
                              f"{profile.area_code}_chart{i + 1}.csv", key=f"chart_csv_{i}")

st.subheader(f"Similar {profile.plural}")
st.caption(profile.similar_method)
st.selectbox("How many similar areas to compare with", (3, 5, 10), index=1, key="profile_k")
if profile.similar.empty:
    st.info("No similar areas: this area lacks one of the three measures they are matched on.")
else:
    st.dataframe(similar_display(profile), hide_index=True)

st.subheader("Tension reports")
reports = load_report_rows(profile.area_code, profile.level)
st.caption(reports_text(reports))
if reports is not None and not reports.empty:
    st.dataframe(reports, hide_index=True)

render_work_here(profile.area_code, work_directory())

st.subheader("Sources")
st.caption("Only the datasets behind the figures above, as stored in the cache, with the "
           "date each was fetched from its publisher.")
for s in load_sources(profile):
    st.text(source_line(s))
