"""Compare: two to ten areas of one level side by side on chosen catalogue indicators."""

from __future__ import annotations

from functools import partial

import streamlit as st

from indicators.formatting import format_value
from ui.cached import (
    data_ready,
    load_available_indicators,
    load_benchmarks,
    load_hierarchy,
    load_joined,
)
from ui.compare_view import (
    AREAS_KEY,
    INDICATORS_KEY,
    MAX_AREAS,
    MIN_AREAS,
    RANDOM_COLUMNS,
    RATE_NOTE,
    build_compare_figure,
    check_selection,
    compute_comparison,
    compute_wide,
    link_codes,
    link_value,
    random_caveat,
    residents_notes,
)
from ui.first_run import render_first_run
from ui.map_view import MAP_LEVELS, rank_note
from ui.sidebar import current_view, set_view
from ui.table_download import render_table_download
from ui.trends_view import render_chart_block


def keep_in_link(codes: list[str], chosen: list[str]) -> None:
    """The chosen areas and indicators in the address bar, so the comparison is a link."""
    for url_key, value in ((AREAS_KEY, link_value(codes)), (INDICATORS_KEY, link_value(chosen))):
        if not value:
            st.query_params.pop(url_key, None)
        elif st.query_params.get(url_key) != value:
            st.query_params[url_key] = value


if not data_ready():
    render_first_run("Compare areas")
st.title("Compare areas")
st.caption(f"Put {MIN_AREAS} to {MAX_AREAS} areas of the same kind side by side. Each value "
           "shows its unit and the area's rank among all areas of that kind in England.")

view = current_view()
levels = list(MAP_LEVELS)
st.session_state["compare_level"] = view.level
level = st.radio("Kind of area", levels, format_func=MAP_LEVELS.get, horizontal=True,
                 key="compare_level",
                 on_change=lambda: set_view(level=st.session_state["compare_level"]))
areas = load_hierarchy()
of_level = areas[areas["level"] == level]
names = dict(zip(of_level["area_code"], of_level["area_name"], strict=True))
key = f"compare_areas_{level}"
linked = link_codes(st.query_params.get(AREAS_KEY))
start = [c for c in linked if c in names] or ([view.area] if view.area in names else [])
unknown = [c for c in linked if c not in names]
if unknown and key not in st.session_state:
    st.warning(f"This link names {', '.join(unknown)}, which "
               + ("is not" if len(unknown) == 1 else "are not")
               + f" among the {MAP_LEVELS[level].lower()} in the cached data; left out.")
picked = st.session_state.get(key, start)
choices = of_level
if level != "lad":
    # Thousands of small areas are offered a district at a time; areas already picked stay.
    districts = areas[areas["level"] == "lad"].sort_values("area_name")
    lad_names = dict(zip(districts["area_code"], districts["area_name"], strict=True))
    home = areas.loc[areas["area_code"] == view.area, "lad_code"]
    district = st.selectbox("Choose from the areas of", list(lad_names),
                            index=list(lad_names).index(home.iloc[0])
                            if not home.empty and home.iloc[0] in lad_names else None,
                            format_func=lad_names.get, placeholder="Choose a district",
                            key=f"compare_district_{level}")
    choices = of_level[(of_level["lad_code"] == district) | of_level["area_code"].isin(picked)]
options = list(choices.sort_values("area_name")["area_code"])
codes = st.multiselect(f"Areas ({MIN_AREAS} to {MAX_AREAS})", options, default=start,
                       format_func=lambda c: f"{names[c]} ({c})", key=key,
                       placeholder="Type a name or code")
available = {e.id: e for e in load_available_indicators(level)}
if not available:
    st.warning("No indicator has values at this level in the cache; choose another kind "
               "of area.")
    st.stop()
first = view.indicator if view.indicator in available else next(iter(available))
wanted = link_codes(st.query_params.get(INDICATORS_KEY))
missing_ids = [i for i in wanted if i not in available]
if missing_ids and f"compare_indicators_{level}" not in st.session_state:
    st.warning(f"This link asks for {', '.join(missing_ids)}, which "
               + ("has" if len(missing_ids) == 1 else "have")
               + f" no values for {MAP_LEVELS[level].lower()} in the cached data; left out.")
chosen = st.multiselect("Indicators", list(available),
                        default=[i for i in wanted if i in available] or [first],
                        format_func=lambda i: available[i].label,
                        key=f"compare_indicators_{level}")
keep_in_link(codes, chosen)

problem = check_selection(codes)
if problem:
    st.info(problem)
    st.stop()
if not chosen:
    st.info("Choose at least one indicator.")
    st.stop()

indicators = [available[i] for i in chosen]
long = compute_comparison(load_joined(level), codes, indicators, load_benchmarks())
st.subheader("Side by side")
st.dataframe(compute_wide(long, {e.id: e for e in indicators}), hide_index=True,
             width="stretch", key="compare_wide")
st.caption(RATE_NOTE)
for name, note in residents_notes(long).items():
    st.warning(f"Residents note, {name}: {note}.", icon=":material/groups:")
render_table_download("Download the comparison (CSV)", long,
                      f"compare_{level}_{len(codes)}_areas.csv", key="compare_csv")

for indicator in indicators:
    part = long[long["indicator"] == indicator.id].reset_index(drop=True)
    n = int(part["areas_ranked"].iloc[0])
    missing = part.loc[part["value"].isna(), "area_name"].dropna().tolist()
    render_chart_block(
        build_compare_figure(part, indicator),
        part[["area_code", "area_name", "value", "lower", "upper", "period", "unit", "rank",
              "areas_ranked", "region", "vs_region", "england", "vs_england", "vintage",
              *(RANDOM_COLUMNS if part["random_verdict"].notna().any() else [])]],
        f"compare_{indicator.id}_{level}.csv", f"bar_{indicator.id}",
        f"{indicator.definition} {rank_note(indicator.polarity, n)} "
        + (f"No value for: {', '.join(missing)}. " if missing else "") + random_caveat(part)
        + f"Vintage: {indicator.vintage}. {indicator.attribution}",
        formats=dict.fromkeys(("value", "lower", "upper", "region", "england",
                               "random_expected", "random_low", "random_high"),
                              partial(format_value, indicator=indicator)))
