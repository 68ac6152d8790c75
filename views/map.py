"""Map: a classed choropleth of one catalogue indicator, or of tension reports, with its table.

Districts of England, or the MSOAs / LSOAs of the selected district, or all LSOAs of
England. Clicking an area selects it; clicking a district drills down to its LSOAs.
Tension reports are drawn as suppressed yearly counts or rates per area, never as points.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import streamlit as st

from data_sources.errors import NotCachedError
from indicators.catalogue import Indicator, get_indicator
from settings import get_settings
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
    BASEMAP_ATTRIBUTION,
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
from ui.report_counts import report_store_status
from ui.report_map import (
    MEASURES,
    SUPPRESSED_LABEL,
    load_report_year_counts,
    report_indicator,
    report_map_table,
    report_map_values,
    report_years,
)
from ui.sidebar import area_label, current_view, set_view
from ui.table_download import render_table_download

PLACES = {"lad": "Districts", "msoa": "Neighbourhoods (MSOAs)", "lsoa": "Small areas (LSOAs)"}
MODES = {"indicator": "An indicator (sidebar)",
         "reports": "Tension reports (members' reports, small counts hidden)"}


class Layer(NamedTuple):
    """What one map draws: values per row of ``rows``, their classes, hover and table."""

    indicator: Indicator
    values: pd.Series
    hover: pd.DataFrame
    table: pd.DataFrame
    no_value_label: str


def render_about(indicator: Indicator, n: int | None) -> None:
    st.subheader(indicator.label)
    st.write(indicator.definition)
    st.markdown(f"**Unit:** {indicator.unit}  \n**Vintage:** {indicator.vintage}")
    if n:
        st.caption(rank_note(indicator.polarity, n) + " Classes include their upper bound; "
                   "the darker end of the scale is the worse end.")
    for dataset in indicator.source:
        entry = load_provenance(dataset)
        if entry and entry.file:
            st.caption(f"Source: {entry.title} ({entry.vintage}), fetched "
                       f"{entry.fetched_at.replace('T', ' ').rstrip('Z')} UTC.")
    st.caption(f"{indicator.attribution} Licence: {indicator.licence}.")


def indicator_layer(rows: pd.DataFrame, indicator: Indicator, level: str) -> Layer:
    table = map_table(rows, indicator, load_na_reasons(), level)
    by_code = table.set_index("Code")
    ranked = int(by_code["Rank"].notna().sum())
    values = rows[indicator.id]
    hover = pd.DataFrame({
        "name": rows["area_name"].to_numpy(),
        "value": [format_value(v, indicator.decimals) + f" {indicator.unit}" if pd.notna(v)
                  else by_code.at[c, "Note"] for c, v in zip(rows["area_code"], values,
                                                             strict=True)],
        "rank": [f"{r} of {ranked:,}" if pd.notna(r) else "–"
                 for r in by_code.loc[rows["area_code"], "Rank"]],
        "vintage": f"Vintage: {indicator.vintage}",
    })
    return Layer(indicator, values, hover, table, NO_VALUE)


def reports_layer(rows: pd.DataFrame, level: str) -> Layer | None:
    """The reports map's layer, or None (having said why) when there is nothing to draw."""
    problem = report_store_status()
    if problem:
        st.info(problem, icon=":material/info:")
        return None
    try:
        counts = load_report_year_counts(level)
    except Exception as error:  # the store or its lookups: say so, keep the page
        st.warning(f"The report counts could not be read ({type(error).__name__}: {error}).")
        return None
    pick_year, pick_measure = st.columns(2)
    year = pick_year.selectbox("Year of the incidents", report_years(counts), key="map_year")
    measure = pick_measure.radio("Show", list(MEASURES), format_func=MEASURES.get,
                                 horizontal=True, key="map_measure")
    indicator = report_indicator(measure, year)
    values = report_map_values(rows, counts, year, measure)
    hover = pd.DataFrame({
        "name": values["area_name"].to_numpy(),
        "value": [note or (f"{shown} reports" if measure == "count"
                           else f"{format_value(v, indicator.decimals)} {indicator.unit} "
                                f"({shown} reports)")
                  for note, shown, v in zip(values["note"], values["shown"], values["value"],
                                            strict=True)],
        "rank": "–",
        "vintage": f"Vintage: {indicator.vintage}",
    })
    return Layer(indicator, values["value"], hover,
                 report_map_table(values, indicator, measure), SUPPRESSED_LABEL)


