"""Stories: good relations work told by member organisations, approved by moderators.

Public. Filter by kind of work, approach, place and dates; a map of the districts with
stories (a click narrows the list to one), the list of stories and a table of stories by
district (the map's text equivalent); the Atom feed for newsletters and council sites.
"""

from __future__ import annotations

import streamlit as st

from reports.taxonomy import APPROACHES, KINDS
from reports.work_summary import StoryFilter, filter_stories
from ui.work_map import render_story_map, stories_by_district
from ui.work_view import (
    APPROACH_LABELS,
    KIND_LABELS,
    PLACE_HELP,
    feed_note,
    find_place,
    load_stories,
    render_story,
    work_directory,
)

st.title("Stories of good relations work")
st.caption("Told by member organisations of the alliance and approved by its moderators. "
           "No story names a person; an organisation is named only when it agreed.")
feed_note()

stories = load_stories()
if not stories:
    st.info("No stories are published yet. Member organisations tell them from the Our work "
            "page; they appear here once a moderator approves them.")
    st.stop()
directory = work_directory()
clicked = st.session_state.pop("stories_map_click", None)
if clicked:  # a district clicked on the map becomes the place searched for
    st.session_state["stories_place"] = clicked
    st.query_params.pop("place", None)

with st.container(border=True):
    left, right = st.columns(2)
    kinds = left.multiselect("Kind of work", [t.id for t in KINDS], format_func=KIND_LABELS.get,
                             key="stories_kinds")
    approaches = right.multiselect("Approach", [t.id for t in APPROACHES],
                                   format_func=APPROACH_LABELS.get, key="stories_approaches")
    place_text = left.text_input("Place", key="stories_place", help=PLACE_HELP,
                                 value=st.query_params.get("place", ""),
                                 placeholder="e.g. Leicester, E01025615 or LE1 5WW")
    dates = right.date_input("Activities running between", value=(), format="DD/MM/YYYY",
                             key="stories_dates")

place = None
if place_text.strip() and directory is not None:
    place = find_place(place_text, directory)
    if place.error:
        st.warning(place.error)
    else:
        st.caption(f"Stories of work whose service area overlaps {place.name} ({place.code}).")
first, last = (dates[0] if len(dates) > 0 else None), (dates[1] if len(dates) > 1 else None)
anywhere = filter_stories(stories, StoryFilter(tuple(kinds), tuple(approaches), None,
                                               first, last))
shown = anywhere if place is None or place.error else filter_stories(
    anywhere, StoryFilter(lsoa_codes=place.lsoa_codes))

by_district = stories_by_district(anywhere, directory)
if directory is not None:
    st.caption("Districts where the stories chosen above took place, darker with more "
               "stories. Click a district to list only its stories; the By district tab "
               "lists the same.")
    district = place.code if place is not None and not place.error else None
    picked = render_story_map(by_district, district)
    if picked and picked != district:
        st.session_state["stories_map_click"] = picked
        st.rerun()

list_tab, by_place_tab = st.tabs(["Stories", "By district"])
with list_tab:
    if not shown:
        st.info("No published story matches these choices.")
    for story in shown:
        render_story(story, directory)
with by_place_tab:
    st.caption("The stories chosen above by the district of their work (a story appears "
               "under every district its service area touches): the map's text equivalent.")
    st.dataframe(by_district.rename(columns={
        "area_name": "District", "area_code": "Code", "stories": "Stories",
        "titles": "Titles"})[["District", "Code", "Stories", "Titles"]], hide_index=True)
