"""Suppression cannot be undone: no hidden count follows from the published tables.

The checks here rebuild, from the public tables alone (plus, conservatively, knowledge of
which reports were placed only at a coarser level), every additive relation a reader
could use: areas and their parts, all reports and their categories or tension levels,
years and their months. They then look for a hidden count that one relation, or any
combination of relations, pins down.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.aggregate import build_cube, public_table
from reports.suppression import suppress
from reports.taxonomy import CATEGORY_IDS, TENSION_LEVEL_IDS
from tests.fixtures.reports.helpers import tiny_directory

DIRECTORY = tiny_directory()
LEVELS = ("lsoa", "msoa", "lad", "region", "country")
DIMENSIONS = {"category": CATEGORY_IDS, "tension_level": TENSION_LEVEL_IDS}
REPORT_AREAS = sorted(DIRECTORY.areas.index[DIRECTORY.areas["level"].isin(["lsoa", "msoa",
                                                                           "lad"])])
RESTS: dict[tuple, int] = {}
MONTHS = ["2024-11-05", "2024-12-01", "2025-01-20", "2025-02-11"]

reports_strategy = st.lists(
    st.tuples(st.sampled_from(REPORT_AREAS[:6] + ["E02000003", "E09000002", "E01016003"]),
              st.sampled_from(MONTHS), st.sampled_from(CATEGORY_IDS[:3]),
              st.sampled_from(TENSION_LEVEL_IDS)),
    min_size=1, max_size=40,
).map(lambda rows: pd.DataFrame(rows, columns=["area_code", "incident_date", "category",
                                               "tension_level"]))


def published_cells(cube) -> dict[tuple, str]:
    """Every published cell: (level, area, period, dimension, group) -> shown text."""
    cells = {}
    for level, by, period in itertools.product(LEVELS, ("category", "tension_level", "all"),
                                               ("month", "year")):
        table = public_table(cube, DIRECTORY, level=level, by=by, period=period)
        for row in table.itertuples(index=False):
            cells[(level, row.area_code, row.period, by, row.group)] = row.shown
    return cells


def parent_of(code: str, level: str) -> str:
    column = {"lsoa": "msoa_code", "msoa": "lad_code", "lad": "region_code",
              "region": "country_code"}[level]
    return DIRECTORY.areas.at[code, column]


def coarser_counts(reports: pd.DataFrame) -> dict[tuple, int]:
    """Reports in a parent area with no area at the child level (known to the attacker)."""
    out: dict[tuple, int] = {}
    areas = DIRECTORY.areas
    for row in reports.itertuples(index=False):
        own_level = areas.at[row.area_code, "level"]
        day = row.incident_date
        for child, parent in (("lsoa", "msoa"), ("msoa", "lad")):
            if LEVELS.index(own_level) <= LEVELS.index(child):
                continue
            if LEVELS.index(own_level) > LEVELS.index(parent):
                continue
            upper = areas.at[row.area_code, f"{parent}_code"]
            for period in (day[:7], day[:4]):
                for dim, group in (("category", row.category),
                                   ("tension_level", row.tension_level), ("all", "all")):
                    key = (child, upper, period, dim, group)
                    out[key] = out.get(key, 0) + 1
    return out


def equations(cells: dict[tuple, str], rests: dict[tuple, int]):
    """Each relation as {cell key: sign} with the rest-of-area unknown where it is not 0."""
    periods = {key[2] for key in cells}
    areas = DIRECTORY.areas
    for level, area in zip(areas["level"], areas.index, strict=True):
        for period in periods:
            for dim, groups in DIMENSIONS.items():
                yield {(level, area, period, "all", "all"): 1,
                       **{(level, area, period, dim, g): -1 for g in groups}}
    for dim, groups in (*DIMENSIONS.items(), ("all", ("all",))):
        for group, period in itertools.product(groups, periods):
            for position, child in enumerate(LEVELS[:-1]):
                upper = LEVELS[position + 1]
                for parent in areas.index[areas["level"] == upper]:
                    kids = areas.index[(areas["level"] == child)
                                       & (areas[f"{upper}_code"] == parent)]
                    eq = {(upper, parent, period, dim, group): 1,
                          **{(child, kid, period, dim, group): -1 for kid in kids}}
                    if rests.get((child, parent, period, dim, group), 0):
                        eq[("rest", child, parent, period, dim, group)] = -1
                    yield eq
            for level, area in zip(areas["level"], areas.index, strict=True):
                if len(period) == 4:
                    months = [p for p in periods if len(p) == 7 and p.startswith(period)]
                    yield {(level, area, period, dim, group): 1,
                           **{(level, area, m, dim, group): -1 for m in months}}


def value(cells, key) -> int | None:
    if key[0] == "rest":
        return None
    shown = cells.get(key, "0")
    return int(shown) if shown.isdigit() else None


def small_hidden(cells, key) -> bool:
    """A "<5" cell, or an unpublished rest of 1 to 4: what must never be pinned."""
    if key[0] == "rest":
        return 1 <= RESTS.get(key[1:], 0) <= 4
    return cells.get(key) == "<5"


def bounds(cells, key) -> tuple[float, float]:
    if key[0] == "rest":
        return (1, np.inf)
    return (1, 4) if cells[key] == "<5" else (5, np.inf)


def pinned_by_one_relation(cells, eq) -> list[tuple]:
    """Hidden cells that a published non-zero count of the relation, minus the others, pins.

    Relations whose members are all hidden or zero are not differencing and are left out:
    see the limitation in reports.suppression.
    """
    if not any(value(cells, k) for k in eq):
        return []
    unknown = [k for k in eq if value(cells, k) is None]
    small = [k for k in unknown if small_hidden(cells, k)]
    constant = -sum(sign * value(cells, k) for k, sign in eq.items() if k not in unknown)
    pinned = []
    for key in small:
        others = [(eq[k], bounds(cells, k)) for k in unknown if k != key]
        low = sum(min(s * b[0], s * b[1]) for s, b in others)
        high = sum(max(s * b[0], s * b[1]) for s, b in others)
        lo, hi = ((constant - high, constant - low) if eq[key] == 1
                  else (low - constant, high - constant))
        own = bounds(cells, key)
        if max(lo, own[0]) == min(hi, own[1]):
            pinned.append(key)
    return pinned


def pinned_by_all_relations(cells, eqs) -> list[tuple]:
    unknown = sorted({k for eq in eqs for k in eq if value(cells, k) is None}, key=str)
    if not unknown:
        return []
    column = {k: i for i, k in enumerate(unknown)}
    matrix = np.zeros((len(eqs), len(unknown)))
    for row, eq in enumerate(eqs):
        for key, sign in eq.items():
            if key in column:
                matrix[row, column[key]] = sign
    _, singular, vt = np.linalg.svd(matrix)
    null = vt[int((singular > 1e-9).sum()):].T
    return [k for k in unknown
            if small_hidden(cells, k) and np.linalg.norm(null[column[k]]) < 1e-9]


def check_cannot_be_recovered(reports: pd.DataFrame) -> dict[tuple, str]:
    cube = build_cube(reports, DIRECTORY)
    cells = published_cells(cube)
    RESTS.clear()
    RESTS.update(coarser_counts(reports))
    eqs = list(equations(cells, RESTS))
    for eq in eqs:
        assert not pinned_by_one_relation(cells, eq), eq
    assert pinned_by_all_relations(cells, eqs) == []
    return cells


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports=reports_strategy)
def test_no_suppressed_cell_can_be_recovered_from_published_totals(reports):
    cells = check_cannot_be_recovered(reports)
    truth = build_cube(reports, DIRECTORY).cells
    small = truth[(truth["count"].between(1, 4)) & ~truth["hidden"]]
    # every true count of 1-4 is shown as "<5"
    for row in small.itertuples(index=False):
        assert cells[(row.level, row.area_code, row.period, row.dimension, row.group)] == "<5"


def test_classic_differencing_case_is_protected():
    # Thamesbury: 7 reports in one LSOA and 3 in another; the district total would reveal
    # the 3 unless a second cell is hidden too.
    reports = pd.DataFrame(
        [("E01000001", "2025-01-20", "rumour", "low")] * 7
        + [("E01000002", "2025-01-20", "rumour", "low")] * 3,
        columns=["area_code", "incident_date", "category", "tension_level"])
    cells = check_cannot_be_recovered(reports)
    assert cells[("lsoa", "E01000002", "2025-01", "all", "all")] == "<5"
    assert cells[("lsoa", "E01000001", "2025-01", "all", "all")] == "[c]"


@pytest.mark.parametrize(("values", "relations", "expected"), [
    ([10, 7, 3], [(0, [1, 2])], [0, 2, 1]),
    ([8, 4, 4], [(0, [1, 2])], [2, 1, 1]),      # 4 + 4 = 8 would pin both
    ([6, 6, 0], [(0, [1, 2])], [0, 0, 0]),
    ([2, 1, 1], [(0, [1, 2])], [1, 1, 1]),
])
def test_suppress_small_relations(values, relations, expected):
    status = suppress(np.array(values), relations, np.zeros(len(values), dtype=bool))
    assert status.tolist() == expected
