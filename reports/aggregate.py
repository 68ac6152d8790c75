"""Counts of approved reports for everyone else: the only API indicators and pages may use.

Counts are built for every level (LSOA, MSOA, district, region, England), period (month,
calendar year) and breakdown (category, tension level, all reports) at once, as one
"cube" of cells linked by additive relations, and suppressed together by
:func:`reports.suppression.suppress`: counts 1–4 are shown as "<5" and further cells as
"[c]" so that no hidden count can be worked out from any published total, at any level.
The tables never contain free text, submitters or organisations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from reports.areas import AGGREGATE_LEVELS, AreaDirectory
from reports.models import AuditEntry, Report
from reports.store import Store
from reports.suppression import HIDDEN, PRIMARY, PUBLISHED, SECONDARY, Relation, suppress

Level = Literal["lsoa", "msoa", "lad", "region", "country"]
Breakdown = Literal["category", "tension_level", "all"]
Period = Literal["month", "year"]
KEY = ["level", "area_code", "period_kind", "period", "dimension", "group"]
PUBLIC_COLUMNS = ["area_code", "area_name", "level", "period", "group", "count", "shown",
                  "suppressed", "residents", "rate_per_10k"]
REST = "~rest"
SHOWN = {PRIMARY: "<5", SECONDARY: "[c]"}


@dataclass(frozen=True)
class Cube:
    """Every count cell, the relations between them and each cell's suppression status."""

    cells: pd.DataFrame
    relations: list[Relation]


def load_approved(store: Store) -> pd.DataFrame:
    """Approved reports, only the fields aggregates need (never free text or submitter)."""
    query = select(Report.area_code, Report.incident_date, Report.category,
                   Report.tension_level).where(Report.status == "approved")
    with store.read() as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=["area_code", "incident_date", "category",
                                        "tension_level"])
    return frame.astype({"area_code": "string", "category": "string",
                         "tension_level": "string"})


def reports_version(store: Store) -> tuple[int, int, int]:
    """A cheap fingerprint of the report store that changes whenever an aggregate could:
    (number of reports, highest report id, highest audit entry id). Every submission,
    decision, edit and import adds an audit entry, so a cube built for one fingerprint
    can be reused until it changes."""
    with store.read() as session:
        count, last_report = session.execute(select(func.count(Report.id),
                                                    func.max(Report.id))).one()
        last_audit = session.execute(select(func.max(AuditEntry.id))).scalar()
    return int(count), int(last_report or 0), int(last_audit or 0)


def build_cube(reports: pd.DataFrame, directory: AreaDirectory) -> Cube:
    """Count ``reports`` at every level, period and breakdown, and suppress small counts.

    Parameters
    ----------
    reports
        Columns area_code, incident_date, category, tension_level (one row per report).
    directory
        The known areas; reports in areas it does not know are left out.

    Returns
    -------
    Cube
        ``cells`` has columns level, area_code, period_kind, period, dimension, group,
        count, hidden, parent_code and status (see :mod:`reports.suppression`).
    """
    placed = _place(reports, directory)
    cells = _count_cells(placed).reset_index(drop=True)
    relations = _relations(cells, directory)
    status = suppress(cells["count"].to_numpy(), relations, cells["hidden"].to_numpy())
    return Cube(cells.assign(status=status), relations)


def load_report_counts(
    store: Store,
    directory: AreaDirectory,
    *,
    level: Level = "lad",
    by: Breakdown = "all",
    period: Period = "month",
    areas: list[str] | None = None,
) -> pd.DataFrame:
    """Suppressed counts and rates of approved reports, for public display.

    Parameters
    ----------
    store, directory
        The report store and the known areas.
    level
        lsoa, msoa, lad, region or country (England).
    by
        category, tension_level, or all (every report together).
    period
        month (``YYYY-MM``) or year (``YYYY``), of the incident date.
    areas
        Only these area codes (default: all).

    Returns
    -------
    DataFrame
        Columns area_code, area_name, level, period, group, count (Int64; NA when
        suppressed), shown ("<5", "[c]" or the count as text), suppressed (bool),
        residents (Census 2021 usual residents), rate_per_10k (Float64; NA when
        suppressed or residents unknown). Area × period × group combinations that are
        absent had no approved reports (zero).
    """
    cube = build_cube(load_approved(store), directory)
    return public_table(cube, directory, level=level, by=by, period=period, areas=areas)


def joined_dataset_counts(store: Store, directory: AreaDirectory) -> pd.DataFrame:
    """Monthly public counts by LSOA, MSOA and district, all reports and by category.

    What the joined dataset (``indicators.joined``) takes: the tables of
    :func:`public_table` stacked, suppressed exactly as they are published.
    """
    cube = build_cube(load_approved(store), directory)
    return pd.concat(
        [public_table(cube, directory, level=level, by=by, period="month")
         for level in ("lsoa", "msoa", "lad") for by in ("all", "category")],
        ignore_index=True,
    )


