"""Stories: good relations work told by member organisations, approved by moderators.

Public. Filter by kind of work, approach, place and dates; a list of stories and a table
of stories by district; the Atom feed for newsletters and council sites.
"""

from __future__ import annotations

import streamlit as st

from reports.taxonomy import APPROACHES, KINDS
from reports.work_summary import StoryFilter, districts_of, filter_stories
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
chosen = StoryFilter(
    tuple(kinds), tuple(approaches),
    None if place is None or place.error else place.lsoa_codes,
    dates[0] if len(dates) > 0 else None, dates[1] if len(dates) > 1 else None)
shown = filter_stories(stories, chosen)

list_tab, by_place_tab = st.tabs(["Stories", "By district"])
with list_tab:
    if not shown:
        st.info("No published story matches these choices.")
    for story in shown:
        render_story(story, directory)
with by_place_tab:
    st.caption("The stories shown, by the district of their work (a story appears under "
               "every district its service area touches).")
    titles: dict[str, list[str]] = {}
    for story in shown:
        for name in (districts_of(story.lsoa_codes, directory) if directory else []):
            titles.setdefault(name, []).append(story.title)
    st.dataframe([{"District": name, "Stories": "; ".join(found)}
                  for name, found in sorted(titles.items())], hide_index=True)
