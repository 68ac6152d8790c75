"""The area × month table of the joined dataset, and the police counts behind both tables.

``joined_area_month`` (:func:`build_area_months`) has one row per area (LSOA 2021,
MSOA 2021, district 2022) and month, with police counts and, when a reports aggregate is
given, report counts.  :func:`compute_police_months` and
:func:`compute_police_indicators` also give the police counts and rates of the area
table (:func:`indicators.joined.build_area_indicators`).

Choices the data dictionary relies on
-------------------------------------
* Police rates are per 10,000 residents a year over the latest 12 months with data,
  scaled to a year when the force had published fewer (``police_months`` says how many).
  A month with a missing LSOA count is missing for its MSOA and district too.
* Report counts come only from the reports aggregate, level by level, already
  suppressed; a suppressed count stays missing and nothing is computed from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.joined_inputs import (
    LEVELS,
    BuildLog,
    Inputs,
    catalogue_columns,
    compute_areas,
    compute_population,
)
from reports.taxonomy import CATEGORIES

POLICE_CATEGORIES = {"public-order": "public_order", "anti-social-behaviour": "asb"}
POLICE_WINDOW = 12
"""Months of police data behind the rates of the area table."""
REPORT_COUNTS = ["reports_total", *(f"reports_{t.id}" for t in CATEGORIES)]
PER = 10_000
SMALL_COUNT = 5
"""Report counts 1 to SMALL_COUNT − 1 are never shown."""


# ---------------------------------------------------------------- police
def compute_police_months(inputs: Inputs, small: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """Police counts of every LSOA, MSOA and district by month (long: area_code, month, …).

    A month with any missing LSOA count is missing for the MSOA and district too.

    Parameters
    ----------
    inputs
        The cached tables; without ``police_lsoa_month`` the result is empty.
    small
        The LSOA → MSOA → LAD lookup of :func:`indicators.joined_inputs.compute_areas`.
    log
        Where the NA reasons go.

    Returns
    -------
    DataFrame
        Columns area_code, level, month and one Int64 count per police category
        (:data:`POLICE_CATEGORIES`).
    """
    police = inputs.get("police_lsoa_month")
    columns = ["area_code", "level", "month", *POLICE_CATEGORIES.values()]
    if police is None:
        log.missing("police counts and rates", inputs.why_missing("police_lsoa_month"))
        return pd.DataFrame(columns=columns)
    wide = (police.assign(category=police["category"].map(POLICE_CATEGORIES))
            .pivot_table(index=["lsoa21_code", "month"], columns="category", values="count",
                         aggfunc="first", dropna=False, observed=True)
            .reindex(columns=list(POLICE_CATEGORIES.values())))
    wide = wide.reset_index().rename(columns={"lsoa21_code": "lsoa"})
    wide = wide.merge(small, on="lsoa", how="inner")
    parts = [wide.rename(columns={"lsoa": "area_code"}).assign(level="lsoa")]
    for level in ("msoa", "lad"):
        parts.append(_sum_months(wide, level))
    months = pd.concat(parts, ignore_index=True)[columns]
    log.missing("police counts and rates of other areas",
                f"police.uk counts fetched for districts {', '.join(sorted(wide['lad'].unique()))}"
                " only (GRA_POLICE_AREAS)")
    return months.astype({c: "Int64" for c in POLICE_CATEGORIES.values()})


def _sum_months(wide: pd.DataFrame, level: str) -> pd.DataFrame:
    """Sum LSOA months up to ``level``; a month with a missing count stays missing."""
    values = list(POLICE_CATEGORIES.values())
    grouped = wide.groupby([level, "month"], observed=True)
    sums = grouped[values].sum()
    gaps = wide[values].isna().groupby([wide[level], wide["month"]]).any()
    return sums.mask(gaps).reset_index().rename(columns={level: "area_code"}).assign(level=level)


def compute_police_indicators(months: pd.DataFrame, population: pd.DataFrame,
                              log: BuildLog) -> pd.DataFrame:
    """Counts and annual rates per 10,000 over the latest 12 months with data, per area.

    Parameters
    ----------
    months
        Police counts by area and month, as :func:`compute_police_months` gives them.
    population
        Column ``population_2021`` by area code
        (:func:`indicators.joined_inputs.compute_population`).
    log
        Where the NA reasons and notes go.

    Returns
    -------
    DataFrame
        By area code: ``<category>_12m`` counts, ``<category>_per_10k`` (residents a
        year, scaled to a year when fewer than :data:`POLICE_WINDOW` months have data),
        ``police_months`` and ``police_period`` (``YYYY-MM to YYYY-MM``).
    """
    values = list(POLICE_CATEGORIES.values())
    with_data = months[months[values].notna().all(axis=1)]
    latest = with_data.sort_values(["area_code", "month"], ascending=[True, False])
    latest = latest[latest.groupby("area_code").cumcount() < POLICE_WINDOW]
    grouped = latest.groupby("area_code")
    result = grouped[values].sum().add_suffix("_12m")
    result["police_months"] = grouped.size()
    result["police_period"] = grouped["month"].min() + " to " + grouped["month"].max()
    residents = population["population_2021"].reindex(result.index).astype("Float64")
    per_year = POLICE_WINDOW / result["police_months"]
    for value in values:
        result[f"{value}_per_10k"] = result[f"{value}_12m"] * per_year / residents * PER
    short = result["police_months"] < POLICE_WINDOW
    if short.any():
        log.note(f"{int(short.sum())} areas have fewer than {POLICE_WINDOW} months of police "
                 "data; their rates are scaled to a year")
    if residents.isna().any():
        log.missing("police rates per 10,000 of some areas",
                    "no Census 2021 population for them (see population_2021)")
    return result


# ---------------------------------------------------------------- the month table
def build_area_months(inputs: Inputs, reports: pd.DataFrame | None = None) -> pd.DataFrame:
    """Police counts, and report counts when given, by area (LSOA, MSOA, district) and month.

    Parameters
    ----------
    inputs
        The cached tables (see :func:`indicators.joined_inputs.load_inputs`).
    reports
        Suppressed counts of approved reports, as :func:`reports.aggregate.public_table`
        gives them for ``by="all"`` and ``by="category"`` at each level, stacked: columns
        area_code, level, period (``YYYY-MM``), group (``all`` or a category id), count
        (NA when suppressed) and optionally suppressed.  A combination absent from it had
        no reports.  Counts 1–4 are treated as suppressed whatever the input says.

    Returns
    -------
    DataFrame
        Columns area_code, area_name, level, lad_code, region_code, month, public_order,
        asb, public_order_month_per_10k, asb_month_per_10k, reports_total,
        reports_per_10k, reports_suppressed and ``reports_<category>``; one row per area
        and month with police data or reports.  ``attrs`` as in
        :func:`indicators.joined.build_area_indicators`.
    """
    log = BuildLog()
    areas, small = compute_areas(inputs)
    population = compute_population(inputs, small, log)["population_2021"].astype("Float64")
    police = compute_police_months(inputs, small, log)
    for value in POLICE_CATEGORIES.values():
        police[f"{value}_month_per_10k"] = (
            police[value].astype("Float64") / police["area_code"].map(population).astype(
                "Float64").to_numpy() * PER)
    table = police
    if reports is None:
        log.missing("reports_*", "no reports aggregate was given to the build")
    else:
        counts = _report_counts(reports, population)
        table = table.merge(counts, on=["area_code", "level", "month"], how="outer")
        table = _reports_zero_within_span(table, counts["month"])
    table = table.merge(areas.drop(columns="level"), on="area_code", how="inner")
    table = table.sort_values(["level", "area_code", "month"]).reset_index(drop=True)
    return log.attach(catalogue_columns(table, "month", log))


def _report_counts(reports: pd.DataFrame, population: pd.Series) -> pd.DataFrame:
    """Report counts wide by group (reports_total, reports_<category>), suppressed kept NA."""
    needed = {"area_code", "level", "period", "group", "count"}
    absent = sorted(needed - set(reports.columns))
    if absent:
        raise ValueError(f"the reports aggregate lacks the columns {absent}")
    if not reports.empty and not reports["group"].eq("all").any():
        raise ValueError("the reports aggregate has no 'all' rows (totals); stack the tables "
                         "of by='all' and by='category'")
    rows = reports[reports["level"].isin(LEVELS)].copy()
    count = pd.to_numeric(rows["count"], errors="coerce").astype("Float64")
    hidden = count.isna() | ((count > 0) & (count < SMALL_COUNT))
    if "suppressed" in rows.columns:
        hidden |= rows["suppressed"].fillna(True).astype(bool)
    # hidden cells become -1 so that unstacking can fill absent groups (no reports) with 0
    rows["count"] = count.fillna(0).astype("int64").where(~hidden, -1)
    rows["hidden"] = hidden
    rows["column"] = np.where(rows["group"] == "all", "reports_total",
                              "reports_" + rows["group"].astype(str))
    keys = ["area_code", "level", "period"]
    wide = (rows.drop_duplicates([*keys, "column"]).set_index([*keys, "column"])["count"]
            .unstack("column", fill_value=0))
    wide = wide.reindex(columns=REPORT_COUNTS, fill_value=0).mask(lambda w: w < 0)
    wide = wide.astype("Int64")
    flags = rows.groupby(keys)["hidden"].any().rename("reports_suppressed")
    wide = wide.join(flags).reset_index().rename(columns={"period": "month"})
    if "reports_total" in wide.columns:
        residents = wide["area_code"].map(population).astype("Float64").to_numpy()
        wide["reports_per_10k"] = wide["reports_total"].astype("Float64") / residents * PER
    return wide


def _reports_zero_within_span(table: pd.DataFrame, report_months: pd.Series) -> pd.DataFrame:
    """Zero for an area-month without reports inside the months the aggregate covers."""
    if report_months.empty:
        return table
    inside = table["month"].between(report_months.min(), report_months.max())
    absent = inside & table["reports_suppressed"].isna()
    for column in [*REPORT_COUNTS, "reports_per_10k"]:
        table[column] = table[column].mask(absent, 0)
    table["reports_suppressed"] = table["reports_suppressed"].astype("boolean").mask(
        inside & table["reports_suppressed"].isna(), False)
    return table
