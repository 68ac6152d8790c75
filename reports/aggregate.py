"""Counts of approved reports for everyone else: the only API indicators and pages may use.

Counts are built for every level (LSOA, MSOA, district, region, England), period (month,
calendar year) and breakdown (category, tension level, all reports) at once, as one
"cube" of cells linked by additive relations, and suppressed together by
:func:`reports.suppression.suppress`: counts 1–4 are shown as "<5" and further cells as
"[c]" until the exact audit of :mod:`reports.disclosure` finds no hidden count that the
published tables, all together, pin to one value. Where the finest tables are so thin
that almost every count in them is small, they are not published at all
(:data:`PUBLICATION_STEPS`). The tables never contain free text, submitters or
organisations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from reports.area_set_cube import AreaSet, add_area_sets
from reports.areas import AGGREGATE_LEVELS, AreaDirectory
from reports.models import AuditEntry, Report
from reports.store import Store
from reports.suppression import (
    LINKED,
    PRIMARY,
    PUBLISHED,
    REST,
    SECONDARY,
    WITHHELD,
    suppress,
)

Level = Literal["lsoa", "msoa", "lad", "region", "country"]
Breakdown = Literal["category", "tension_level", "all"]
Period = Literal["month", "year"]
Table = tuple[str, str, str]  # level, period kind, breakdown
COUNTED = ("area_code", "incident_date", "category", "tension_level")
KEY = ["level", "area_code", "period_kind", "period", "dimension", "group"]
PUBLIC_COLUMNS = ["area_code", "area_name", "level", "period", "group", "count", "shown",
                  "suppressed", "residents", "rate_per_10k"]
SHOWN = {PRIMARY: "<5", SECONDARY: "[c]", WITHHELD: "[c]"}
DIMENSIONS = ("all", "category", "tension_level")
PERIODS = ("month", "year")
BREAKDOWNS = ("category", "tension_level")
# Tables left out, finest first, while too many of the published counts are small: each
# step drops tables whose every relation to a published table is a sum of their own cells,
# so that leaving them out hides them completely (see reports.disclosure).
PUBLICATION_STEPS: tuple[tuple[Table, ...], ...] = (
    tuple(("lsoa", p, d) for p in PERIODS for d in BREAKDOWNS),
    tuple(("msoa", p, d) for p in PERIODS for d in BREAKDOWNS),
    (("lsoa", "month", "all"),),
    (("msoa", "month", "all"),),
    (("lsoa", "year", "all"),),
    tuple(("lad", p, d) for p in PERIODS for d in BREAKDOWNS),
    (("lad", "month", "all"),),
    (("msoa", "year", "all"),),
    tuple(("region", p, d) for p in PERIODS for d in BREAKDOWNS),
    (("region", "month", "all"),),
    (("lad", "year", "all"),),
)
MAX_SMALL_CELLS = 300
TABLES: tuple[Table, ...] = tuple((level, period, dimension) for level in AGGREGATE_LEVELS
                                  for period in PERIODS for dimension in DIMENSIONS)


class NotPublished(LookupError):
    """The table asked for is not published (too few reports at that level to show safely)."""


@dataclass(frozen=True)
class Cube:
    """Every published count cell with its suppression status, and the tables left out.

    ``cells`` has columns level, area_code, period_kind, period, dimension, group, count
    and status (PUBLISHED, PRIMARY, SECONDARY or WITHHELD); the true count of a suppressed
    cell is kept only while the cube is built.
    """

    cells: pd.DataFrame
    unpublished: frozenset[Table] = frozenset()

    @cached_property
    def tables(self) -> dict[Table, np.ndarray]:
        """The row positions of each published table's cells."""
        keys = [self.cells[c].astype(str) for c in ("level", "period_kind", "dimension")]
        return {tuple(k): v for k, v in self.cells.groupby(keys).indices.items()}


def load_approved(store: Store) -> pd.DataFrame:
    """Approved reports, only the fields aggregates need (never free text or submitter).

    Read through the covering index ``ix_reports_counted`` as Arrow columns
    (:meth:`reports.store.Store.read_arrow`): a million reports arrive in about half a
    second, where building a Python object per value took three times as long. Each
    column comes dictionary-encoded (a pandas categorical), so that counting looks up or
    parses each distinct value once (:mod:`reports.cube`); dates come as the database
    gives them (ISO text on SQLite, dates on PostgreSQL).
    """
    query = select(Report.area_code, Report.incident_date, Report.category,
                   Report.tension_level).where(Report.status == "approved")
    table = store.read_arrow(query)
    if table.num_rows == 0:
        return pd.DataFrame({column: pd.Series([], dtype=object) for column in COUNTED})
    return pd.DataFrame({column: table.column(column).dictionary_encode().to_pandas()
                         for column in COUNTED})


def reports_version(store: Store) -> tuple[int, int]:
    """A cheap fingerprint of the report store that changes whenever an aggregate could:
    (highest report id, highest audit entry id), two look-ups of a primary key, whatever
    the number of reports. Reports are never deleted, and every submission, decision,
    edit and import adds an audit entry, so a cube built for one fingerprint can be
    reused until it changes."""
    with store.read() as session:
        last_report = session.execute(select(func.max(Report.id))).scalar()
        last_audit = session.execute(select(func.max(AuditEntry.id))).scalar()
    return int(last_report or 0), int(last_audit or 0)


