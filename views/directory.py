"""Who works where: the public directory of member organisations' service areas.

Only service areas their organisation agreed to list. Search by place (a name or code of
a district or neighbourhood, or a postcode) for the organisations working there, for
peer support and referrals.
"""

from __future__ import annotations

import streamlit as st

from reports.work_summary import directory_entries, districts_of, entries_covering
from ui.reports_view import get_store, require_directory
from ui.work_view import KIND_LABELS, PLACE_HELP, find_place, load_activities

st.title("Who works where")
st.caption("Member organisations of the alliance that chose to list where they work, and "
           "the kinds of good relations work they record there: find peers near you, or "
           "someone to refer people to.")

directory = require_directory()
activities = load_activities()
entries = [] if activities is None else directory_entries(get_store(), activities)
if not entries:
    st.info("No organisation has listed a service area yet. Members define their service "
            "areas on the Our work page and choose whether to list them here.")
    st.stop()

place_text = st.text_input("Search by place", key="directory_place", help=PLACE_HELP,
                           value=st.query_params.get("place", ""),
                           placeholder="e.g. Leicester, E01025615 or LE1 5WW")
shown = entries
if place_text.strip():
    place = find_place(place_text, directory)
    if place.error:
        st.warning(place.error)
    else:
        shown = entries_covering(entries, place.lsoa_codes)
        st.caption(f"{len(shown)} listed service area(s) overlap {place.name} ({place.code}).")

rows = [{"Organisation": entry.organisation, "Service area": entry.service_area,
         "Districts": ", ".join(districts_of(entry.lsoa_codes, directory)),
         "Neighbourhoods (LSOAs)": len(entry.lsoa_codes),
         "Kinds of work": "; ".join(KIND_LABELS[k] for k in entry.kinds) or "none recorded yet"}
        for entry in shown]
if rows:
    st.dataframe(rows, hide_index=True, width="stretch")
else:
    st.info("No listed organisation works there yet.")
st.caption("Service areas are made of 2021 LSOAs (Census 2021 neighbourhoods); districts are "
           "those of the ONS lookups, 2022.")
