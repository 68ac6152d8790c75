"""Service areas in the audited publication: counts of sets of LSOAs, suppressed together
with every official table.

A service area is a member's own set of LSOAs, so its count can be set against other
counts: two overlapping service areas that differ by one LSOA give that LSOA's count by
subtraction, even where LSOA counts are not published. Its counts therefore join the
cube of :mod:`reports.aggregate` as one more family of tables (level ``service_area``,
by month and by year, all reports only), each cell the sum of its LSOAs' cells, and the
exact audit of :mod:`reports.disclosure` checks them with everything else:

* each service-area cell is a relation (the cell = the sum of its LSOAs' cells), and each
  year the sum of its months;
* the cells of unpublished "all reports" tables (LSOA and MSOA months, say) under the
  published areas a service area touches stay in the audit as LINKED unknowns (0 or more
  to the attacker) with every relation they are part of, and a LINKED count of 1 to 4
  is protected like a "<5" one: hiding a published count beside it, or withholding a
  service-area count as "[c]";
* cells of unpublished tables elsewhere stay out, as before: nothing published ties them
  to anything else.

Overlapping service areas with many small counts tie them into one large integer
programme; to keep publishing quick, service areas are published by month (or by year)
only while at most :data:`MAX_RISKY_CELLS` of those counts are 1 to 4 or hold an LSOA
count of 1 to 4 (:func:`area_set_plan`); otherwise that table is left out, and says so.

Zero cells are absent from the cube, so the attacker is taken to know where counts are
zero: more than it does, which can only make the audit stricter. Reports placed only at
an MSOA or district lie in no LSOA, so no service area counts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack

from reports.areas import AGGREGATE_LEVELS
from reports.service_areas import all_service_areas
from reports.store import Store

AREA_SET_LEVEL = "service_area"
PERIODS = ("month", "year")
COLUMNS = ["area_code", "period", "count", "shown", "suppressed"]
MAX_RISKY_CELLS = 60
Tables = dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class AreaSet:
    """A set of LSOA 2021 codes counted as one area, under its own code."""

    code: str
    lsoas: tuple[str, ...]


def service_area_code(service_area_id: int) -> str:
    """The code a service area's counts go under (and its profile is keyed by)."""
    return f"SA{service_area_id}"


def load_area_sets(store: Store) -> list[AreaSet]:
    """Every service area, retired ones too (their activities keep their pages)."""
    return [AreaSet(service_area_code(area.id), area.lsoa_codes)
            for area in all_service_areas(store)]


def add_area_sets(counter, published: Tables, unpublished: set, area_sets: Sequence[AreaSet]
                  ) -> tuple[pd.DataFrame, csr_matrix, np.ndarray, set]:
    """The cells and relations of the ``published`` tables with the service areas' tables
    and the LINKED cells they need, which cells are LINKED, and the service areas' tables
    left out (:func:`area_set_plan`).

    ``counter`` is the :class:`reports.cube.CubeCounter` the tables are counted by; it
    counts the unpublished ones these need. Without area sets this is exactly
    ``counter.cells_and_relations(published)``.
    """
    left_out = area_set_plan(counter, area_sets)
    kinds = tuple(k for k in PERIODS if (AREA_SET_LEVEL, k, "all") not in left_out)
    linked = _linked_tables(counter, unpublished, area_sets, kinds)
    cells, relations = counter.cells_and_relations({**published, **linked})
    table = (cells["level"].astype(str) + "|" + cells["period_kind"].astype(str) + "|"
             + cells["dimension"].astype(str))
    is_linked = table.isin(["|".join(t) for t in linked]).to_numpy() & ~cells["rest"].to_numpy()
    if not area_sets or not kinds:
        return cells, relations, is_linked, left_out
    extra, rows = _area_set_cells(cells, area_sets, kinds)
    if extra.empty:
        return cells, relations, is_linked, left_out
    n_cells = len(cells)
    relations = vstack([hstack([relations, csr_matrix((relations.shape[0], len(extra)))]),
                        _relation_matrix(rows, n_cells + len(extra))]).tocsr()
    merged = pd.concat([cells.astype({"level": str}), extra], ignore_index=True)
    merged["level"] = pd.Categorical(merged["level"], [*AGGREGATE_LEVELS, AREA_SET_LEVEL])
    for column in ("area_code", "period_kind", "period", "dimension", "group"):
        merged[column] = merged[column].astype(str).astype("category")
    is_linked = np.concatenate([is_linked, np.zeros(len(extra), dtype=bool)])
    return merged, relations, is_linked, left_out