def build_cube(reports: pd.DataFrame, directory: AreaDirectory,
               area_sets: Sequence[AreaSet] = ()) -> Cube:
    """Count ``reports`` at every level, period and breakdown, and suppress small counts.

    Parameters
    ----------
    reports
        Columns area_code, incident_date, category, tension_level (one row per report).
    directory
        The known areas; reports in areas it does not know are left out.
    area_sets
        Service areas, counted and audited with the rest (:mod:`reports.area_set_cube`).

    Returns
    -------
    Cube
        The published cells and their status (see :mod:`reports.suppression`).
    """
    from reports.cube import CubeCounter

    counter = CubeCounter(reports, directory)
    unpublished = publication_plan(counter.small_count)
    published = {table: counter.table(table) for table in TABLES if table not in unpublished}
    cells, relations, linked, left_out = add_area_sets(counter, published, unpublished,
                                                       area_sets)
    unpublished |= left_out
    status = suppress(cells["count"].to_numpy(), relations, cells["rest"].to_numpy(),
                      linked=linked)
    shown = (status != REST) & (status != LINKED)
    public = cells.loc[shown, KEY].assign(count=cells["count"].to_numpy()[shown],
                                          status=status[shown])
    return Cube(public.reset_index(drop=True), frozenset(unpublished))


def publication_plan(small: Callable[[Table], int]) -> set[Table]:
    """The tables left out: the fewest steps of :data:`PUBLICATION_STEPS` after which at
    most :data:`MAX_SMALL_CELLS` published counts are 1 to 4 (each one the exact audit has
    to clear). ``small`` counts a table's counts of 1 to 4; tables are counted coarsest
    first and a finer one only while the coarser ones leave room, so that tables too thin
    to publish are never counted."""
    in_steps = {table for step in PUBLICATION_STEPS for table in step}
    remaining = sum(small(table) for table in TABLES if table not in in_steps)
    for position in range(len(PUBLICATION_STEPS) - 1, -1, -1):
        remaining += sum(small(table) for table in PUBLICATION_STEPS[position])
        if remaining > MAX_SMALL_CELLS:
            return {table for step in PUBLICATION_STEPS[:position + 1] for table in step}
    return set()


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

    Raises
    ------
    NotPublished
        When that table is not published (too thin to show without revealing counts).
    """
    from reports.publication import current_cube

    cube = current_cube(store, directory)
    return public_table(cube, directory, level=level, by=by, period=period, areas=areas)


def joined_dataset_counts(store: Store, directory: AreaDirectory) -> pd.DataFrame:
    """Monthly public counts by LSOA, MSOA and district, all reports and by category.

    What the joined dataset (``indicators.joined``) takes: the published tables of
    :func:`public_table` stacked, suppressed exactly as they are published; a table that
    is not published is left out (its level then has no report counts).
    """
    from reports.publication import current_cube

    cube = current_cube(store, directory)
    tables = [public_table(cube, directory, level=level, by=by, period="month")
              for level in ("lsoa", "msoa", "lad") for by in ("all", "category")
              if (level, "month", by) not in cube.unpublished
              and (level, "month", "all") not in cube.unpublished]
    if not tables:
        return pd.DataFrame(columns=PUBLIC_COLUMNS)
    return pd.concat(tables, ignore_index=True)


def public_table(cube: Cube, directory: AreaDirectory, *, level: Level, by: Breakdown,
                 period: Period, areas: list[str] | None = None) -> pd.DataFrame:
    """The published view of one slice of the cube (see :func:`load_report_counts`)."""
    if level not in AGGREGATE_LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of {', '.join(AGGREGATE_LEVELS)}")
    if (level, period, by) in cube.unpublished:
        raise NotPublished(
            f"Tension reports are not published by {level.upper() if len(level) == 4 else level}"
            f", {period} and {by.replace('_', ' ')} at the moment: most counts there are "
            "below 5, and showing them could reveal individual reports. Choose a larger "
            "area or a longer period.")
    rows = cube.tables.get((level, period, by), np.zeros(0, dtype=np.int64))
    chosen = cube.cells.iloc[rows]
    if areas is not None:
        chosen = chosen[chosen["area_code"].astype(str).isin(areas)]
    published = chosen["status"].to_numpy() == PUBLISHED
    count = chosen["count"].astype("Int64").where(published, pd.NA)
    shown = chosen["count"].astype("string").where(
        published, chosen["status"].map(SHOWN).astype("string"))
    codes = chosen["area_code"].astype(str).to_numpy()
    residents = directory.areas["residents"].reindex(codes).to_numpy()
    table = pd.DataFrame({
        "area_code": codes,
        "area_name": directory.areas["area_name"].reindex(codes).to_numpy(),
        "level": level, "period": chosen["period"].astype(str).to_numpy(),
        "group": chosen["group"].astype(str).to_numpy(), "count": count.to_numpy(),
        "shown": shown.to_numpy(), "suppressed": ~published,
        "residents": pd.array(residents, dtype="Int64"),
    })
    table["rate_per_10k"] = (table["count"].astype("Float64")
                             / table["residents"].astype("Float64") * 10_000)
    table = table.sort_values(["area_code", "period", "group"]).reset_index(drop=True)
    return table.astype({"area_code": "string", "area_name": "string", "level": "string",
                         "period": "string", "group": "string"})[PUBLIC_COLUMNS]


def suppression_summary(cube: Cube) -> dict[str, int]:
    """How many published cells were suppressed, by reason (for the methodology page)."""
    status = cube.cells["status"].to_numpy()
    return {"published": int(np.sum(status == PUBLISHED)),
            "primary": int(np.sum(status == PRIMARY)),
            "secondary": int(np.sum((status == SECONDARY) | (status == WITHHELD)))}
