"""Trends: the selected area against its region and England, month by month and over time.

Tension reports by category or tension level (suppressed counts stay "<5" / "[c]"), police
public-order and anti-social behaviour rates per 10,000 residents, and the change in
deprivation (IoD 2019 → 2025) and segregation (Census 2011 → 2021).
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from indicators.catalogue import POLICE, REPORTS_ATTRIBUTION, get_indicator
from indicators.formatting import format_value, is_share, unit_words
from ui.cached import data_ready, load_benchmarks, load_hierarchy, load_joined, load_na_reasons
from ui.first_run import render_first_run, render_police_fetch
from ui.map_view import missing_reasons
from ui.report_counts import NotPublished, report_store_status
from ui.sidebar import area_label, current_view
from ui.trends_change import change_bars, change_table, change_title
from ui.trends_random import random_placement_notes
from ui.trends_view import (
    BREAKDOWNS,
    build_bar_figure,
    build_line_figure,
    compute_changes,
    compute_missing_months,
    compute_places,
    compute_police_series,
    compute_report_series,
    load_months,
    load_report_counts_for,
    police_district,
    police_districts,
    render_chart_block,
)

if not data_ready():
    render_first_run("Trends")
st.title("Trends")

view = current_view()
areas = load_hierarchy()
places = compute_places(areas, view.area)
area = places[0]
stem = area.code.lower()
if view.area is None:
    st.info("Showing England as a whole. Pick a district or neighbourhood in the sidebar "
            "(“Find an area”) to compare it with its region and England.")
else:
    st.caption(f"{area_label(areas, area.code)} compared with "
               + " and ".join(p.name for p in places[1:]) + ".")

# ---------------------------------------------------------------- tension reports
st.header("Tension reports per month")
problem = report_store_status()
if problem:
    st.info(problem)
else:
    left, right = st.columns(2)
    breakdown = left.radio("Break down by", list(BREAKDOWNS), format_func=BREAKDOWNS.get,
                           horizontal=True, key="trends_breakdown")
    where = right.selectbox("Place", [p.name for p in places], key="trends_place")
    place = next(p for p in places if p.name == where)
    try:
        counts = load_report_counts_for([place], breakdown)
    except NotPublished as thin:  # too few reports at this level to show
        st.info(str(thin), icon=":material/info:")
        counts = None
    except Exception as error:  # noqa: BLE001 - the page must say it, never crash
        st.warning(f"The report counts could not be read ({type(error).__name__}: {error}).")
        counts = None
    if counts is not None and counts.empty:
        st.info(f"No approved tension reports about {place.name} yet.")
    elif counts is not None:
        series = compute_report_series(counts, breakdown)
        group = BREAKDOWNS[breakdown].lower()
        title = (f"Reports about {place.name}" if breakdown == "all"
                 else f"Reports about {place.name} by {group}")
        hidden = int(series["count"].isna().sum())
        fig = None
        if hidden == len(series):
            st.info(f"Every monthly count about {place.name} is small, so all are withheld "
                    "and no chart is drawn; the table lists them. Fewer groups (All "
                    "reports) or a larger place may show more.", icon=":material/visibility_off:")
        else:
            fig = build_bar_figure(series, "month", "count", group, "Approved reports", title,
                                   legend_title=BREAKDOWNS[breakdown])
        render_chart_block(
            fig, series.drop(columns="count"), f"reports_{place.code.lower()}_{breakdown}.csv",
            "reports",
            f"{hidden} small count(s) are withheld to protect those involved: they show "
            "as “<5” (1 to 4 reports) or “[c]” (withheld so a small count cannot be worked "
            "out) in the table, and are not drawn. " + REPORTS_ATTRIBUTION
            if hidden else REPORTS_ATTRIBUTION)

# ---------------------------------------------------------------- police
st.header("Police-recorded offences per month")
months = load_months()
district = police_district(areas, area)
with_police = police_districts(months)
if district and district.code not in with_police:
    st.info(f"Police data for {district.name} has not been fetched yet.",
            icon=":material/local_police:")
    render_police_fetch(district.code, district.name)
elif district is None and not with_police:
    st.info("No police data has been fetched yet. Choose a district or neighbourhood in "
            "the sidebar to fetch police data for its district.")
if months is not None:
    wanted = ["area_code", "region_code", "population_2021", "denominator_flag"]
    people = load_joined("lad").reindex(columns=wanted)
    if area.level in ("lsoa", "msoa"):
        own = load_joined(area.level)
        people = pd.concat([people, own.loc[own["area_code"] == area.code].reindex(
            columns=wanted)], ignore_index=True)
    police = compute_police_series(months, people, places)
    if police.empty:
        st.info("No police data is cached for these places: their forces did not publish "
                "street-level crime for the cached months, or it has not been fetched.")
    else:
        measure = st.radio("Offence", sorted(police["measure"].unique(), reverse=True),
                           horizontal=True, key="trends_police")
        drawn = police[police["measure"] == measure].drop(columns="measure")
        fig = build_line_figure(drawn, "month", "rate_per_10k", "place",
                                "per 10,000 residents", f"{measure} per 10,000 residents")
        gaps = [f"{p.name}: no data for {len(m)} month(s) ({m[0]} … {m[-1]})"
                for p in places if (m := compute_missing_months(drawn, p.name))]
        indicator = get_indicator("public_order_month_per_10k")
        flag = people.loc[people["area_code"] == area.code, "denominator_flag"].dropna()
        render_chart_block(
            fig, drawn, f"police_{measure.split()[0].lower()}_{stem}.csv", "police",
            "Each month's rate per 10,000 residents, with its 95% confidence interval "
            "(exact Poisson limits) as bars. Region and England: offences of the districts "
            "whose force published that month, per 10,000 of their residents (column "
            "“districts”); named for the districts they come from when not every district "
            "has police data. Where a force did not publish a month, there is no point. "
            + "".join(f"{why}. " for why in police.attrs.get("not_drawn", []))
            + (" ".join(gaps) + ". " if gaps else "")
            + (f"Residents note: {flag.iloc[0]}. " if not flag.empty else "")
            + f"Vintage: {indicator.vintage}. {POLICE}")

# ---------------------------------------------------------------- before and after
st.header("Change over time")
district_rows = load_joined("lad")
own_rows = district_rows if area.level not in ("lsoa", "msoa") else load_joined(area.level)
changes = compute_changes(own_rows, district_rows, places, load_benchmarks())
topic = st.radio("Measure", list(changes["topic"].unique()), horizontal=True,
                 key="trends_topic")
shown = changes[changes["topic"] == topic].drop(columns="topic")
if topic.startswith("Diversity"):
    measure = st.selectbox("Which measure", list(shown["measure"].unique()),
                           key="trends_measure")
    shown = shown[shown["measure"] == measure]
reasons = load_na_reasons()
benchmark_codes = {p.code for p in places if p.level in ("region", "country")}


def why_missing(ident: str, code: str) -> str:
    """Why the place has no value of ``ident``: the build's reason for an area."""
    if code in benchmark_codes:
        return "the build has no region or England figure of this edition"
    level = area.level if area.level in ("lsoa", "msoa", "lad") else "lad"
    return missing_reasons(reasons, ident, level, pd.Series([code])).iloc[0]


summary = change_table(shown, why_missing)
if shown[["earlier", "latest"]].isna().all().all():
    st.info("Neither edition has a value for these places in the cache, so there is "
            "nothing to draw; the table says why.")
else:
    label = shown["measure"].iloc[0]
    indicator = get_indicator(shown["latest_id"].iloc[0])
    bars = change_bars(shown)
    fig = build_bar_figure(bars, "place", "value", "edition", unit_words(indicator),
                           change_title(label, shown["vintages"].iloc[0]), barmode="group",
                           legend_title="Edition")
    if is_share(indicator):
        fig.update_yaxes(tickformat=",.0%")
    render_chart_block(fig, bars, f"change_{indicator.id}_{stem}.csv", "change",
                       "A bar is missing where that edition has no value (the table below "
                       "says why). Editions: " + shown["vintages"].iloc[0] + ".",
                       formats={"value": partial(format_value, indicator=indicator)})
    for note in random_placement_notes(own_rows, district_rows, places, label):
        st.caption(note)
st.dataframe(summary, hide_index=True, width="stretch", key="change_summary")
