"""The Service areas tab of the Our work page: define where the organisation works.

Four ways to choose the neighbourhoods (LSOAs 2021): postcodes looked up in bulk, wards,
districts, or a district's LSOAs clicked on the map (a click adds or removes one) and
listed beside it, where the list can be edited by keyboard too. The member sees how many
neighbourhoods were found, and what could not be used, before saving.
"""

from __future__ import annotations

import streamlit as st

from data_sources.errors import NotCachedError
from geo.hierarchy import lsoas_of_wards, wards
from reports.areas import AreaDirectory
from reports.audit import Actor
from reports.service_area_sources import Found, lsoas_from_postcodes, lsoas_within
from reports.service_areas import (
    ServiceAreaError,
    create_service_area,
    own_service_areas,
    retire_service_area,
    set_directory_listing,
)
from reports.store import Store
from reports.work_summary import districts_of
from ui.cached import load_ward_lookup
from ui.profile_view import escape_markdown
from ui.reports_view import bulk_postcode_resolver
from ui.work_map import render_lsoa_picker, toggled

METHODS = ("Postcodes", "Wards", "Districts", "Neighbourhoods of a district (map)")


def _by_level(directory: AreaDirectory, level: str) -> dict[str, str]:
    areas = directory.areas[directory.areas["level"] == level].sort_values("area_name")
    return {str(code): f"{name} ({code})" for code, name in areas["area_name"].items()}


def _chosen(method: str, directory: AreaDirectory) -> Found:
    """The LSOAs the current choices give, and what could not be used."""
    state = st.session_state
    if method == "Postcodes":
        return state.get("area_postcode_result") or Found([])
    if method == "Wards":
        chosen = state.get("area_wards") or []
        try:
            return Found(lsoas_of_wards(load_ward_lookup(), chosen)) if chosen else Found([])
        except NotCachedError:
            return Found([], ["The ward lookup is not cached."])
    if method == "Districts":
        return lsoas_within(state.get("area_districts") or [], directory)
    district = state.get("area_pick_district")
    return Found(sorted(state.get(f"area_lsoas_{district}") or []))


def _look_up_postcodes(directory: AreaDirectory) -> None:
    st.session_state["area_postcode_result"] = lsoas_from_postcodes(
        st.session_state.get("area_postcodes", ""), bulk_postcode_resolver(), directory)


def _save(store: Store, actor: Actor, directory: AreaDirectory, method: str) -> None:
    state = st.session_state
    found = _chosen(method, directory)
    try:
        area_id = create_service_area(store, actor, state.get("area_name", ""),
                                      found.lsoa_codes,
                                      list_in_directory=bool(state.get("area_listed")),
                                      directory=directory)
    except ServiceAreaError as exc:
        state["area_flash"] = (False, f"Not saved: {exc}.")
        return
    for key in [k for k in state if str(k).startswith(("area_lsoas_", "area_name",
                                                        "area_postcode", "area_wards",
                                                        "area_districts"))]:
        state.pop(key, None)
    state["area_flash"] = (True, f"Service area {area_id} is saved with "
                                 f"{len(found.lsoa_codes)} neighbourhoods.")


def _method_inputs(method: str, directory: AreaDirectory) -> None:
    if method == "Postcodes":
        st.text_area("Postcodes, one a line (or separated by commas)", key="area_postcodes",
                     help="For example the postcodes of your venues, or of the people you "
                          "work with (only the neighbourhoods are kept, not the postcodes).")
        st.button("Look up postcodes", key="area_lookup", icon=":material/search:",
                  on_click=_look_up_postcodes, args=(directory,))
    elif method == "Wards":
        try:
            table = wards(load_ward_lookup())
        except NotCachedError:
            st.warning("The ward lookup is not cached; run `python -m data_sources refresh`.")
            return
        labels = dict(zip(table["ward24_code"], table["ward24_name"] + ", "
                          + table["lad24_name"], strict=True))
        st.multiselect("Wards (2024)", list(labels), format_func=labels.get, key="area_wards")
    elif method == "Districts":
        labels = _by_level(directory, "lad")
        st.multiselect("Districts", list(labels), format_func=labels.get, key="area_districts")
    else:
        districts = _by_level(directory, "lad")
        district = st.selectbox("District", list(districts), format_func=districts.get,
                                index=None, key="area_pick_district",
                                placeholder="Choose a district")
        if district:
            _pick_on_map(district, directory)


def _pick_on_map(district: str, directory: AreaDirectory) -> None:
    """The district's LSOAs on the map and in a list: one choice, clicked or typed."""
    key = f"area_lsoas_{district}"
    inside = lsoas_within([district], directory).lsoa_codes
    chosen = [code for code in st.session_state.get(key) or [] if code in inside]
    st.caption("Click a neighbourhood on the map to add it to the service area, or click "
               "it again to take it out; the list below holds the same choice.")
    clicked = render_lsoa_picker(district, inside, chosen)
    if clicked in inside:
        st.session_state[key] = toggled(chosen, clicked)
        st.rerun()
    names = directory.areas["area_name"]
    st.multiselect("Neighbourhoods (LSOAs)", inside, key=key,
                   format_func=lambda c: f"{names[c]} ({c})")


def render_service_areas(store: Store, actor: Actor, directory: AreaDirectory) -> None:
    """Define a service area, and list and manage the organisation's."""
    flash = st.session_state.pop("area_flash", None)
    if flash:
        (st.success if flash[0] else st.error)(flash[1])
    with st.container(border=True):
        st.subheader("Define a service area")
        st.text_input("Name", key="area_name", max_chars=200,
                      placeholder="e.g. North of the river")
        method = st.radio("Choose its neighbourhoods from", METHODS, key="area_method",
                          horizontal=True)
        _method_inputs(method, directory)
        found = _chosen(method, directory)
        st.text(f"{len(found.lsoa_codes)} neighbourhoods (LSOAs 2021) chosen"
                + (f", in {', '.join(districts_of(found.lsoa_codes, directory))}."
                   if found.lsoa_codes else "."))
        if found.problems:
            st.warning("Not used:\n\n" + "\n".join(f"- {escape_markdown(p)}"
                                                  for p in found.problems))
        st.checkbox("List this service area in the public Who works where directory, with "
                    "our organisation's name", key="area_listed")
        st.button("Save service area", key="area_save", type="primary",
                  on_click=_save, args=(store, actor, directory, method))
    _render_own(store, actor, directory)


def _render_own(store: Store, actor: Actor, directory: AreaDirectory) -> None:
    areas = own_service_areas(store, actor)
    st.subheader("Your organisation's service areas")
    if not areas:
        st.info("Your organisation has no service area yet.")
        return
    st.dataframe([{"Number": a.id, "Name": a.name, "Neighbourhoods": len(a.lsoa_codes),
                   "Districts": ", ".join(districts_of(a.lsoa_codes, directory)),
                   "Listed in the directory": "yes" if a.list_in_directory else "no"}
                  for a in areas], hide_index=True, width="stretch")
    with st.expander("Change the listing, or retire a service area"):
        names = {a.id: a.name for a in areas}
        chosen = st.selectbox("Service area", list(names), format_func=names.get,
                              key="area_manage")
        area = next(a for a in areas if a.id == chosen)
        left, right = st.columns(2)
        if left.button("Stop listing it" if area.list_in_directory else "List it",
                       key="area_toggle"):
            set_directory_listing(store, actor, area.id, not area.list_in_directory)
            st.rerun()
        if right.button("Retire it", key="area_retire",
                        help="It is no longer offered for new activities nor listed."):
            retire_service_area(store, actor, area.id)
            st.rerun()
