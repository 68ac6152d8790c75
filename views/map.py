"""Map: a classed map of one catalogue indicator, or of tension reports, with its table.

Districts of England, or the MSOAs / LSOAs of the selected district, or all LSOAs of
England (or of one region). The browser draws the areas from vector tiles; the page sends
only values. Clicking an area selects it; clicking a district drills down to its LSOAs;
choosing a row of the table selects its area. Tension reports are drawn as suppressed
yearly counts or rates per area, never as points.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import streamlit as st

from data_sources.errors import NotCachedError
from indicators.catalogue import Indicator, get_indicator
from indicators.formatting import column_format, is_share, unit_words
from settings import get_settings
from ui.area_map import render_area_map
from ui.cached import (
    data_ready,
    load_hierarchy,
    load_indicator_map,
    load_joined_within,
    load_map_layer,
    load_provenance,
)
from ui.first_run import render_first_run
from ui.map_payload import BASEMAP_ATTRIBUTION, PlacedValues, payload_of, place_values
from ui.map_view import (
    NO_VALUE,
    SCHEMES,
    Classes,
    after_click,
    classify,
    rank_note,
    seg_unit_words,
    table_page,
)
from ui.report_counts import NotPublished, report_store_status
from ui.report_map import (
    MEASURES,
    SUPPRESSED_LABEL,
    load_report_year_counts,
    report_indicator,
    report_map_table,
    report_map_values,
    report_years,
)
from ui.routes import asset_url
from ui.sidebar import View, area_label, current_view, set_view
from ui.table_download import render_table_download

PLACES = {"lad": "Districts", "msoa": "Neighbourhoods (MSOAs)", "lsoa": "Small areas (LSOAs)"}
TABLE_PAGE = 500
MODES = {"indicator": "An indicator (sidebar)",
         "reports": "Tension reports (members' reports, small counts hidden)"}


class Layer(NamedTuple):
    """What one map draws: a value, hover note and class per row of ``rows``; the table."""

    indicator: Indicator
    values: pd.Series
    notes: pd.Series
    classes: Classes
    table: pd.DataFrame
    no_value_label: str
    ranked: bool
    hatched: pd.Series | None = None
    placed: PlacedValues | None = None


def render_about(indicator: Indicator, n: int | None, across: str = "") -> None:
    st.subheader(indicator.label)
    st.write(indicator.definition)
    st.markdown(f"**Unit:** {unit_words(indicator)}  \n**Vintage:** {indicator.vintage}"
                + (f"  \n**Computed:** {across} (`seg_unit`)" if across else ""))
    if n:
        st.caption(rank_note(indicator.polarity, n) + " Classes include their upper bound; "
                   + ("darker means a higher value (neither end is better or worse)."
                      if indicator.polarity == "neutral"
                      else "the darker end of the scale is the worse end."))
    for dataset in indicator.source:
        entry = load_provenance(dataset)
        if entry and entry.file:
            st.caption(f"Source: {entry.title} ({entry.vintage}), fetched "
                       f"{entry.fetched_at.replace('T', ' ').rstrip('Z')} UTC.")
    st.caption(f"{indicator.attribution} Licence: {indicator.licence}.")


def indicator_layer(indicator: Indicator, level: str, district: str | None,
                    region: str | None, scheme: str) -> Layer:
    found = load_indicator_map(level, indicator.id, district, region, scheme)
    return Layer(indicator, found.values, found.notes, found.classes, found.table, NO_VALUE,
                 ranked=True, hatched=found.hatched, placed=found.placed)


def reports_layer(rows: pd.DataFrame, level: str, scheme: str) -> Layer | None:
    """The reports map's layer, or None (having said why) when there is nothing to draw."""
    problem = report_store_status()
    if problem:
        st.info(problem, icon=":material/info:")
        return None
    try:
        counts = load_report_year_counts(level)
    except NotPublished as thin:  # too few reports at this level to show
        st.info(str(thin), icon=":material/info:")
        return None
    except Exception as error:  # the store or its lookups: say so, keep the page
        st.warning(f"The report counts could not be read ({type(error).__name__}: {error}).")
        return None
    pick_year, pick_measure = st.columns(2)
    years = report_years(counts)
    linked = {"map_year": (st.query_params.get("year"), years),
              "map_measure": (st.query_params.get("measure"), list(MEASURES))}
    for key, (value, allowed) in linked.items():  # a new session starts from the link
        if key not in st.session_state and value in allowed:
            st.session_state[key] = value
    year = pick_year.selectbox("Year of the incidents", years, key="map_year")
    measure = pick_measure.radio("Show", list(MEASURES), format_func=MEASURES.get,
                                 horizontal=True, key="map_measure")
    st.query_params.update({"year": str(year), "measure": measure})
    indicator = report_indicator(measure, year)
    values = report_map_values(rows, counts, year, measure)
    return Layer(indicator, values["value"], values["note"],
                 classify(values["value"], scheme, 5, indicator.decimals, is_share(indicator)),
                 report_map_table(values, indicator, measure), SUPPRESSED_LABEL, ranked=False)


