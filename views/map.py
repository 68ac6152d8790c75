"""Map: a classed choropleth of one catalogue indicator, with its table and its sources.

Districts of England, or the MSOAs / LSOAs of the selected district, or all LSOAs of
England. Clicking an area selects it; clicking a district drills down to its LSOAs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_sources.errors import NotCachedError
from indicators.catalogue import Indicator, get_indicator
from ui.cached import (
    data_ready,
    load_hierarchy,
    load_joined,
    load_na_reasons,
    load_provenance,
    load_web_map,
)
from ui.first_run import render_first_run
from ui.map_view import (
    NO_VALUE,
    SCHEMES,
    after_click,
    build_figure,
    classify,
    format_value,
    map_table,
    rank_note,
    selected_area,
)
from ui.sidebar import area_label, current_view, set_view

PLACES = {"lad": "Districts", "msoa": "Neighbourhoods (MSOAs)", "lsoa": "Small areas (LSOAs)"}


def render_about(indicator: Indicator, n: int) -> None:
    st.subheader(indicator.label)
    st.write(indicator.definition)
    st.markdown(f"**Unit:** {indicator.unit}  \n**Vintage:** {indicator.vintage}")
    st.caption(rank_note(indicator.polarity, n) + " Classes include their upper bound; "
               "the darker end of the scale is the worse end.")
    for dataset in indicator.source:
        entry = load_provenance(dataset)
        if entry and entry.file:
            st.caption(f"Source: {entry.title} ({entry.vintage}), fetched "
                       f"{entry.fetched_at.replace('T', ' ').rstrip('Z')} UTC.")
    st.caption(f"{indicator.attribution} Licence: {indicator.licence}.")


if not data_ready():
    render_first_run("Map")
view = current_view()
if view.indicator is None:
    st.title("Map")
    st.warning("No indicator has values at this level in the cache; choose another level.")
    st.stop()
indicator = get_indicator(view.indicator)
areas = load_hierarchy()
district = None
if view.level != "lad" and view.area:
    district = areas.loc[areas["area_code"] == view.area, "lad_code"].iloc[0]
rows = load_joined(view.level)
if district:
    rows = rows[rows["lad_code"] == district].reset_index(drop=True)
place = (areas.loc[areas["area_code"] == district, "area_name"].iloc[0] if district
         else "England")
st.title(f"{PLACES[view.level]} of {place}")
st.caption(f"Showing {indicator.label}"
           + (f" — {area_label(areas, district)}" if district else "") + ".")

scheme = st.radio("Classes", list(SCHEMES), format_func=SCHEMES.get, horizontal=True)
classes = classify(rows[indicator.id], scheme, 5, indicator.decimals)
table = map_table(rows, indicator, load_na_reasons(), view.level)
by_code = table.set_index("Code")
ranked = int(by_code["Rank"].notna().sum())
hover = pd.DataFrame({
    "name": rows["area_name"].to_numpy(),
    "value": [format_value(v, indicator.decimals) + f" {indicator.unit}" if pd.notna(v)
              else by_code.at[c, "Note"] for c, v in zip(rows["area_code"], rows[indicator.id],
                                                         strict=True)],
    "rank": [f"{r} of {ranked:,}" if pd.notna(r) else "–" for r in by_code.loc[
        rows["area_code"], "Rank"]],
    "vintage": f"Vintage: {indicator.vintage}",
})

left, right = st.columns([3, 1])
with left:
    layer = "lad" if view.level == "lad" else ("msoa" if view.level == "msoa" else
                                              "lsoa_detail" if district else "lsoa")
    try:
        web = load_web_map(layer, district)
    except (NotCachedError, ValueError) as problem:
        web = None
        st.warning(f"The map boundaries are not available ({problem}); the table below "
                   "still lists every value.")
    if web is not None:
        fig = build_figure(rows, web.geojson, indicator, classes, hover, web.bounds,
                           selected=view.area)
        key = f"map_{view.level}_{district}_{indicator.id}_{scheme}"
        event = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key=key,
                                config={"scrollZoom": True})
        clicked = selected_area(event)
        if clicked is None:
            st.session_state.pop("map_handled", None)
        elif st.session_state.get("map_handled") != (key, clicked):
            st.session_state["map_handled"] = (key, clicked)
            area, level = after_click(clicked, view.level)
            set_view(area=area, level=level)
            st.rerun()
        st.caption("Click an area to select it; clicking a district shows its small areas. "
                   "Grey areas have no value (the table says why). No basemap is drawn, "
                   "so the map works offline.")
with right:
    render_about(indicator, ranked)

st.subheader("The values on the map")
st.dataframe(table, hide_index=True, width="stretch")
st.download_button("Download this table (CSV)", table.to_csv(index=False).encode("utf-8"),
                   file_name=f"{indicator.id}_{view.level}_{district or 'england'}.csv",
                   mime="text/csv", on_click="ignore")
missing = table.loc[table["Note"] != "", "Note"]
if not missing.empty:
    with st.expander(f"Why {len(missing):,} area(s) have no value"):
        for note, count in missing.value_counts().items():
            st.text(f"{count:,} area(s): {note.removeprefix(NO_VALUE + ': ')}")
