"""The area × month table of the joined dataset, and the police counts behind both tables.

``joined_area_month`` (:func:`build_area_months`) has one row per area (LSOA 2021,
MSOA 2021, district 2022) and month, with police counts and, when a reports aggregate is
given, report counts.  :func:`compute_police_months` and
:func:`compute_police_indicators` also give the police counts and rates of the area
table (:func:`indicators.joined.build_area_indicators`).

Choices the data dictionary relies on
-------------------------------------
* Police figures are published only at the levels where placing crimes in LSOAs agrees
  with police.uk's own LSOA codes for at least 99% of crimes, as measured on police.uk's
  street-level files with the same boundaries (:mod:`data_sources.police_placement`);
  districts only until that is measured.
* Police counts cover the 12 calendar months ending with the area's latest month with
  data (``police_period``; ``police_months`` says how many of them have data).  The rate
  per 10,000 residents a year, with exact Poisson 95% limits
  (:mod:`indicators.rates`), is given only when all 12 have data, never scaled up from
  fewer.  A month with a missing LSOA count is missing for its MSOA and district too.
* Report counts come only from the reports aggregate, level by level, already
  suppressed; a suppressed count stays missing and nothing is computed from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_sources.police_placement import DATASET as AGREEMENT
from data_sources.police_placement import published_levels
from indicators.joined_inputs import (
    LEVELS,
    BuildLog,
    Inputs,
    catalogue_columns,
    compute_areas,
    compute_population,
)
from indicators.rates import rate_with_limits
from reports.taxonomy import CATEGORIES

POLICE_CATEGORIES = {"public-order": "public_order", "anti-social-behaviour": "asb"}
POLICE_WINDOW = 12
"""Months of police data behind the rates of the area table."""
POLICE_COLUMNS = "public_order*, asb* and police_* (police counts and rates)"
"""How the NA reasons name the police columns (patterns the Map matches column ids on)."""
REPORT_COUNTS = ["reports_total", *(f"reports_{t.id}" for t in CATEGORIES)]
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
    levels, why = published_levels(inputs.get(AGREEMENT), _placed_with(inputs))
    withheld = [level for level in LEVELS if level not in levels]
    if withheld:
        log.missing(f"{' and '.join(withheld)} {POLICE_COLUMNS}", why)
        months = months[months["level"].isin(levels)]
    log.missing(f"{POLICE_COLUMNS} of other areas",
                f"police.uk counts fetched for districts {', '.join(sorted(wide['lad'].unique()))}"
                " only (GRA_POLICE_AREAS)")
    return months.astype({c: "Int64" for c in POLICE_CATEGORIES.values()})


def _placed_with(inputs: Inputs) -> str | None:
    """The boundary service the cached police counts were placed with (their provenance)."""
    entry = inputs.provenance.get("police_lsoa_month")
    prefix = "Placed in LSOAs by point-in-polygon with "
    note = next((n for n in (entry.notes if entry else []) if n.startswith(prefix)), None)
    return None if note is None else note.removeprefix(prefix).split(" (", 1)[0]


def _sum_months(wide: pd.DataFrame, level: str) -> pd.DataFrame:
    """Sum LSOA months up to ``level``; a month with a missing count stays missing."""
    values = list(POLICE_CATEGORIES.values())
    grouped = wide.groupby([level, "month"], observed=True)
    sums = grouped[values].sum()
    gaps = wide[values].isna().groupby([wide[level], wide["month"]]).any()
    return sums.mask(gaps).reset_index().rename(columns={level: "area_code"}).assign(level=level)


def compute_police_indicators(months: pd.DataFrame, population: pd.DataFrame,
                              log: BuildLog) -> pd.DataFrame:
    """Counts over the latest 12 calendar months, and annual rates when all 12 have data.

    Each area's window is the 12 calendar months ending with its latest month with data.
    The counts add up the months of the window that have data; the rate per 10,000
    residents a year, with its exact Poisson 95% limits, is given only when every one of
    the 12 months has data, never scaled up from fewer.

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
        By area code: ``<category>_count``, ``<category>_per_10k`` with
        ``<category>_per_10k_lower`` and ``_upper``, ``police_months`` (months with data
        in the window) and ``police_period`` (the window, ``YYYY-MM to YYYY-MM``).
    """
    values = list(POLICE_CATEGORIES.values())
    with_data = months[months[values].notna().all(axis=1)]
    if with_data.empty:
        return pd.DataFrame(index=pd.Index([], name="area_code"))
    month = pd.PeriodIndex(with_data["month"], freq="M")
    last = pd.Series(month, index=with_data.index).groupby(with_data["area_code"]).transform("max")
    inside = ((last.dt.year - month.year) * 12 + last.dt.month - month.month) < POLICE_WINDOW
    latest = with_data[inside.to_numpy()]
    grouped = latest.groupby("area_code")
    result = grouped[values].sum().add_suffix("_count")
    result["police_months"] = grouped.size()
    ends = pd.PeriodIndex(grouped["month"].max(), freq="M")
    result["police_period"] = [f"{end - POLICE_WINDOW + 1} to {end}" for end in ends]
    residents = population["population_2021"].reindex(result.index)
    complete = result["police_months"] == POLICE_WINDOW
    for value in values:
        rated = rate_with_limits(result[f"{value}_count"].where(complete), residents)
        result[f"{value}_per_10k"] = rated["rate"]
        result[f"{value}_per_10k_lower"] = rated["lower"]
        result[f"{value}_per_10k_upper"] = rated["upper"]
    short = int((~complete).sum())
    if short:
        codes = result.index[~complete]
        which = f" of {', '.join(codes)}" if len(codes) <= 20 else ""
        log.missing(f"public_order_per_10k*, asb_per_10k*{which} (fewer than 12 months of data)",
                    f"{short} areas have data for fewer than {POLICE_WINDOW} of the 12 months "
                    "of their window (police_months, police_period): an annual rate needs "
                    "12 complete months and is never scaled up from fewer; the counts "
                    "(*_count) are given for the months with data")
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
        no reports, at the levels it has rows for (a level without rows was not
        published).  Counts 1–4 are treated as suppressed whatever the input says.

    Returns
    -------
    DataFrame
        Columns area_code, area_name, level, lad_code, region_code, month, public_order,
        asb, public_order_month_per_10k, asb_month_per_10k (each rate with ``_lower`` and
        ``_upper`` 95% limits), reports_total, reports_per_10k (with its limits, NA where
        the count is withheld), reports_suppressed and ``reports_<category>``; one row per area
        and month with police data or reports.  ``attrs`` as in
        :func:`indicators.joined.build_area_indicators`.
    """
    log = BuildLog()
    areas, small = compute_areas(inputs)
    population = compute_population(inputs, small, log)["population_2021"].astype("Float64")
    police = compute_police_months(inputs, small, log)
    residents = police["area_code"].map(population)
    for value in POLICE_CATEGORIES.values():
        rated = rate_with_limits(police[value], residents)
        police[f"{value}_month_per_10k"] = rated["rate"]
        police[f"{value}_month_per_10k_lower"] = rated["lower"]
        police[f"{value}_month_per_10k_upper"] = rated["upper"]
    table = police
    if reports is None:
        log.missing("reports_*", "no reports aggregate was given to the build")
    else:
        counts = _report_counts(reports)
        table = table.merge(counts, on=["area_code", "level", "month"], how="outer")
        table = _reports_zero_within_span(table, counts)
        # a withheld count stays NA, so its rate and interval are NA too
        rated = rate_with_limits(table["reports_total"], table["area_code"].map(population))
        for column, values in (("reports_per_10k", "rate"), ("reports_per_10k_lower", "lower"),
                               ("reports_per_10k_upper", "upper")):
            table[column] = rated[values]
    table = table.merge(areas.drop(columns="level"), on="area_code", how="inner")
    table = table.sort_values(["level", "area_code", "month"]).reset_index(drop=True)
    return log.attach(catalogue_columns(table, "month", log))


def _report_counts(reports: pd.DataFrame) -> pd.DataFrame:
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
    return wide


def _reports_zero_within_span(table: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Zero for an area-month without reports inside the months the aggregate covers, at
    the levels it covers (a level whose tables are not published stays empty)."""
    report_months = counts["month"]
    if report_months.empty:
        return table
    inside = (table["month"].between(report_months.min(), report_months.max())
              & table["level"].isin(counts["level"].unique()))
    absent = inside & table["reports_suppressed"].isna()
    for column in REPORT_COUNTS:
        table[column] = table[column].mask(absent, 0)
    table["reports_suppressed"] = table["reports_suppressed"].astype("boolean").mask(
        inside & table["reports_suppressed"].isna(), False)
    return table