def render_map(rows: pd.DataFrame, layer: Layer, view: View, place_key: str | None,
               place_name: str, basemap: bool) -> None:
    """The map, and what a click on it does."""
    indicator = layer.indicator
    try:
        tiles = load_map_layer(view.level)
    except NotCachedError as problem:
        st.warning(f"The map tiles are not available ({problem}). `python -m data_sources "
                   "build` makes them from the cached boundaries; the table below still "
                   "lists every value.")
        return
    placed = layer.placed or place_values(
        layer=tiles, codes=rows["area_code"], values=layer.values, classes=layer.classes,
        notes=layer.notes, indicator=indicator, hatched=layer.hatched)
    payload = payload_of(
        placed, layer=tiles, classes=layer.classes, indicator=indicator,
        no_value_label=layer.no_value_label, view_key=f"{view.level}:{place_key or 'england'}",
        place=place_name, script=asset_url("atlas-map.js"), selected=view.area,
        ranked=layer.ranked, basemap=basemap, subtitle=seg_unit_words(rows, indicator))
    clicked = render_area_map(payload)
    if clicked:
        area, level = after_click(clicked, view.level)
        set_view(area=area, level=level)
        st.rerun(scope="app")
    hatch = (" Hatched areas: the value is not clearly different from what random "
             "placement of the same people gives (see the table)."
             if layer.hatched is not None and layer.hatched.any() else "")
    st.caption("Click an area to select it; clicking a district shows its small areas. "
               f"Grey areas: {layer.no_value_label.lower()} (the table says why).{hatch} "
               + (BASEMAP_ATTRIBUTION + "." if basemap else
                  "No basemap is drawn, so the map works offline."))


