"""The exact disclosure audit: what an attacker can work out from every published cell at once.

The published cells of every table (all levels, periods and breakdowns) are linked by
additive relations, one row of a sparse matrix each: ``+1`` for a parent cell, ``-1`` for
each of its parts. The attacker knows every published count, that a "<5" cell holds 1 to
4, that a "[c]" cell chosen to protect another holds 5 or more (one withheld instead
of published as "<5" holds at least 1), and that every count is a whole number; to be on
the safe side it is also taken to know where reports were placed only at a coarser level
in the published tables (such a *rest* count is then 1 or more). A hidden cell is
*pinned* when those facts leave it a single possible value.

:func:`pinned_cells` decides that exactly, as statistical offices' audit tools do, by
integer programming (HiGHS through :func:`scipy.optimize.milp`) on each connected group
of hidden cells: a hidden cell is safe when some other whole-number completion of every
published table gives it another value; the true counts are one completion, and every
completion the solver finds clears every cell it moves. :func:`pinned_by_one_relation`
is the quick, vectorised first pass: cells that a single relation and the others'
ranges already pin (always also pinned for the full audit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import bmat, csr_matrix
from scipy.sparse.csgraph import connected_components

# The statuses of a cell. UNPUBLISHED cells belong to tables that are not published at
# all (and never to a relation with a published cell); REST cells count the reports
# placed only at a coarser level: never published, 1 or more to the attacker. LINKED
# cells belong to unpublished tables that a published sum of them (a service area's
# count, reports.area_set_cube) ties to the rest: 0 or more to the attacker, kept in
# the audit, and protected when they hold 1 to 4.
PUBLISHED, PRIMARY, SECONDARY, WITHHELD, REST, UNPUBLISHED, LINKED = 0, 1, 2, 3, 4, 5, 6
SMALL = (1, 4)
SENSITIVE = (PRIMARY, SECONDARY, WITHHELD)


def sensitive_cells(values: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Which cells must not be pinned: every suppressed one, and linked ones of 1 to 4."""
    values = np.asarray(values)
    return np.isin(status, SENSITIVE) | ((status == LINKED) & (values >= SMALL[0])
                                         & (values <= SMALL[1]))


@dataclass(frozen=True)
class System:
    """The attacker's equations: ``matrix @ x == rhs`` over the ``unknown`` cells."""

    unknown: np.ndarray  # cell positions, one per column
    matrix: csr_matrix
    rhs: np.ndarray
    low: np.ndarray
    high: np.ndarray
    truth: np.ndarray