def public_table(cube: Cube, directory: AreaDirectory, *, level: Level, by: Breakdown,
                 period: Period, areas: list[str] | None = None) -> pd.DataFrame:
    """The published view of one slice of the cube (see :func:`load_report_counts`)."""
    if level not in AGGREGATE_LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of {', '.join(AGGREGATE_LEVELS)}")
    cells = cube.cells
    chosen = cells[(cells["level"] == level) & (cells["period_kind"] == period)
                   & (cells["dimension"] == by) & (cells["status"] != HIDDEN)]
    if areas is not None:
        chosen = chosen[chosen["area_code"].isin(areas)]
    published = chosen["status"].to_numpy() == PUBLISHED
    count = chosen["count"].astype("Int64").where(published, pd.NA)
    shown = chosen["count"].astype("string").where(
        published, chosen["status"].map(SHOWN).astype("string"))
    codes = chosen["area_code"].to_numpy()
    residents = directory.areas["residents"].reindex(codes).to_numpy()
    table = pd.DataFrame({
        "area_code": chosen["area_code"].to_numpy(),
        "area_name": directory.areas["area_name"].reindex(codes).to_numpy(),
        "level": level, "period": chosen["period"].to_numpy(),
        "group": chosen["group"].to_numpy(), "count": count.to_numpy(),
        "shown": shown.to_numpy(), "suppressed": ~published,
        "residents": pd.array(residents, dtype="Int64"),
    })
    table["rate_per_10k"] = (table["count"].astype("Float64")
                             / table["residents"].astype("Float64") * 10_000)
    table = table.sort_values(["area_code", "period", "group"]).reset_index(drop=True)
    return table.astype({"area_code": "string", "area_name": "string", "level": "string",
                         "period": "string", "group": "string"})[PUBLIC_COLUMNS]


def _place(reports: pd.DataFrame, directory: AreaDirectory) -> pd.DataFrame:
    """One row per report with its area at every level and its month and year."""
    dates = pd.to_datetime(reports["incident_date"])
    placed = pd.DataFrame({
        "month": dates.dt.strftime("%Y-%m").astype("string"),
        "year": dates.dt.strftime("%Y").astype("string"),
        "category": reports["category"].astype("string"),
        "tension_level": reports["tension_level"].astype("string"),
    }, index=reports.index)
    for level in AGGREGATE_LEVELS:
        placed[level] = directory.ancestor_codes(reports["area_code"], level)
    return placed[placed["country"].notna()].reset_index(drop=True)


def _count_cells(placed: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for position, level in enumerate(AGGREGATE_LEVELS):
        parent = AGGREGATE_LEVELS[position + 1] if position + 1 < len(AGGREGATE_LEVELS) else None
        area = placed[level]
        rest = area.isna() & placed[parent].notna() if parent else area.isna()
        areas = area.where(~rest, placed[parent] + REST) if parent else area
        for period_kind in ("month", "year"):
            for dimension in ("category", "tension_level", "all"):
                frame = pd.DataFrame({
                    "area_code": areas, "period": placed[period_kind],
                    "group": placed[dimension] if dimension != "all" else "all",
                    "parent_code": placed[parent] if parent else pd.NA,
                })
                counted = (frame.dropna(subset=["area_code"])
                           .groupby(["area_code", "period", "group"], dropna=False)
                           .agg(count=("period", "size"), parent_code=("parent_code", "first"))
                           .reset_index())
                parts.append(counted.assign(level=level, period_kind=period_kind,
                                            dimension=dimension))
    cells = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=KEY)
    cells["hidden"] = cells["area_code"].str.endswith(REST)
    cells["count"] = cells["count"].astype("int64")
    return cells[[*KEY, "count", "hidden", "parent_code"]]


def _relations(cells: pd.DataFrame, directory: AreaDirectory) -> list[Relation]:
    columns = [cells[c].to_numpy(dtype=object) for c in KEY]
    index = {key: i for i, key in enumerate(zip(*columns, strict=True))}
    relations: list[Relation] = []
    relations += _group_relations(cells, index)
    relations += _area_relations(cells, index)
    relations += _period_relations(cells, index)
    return relations


def _group_relations(cells: pd.DataFrame, index: dict) -> list[Relation]:
    out = []
    detail = cells[cells["dimension"] != "all"]
    keys = ["level", "area_code", "period_kind", "period", "dimension"]
    positions = detail.index.to_numpy()  # indexing numpy, not pandas, in the loop: faster
    for (level, area, kind, period, _), rows in detail.groupby(keys).indices.items():
        parent = index[(level, area, kind, period, "all", "all")]
        out.append((parent, positions[rows].tolist()))
    return out


def _area_relations(cells: pd.DataFrame, index: dict) -> list[Relation]:
    out = []
    for position, level in enumerate(AGGREGATE_LEVELS[:-1]):
        upper = AGGREGATE_LEVELS[position + 1]
        children = cells[cells["level"] == level]
        keys = ["parent_code", "period_kind", "period", "dimension", "group"]
        positions = children.index.to_numpy()
        for (parent_code, kind, period, dimension, group), rows in (
                children.groupby(keys).indices.items()):
            parent = index[(upper, parent_code, kind, period, dimension, group)]
            out.append((parent, positions[rows].tolist()))
    return out


def _period_relations(cells: pd.DataFrame, index: dict) -> list[Relation]:
    out = []
    months = cells[cells["period_kind"] == "month"]
    year = months["period"].str.slice(0, 4)
    keys = [months["level"], months["area_code"], year, months["dimension"], months["group"]]
    positions = months.index.to_numpy()
    for (level, area, period, dimension, group), rows in months.groupby(keys).indices.items():
        parent = index[(level, area, "year", period, dimension, group)]
        out.append((parent, positions[rows].tolist()))
    return out


def suppression_summary(cube: Cube) -> dict[str, int]:
    """How many published cells were suppressed, by reason (for the methodology page)."""
    status = cube.cells["status"].to_numpy()
    return {"published": int(np.sum(status == PUBLISHED)),
            "primary": int(np.sum(status == PRIMARY)),
            "secondary": int(np.sum(status == SECONDARY))}