def area_set_plan(counter, area_sets: Sequence[AreaSet]) -> set:
    """The service areas' tables left out: by month, or by year, when more than
    :data:`MAX_RISKY_CELLS` of their counts are 1 to 4 or hold an LSOA count of 1 to 4.

    Each such count ties small hidden counts together in the audit; many of them, in
    service areas that overlap, make one large integer programme that takes too long to
    publish. Leaving a table out hides it completely (nothing else is a sum of it)."""
    if not area_sets:
        return set()
    lsoa = {t: counter.table(t) for t in (("lsoa", k, "all") for k in PERIODS)}
    cells, _ = counter.cells_and_relations(lsoa)
    extra, rows = _area_set_cells(cells, area_sets, PERIODS)
    if extra.empty:
        return set()
    counts = np.r_[cells["count"].to_numpy(), extra["count"].to_numpy()]
    small = (counts >= 1) & (counts <= 4)
    # the first relations are each service-area cell's, in the order of ``extra``
    risky = np.array([small[parent] or small[parts].any() for parent, parts
                      in rows[:len(extra)]])
    kind_of = extra["period_kind"].to_numpy()
    return {(AREA_SET_LEVEL, kind, "all") for kind in PERIODS
            if int(risky[kind_of == kind].sum()) > MAX_RISKY_CELLS}


def _linked_tables(counter, unpublished: set, area_sets: Sequence[AreaSet],
                   kinds: Sequence[str] = PERIODS) -> Tables:
    """Cells of the unpublished "all reports" tables, of the ``kinds`` of period, under
    the published areas (of the finest level published by month and by year) that hold a
    service area's LSOA."""
    if not area_sets or not kinds:
        return {}
    root = next(level for level in AGGREGATE_LEVELS[1:]
                if all((level, kind, "all") not in unpublished for kind in PERIODS))
    index = pd.Index(counter.codes)
    rows = index.get_indexer(sorted({c for s in area_sets for c in s.lsoas}))
    touched = np.unique(counter.position[root][rows[rows >= 0]])
    linked = {}
    for level in AGGREGATE_LEVELS[:AGGREGATE_LEVELS.index(root)]:
        for kind in kinds:
            table = (level, kind, "all")
            if table not in unpublished:
                continue
            keys, counts = counter.table(table)
            area = counter._split(keys)[0]
            ancestor = counter.position[root][area % counter.n]  # rest areas: n·k + row
            keep = np.isin(ancestor, touched)
            linked[table] = (keys[keep], counts[keep])
    return linked