if not data_ready():
    render_first_run("Map")
view = current_view()
if view.indicator is None:
    st.title("Map")
    st.warning("No indicator has values at this level in the cache; choose another level.")
    st.stop()
areas = load_hierarchy()
district = None
if view.level != "lad" and view.area:
    district = areas.loc[areas["area_code"] == view.area, "lad_code"].iloc[0]
rows = load_joined(view.level)
region = None if district else view.region
if district:
    rows = rows[rows["lad_code"] == district].reset_index(drop=True)
elif region:
    rows = rows[rows["region_code"] == region].reset_index(drop=True)
place = (areas.loc[areas["area_code"] == (district or region), "area_name"].iloc[0]
         if district or region else "England")
st.title(f"{PLACES[view.level]} of {place}")

mode = st.radio("Colour the map by", list(MODES), format_func=MODES.get, horizontal=True,
                key="map_mode")
if mode == "reports":
    layer = reports_layer(rows, view.level)
    if layer is None:
        st.stop()
else:
    layer = indicator_layer(rows, get_indicator(view.indicator), view.level)
indicator = layer.indicator
st.caption(f"Showing {indicator.label}"
           + (f" — {area_label(areas, district)}" if district else "") + ".")
settings_row = st.columns([3, 1])
scheme = settings_row[0].radio("Classes", list(SCHEMES), format_func=SCHEMES.get,
                               horizontal=True)
basemap = settings_row[1].toggle(
    "Basemap", key="map_basemap", disabled=get_settings().offline,
    help="Streets and places under the areas, from OpenStreetMap via CARTO; needs internet. "
         "Off, the map draws offline.")
classes = classify(layer.values, scheme, 5, indicator.decimals)

left, right = st.columns([3, 1])
with left:
    name = "lad" if view.level == "lad" else ("msoa" if view.level == "msoa" else
                                             "lsoa_detail" if district else "lsoa")
    lad_codes = ((district,) if district else tuple(sorted(set(rows["lad_code"].dropna())))
                 if region else None)
    try:
        web = load_web_map(name, lad_codes)
    except (NotCachedError, ValueError) as problem:
        web = None
        st.warning(f"The map boundaries are not available ({problem}); the table below "
                   "still lists every value.")
    if web is not None:
        fig = build_figure(rows, web.geojson, indicator, classes, layer.hover, web.bounds,
                           selected=view.area, no_value_label=layer.no_value_label,
                           basemap=basemap)
        key = f"map_{view.level}_{district or region}_{mode}_{indicator.id}_{scheme}_{basemap}"
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
                   f"Grey areas: {layer.no_value_label.lower()} (the table says why). "
                   + (BASEMAP_ATTRIBUTION + "." if basemap else
                      "No basemap is drawn, so the map works offline."))
with right:
    render_about(indicator, None if mode == "reports"
                 else int(layer.table["Rank"].notna().sum()))

st.subheader("The values on the map")
table = layer.table
st.dataframe(table, hide_index=True, width="stretch")
render_table_download("Download this table (CSV)", table,
                      f"{indicator.id}_{view.level}_{district or region or 'england'}.csv")
missing = table.loc[table["Note"] != "", "Note"]
if not missing.empty:
    with st.expander(f"Why {len(missing):,} area(s) have no value"):
        for note, count in missing.value_counts().items():
            st.text(f"{count:,} area(s): {note.removeprefix(NO_VALUE + ': ')}")
