"""The Trends page's pieces: comparison places, monthly series, before/after changes, charts.

The ``compute_*`` and ``build_*`` functions are pure (pandas and Plotly only) and are
tested with hand-made frames; the ``load_*`` and ``render_*`` functions are the small
Streamlit side (cached reads of the month table and of the report aggregates, and the
chart + table + CSV block every chart is drawn with).

Region and England figures: monthly police rates are the sum of the counts of the
districts whose force published that month divided by their residents, named for those
districts when not all have data and not drawn when they are only the area's own
district; the before/after measures are the build's region and England figures
(``joined_benchmarks``, computed once per indicator). The page says so next to each chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.colors import qualitative

from data_sources.cache import open_cache
from data_sources.errors import NotCachedError
from indicators.benchmarks import benchmark_of
from indicators.catalogue import GROUPS, get_indicator
from indicators.joined import MONTH_TABLE
from indicators.rates import rate_with_limits
from reports.taxonomy import CATEGORIES, TENSION_LEVELS
from settings import get_settings
from ui.cached import manifest_stamp
from ui.chart_tables import Formatter, readable_table
from ui.report_counts import load_public_counts
from ui.table_download import render_table_download

ENGLAND = "E92000001"
# Okabe-Ito: distinguishable with every common colour-vision deficiency.
PLACE_COLOURS = ("#0072B2", "#E69F00", "#009E73")
PLACE_DASHES = ("solid", "dash", "dot")
GROUP_COLOURS = qualitative.Safe
POLICE_MEASURES = {"public_order": "Public-order offences", "asb": "Anti-social behaviour"}
BREAKDOWNS = {"all": "All reports", "category": "Category", "tension_level": "Tension level"}
TERMS = {"all": {"all": "All reports"}, "category": {t.id: t.label for t in CATEGORIES},
         "tension_level": {t.id: t.label for t in TENSION_LEVELS}}


@dataclass(frozen=True)
class Place:
    """One line of a comparison: the selected area, its region or England."""

    code: str
    name: str
    level: str  # lsoa, msoa, lad, region or country


def compute_places(areas: pd.DataFrame, code: str | None) -> list[Place]:
    """The selected area, its region and England (only England when ``code`` is None).

    ``areas`` is the hierarchy (area_code, area_name, level, region_code).
    """
    places = []
    row = areas[areas["area_code"] == code] if code else areas.iloc[0:0]
    if not row.empty:
        places.append(Place(code, str(row["area_name"].iloc[0]), str(row["level"].iloc[0])))
        region = row["region_code"].iloc[0]
        named = areas.loc[areas["area_code"] == region, "area_name"]
        if pd.notna(region):
            places.append(Place(str(region), str(named.iloc[0]) if not named.empty
                                else str(region), "region"))
    places.append(Place(ENGLAND, "England", "country"))
    return places


def police_district(areas: pd.DataFrame, place: Place) -> Place | None:
    """The district whose police data covers ``place`` (None for a region or England)."""
    if place.level not in ("lad", "msoa", "lsoa"):
        return None
    code = areas.loc[areas["area_code"] == place.code, "lad_code"]
    if code.empty or pd.isna(code.iloc[0]):
        return None
    name = areas.loc[areas["area_code"] == code.iloc[0], "area_name"]
    return Place(str(code.iloc[0]), str(name.iloc[0]) if not name.empty else str(code.iloc[0]),
                 "lad")


def police_districts(months: pd.DataFrame | None) -> frozenset[str]:
    """The districts with any police count in ``joined_area_month`` (None: not built)."""
    if months is None:
        return frozenset()
    counted = [c for c in ("public_order", "asb") if c in months.columns]
    if not counted:
        return frozenset()
    rows = months[months[counted].notna().any(axis=1)]
    return frozenset(rows["lad_code"].dropna().astype(str))


# ---------------------------------------------------------------- police by month
def compute_police_series(months: pd.DataFrame, residents: pd.DataFrame,
                          places: list[Place]) -> pd.DataFrame:
    """Public-order and ASB offences per month and per 10,000 residents, for each place.

    A region or England line adds up the districts whose force published that month, and is
    named for what it is when not every district of the place has police data ("England:
    the 1 of 309 districts with police data"). It is not drawn at all when those districts
    are only the selected area's own district: it would be that district again, not a
    region or England. ``attrs["not_drawn"]`` says which lines were left out and why.

    Parameters
    ----------
    months
        ``joined_area_month`` (area_code, level, region_code, month, public_order, asb and
        their ``_month_per_10k`` rates with ``_lower`` / ``_upper`` limits).
    residents
        Joined rows (area_code, region_code, population_2021) of every district, and of
        the area itself.
    places
        From :func:`compute_places`.

    Returns
    -------
    DataFrame
        One row per place, measure and month: place, month, measure, offences, residents,
        rate_per_10k, lower, upper (95% limits), districts (how many districts' forces
        published; NA for the area itself). Months without published data are absent.
    """
    people = residents.drop_duplicates("area_code").set_index("area_code")
    population = people["population_2021"]
    district_rows = months[months["level"] == "lad"]
    own = months.loc[months["area_code"] == places[0].code, "lad_code"]
    own_district = str(own.iloc[0]) if not own.empty else None
    parts, not_drawn = [], []
    for place in places:
        if place.level in ("lsoa", "msoa", "lad"):
            rows, label = months[months["area_code"] == place.code], place.name
        else:
            rows = (district_rows if place.level == "country"
                    else district_rows[district_rows["region_code"] == place.code])
            label, why = _benchmark_label(place, rows, people, own_district)
            if why:
                not_drawn.append(why)
                continue
        for measure, name in POLICE_MEASURES.items():
            known = rows[rows[measure].notna()]
            if known.empty:
                continue
            parts.append(_police_lines(known, measure, population, place).assign(
                place=label, measure=name))
    columns = ["place", "month", "measure", "offences", "residents", "rate_per_10k", "lower",
               "upper", "districts"]
    table = (pd.concat(parts, ignore_index=True)[columns] if parts
             else pd.DataFrame(columns=columns))
    table["offences"] = table["offences"].astype("Int64")
    table["residents"] = table["residents"].astype("Float64").round().astype("Int64")
    table["districts"] = table["districts"].astype("Int64")
    for column in ("rate_per_10k", "lower", "upper"):
        table[column] = table[column].astype("Float64").round(2)
    table = table.sort_values(["measure", "place", "month"]).reset_index(drop=True)
    table.attrs["not_drawn"] = not_drawn
    return table


def _benchmark_label(place: Place, rows: pd.DataFrame, people: pd.DataFrame,
                     own_district: str | None) -> tuple[str, str | None]:
    """The line's name, or why it is not drawn: England only when every district has data."""
    if "region_code" in people.columns:
        pool = people[people.index.str.match(r"E0[6-9]")]
        if place.level == "region":
            pool = pool[pool["region_code"] == place.code]
        total = len(pool)
    else:
        total = rows["area_code"].nunique()
    with_data = set(rows.loc[rows[list(POLICE_MEASURES)].notna().any(axis=1), "area_code"])
    if not with_data:
        return place.name, f"{place.name}: no district has police data"
    if own_district is not None and with_data == {own_district}:
        return place.name, (f"{place.name} is not drawn: its only district with police data "
                            f"is the selected area's own ({own_district}), so its line would "
                            "repeat that district")
    if len(with_data) >= total:
        return place.name, None
    return f"{place.name}: the {len(with_data):,} of {total:,} districts with police data", None


def _police_lines(known: pd.DataFrame, measure: str, population: pd.Series,
                  place: Place) -> pd.DataFrame:
    """Monthly offences, residents, rate and 95% limits of one place."""
    if place.level in ("lsoa", "msoa", "lad"):
        return pd.DataFrame({
            "month": known["month"].to_numpy(), "offences": known[measure].to_numpy(),
            "residents": population.get(place.code, pd.NA), "districts": pd.NA,
            "rate_per_10k": known[f"{measure}_month_per_10k"].to_numpy(),
            "lower": known[f"{measure}_month_per_10k_lower"].to_numpy()
            if f"{measure}_month_per_10k_lower" in known else pd.NA,
            "upper": known[f"{measure}_month_per_10k_upper"].to_numpy()
            if f"{measure}_month_per_10k_upper" in known else pd.NA})
    frame = pd.DataFrame({"month": known["month"], "offences": known[measure],
                          "residents": known["area_code"].map(population).astype("Float64")}
                         ).dropna()
    grouped = frame.groupby("month").agg(offences=("offences", "sum"),
                                         residents=("residents", "sum"),
                                         districts=("offences", "size")).reset_index()
    rated = rate_with_limits(grouped["offences"], grouped["residents"])
    return grouped.assign(rate_per_10k=rated["rate"], lower=rated["lower"],
                          upper=rated["upper"])


def compute_missing_months(series: pd.DataFrame, place: str) -> list[str]:
    """Months between the first and last of the table for which ``place`` has no value."""
    if series.empty:
        return []
    every = pd.period_range(series["month"].min(), series["month"].max(), freq="M")
    have = set(series.loc[series["place"] == place, "month"])
    return [str(m) for m in every if str(m) not in have]


# ---------------------------------------------------------------- before and after
def change_measures(level: str) -> list[tuple[str, str, str]]:
    """(topic, earlier id, latest id) of the before/after measures shown for ``level``.

    Segregation exists for districts only: for a smaller area the page shows its district.
    """
    imd = (("imd_score_2019", "imd_score") if level == "lsoa"
           else ("imd_avg_score_2019", "imd_avg_score"))
    pairs = [("Deprivation (IoD 2019 → 2025)", *imd)]
    for base in ("simpson_diversity", "entropy_h", *(f"d_{g}" for g in GROUPS)):
        pairs.append(("Diversity and segregation (Census 2011 → 2021)", f"{base}_2011", base))
    return pairs


def compute_changes(area_rows: pd.DataFrame, districts: pd.DataFrame,
                    places: list[Place], benchmarks: pd.DataFrame | None = None
                    ) -> pd.DataFrame:
    """Earlier and latest value and change of each before/after measure, per place.

    Parameters
    ----------
    area_rows
        Joined rows of the selected area's level (used for the area itself).
    districts
        Joined district rows (area_code, region_code, population_2021, measures): the
        area's district for district-only measures.
    places
        From :func:`compute_places`.
    benchmarks
        ``joined_benchmarks``: the region and England figures, computed once per
        indicator at build time (none without it).

    Returns
    -------
    DataFrame
        topic, measure, place, code, earlier_id, latest_id, earlier, latest, change,
        unit, vintages, how (one row each).
    """
    level = places[0].level if places[0].level in ("lsoa", "msoa", "lad") else "lad"
    # each place's own row and its district's, found once: values are read by position
    # (taking a row of these wide frames costs more than all the reading)
    own_row, district_row, district_code = {}, {}, {}
    for place in places:
        if place.level in ("lsoa", "msoa", "lad"):
            own_row[place.code] = _RowOf(area_rows, place.code)
            lad = own_row[place.code].get("lad_code") if "lad_code" in area_rows else None
            district_code[place.code] = lad
            district_row[place.code] = _RowOf(districts, lad)
    rows = []
    for topic, earlier_id, latest_id in change_measures(level):
        latest = get_indicator(latest_id)
        earlier = get_indicator(earlier_id)
        for place in places:
            if place.level in ("lsoa", "msoa", "lad"):
                local = latest.levels and place.level in latest.levels
                hit = own_row[place.code] if local else district_row[place.code]
                code = place.code if local else district_code[place.code]
                before = _value(hit, earlier_id)
                after = _value(hit, latest_id)
                how = "its own value" if local else f"its district's value ({code})"
            else:
                then = benchmark_of(benchmarks, earlier_id, place.code)
                now = benchmark_of(benchmarks, latest_id, place.code)
                before = None if then is None or pd.isna(then["value"]) else float(then["value"])
                after = None if now is None or pd.isna(now["value"]) else float(now["value"])
                how = "; ".join(dict.fromkeys(
                    f"{row['method']} ({row['areas_with_data']:,} of {row['areas_total']:,} "
                    f"{row['areas_noun']})" for row in (then, now) if row is not None)) or (
                    "no region or England figure in the cache: rebuild the joined dataset "
                    "(python -m data_sources build)")
            rows.append({
                "topic": topic, "measure": latest.label, "place": place.name,
                "code": place.code, "earlier_id": earlier_id, "latest_id": latest_id,
                "earlier": _round(before, latest.decimals),
                "latest": _round(after, latest.decimals),
                "change": _round(after - before, latest.decimals)
                if before is not None and after is not None else None,
                "unit": latest.unit,
                "vintages": f"{earlier.vintage} → {latest.vintage}", "how": how,
            })
    table = pd.DataFrame(rows)
    for column in ("earlier", "latest", "change"):
        table[column] = table[column].astype("Float64")
    return table


class _RowOf:
    """The row of ``code`` in ``frame`` (none if absent), read column by column."""

    def __init__(self, frame: pd.DataFrame, code: str | None) -> None:
        self.frame = frame
        found = (np.flatnonzero((frame["area_code"] == code).to_numpy(dtype=bool,
                                                                      na_value=False))
                 if code is not None else [])
        self.position = int(found[0]) if len(found) else None

    def get(self, column: str):
        if self.position is None or column not in self.frame:
            return None
        return self.frame[column].iat[self.position]


def _value(hit: _RowOf, column: str) -> float | None:
    value = hit.get(column)
    return None if value is None or pd.isna(value) else float(value)


def _round(value: float | None, decimals: int) -> float | None:
    return None if value is None else round(value, decimals)


# ---------------------------------------------------------------- reports by month
def compute_report_series(counts: pd.DataFrame, breakdown: str) -> pd.DataFrame:
    """The published report counts of one place, ready to draw and to download.

    ``counts`` is a table of :func:`reports.aggregate.load_report_counts`. Suppressed
    cells keep ``count`` empty and ``shown`` "<5" or "[c]": they are listed, never drawn
    as numbers, and have no rate or 95% interval (``lower``, ``upper``).
    """
    labels = TERMS.get(breakdown, {})
    residents = counts["residents"] if "residents" in counts.columns else pd.Series(
        pd.NA, index=counts.index)
    rated = rate_with_limits(counts["count"], residents)  # NA wherever the count is withheld
    table = pd.DataFrame({
        "month": counts["period"].astype("string"),
        BREAKDOWNS.get(breakdown, "group").lower(): counts["group"].map(
            lambda g: labels.get(g, g)).astype("string"),
        "reports": counts["shown"].astype("string"),
        "count": counts["count"].astype("Int64"),
        "rate_per_10k": counts["rate_per_10k"].astype("Float64").round(2),
        "lower": rated["lower"].round(2), "upper": rated["upper"].round(2),
    })
    return table.sort_values(list(table.columns[:2])).reset_index(drop=True)


# ---------------------------------------------------------------- figures
def build_line_figure(table: pd.DataFrame, x: str, y: str, colour: str, y_title: str,
                      title: str) -> go.Figure:
    """Lines of ``y`` over ``x``, one per value of ``colour``; gaps where a month is missing;
    95% intervals as error bars when the table has ``lower`` and ``upper``."""
    fig = go.Figure()
    for i, (name, part) in enumerate(table.groupby(colour, sort=False)):
        part = part.sort_values(x)
        error = None
        if {"lower", "upper"} <= set(part.columns) and part["upper"].notna().any():
            value = part[y].astype("float64")
            error = {"type": "data", "symmetric": False, "thickness": 1, "width": 3,
                     "array": (part["upper"].astype("float64") - value).to_numpy(),
                     "arrayminus": (value - part["lower"].astype("float64")).to_numpy()}
        fig.add_trace(go.Scatter(
            x=part[x], y=part[y].astype("float64"), name=str(name), mode="lines+markers",
            error_y=error,
            line={"color": PLACE_COLOURS[i % 3], "dash": PLACE_DASHES[i % 3], "width": 2},
            hovertemplate=f"%{{x}}<br>{name}: %{{y:,.2f}}<extra></extra>"))
    _layout(fig, title, y_title)
    _month_axis(fig, table[x], x)
    return fig


def build_bar_figure(table: pd.DataFrame, x: str, y: str, colour: str, y_title: str,
                     title: str, *, barmode: str = "stack",
                     legend_title: str | None = None) -> go.Figure:
    """Bars of ``y`` per ``x``, stacked (or grouped) by ``colour``; NA values are not drawn.

    The legend names every value of ``colour`` (under ``legend_title``), even a single one
    and even one with no bar drawn, so a reader knows what each colour is."""
    fig = go.Figure()
    for i, (name, part) in enumerate(table.groupby(colour, sort=False)):
        drawn = part[part[y].notna()]
        if drawn.empty:  # Plotly leaves an empty trace out of the legend: say it instead
            drawn, name = part.iloc[:1].assign(**{y: None}), f"{name} (no value)"
        fig.add_trace(go.Bar(x=drawn[x], y=drawn[y].astype("float64"), name=str(name),
                             marker_color=GROUP_COLOURS[i % len(GROUP_COLOURS)]))
    fig.update_layout(barmode=barmode, showlegend=True,
                      legend_title_text=legend_title or "")
    _layout(fig, title, y_title)
    _month_axis(fig, table[x], x)
    return fig


def _month_axis(fig: go.Figure, values: pd.Series, x: str) -> None:
    """Label a ``YYYY-MM`` axis by month (one tick a month up to a year, else a quarter),
    so a single month is not drawn as a range of milliseconds."""
    if x != "month":
        return
    months = values.dropna().nunique()
    fig.update_xaxes(tickformat="%b %Y", dtick="M1" if months <= 12 else "M3")


def wrap_title(title: str, width: int = 40) -> str:
    """``title`` broken into lines of at most about ``width`` characters (Plotly's <br>),
    so a long title is never cut off on a narrow screen."""
    lines: list[str] = []
    for word in title.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _layout(fig: go.Figure, title: str, y_title: str) -> None:
    # The title sits left and wraps, above a band the toolbar (top right) can cover.
    fig.update_layout(title={"text": wrap_title(title), "font": {"size": 16}, "x": 0,
                             "xanchor": "left", "yref": "container", "y": 1,
                             "yanchor": "top", "pad": {"t": 34}},
                      height=380 + 20 * wrap_title(title).count("<br>"),
                      margin={"l": 10, "r": 10, "t": 90 + 20 * wrap_title(title).count("<br>"),
                              "b": 10},
                      hovermode="x unified", legend={"orientation": "h", "y": -0.2},
                      font={"size": 13})
    fig.update_yaxes(title=y_title, rangemode="tozero")
    fig.update_xaxes(title=None)


# ---------------------------------------------------------------- Streamlit side
@st.cache_data(ttl=3600, show_spinner=False)
def _months(cache_dir: str, stamp: float) -> pd.DataFrame | None:
    try:
        return open_cache().load_table(MONTH_TABLE)
    except NotCachedError:
        return None


def load_months() -> pd.DataFrame | None:
    """``joined_area_month`` (None when it is not built)."""
    return _months(str(get_settings().cache_dir), manifest_stamp())


def load_report_counts_for(places: list[Place], by: str) -> pd.DataFrame:
    """Suppressed monthly report counts of each place.

    Raises whatever opening the store or the lookups raises; the page says so.
    """
    return pd.concat([load_public_counts(p.level, by, "month", [p.code]) for p in places],
                     ignore_index=True)


def render_chart_block(fig: go.Figure | None, table: pd.DataFrame, file_name: str, key: str,
                       note: str | None = None,
                       formats: Mapping[str, Formatter] | None = None) -> None:
    """A chart (none when ``fig`` is None: nothing to draw), its table (the exact numbers
    drawn, in words, blanks where missing) and a CSV of that table."""
    if fig is not None:
        st.plotly_chart(fig, key=f"{key}_chart", config={"displaylogo": False},
                        theme="streamlit")
    if note:
        st.caption(note)
    with st.expander("Table of this chart", expanded=fig is None):
        st.dataframe(readable_table(table, formats), hide_index=True, width="stretch",
                     key=f"{key}_table")
    render_table_download("Download this chart's data (CSV)",
                          readable_table(table, as_text=False), file_name, key=f"{key}_csv")
