"""Tension reports on the Map: suppressed yearly counts or rates per area, never points.

The counts come from the reports aggregation API (:func:`reports.aggregate.
load_report_counts`, calendar years of the incident date, all reports together), which
suppresses counts of 1 to 4 (shown "<5") and any count from which one could be worked
out ("[c]"). A suppressed area is drawn in the no-value colour and listed as suppressed;
an area absent from the aggregate had no approved reports.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from indicators.catalogue import Indicator, get_indicator
from indicators.rates import format_interval, rate_with_limits
from ui.report_counts import load_public_counts

MEASURES = {"count": "Number of reports", "rate": "Reports per 10,000 residents"}
SUPPRESSED_LABEL = "Suppressed (<5 or [c])"
SHOWN_NOTES = {"<5": "Suppressed: 1 to 4 reports",
               "[c]": "Suppressed: withheld so that a small count elsewhere cannot be worked out"}


def report_indicator(measure: str, year: str) -> Indicator:
    """The catalogue's reports entry, labelled for one calendar year (legend, hover, table)."""
    if measure == "rate":
        return replace(get_indicator("reports_per_10k"),
                       label=f"Tension reports per 10,000 residents, {year}",
                       unit="per 10,000 residents", definition=(
                           f"Approved tension reports about the area with an incident date in "
                           f"{year}, per 10,000 residents (Census 2021). Suppressed where the "
                           "count is 1 to 4 or could reveal one."))
    return replace(get_indicator("reports_total"), label=f"Tension reports, {year}",
                   unit="reports", definition=(
                       f"Approved tension reports about the area with an incident date in "
                       f"{year}. Suppressed where the count is 1 to 4 or could reveal one."))


def report_years(counts: pd.DataFrame, today: date | None = None) -> list[str]:
    """Years with reports in ``counts`` (newest first); this year when there are none."""
    years = sorted(set(counts["period"].dropna().astype(str)), reverse=True)
    return years or [str((today or date.today()).year)]


def report_map_values(areas: pd.DataFrame, counts: pd.DataFrame, year: str,
                      measure: str) -> pd.DataFrame:
    """One row per area of ``areas``: its value, what the public sees, and a note.

    Parameters
    ----------
    areas
        area_code, area_name of the areas drawn.
    counts
        The public yearly table of :func:`reports.aggregate.load_report_counts`
        (``by="all"``, ``period="year"``).
    year, measure
        The calendar year and ``count`` or ``rate``.

    Returns
    -------
    DataFrame
        area_code, area_name, value (Float64; NA when suppressed or, for rates, when the
        residents are unknown), shown (what a table shows: "<5", "[c]" or the number)
        and note (why there is no value); for rates also lower and upper, the exact 95%
        limits (NA wherever the count is suppressed, so no interval reveals it).
    """
    year_rows = counts[counts["period"] == year].set_index("area_code")
    out = areas[["area_code", "area_name"]].reset_index(drop=True).copy()
    codes = out["area_code"]
    present = codes.isin(year_rows.index)
    count = pd.Series(0, index=out.index, dtype="Int64")
    count[present] = year_rows["count"].reindex(codes[present]).to_numpy()
    shown = count.astype("string")
    shown[present] = year_rows["shown"].reindex(codes[present]).to_numpy()
    if measure == "rate":
        residents = year_rows["residents"].reindex(codes).astype("Float64")
        if "population_2021" in areas.columns:  # an area without reports is not in counts
            known = areas["population_2021"].reset_index(drop=True).astype("Float64")
            residents = residents.reset_index(drop=True).fillna(known)
        # a suppressed count is NA, so its rate and interval stay NA
        rated = rate_with_limits(count, pd.Series(residents.to_numpy(), index=out.index))
        value = rated["rate"]
        value[~present & value.isna()] = 0.0
        out["lower"], out["upper"] = rated["lower"].to_numpy(), rated["upper"].to_numpy()
    else:
        value = count.astype("Float64")
    out["value"] = value.to_numpy()
    out["shown"] = shown.to_numpy()
    out["note"] = shown.map(SHOWN_NOTES).fillna("").to_numpy()
    no_rate = (out["note"] == "") & out["value"].isna()
    out.loc[no_rate, "note"] = "No rate: the area's residents are not known"
    return out


def report_map_table(values: pd.DataFrame, indicator: Indicator, measure: str) -> pd.DataFrame:
    """The text equivalent of the reports map, most reports first."""
    table = pd.DataFrame({
        "Area": values["area_name"], "Code": values["area_code"],
        "Reports": values["shown"],
    })
    if measure == "rate":
        table[f"{indicator.label} ({indicator.unit})"] = values["value"].round(
            indicator.decimals)
        table["95% CI"] = [format_interval(lo, hi, indicator.decimals).removeprefix("95% CI ")
                           for lo, hi in zip(values["lower"], values["upper"], strict=True)]
    table["Note"] = values["note"]
    order = values["value"].astype("Float64").fillna(-1).to_numpy()
    return table.iloc[(-order).argsort(kind="stable")].reset_index(drop=True)


def load_report_year_counts(level: str) -> pd.DataFrame:
    """Suppressed yearly report counts of every area of ``level``.

    Raises whatever opening the store or the lookups raises; the page says so.
    """
    return load_public_counts(level, "all", "year")
