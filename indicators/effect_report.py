"""What changed where an activity took place: every measure of :mod:`indicators.effect`
for one activity, ready for the page and the bid PDF.

Pure functions: the caller hands over the police counts (public data) and the suppressed
report counts (from the reports aggregation API) of the service area and its similar
areas; nothing here reads a file or a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from indicators.effect import (
    CAUTION,
    MIN_MONTHS,
    MIN_REPORTS,
    WINDOW,
    Estimate,
    compute_series,
    estimate_did,
    month_index,
    month_label,
)

POLICE_MEASURES = {"public_order": "public-order offences",
                   "asb": "anti-social behaviour incidents"}
REPORTS = "reports"
LABELS = {**POLICE_MEASURES, REPORTS: "tension reports"}
SOURCES = {
    "public_order": "data.police.uk, crimes placed in LSOAs 2021; residents: Census 2021",
    "asb": "data.police.uk, crimes placed in LSOAs 2021; residents: Census 2021",
    REPORTS: ("Good Relations Atlas members' approved tension reports, counts 1-4 shown as "
              "<5 and counts that would reveal them withheld as [c]; residents: Census 2021"),
}
METHOD = (
    f"For each month, the service area's rate per 10,000 residents is set beside the "
    f"combined rate of its similar areas (their counts added up, over their residents "
    f"added up). The difference in differences is the average gap between the two over "
    f"the months after the start minus the average gap over the months before (up to "
    f"{WINDOW} of each): how much more, or less, the service area's rate moved than its "
    f"similar areas' did. Its 95% interval is Welch's t interval for the difference of the "
    f"two averages. No estimate is made with fewer than {MIN_MONTHS} months of data on "
    f"either side, for tension reports when any month's count is under 5 or withheld, or "
    f"with fewer than {MIN_REPORTS} reports in the service area.")


@dataclass(frozen=True)
class Measure:
    """One measure around the start: its monthly series and its estimate."""

    id: str
    label: str
    source: str
    series: pd.DataFrame
    estimate: Estimate


@dataclass(frozen=True)
class EffectReport:
    """Before and after one activity's start in its service area, against similar areas."""

    area_code: str
    area_name: str
    activity: str
    kind: str
    start: str
    similar: pd.DataFrame
    measures: list[Measure] = field(default_factory=list)

    @property
    def caution(self) -> str:
        return CAUTION


def build_effect(area_code: str, area_name: str, residents: float, activity: str, kind: str,
                 start: str, similar: pd.DataFrame, police: pd.DataFrame | None = None,
                 reports: pd.DataFrame | None = None,
                 report_months: tuple[str, str] | None = None,
                 reports_withheld: str | None = None) -> EffectReport:
    """Every measure of an activity's service area against its similar areas.

    Parameters
    ----------
    area_code, area_name, residents
        The service area (Census 2021 residents).
    activity, kind
        The activity's title and kind of work, as shown.
    start
        Its start month, ``YYYY-MM``.
    similar
        The similar areas: area_code, area_name, population_2021.
    police
        Monthly police counts: area_code, month, public_order, asb (NA: no data), with the
        service area's own rows under ``area_code``.
    reports
        Suppressed monthly report counts: area_code, period, count (NA when withheld),
        shown; months absent had none.
    report_months
        The first and last month the report store covers (a month outside it has no data,
        not zero reports); None when there are no reports at all.
    reports_withheld
        Why the report counts are not given when a table they need is not published
        (said instead of "no reports").
    """
    if similar.empty:
        return EffectReport(area_code, area_name, activity, kind, start, similar, [
            _no_data(ident, label, "No similar areas to compare with: the service area "
                     "lacks one of the three measures they are matched on.")
            for ident, label in LABELS.items()])
    people = {area_code: float(residents),
              **{str(r.area_code): float(r.population_2021) for r in similar.itertuples()}}
    measures = []
    if police is not None and not police.empty:
        for column, label in POLICE_MEASURES.items():
            counts = police[["area_code", "month", column]].rename(columns={column: "count"})
            series = compute_series(counts, people, area_code, start)
            measures.append(Measure(column, label, SOURCES[column], series,
                                    estimate_did(series, label)))
    else:
        for column, label in POLICE_MEASURES.items():
            measures.append(_no_data(column, label, "No police data are cached for the "
                                     "service area and its similar areas."))
    if reports is not None and report_months is not None:
        counts = _report_months(reports, list(people), start, report_months)
        series = compute_series(counts, people, area_code, start)
        measures.append(Measure(REPORTS, LABELS[REPORTS], SOURCES[REPORTS], series,
                                estimate_did(series, LABELS[REPORTS], reports=True)))
    else:
        measures.append(_no_data(REPORTS, LABELS[REPORTS], reports_withheld
                                 or "There are no approved tension reports to compare."))
    return EffectReport(area_code, area_name, activity, kind, start,
                        similar[["area_code", "area_name"]].reset_index(drop=True), measures)