def render_table(layer: Layer, view: View, file_stem: str) -> None:
    """The text equivalent of the map; choosing a row selects its area on the map.

    A table of more than :data:`TABLE_PAGE` areas is shown a page at a time, with a search,
    so that a switch of indicator sends one page, not all 33,755 LSOAs (the CSV has all).
    """
    st.subheader("The values on the map")
    # Name and value first, so that a phone's narrow screen shows both; code and note last.
    last = [c for c in ("Local name", "Code", "Note") if c in layer.table.columns]
    table = layer.table[[c for c in layer.table.columns if c not in last] + last]
    shown = table
    if len(table) > TABLE_PAGE:
        find, page = st.columns([3, 1])
        query = find.text_input("Find an area in the table", key="map_table_find",
                                placeholder="Name, local name or code")
        number = page.number_input("Page", min_value=1, value=1, step=1, key="map_table_page")
        shown, pages, matching = table_page(table, query, int(number), TABLE_PAGE)
        first = (min(int(number), pages) - 1) * TABLE_PAGE
        st.caption(f"Rows {first + 1 if matching else 0:,}–{first + len(shown):,} of "
                   f"{matching:,}" + (f" matching “{query.strip()}”" if query.strip() else "")
                   + f", page {min(int(number), pages):,} of {pages:,}, highest rank first. "
                   "The CSV below has every area.")
    # Numbers in narrow columns (their full heading on hover), so they stay on screen, each
    # with the indicator's decimals.
    rule = column_format(layer.indicator)
    narrow = {c: st.column_config.NumberColumn(width="small", help=c, **(
                  {"format": "localized", "step": 1} if c == "Rank" else rule))
              if pd.api.types.is_numeric_dtype(shown[c])
              else st.column_config.Column(width="small", help=c)
              for c in shown.columns if c not in ("Area", "Local name", "Code", "Note")}
    event = st.dataframe(shown, hide_index=True, width="stretch", key="map_table",
                         on_select="rerun", selection_mode="single-row", column_config=narrow)
    picked = event.selection.rows if event else []
    if picked and picked[0] < len(shown):
        code = str(shown["Code"].iloc[picked[0]])
        if code != view.area:
            set_view(area=code, level=view.level)
            st.rerun(scope="app")
    render_table_download("Download this table (CSV)", table,
                          f"{layer.indicator.id}_{file_stem}.csv")
    missing = table.loc[table["Note"].str.startswith(NO_VALUE + ": "), "Note"]
    if not missing.empty:
        with st.expander(f"Why {len(missing):,} area(s) have no value"):
            for note, count in missing.value_counts().items():
                st.text(f"{count:,} area(s): {note.removeprefix(NO_VALUE + ': ')}")


@st.fragment
def render_page(view: View, rows: pd.DataFrame, district: str | None, region: str | None,
                place_name: str) -> None:
    """Everything under the title: choices in here rerun this part only."""
    areas = load_hierarchy()
    if "map_mode" not in st.session_state:  # a new session starts from the link
        st.session_state["map_mode"] = st.query_params.get("map", "indicator")
        if st.session_state["map_mode"] not in MODES:
            st.session_state["map_mode"] = "indicator"
    mode = st.radio("Colour the map by", list(MODES), format_func=MODES.get, horizontal=True,
                    key="map_mode")
    if mode == "indicator":
        for url_key in ("map", "year", "measure"):
            st.query_params.pop(url_key, None)
    elif st.query_params.get("map") != mode:
        st.query_params["map"] = mode
    choices = st.columns([3, 1])
    scheme = choices[0].radio("Classes", list(SCHEMES), format_func=SCHEMES.get,
                              horizontal=True, key="map_scheme")
    basemap = choices[1].toggle(
        "Basemap", key="map_basemap", disabled=get_settings().offline,
        help="Streets and places under the areas, from OpenStreetMap via CARTO; needs "
             "internet. Off, the map draws offline, with region and district names.")
    if mode == "reports":
        layer = reports_layer(rows, view.level, scheme)
        if layer is None:
            return
    else:
        layer = indicator_layer(get_indicator(view.indicator), view.level, district, region,
                                scheme)
    st.caption(f"Showing {layer.indicator.label}"
               + (f" — {area_label(areas, district)}" if district else "") + ".")
    left, right = st.columns([3, 1])
    place_key = district or region
    with left:
        render_map(rows, layer, view, place_key, place_name, basemap)
    with right:
        render_about(layer.indicator, None if mode == "reports"
                     else int(layer.table["Rank"].notna().sum()),
                     seg_unit_words(rows, layer.indicator))
    render_table(layer, view, f"{view.level}_{place_key or 'england'}")


if not data_ready():
    render_first_run("Map")
view = current_view()
if view.indicator is None:
    st.title("Map")
    st.warning("No indicator has values at this level in the cache; choose another level.")
    st.stop()
hierarchy = load_hierarchy()
district = None
if view.level != "lad" and view.area:
    district = hierarchy.loc[hierarchy["area_code"] == view.area, "lad_code"].iloc[0]
region = None if district else view.region
rows = load_joined_within(view.level, district, region)
place = (hierarchy.loc[hierarchy["area_code"] == (district or region), "area_name"].iloc[0]
         if district or region else "England")
st.title(f"{PLACES[view.level]} of {place}")
render_page(view, rows, district, region, place)
