"""Trends: the selected area against its region and England, month by month and over time.

Tension reports by category or tension level (suppressed counts stay "<5" / "[c]"), police
public-order and anti-social behaviour rates per 10,000 residents, and the change in
deprivation (IoD 2019 → 2025) and segregation (Census 2011 → 2021).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators.catalogue import POLICE, REPORTS_ATTRIBUTION, get_indicator
from ui.cached import data_ready, load_benchmarks, load_hierarchy, load_joined
from ui.first_run import render_first_run
from ui.report_counts import NotPublished, report_store_status
from ui.sidebar import area_label, current_view
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
        fig = build_bar_figure(series, "month", "count", group, "Approved reports", title)
        hidden = int(series["count"].isna().sum())
        if hidden == len(series):
            st.info(f"Every monthly count about {place.name} is small, so all are withheld "
                    "and nothing can be drawn; the table lists them. Fewer groups (All "
                    "reports) or a larger place may show more.", icon=":material/visibility_off:")
        render_chart_block(
            fig, series, f"reports_{place.code.lower()}_{breakdown}.csv", "reports",
            f"{hidden} small count(s) are withheld to protect those involved: they show "
            "as “<5” (1 to 4 reports) or “[c]” (withheld so a small count cannot be worked "
            "out) in the table, and are not drawn. " + REPORTS_ATTRIBUTION
            if hidden else REPORTS_ATTRIBUTION)

# ---------------------------------------------------------------- police
st.header("Police-recorded offences per month")
months = load_months()
if months is None:
    st.info("Police counts by month are not cached: run `python -m data_sources refresh "
            "--source police`, then `python -m data_sources build`.")
else:
    wanted = ["area_code", "region_code", "population_2021", "denominator_flag"]
    people = load_joined("lad").reindex(columns=wanted)
    if area.level in ("lsoa", "msoa"):
        own = load_joined(area.level)
        people = pd.concat([people, own.loc[own["area_code"] == area.code].reindex(
            columns=wanted)], ignore_index=True)
    police = compute_police_series(months, people, places)
    if police.empty:
        st.info("No police data is cached for these places: their forces did not publish "
                "street-level crime for the cached months, or it was not fetched.")
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
if shown[["earlier", "latest"]].isna().all().all():
    st.info("Neither vintage has a value for these places in the cache.")
    st.dataframe(shown, hide_index=True, width="stretch")
else:
    long = shown.melt(id_vars=["measure", "place", "unit", "vintages", "how"],
                      value_vars=["earlier", "latest"], var_name="vintage",
                      value_name="value")
    label = shown["measure"].iloc[0]
    before, after = shown["vintages"].iloc[0].split(" → ")
    long["vintage"] = long["vintage"].map({"earlier": before, "latest": after})
    fig = build_bar_figure(long, "place", "value", "vintage", shown["unit"].iloc[0],
                           f"{label}: {shown['vintages'].iloc[0]}", barmode="group")
    render_chart_block(fig, long, f"change_{label.split()[0].lower()}_{stem}.csv", "change",
                       "A bar is missing where that vintage has no value. " + "; ".join(
                           f"{p}: {h}" for p, h in zip(shown["place"], shown["how"],
                                                       strict=True)) + ".")
    st.dataframe(shown[["place", "earlier", "latest", "change", "unit", "vintages"]],
                 hide_index=True, width="stretch", key="change_summary")
    for note in random_placement_notes(own_rows, district_rows, places, label):
        st.caption(note)