def _no_data(ident: str, label: str, message: str) -> Measure:
    empty = pd.DataFrame(columns=["month", "period", "area_count", "area_shown", "area_rate",
                                  "similar_count", "similar_rate", "withheld", "gap",
                                  "complete"])
    return Measure(ident, label, SOURCES[ident], empty,
                   Estimate(label, "no_data", 0, 0, message))


def _report_months(reports: pd.DataFrame, areas: list[str], start: str,
                   covered: tuple[str, str]) -> pd.DataFrame:
    """Report counts of every area and month of the window: absent months within the
    store's span are 0, months outside it have no data."""
    first = month_index(start)
    low, high = (month_index(m) for m in covered)
    months = [month_label(m) for m in range(first - WINDOW, first + WINDOW) if low <= m <= high]
    grid = pd.MultiIndex.from_product([areas, months], names=["area_code", "month"])
    given = reports.rename(columns={"period": "month"}).set_index(["area_code", "month"])
    table = given[["count", "shown"]].reindex(grid).reset_index()
    absent = table["shown"].isna()
    table.loc[absent, "count"] = 0
    table.loc[absent, "shown"] = "0"
    return table.astype({"count": "Int64", "shown": "string"})


def series_table(measure: Measure, area_name: str,
                 similar: pd.DataFrame | None = None) -> pd.DataFrame:
    """A measure's months as shown: counts as published, rates to one decimal, and each
    similar area's own rate when ``similar`` (area_code, area_name) is given."""
    names = {} if similar is None else dict(zip(similar["area_code"].astype(str),
                                                similar["area_name"].astype(str), strict=True))
    each = [c for c in measure.series.columns if c.startswith("rate:")] if names else []
    rows = []
    for r in measure.series.to_dict("records"):
        count = r["area_shown"] if measure.id == REPORTS else r["area_count"]
        rows.append({
            "Month": r["month"], "Before or after the start": r["period"],
            f"{area_name}: count": _text(count) if measure.id == REPORTS else _int(count),
            f"{area_name}: per 10,000": _rate(r["area_rate"]),
            "Similar areas: count": _int(r["similar_count"]),
            "Similar areas: per 10,000": _rate(r["similar_rate"]),
            **{f"{names.get(c.removeprefix('rate:'), c)}: per 10,000": _rate(r[c])
               for c in each},
        })
    return pd.DataFrame(rows)


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def estimates_table(report: EffectReport) -> pd.DataFrame:
    """One row per measure: the estimate and its interval, or why there is none."""
    rows = []
    for m in report.measures:
        e = m.estimate
        rows.append({
            "Measure": f"{m.label} per 10,000 residents a month",
            "Months before / after": f"{e.months_before} / {e.months_after}",
            "Difference in differences": "" if e.did is None else f"{e.did:+.2f}",
            "95% interval": "" if e.did is None else f"{e.lower:+.2f} to {e.upper:+.2f}",
            "In words": e.message, "Source": m.source,
        })
    return pd.DataFrame(rows)


def _int(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{int(value):,}"


def _rate(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.1f}"
