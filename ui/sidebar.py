"""The shared sidebar: which area, at which level, showing which indicator.

The view lives in ``st.session_state["view"]`` and is mirrored to the URL with the query
keys ``area``, ``level``, ``indicator`` and ``region``, so every view is a link that can be
shared: a new session starts from the URL, and every widget change or map click rewrites it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from data_sources.errors import DataSourceError, OfflineError
from data_sources.postcodes import normalise_postcode
from geo.hierarchy import LOCAL_COLUMNS, local_label, search_areas
from indicators.catalogue import CATALOGUE, get_indicator
from settings import get_settings
from ui.cached import (
    data_ready,
    load_available_indicators,
    load_hierarchy,
    load_provenance,
    look_up_postcode,
)
from ui.map_view import MAP_LEVELS
from ui.view_links import finer_counterpart, link_problems

VIEW = "view"
NOTE = "view_note"
DEFAULT_LEVEL = "lad"
# First of these that has numbers at the level is the default indicator.
PREFERRED = ("imd_score", "imd_avg_score", "imd_avg_score_2019", "d_asian",
             "simpson_diversity")
LEVEL_PLURALS = {"lad": "districts", "msoa": "neighbourhoods (MSOAs)",
                 "lsoa": "small areas (LSOAs)"}
LEVEL_WORDS = {"lad": "district", "msoa": "neighbourhood (MSOA)", "lsoa": "small area (LSOA)",
               "region": "region", "country": "country"}


@dataclass(frozen=True)
class View:
    """What the pages show: ``area`` (None: all England), map ``level``, ``indicator``.

    ``region`` narrows the England-wide maps (no ``area`` chosen) to one region.
    """

    area: str | None = None
    level: str = DEFAULT_LEVEL
    indicator: str | None = None
    region: str | None = None


def area_label(areas: pd.DataFrame, code: str) -> str:
    """'Leicester (district, E06000016)' for a known code, else the code; a small area's
    local names follow its ONS name: 'Leicester 012 — Highfields, Stoneygate ward (…)'."""
    row = areas[areas["area_code"] == code]
    if row.empty:
        return code
    local = local_label(*(row[c].iloc[0] if c in row else pd.NA for c in LOCAL_COLUMNS))
    return (f"{row['area_name'].iloc[0]}" + (f" — {local}" if local else "")
            + f" ({LEVEL_WORDS[row['level'].iloc[0]]}, {code})")


def _valid(view: View) -> View:
    """The view with an unknown level, area or indicator replaced by a default.

    An indicator without values at the level gives way to its small-area counterpart
    (:func:`ui.view_links.finer_counterpart`) when there is one, else to a default.
    """
    level = view.level if view.level in MAP_LEVELS else DEFAULT_LEVEL
    areas = load_hierarchy()
    known = areas.loc[areas["level"].isin(list(MAP_LEVELS)), "area_code"]
    area = view.area if view.area and (known == view.area).any() else None
    ids = [e.id for e in load_available_indicators(level)]
    counterpart = finer_counterpart(view.indicator, ids) if view.indicator else None
    indicator = (view.indicator if view.indicator in ids
                 else counterpart[0] if counterpart
                 else next((i for i in PREFERRED if i in ids), ids[0] if ids else None))
    regions = areas.loc[areas["level"] == "region", "area_code"]
    region = view.region if view.region and (regions == view.region).any() else None
    return View(area, level, indicator, region)


def current_view() -> View:
    """The view of this session, first read from the URL (valid only once data is cached).

    What a link asked for and could not be found is said once, above the page.
    """
    if VIEW not in st.session_state:
        params = st.query_params
        asked = View(params.get("area") or None, params.get("level", DEFAULT_LEVEL),
                     params.get("indicator") or None, params.get("region") or None)
        shown = _valid(asked)
        st.session_state[VIEW] = shown
        problems = link_problems(vars(replace(asked, indicator=None)), vars(shown), {
            "level": LEVEL_PLURALS[shown.level]})
        if asked.indicator and asked.indicator != shown.indicator:
            problems.append(unavailable_note(asked.indicator, shown))
        if problems:
            st.session_state[NOTE] = ("warning", "This link asks for something the atlas "
                                      "could not find. " + " ".join(problems))
    return st.session_state[VIEW]


def unavailable_note(asked: str, view: View) -> str:
    """Why the indicator a link asked for is not shown, and what is shown instead."""
    instead = (f"the map shows {get_indicator(view.indicator).label} instead."
               if view.indicator else "no indicator is shown.")
    if asked not in CATALOGUE:
        return f"The indicator “{asked}” is not one the atlas knows; {instead}"
    entry = CATALOGUE[asked]
    if view.level not in entry.levels:
        return f"{entry.label} has no values for {LEVEL_PLURALS[view.level]}; {instead}"
    fetched = [d for d in entry.source if (p := load_provenance(d)) is not None and p.file]
    why = ("its source ({}) has not been fetched into this cache".format(", ".join(entry.source))
           if not fetched else "the cached data has no value of it")
    return f"{entry.label} is not available: {why}; {instead} See About & methodology."


def set_view(**changes: str | None) -> None:
    """Change the view (e.g. after a map click); the URL follows on the next run.

    When the indicator shown has no values at the new level (a district measure such as
    dissimilarity, on small areas), the view moves to its small-area counterpart, or
    another indicator, and says why above the page.
    """
    before = current_view()
    after = _valid(replace(before, **changes))
    if before.indicator and "indicator" not in changes and after.indicator != before.indicator:
        old = get_indicator(before.indicator)
        ids = [e.id for e in load_available_indicators(after.level)]
        counterpart = finer_counterpart(before.indicator, ids)
        plural = LEVEL_PLURALS[after.level]
        if counterpart and counterpart[0] == after.indicator:
            text = (f"{old.label} has no values for {plural}: {counterpart[1]}. The map "
                    f"shows {get_indicator(after.indicator).label}.")
        else:
            text = (f"{old.label} has no values for {plural}, so the map shows "
                    + (f"{get_indicator(after.indicator).label} instead."
                       if after.indicator else "no indicator."))
        st.session_state[NOTE] = ("info", text + " Choose another indicator in the sidebar, "
                                  "or go back to districts with the Level choice.")
    st.session_state[VIEW] = after


def render_view_note() -> None:
    """Say, once and above the page, why the view is not exactly what was asked for."""
    note = st.session_state.pop(NOTE, None)
    if note:
        kind, text = note
        (st.warning if kind == "warning" else st.info)(text, icon=":material/info:")


def postcode_matches(areas: pd.DataFrame, postcode: str) -> tuple[list[str], str]:
    """The cached areas (small area, neighbourhood, district) a postcode lies in, and a note.

    The note says why there are none: unknown postcode, outside England, offline, or
    postcodes.io unreachable. postcodes.io may give an LSOA of another census; only codes
    known to the cached hierarchy are offered.
    """
    try:
        found = look_up_postcode(postcode)
    except OfflineError:
        return [], "Postcode search needs postcodes.io, and this app runs offline."
    except DataSourceError as problem:
        return [], f"postcodes.io could not be asked ({problem}). Search by name instead."
    if found is None:
        return [], f"postcodes.io does not know the postcode {postcode}."
    if not found.in_england:
        return [], (f"{found.postcode} is in {found.country or 'another country'}; the "
                    "atlas covers England only.")
    known = set(areas["area_code"])
    codes = [c for c in (found.lsoa_code, found.msoa_code, found.lad_code) if c in known]
    if not codes:
        return [], f"None of the areas of {found.postcode} is in the cached data."
    return codes, f"{found.postcode} (postcodes.io) is in:"


def _picked() -> None:
    code = st.session_state.get("sb_pick")
    if code:
        areas = load_hierarchy()
        level = areas.loc[areas["area_code"] == code, "level"].iloc[0]
        now = current_view().level
        set_view(area=code, level=("lsoa" if now == "lad" else now) if level == "lad" else level)
    st.session_state["sb_search"] = ""
    st.session_state["sb_pick"] = None


def render_sidebar() -> View:
    """Draw the area search, level and indicator pickers; returns the current view."""
    if not data_ready():
        st.sidebar.caption("Area, level and indicator pickers appear once data is cached.")
        return View()
    view = current_view()
    areas = load_hierarchy()
    bar = st.sidebar
    bar.header("Area")
    text = bar.text_input("Find an area", key="sb_search",
                          placeholder="Place, ward, code or postcode",
                          help="Type part of a name (e.g. 'Leic'), a neighbourhood or ward "
                               "name people use (e.g. 'Highfields'), a code (E06000016) or a "
                               "postcode (LE1 6RP; looked up on postcodes.io).")
    postcode = normalise_postcode(text)
    if postcode:
        codes, note = postcode_matches(areas, postcode)
    elif text.strip():
        found = search_areas(areas, text, levels=tuple(MAP_LEVELS), limit=25)
        codes = list(found["area_code"])
        note = "No district, neighbourhood or ward name matches that."
    else:
        codes, note = [], ""
    if codes:
        if postcode:
            bar.caption(note)
        labels = {c: area_label(areas, c) for c in codes}
        bar.selectbox("Matching areas", list(labels), index=None, key="sb_pick",
                      format_func=labels.get, on_change=_picked,
                      placeholder=f"{len(labels)} match(es): choose one")
    elif note:
        bar.caption(note)
    if view.area:
        bar.caption(f"Selected: {area_label(areas, view.area)}")
    if view.area or view.region:
        bar.button("Show all of England", key="sb_all_england", on_click=set_view,
                   kwargs={"area": None, "region": None},
                   help="Clear the chosen area and region: the map of all of England.")
    if not view.area:
        regions = areas[areas["level"] == "region"].sort_values("area_name")
        names = dict(zip(regions["area_code"], regions["area_name"], strict=True))
        st.session_state["sb_region"] = view.region
        bar.selectbox("Region", list(names), key="sb_region",
                      format_func=names.get, placeholder="All of England",
                      help="Narrow the England-wide map to one region; choose an area "
                           "above to zoom to its district.",
                      on_change=lambda: set_view(region=st.session_state["sb_region"]))

    st.session_state["sb_level"] = view.level
    bar.radio("Level", list(MAP_LEVELS), key="sb_level", format_func=MAP_LEVELS.get,
              on_change=lambda: set_view(level=st.session_state["sb_level"]))
    indicators = {e.id: e for e in load_available_indicators(view.level)}
    if indicators:
        st.session_state["sb_indicator"] = view.indicator
        bar.selectbox("Indicator", list(indicators), key="sb_indicator",
                      format_func=lambda i: indicators[i].label,
                      on_change=lambda: set_view(indicator=st.session_state["sb_indicator"]))
    else:
        bar.warning("No indicator has values at this level in the cache.")
    _to_url(view)
    if get_settings().offline:
        bar.caption("Offline mode: showing the cached data only.")
    return view


VIEW_KEYS = ("area", "level", "indicator", "region")


def _to_url(view: View) -> None:
    """The view's keys in the address bar; a page's own keys (e.g. the map's) stay."""
    wanted = {k: v for k, v in zip(VIEW_KEYS, (view.area, view.level, view.indicator,
                                               view.region), strict=True) if v}
    shown = st.query_params.to_dict()
    if {k: v for k, v in shown.items() if k in VIEW_KEYS} != wanted:
        st.query_params.from_dict({**{k: v for k, v in shown.items() if k not in VIEW_KEYS},
                                   **wanted})
