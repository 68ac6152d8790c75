"""Downloads: the joined dataset at one level, for England, a region or a district."""

from __future__ import annotations

import streamlit as st

from indicators.export import AreaFilter
from indicators.provenance_files import OGL_STATEMENT, OS_STATEMENT, attributions
from ui.downloads import (
    FORMAT_LABELS,
    LEVEL_LABELS,
    LEVEL_NOUNS,
    boundaries_cached,
    count_rows,
    dictionary_at,
    joined_provenance,
    load_joined_index,
    load_regions_and_districts,
    render_download_button,
)
from ui.first_run import render_first_run

WHERE = {"england": "All of England", "region": "One region", "lad": "One district"}

joined = load_joined_index()
if joined is None:
    render_first_run("Downloads")
st.title("Downloads")
st.caption(
    "The joined dataset behind every map and profile, for your own analysis: one row per "
    "area, one column per indicator, with a data dictionary saying what each column means "
    "and a provenance file saying where every number comes from."
)

index, columns = joined

query_level = st.query_params.get("level")
level = st.radio("Level", list(LEVEL_LABELS), format_func=LEVEL_LABELS.get, horizontal=True,
                 key="downloads_level",
                 index=list(LEVEL_LABELS).index(query_level) if query_level in LEVEL_LABELS
                 else 0)
fmt = st.radio("Format", list(FORMAT_LABELS), format_func=FORMAT_LABELS.get,
               key="downloads_format")

areas = load_regions_and_districts()
# A shared link's area (?area=<region or district code>) is the starting choice.
shared = areas[areas["area_code"] == st.query_params.get("area")]
start = shared["level"].iloc[0] if not shared.empty else "england"
where = st.radio("Areas", list(WHERE), format_func=WHERE.get, horizontal=True,
                 index=list(WHERE).index(start), disabled=areas.empty, key="downloads_where",
                 help=None if not areas.empty else "The area lookups are not cached.")
area_filter, names = None, {}
if where != "england" and not areas.empty:
    choices = areas[areas["level"] == where]
    names = dict(zip(choices["area_code"], choices["area_name"], strict=True))
    codes = list(names)
    code = st.selectbox("Region" if where == "region" else "District", codes,
                        index=codes.index(shared["area_code"].iloc[0])
                        if not shared.empty and shared["area_code"].iloc[0] in names else 0,
                        format_func=lambda c: f"{names[c]} ({c})",
                        key=f"downloads_{where}")
    area_filter = AreaFilter.region(code) if where == "region" else AreaFilter.district(code)

rows = count_rows(index, level, area_filter)
place = "England" if area_filter is None else names[area_filter.code]
if rows == 0:
    st.info(f"The joined dataset has no {LEVEL_NOUNS[level][1]} in {place}.")
elif fmt == "gpkg" and not boundaries_cached(level):
    st.warning("A GeoPackage carries the boundaries, and the boundaries at this level are "
               "not cached: run `python -m data_sources refresh --source geoportal`, or "
               "choose another format.")
else:
    dictionary = dictionary_at(columns, level)
    st.write(f"**{rows:,} {LEVEL_NOUNS[level][rows != 1]}** in {place}, "
             f"{len(dictionary)} columns. The zip holds:")
    st.markdown(
        "- the data file;\n"
        "- `…_data_dictionary.csv`: label, plain-English definition, unit, polarity, "
        "vintage, source and licence of every column;\n"
        "- `…_provenance.txt` and `.json`: every input dataset with its URL, when it was "
        "fetched, its checksum, licence and attribution;\n"
        "- the same three for `…_months`, when police or report counts by month exist "
        "for these areas."
    )
    render_download_button(level, fmt, area_filter)
    st.caption("The files are put together when you click, which can take a few seconds "
               "(an Excel workbook of every small area in England: about ten).")
    with st.expander(f"Data dictionary ({len(dictionary)} columns)"):
        st.dataframe(dictionary, hide_index=True, width="stretch")

st.subheader("Licence and attribution")
st.markdown(OGL_STATEMENT)
st.markdown(f"GeoPackage files contain boundaries from the ONS Open Geography Portal: "
            f"{OS_STATEMENT}.")
provenance = joined_provenance()
if provenance:
    st.caption(f"Joined dataset built {provenance[0].fetched_at.replace('T', ' ').rstrip('Z')}"
               " UTC from the cached sources below. Please credit them when you publish:")
    for attribution in attributions(provenance):
        st.markdown(f"- {attribution}")