def attacker_bounds(values: np.ndarray, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the attacker knows of each cell: its lowest and highest possible count."""
    values = np.asarray(values, dtype=float)
    low, high = values.copy(), values.copy()
    for state, (lo, hi) in {PRIMARY: SMALL, SECONDARY: (SMALL[1] + 1, np.inf),
                            WITHHELD: (1, np.inf), REST: (1, np.inf),
                            UNPUBLISHED: (0, np.inf), LINKED: (0, np.inf)}.items():
        chosen = status == state
        low[chosen], high[chosen] = lo, hi
    return low, high


def hidden_cells(status: np.ndarray) -> np.ndarray:
    """The cells the attacker does not know: suppressed ones and rest counts."""
    return (status != PUBLISHED) & (status != UNPUBLISHED)


def attacker_system(values: np.ndarray, status: np.ndarray, relations: csr_matrix) -> System:
    """The relations an attacker can use, reduced to the hidden cells.

    A relation with a cell of an unpublished table tells the attacker nothing (such
    tables are only ever finer than published ones, so their cells are free parts) and is
    left out; published cells move to the right-hand side.
    """
    values = np.asarray(values, dtype=np.int64)
    relations = csr_matrix(relations)
    rows = relations[~touches_unpublished(relations, status)]
    hidden = hidden_cells(status)
    unknown = np.flatnonzero(hidden)
    known = np.where(hidden | (status == UNPUBLISHED), 0, values)
    rhs = -(rows @ known)
    matrix = rows[:, unknown].tocsr()
    keep = np.asarray(matrix.getnnz(axis=1)).ravel() > 0
    low, high = _ranges(values, status)
    return System(unknown, matrix[keep], rhs[keep], low[unknown], high[unknown],
                  values[unknown].astype(float))


def pinned_by_one_relation(values: np.ndarray, status: np.ndarray,
                           relations: csr_matrix) -> np.ndarray:
    """Hidden cells that one relation alone, with every other cell's range, pins.

    Worked over every cell at once (a known cell's range is its count), so that the
    suppression loop does not reduce the system to the hidden cells on every round.
    """
    low, high = _ranges(values, status)
    relations = csr_matrix(relations)
    usable = ~touches_unpublished(relations, status)
    matrix = relations.tocoo()
    keep = usable[matrix.row]
    row, col, sign = matrix.row[keep], matrix.col[keep], matrix.data[keep]
    if len(row) == 0:
        return np.zeros(0, dtype=np.int64)
    n_rows = relations.shape[0]
    lo_term = np.where(sign > 0, sign * low[col], sign * high[col])
    hi_term = np.where(sign > 0, sign * high[col], sign * low[col])
    # Sums of the finite terms and counts of the infinite ones, per relation; each cell
    # then takes its own term out.
    lo_inf, hi_inf = np.isinf(lo_term), np.isinf(hi_term)
    lo_sum = np.bincount(row, np.where(lo_inf, 0, lo_term), n_rows)
    hi_sum = np.bincount(row, np.where(hi_inf, 0, hi_term), n_rows)
    lo_count = np.bincount(row, lo_inf, n_rows)[row] - lo_inf
    hi_count = np.bincount(row, hi_inf, n_rows)[row] - hi_inf
    others_lo = np.where(lo_count > 0, -np.inf,
                         lo_sum[row] - np.where(lo_inf, 0, lo_term))
    others_hi = np.where(hi_count > 0, np.inf,
                         hi_sum[row] - np.where(hi_inf, 0, hi_term))
    with np.errstate(invalid="ignore"):
        # sign * x + others == 0
        cell_low = np.where(sign > 0, -others_hi, others_lo)
        cell_high = np.where(sign > 0, -others_lo, others_hi)
    truth = np.asarray(values, dtype=float)[col]
    cell_low = np.maximum(cell_low, low[col])
    cell_high = np.minimum(cell_high, high[col])
    pinned = (cell_low > truth - 1 + 1e-9) & (cell_high < truth + 1 - 1e-9)
    return np.unique(col[pinned & hidden_cells(status)[col]])


def _ranges(values: np.ndarray, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`attacker_bounds` under a generous ceiling (four times the largest count,
    plus 20): true, so it can only help the attacker, and it keeps every integer
    programme bounded."""
    low, high = attacker_bounds(values, status)
    return low, np.minimum(high, 4.0 * np.max(values, initial=0) + 20)


def touches_unpublished(relations: csr_matrix, status: np.ndarray) -> np.ndarray:
    """The relations with a cell of an unpublished table (they tell the attacker nothing)."""
    return (abs(relations) @ (status == UNPUBLISHED).astype(float)) > 0


def pinned_cells(values: np.ndarray, status: np.ndarray, relations: csr_matrix) -> np.ndarray:
    """The "<5" and "[c]" cells whose count the published tables pin down exactly.

    When one relation alone already pins some, only those are returned (the quick pass:
    protecting them changes the rest); otherwise every pinned cell.

    Returns
    -------
    numpy.ndarray
        Cell positions, sorted; empty when every such cell keeps at least two possible
        whole-number values.
    """
    quick = pinned_by_one_relation(values, status, relations)
    # a rest count, or a linked one of 5 or more, may be pinned: only the others matter
    quick = quick[sensitive_cells(values, status)[quick]]
    if len(quick):
        return quick
    system = attacker_system(values, status, relations)
    if len(system.unknown) == 0:
        return np.zeros(0, dtype=np.int64)
    sensitive = sensitive_cells(values, status)[system.unknown]
    pinned = []
    for columns, rows in _components(system.matrix):
        wanted = columns[sensitive[columns]]
        if len(wanted):
            pinned.extend(_pinned_in_component(system, columns, rows, wanted))
    return np.sort(system.unknown[np.asarray(pinned, dtype=np.int64)])


def _components(matrix: csr_matrix) -> list[tuple[np.ndarray, np.ndarray]]:
    """(columns, rows) of each group of hidden cells linked through relations."""
    n_rows, n_cols = matrix.shape
    link = abs(matrix).astype(bool).astype(np.int8)
    graph = bmat([[None, link], [link.T, None]], format="csr")
    _, label = connected_components(graph, directed=False)
    row_label, col_label = label[:n_rows], label[n_rows:]
    order_c, order_r = np.argsort(col_label, kind="stable"), np.argsort(row_label, kind="stable")
    groups = []
    col_bounds = np.searchsorted(col_label[order_c], np.unique(col_label))
    for i, start in enumerate(col_bounds):
        end = col_bounds[i + 1] if i + 1 < len(col_bounds) else n_cols
        columns = order_c[start:end]
        key = col_label[columns[0]]
        rows = order_r[np.searchsorted(row_label[order_r], key, "left"):
                       np.searchsorted(row_label[order_r], key, "right")]
        groups.append((columns, rows))
    return groups


def _pinned_in_component(system: System, columns: np.ndarray, rows: np.ndarray,
                         wanted: np.ndarray) -> list[int]:
    """The ``wanted`` columns that no whole-number completion moves off their true value."""
    position = {int(c): i for i, c in enumerate(columns)}
    matrix = system.matrix[rows][:, columns]
    rhs = system.rhs[rows]
    low, high, truth = system.low[columns], system.high[columns], system.truth[columns]
    open_ = {position[int(c)] for c in wanted}
    up = truth < high  # the direction each cell can move from its true value

    def solve(cost: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> bool:
        result = milp(cost, integrality=np.ones(len(columns)), bounds=Bounds(lo, hi),
                      constraints=LinearConstraint(matrix, rhs, rhs) if len(rows) else (),
                      options={"presolve": True})
        if result.x is None:
            return False
        moved = np.flatnonzero(np.abs(np.round(result.x) - truth) > 0.5)
        open_.difference_update(moved.tolist())
        return len(moved) > 0

    for direction in (1, -1):  # push every open cell away from its value at once
        if not open_:
            break
        cost = np.zeros(len(columns))
        chosen = np.fromiter(open_, dtype=np.int64)
        cost[chosen] = np.where(up[chosen], -direction, direction)
        solve(cost, low, high)
    pinned = []
    for cell in sorted(open_.copy()):
        if cell not in open_:
            continue
        moved = False
        for above in (True, False):
            lo, hi = low.copy(), high.copy()
            if above and truth[cell] + 1 <= high[cell]:
                lo[cell] = truth[cell] + 1
            elif not above and truth[cell] - 1 >= low[cell]:
                hi[cell] = truth[cell] - 1
            else:
                continue
            if solve(np.zeros(len(columns)), lo, hi):
                moved = True
                break
        if not moved:
            pinned.append(int(columns[cell]))
            open_.discard(cell)
    return pinned
