"""An attacker with an integer-programming solver, written apart from reports.disclosure.

It sees only the public tables (:func:`reports.aggregate.public_table` of every level,
breakdown and period) and the area hierarchy, and, to be on the safe side, where reports
were placed only at a coarser level in the tables that are published (in a table not
published such a count is 0 or more, like every other cell of it). It writes every
additive relation a reader could use (areas and their parts, all reports and their
categories or tension levels, years and their months) over every cell, bounds each cell
by what its label says ("<5": 1 to 4; "[c]": 5 or more, or 1 or more for a small count
withheld; a table not published: 0 or more; absent: 0; none above four times the
largest count plus 20), and asks HiGHS for the smallest and largest whole-number value
of every suppressed cell.

At national scale (tens of thousands of areas) writing every relation of every table is
out of reach; ``published_only`` then writes only the relations among published tables
(every relation touching a table left out is dropped). That attacker is weaker: it
checks the suppression of the published tables against each other, and relies on the
full attacker, run on the random stores, for the claim that a table left out is only
ever a set of parts of published totals.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from reports.aggregate import NotPublished, build_cube, public_table
from reports.area_set_cube import AREA_SET_LEVEL as SET
from reports.area_set_cube import AreaSet, area_set_table
from reports.areas import AGGREGATE_LEVELS, AreaDirectory

DIMENSIONS = ("all", "category", "tension_level")


def _rest_keys(reports: pd.DataFrame, directory: AreaDirectory) -> set[tuple]:
    """(child level, parent code, period, dimension, group) of reports placed coarser."""
    keys = set()
    areas = directory.areas
    for row in reports.itertuples(index=False):
        own = areas.at[row.area_code, "level"]
        day = str(row.incident_date)
        for child, parent in (("lsoa", "msoa"), ("msoa", "lad")):
            if own != parent:
                continue
            for period in (day[:7], day[:4]):
                for dim, group in (("all", "all"), ("category", row.category),
                                   ("tension_level", row.tension_level)):
                    keys.add((child, row.area_code, period, dim, group))
    return keys


def pinned_cells(reports: pd.DataFrame, directory: AreaDirectory,
                 area_sets: Sequence[AreaSet] = (), *,
                 published_only: bool = False) -> list[tuple]:
    """Every published "<5" or "[c]" cell whose whole-number range is a single value, and,
    with ``area_sets`` (service areas, each published cell the sum of its LSOAs' cells),
    every cell of 1 to 4 of an unpublished "all reports" table whose range is."""
    cube = build_cube(reports, directory, area_sets)
    truth = _truth(reports, directory)
    truth.update(_set_truth(truth, area_sets))
    months = sorted({str(d)[:7] for d in reports["incident_date"]})
    years = sorted({m[:4] for m in months})
    groups = {"all": ["all"], "category": sorted(set(reports["category"])),
              "tension_level": sorted(set(reports["tension_level"]))}
    areas = directory.areas
    label: dict[tuple, str] = {}
    free_tables = set()
    for level, dim, kind in itertools.product(AGGREGATE_LEVELS, DIMENSIONS, ("month", "year")):
        try:
            table = public_table(cube, directory, level=level, by=dim, period=kind)
        except NotPublished:
            free_tables.add((level, kind, dim))
            continue
        for row in table.itertuples(index=False):
            label[(level, row.area_code, row.period, dim, row.group)] = row.shown
    for area_set, kind in itertools.product(area_sets, ("month", "year")):
        try:
            table = area_set_table(cube, area_set.code, kind)
        except NotPublished:
            free_tables.add((SET, kind, "all"))
            continue
        for row in table.itertuples(index=False):
            label[(SET, area_set.code, row.period, "all", "all")] = row.shown
    rests = _rest_keys(reports, directory)
    if published_only:
        rests = {rest for rest in rests
                 if (rest[0], "month" if len(rest[2]) == 7 else "year", rest[3])
                 not in free_tables}
    variables: dict[tuple, int] = {}
    low, high, value = [], [], []

    def term(key: tuple) -> tuple[bool, int]:
        """(True, column) for an unknown cell, (False, count) for a known one."""
        shown = None
        if key[0] != "rest":
            level, _, period, dim, _ = key
            kind = "month" if len(period) == 7 else "year"
            shown = label.get(key)
            if shown is None and (level, kind, dim) not in free_tables:
                return False, 0
            if shown is not None and shown.isdigit():
                return False, int(shown)
        if key not in variables:
            variables[key] = len(variables)
            true = truth.get(key[1:] if key[0] == "rest" else key, 0)
            if key[0] == "rest":
                kind = "month" if len(key[3]) == 7 else "year"
                bounds = (0 if (key[1], kind, key[4]) in free_tables else 1, np.inf)
            elif shown is None:
                bounds = (0, np.inf)
            elif shown == "<5":
                bounds = (1, 4)
            else:
                bounds = (5, np.inf) if true >= 5 else (1, np.inf)
            low.append(bounds[0])
            high.append(bounds[1])
            value.append(true)
        return True, variables[key]

    def written(*tables: tuple[str, str, str]) -> bool:
        return not published_only or not free_tables.intersection(tables)

    equations: list[list[tuple[int, tuple]]] = []
    periods = months + years
    level_of = dict(zip(areas.index.astype(str), areas["level"].astype(str), strict=True))
    codes_of = {level: [code for code, own in level_of.items() if own == level]
                for level in AGGREGATE_LEVELS}
    family: dict[tuple[str, str], dict[str, list[str]]] = {}
    for position, child in enumerate(AGGREGATE_LEVELS[:-1]):
        upper = AGGREGATE_LEVELS[position + 1]
        kids_of: dict[str, list[str]] = {parent: [] for parent in codes_of[upper]}
        for code, column in zip(areas.index.astype(str), areas[f"{upper}_code"], strict=True):
            if level_of[code] == child:
                kids_of[str(column)].append(code)
        family[(child, upper)] = kids_of
    for dim, group_list in groups.items():
        for group, period in itertools.product(group_list, periods):
            kind = "month" if len(period) == 7 else "year"
            for (child, upper), kids_of in family.items():
                if not written((child, kind, dim), (upper, kind, dim)):
                    continue
                for parent, kids in kids_of.items():
                    eq = [(1, (upper, parent, period, dim, group))]
                    eq += [(-1, (child, kid, period, dim, group)) for kid in kids]
                    if (child, parent, period, dim, group) in rests:
                        eq.append((-1, ("rest", child, parent, period, dim, group)))
                    equations.append(eq)
            for level, codes in codes_of.items():
                if kind == "month" or not written((level, "year", dim), (level, "month", dim)):
                    continue
                for area in codes:
                    eq = [(1, (level, area, period, dim, group))]
                    eq += [(-1, (level, area, m, dim, group)) for m in months
                           if m.startswith(period)]
                    equations.append(eq)
    for level, codes in codes_of.items():
        for period, dim in itertools.product(periods, ("category", "tension_level")):
            kind = "month" if len(period) == 7 else "year"
            if not written((level, kind, "all"), (level, kind, dim)):
                continue
            for area in codes:
                eq = [(1, (level, area, period, "all", "all"))]
                eq += [(-1, (level, area, period, dim, g)) for g in groups[dim]]
                equations.append(eq)
    for rest in rests:
        child, parent, period, dim, group = rest
        if len(period) == 4:
            eq = [(1, ("rest", *rest))]
            eq += [(-1, ("rest", child, parent, m, dim, group)) for m in months
                   if m.startswith(period) and (child, parent, m, dim, group) in rests]
            equations.append(eq)
        if dim != "all":
            continue
        for other in ("category", "tension_level"):
            eq = [(1, ("rest", child, parent, period, "all", "all"))]
            eq += [(-1, ("rest", child, parent, period, other, g)) for g in groups[other]
                   if (child, parent, period, other, g) in rests]
            equations.append(eq)
    for area_set, period in itertools.product(area_sets, periods):
        equations.append([(1, (SET, area_set.code, period, "all", "all"))]
                         + [(-1, ("lsoa", code, period, "all", "all"))
                            for code in area_set.lsoas])
        if len(period) == 4:
            equations.append([(1, (SET, area_set.code, period, "all", "all"))]
                             + [(-1, (SET, area_set.code, m, "all", "all")) for m in months
                                if m.startswith(period)])
    watched = set(label)
    if area_sets:
        watched |= {key for key, count in truth.items() if 1 <= count <= 4
                    and key[3] == "all" and key[0] != SET
                    and (key[0], "month" if len(key[2]) == 7 else "year", "all") in free_tables}
    return _solve(equations, term, variables, low, high, value, watched)


def _set_truth(truth: dict[tuple, int], area_sets: Sequence[AreaSet]) -> dict[tuple, int]:
    """The true count of every service-area cell: the sum of its LSOAs' cells."""
    sums: dict[tuple, int] = {}
    for area_set in area_sets:
        members = set(area_set.lsoas)
        for (level, code, period, dim, _), count in truth.items():
            if level == "lsoa" and dim == "all" and code in members:
                key = (SET, area_set.code, period, "all", "all")
                sums[key] = sums.get(key, 0) + count
    return sums


def _truth(reports: pd.DataFrame, directory: AreaDirectory) -> dict[tuple, int]:
    """The true count of every cell (for the bounds a "[c]" implies, and the start point);
    a rest count is keyed (finer level, code of the coarser area, ...)."""
    truth: dict[tuple, int] = {}
    areas = directory.areas
    for row in reports.itertuples(index=False):
        day = str(row.incident_date)
        own = areas.at[row.area_code, "level"]
        for level in AGGREGATE_LEVELS:
            code = areas.at[row.area_code, f"{level}_code"]
            if pd.isna(code):
                if (level, own) not in (("lsoa", "msoa"), ("msoa", "lad")):
                    continue
                code = row.area_code
            for period in (day[:7], day[:4]):
                for dim, group in (("all", "all"), ("category", row.category),
                                   ("tension_level", row.tension_level)):
                    key = (level, code, period, dim, group)
                    truth[key] = truth.get(key, 0) + 1
    return truth


def _solve(equations, term, variables, low, high, value, watched) -> list[tuple]:
    rows, cols, data, rhs = [], [], [], []
    for eq in equations:
        constant, terms = 0, []
        for sign, key in eq:
            unknown, number = term(key)
            if unknown:
                terms.append((sign, number))
            else:
                constant += sign * number
        if not terms:
            assert constant == 0, eq
            continue
        for sign, column in terms:
            rows.append(len(rhs))
            cols.append(column)
            data.append(sign)
        rhs.append(-constant)
    n = len(variables)
    if n == 0:
        return []
    matrix = coo_matrix((data, (rows, cols)), shape=(len(rhs), n)).tocsr()
    # A generous ceiling: a true fact, which can only help the attacker.
    high = np.minimum(np.array(high, dtype=float), 4 * max(value) + 20)
    constraint = LinearConstraint(matrix, rhs, rhs)
    truth = np.array(value, dtype=float)
    seen = [{v} for v in truth]
    keys = list(variables)
    pinned = []
    candidates = [c for k, c in variables.items() if k[0] != "rest" and k in watched]
    rng = np.random.default_rng(0)
    for _ in range(4):  # a few solves pushing every cell at once clear most of them
        cost = np.zeros(n)
        cost[candidates] = rng.choice([-1.0, 1.0], len(candidates))
        result = milp(cost, integrality=np.ones(n), bounds=Bounds(low, high),
                      constraints=constraint)
        assert result.x is not None, "the true counts must be a solution"
        for i, x in enumerate(np.round(result.x)):
            seen[i].add(x)
    for key, column in variables.items():
        if key[0] == "rest" or key not in watched or len(seen[column]) > 1:
            continue
        for sign in (-1, 1):
            cost = np.zeros(n)
            cost[column] = sign
            result = milp(cost, integrality=np.ones(n), bounds=Bounds(low, high),
                          constraints=constraint)
            assert result.x is not None, "the true counts must be a solution"
            for i, x in enumerate(np.round(result.x)):
                seen[i].add(x)
            if len(seen[column]) > 1:
                break
        if len(seen[column]) == 1:
            pinned.append(keys[column])
    return pinned