def _area_set_cells(cells: pd.DataFrame, area_sets: Sequence[AreaSet], kinds: Sequence[str]
                    ) -> tuple[pd.DataFrame, list[tuple[int, np.ndarray]]]:
    """The service areas' non-zero cells by the ``kinds`` of period, and their relations
    as (parent, parts) by position (new cells numbered after ``cells``): first each cell
    and its LSOAs' cells, then each year and its months."""
    lsoa = cells[(cells["level"] == "lsoa") & (cells["dimension"] == "all")
                 & ~cells["rest"] & cells["period_kind"].isin(list(kinds))]
    members = pd.DataFrame([(s.code, code) for s in area_sets for code in s.lsoas],
                           columns=["set", "area_code"])
    parts = members.merge(pd.DataFrame({
        "area_code": lsoa["area_code"].astype(str).to_numpy(),
        "period_kind": lsoa["period_kind"].astype(str).to_numpy(),
        "period": lsoa["period"].astype(str).to_numpy(),
        "count": lsoa["count"].to_numpy(), "cell": lsoa.index.to_numpy()}), on="area_code")
    if parts.empty:
        return pd.DataFrame(), []
    grouped = parts.groupby(["set", "period_kind", "period"], sort=True)
    sums = grouped["count"].sum().reset_index()
    sums["position"] = len(cells) + np.arange(len(sums))
    relations = [(int(p), np.asarray(group, dtype=np.int64))
                 for p, group in zip(sums["position"], grouped["cell"].agg(list), strict=True)]
    months = sums[sums["period_kind"] == "month"].assign(year=lambda f: f["period"].str[:4])
    years = sums[sums["period_kind"] == "year"].set_index(["set", "period"])["position"]
    for (code, year), group in months.groupby(["set", "year"]):
        if (code, year) in years.index:
            relations.append((int(years[(code, year)]), group["position"].to_numpy()))
    extra = pd.DataFrame({
        "level": AREA_SET_LEVEL, "area_code": sums["set"], "period_kind": sums["period_kind"],
        "period": sums["period"], "dimension": "all", "group": "all",
        "count": sums["count"].astype(np.int64), "rest": False})
    return extra, relations


def _relation_matrix(rows: list[tuple[int, np.ndarray]], n_cells: int) -> csr_matrix:
    """One row per (parent, parts): +1 for the parent, -1 for each part."""
    row_index = np.concatenate([np.full(1 + len(parts), i) for i, (_, parts) in enumerate(rows)])
    columns = np.concatenate([np.r_[parent, parts] for parent, parts in rows])
    signs = np.concatenate([np.r_[1.0, -np.ones(len(parts))] for _, parts in rows])
    return coo_matrix((signs, (row_index, columns.astype(np.int64))),
                      shape=(len(rows), n_cells)).tocsr()


def area_set_table(cube, code: str, period: str = "month") -> pd.DataFrame:
    """The published counts of one service area by month or year.

    Returns
    -------
    DataFrame
        area_code, period, count (Int64, NA when suppressed), shown (``<5``, ``[c]`` or the
        count) and suppressed; one row per period with a report in any of its LSOAs
        (other periods had none).

    Raises
    ------
    NotPublished
        When service areas' counts by that period are left out (:func:`area_set_plan`).
    """
    from reports.aggregate import SHOWN, NotPublished
    from reports.suppression import PUBLISHED

    if (AREA_SET_LEVEL, period, "all") in cube.unpublished:
        raise NotPublished(
            f"Tension reports of service areas are not published by {period} at the "
            "moment: too many of those counts are small or hold small counts of their "
            "neighbourhoods, and showing them could reveal individual reports. "
            + ("Counts by year may be shown on the service area's profile."
               if period == "month" else ""))

    rows = cube.tables.get((AREA_SET_LEVEL, period, "all"), np.zeros(0, dtype=np.int64))
    chosen = cube.cells.iloc[rows]
    chosen = chosen[chosen["area_code"].astype(str) == code].sort_values("period")
    published = chosen["status"].to_numpy() == PUBLISHED
    count = chosen["count"].astype("Int64").where(published, pd.NA)
    shown = chosen["count"].astype("string").where(
        published, chosen["status"].map(SHOWN).astype("string"))
    return pd.DataFrame({
        "area_code": pd.array([code] * len(chosen), dtype="string"),
        "period": chosen["period"].astype("string").to_numpy(),
        "count": count.to_numpy(), "shown": shown.to_numpy(), "suppressed": ~published,
    }, columns=COLUMNS).reset_index(drop=True)
