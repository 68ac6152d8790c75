"""Small-count suppression of a table of counts linked by additive relations.

A *relation* says that a parent cell equals the sum of its child cells (a district and
its neighbourhoods; all reports and the reports of each category; a year and its months).
Primary suppression hides every count from 1 to 4. Secondary suppression then hides more
cells until no small count can be worked out from the published ones: no relation
leaves a small count as its only hidden cell, the hidden cells' known ranges (1–4 for a
primary cell, 5 or more for a secondary one) do not pin a small count down, and no
small count is fixed by any combination of relations (checked with linear algebra on
each connected group of hidden cells). Cells that are never published (reports placed
only at a coarser level) take part in the relations as unknowns and are protected like
small counts when they are 1–4.

Limitation: when every member of a relation is hidden, the ranges alone can still pin
cells (four tension levels each "<5" under an area total "<5" are each 1). No published
total is involved, and hiding more cells cannot help, so this is accepted.

The public does know the ranges: "<5" means 1 to 4 (zeros are shown as 0), and a
secondary cell, being a non-zero count that was not small, is at least 5.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

PUBLISHED, PRIMARY, SECONDARY, HIDDEN = 0, 1, 2, 3
SMALL = (1, 4)
MAX_AUDIT_CELLS = 2500

Relation = tuple[int, Sequence[int]]


def suppress(values: np.ndarray, relations: list[Relation], hidden: np.ndarray) -> np.ndarray:
    """The suppression status of every cell.

    Parameters
    ----------
    values
        Non-negative counts, one per cell.
    relations
        ``(parent, children)`` cell positions with ``values[parent] == sum(values[children])``.
    hidden
        Cells never published (e.g. reports placed only at a coarser level) that still
        belong to relations: unknown to the public, at least 1.

    Returns
    -------
    numpy.ndarray
        One of PUBLISHED, PRIMARY, SECONDARY, HIDDEN per cell.
    """
    values = np.asarray(values, dtype=np.int64)
    status = np.full(len(values), PUBLISHED, dtype=np.int8)
    status[(values >= SMALL[0]) & (values <= SMALL[1])] = PRIMARY
    status[np.asarray(hidden, dtype=bool)] = HIDDEN
    member_of: list[list[int]] = [[] for _ in values]
    for index, (parent, children) in enumerate(relations):
        for cell in (parent, *children):
            member_of[cell].append(index)
    pending = deque(range(len(relations)))
    while True:
        _settle_relations(values, status, relations, member_of, pending)
        fixed = [cell for cell in _linearly_fixed(status, relations)
                 if _sensitive(values, status, cell)]
        added = [_protect(values, status, relations, member_of, cell) for cell in fixed]
        if not any(cell is not None for cell in added):
            return status
        for cell in added:
            if cell is not None:
                pending.extend(member_of[cell])


def _settle_relations(values, status, relations, member_of, pending: deque) -> None:
    queued = set(pending)
    while pending:
        index = pending.popleft()
        queued.discard(index)
        parent, children = relations[index]
        if not relation_exposed(values, status, parent, children):
            continue
        cell = _candidate(values, status, parent, children)
        if cell is None:
            continue
        status[cell] = SECONDARY
        for other in (*member_of[cell], index):
            if other not in queued:
                pending.append(other)
                queued.add(other)


def relation_exposed(values, status, parent: int, children: Sequence[int]) -> bool:
    """True when a small hidden count of this relation can be worked out from it alone."""
    members = [parent, *children]
    unknown = [cell for cell in members if status[cell] != PUBLISHED]
    if not any(_sensitive(values, status, cell) for cell in unknown):
        return False
    if len(unknown) == 1:
        return True
    sign = {cell: (1 if cell == parent else -1) for cell in members}
    # sum(sign * x) over unknowns equals the constant below.
    constant = -sum(sign[c] * int(values[c]) for c in members if status[c] == PUBLISHED)
    low = {c: _bounds(status[c])[0] for c in unknown}
    high = {c: _bounds(status[c])[1] for c in unknown}
    for cell in (c for c in unknown if _sensitive(values, status, c)):
        rest_low = sum(min(sign[c] * low[c], sign[c] * high[c]) for c in unknown if c != cell)
        rest_high = sum(max(sign[c] * low[c], sign[c] * high[c]) for c in unknown if c != cell)
        if sign[cell] == 1:
            lo, hi = constant - rest_high, constant - rest_low
        else:
            lo, hi = rest_low - constant, rest_high - constant
        if max(lo, low[cell]) == min(hi, high[cell]):
            return True
    return False


def _sensitive(values, status, cell: int) -> bool:
    """Small counts must stay hidden; a larger secondary or unpublished count may be known."""
    return status[cell] == PRIMARY or (status[cell] == HIDDEN and values[cell] <= SMALL[1])


def _bounds(state: int) -> tuple[float, float]:
    if state == PRIMARY:
        return (SMALL[0], SMALL[1])
    if state == SECONDARY:
        return (SMALL[1] + 1, np.inf)
    return (1, np.inf)


def _candidate(values, status, parent: int, children: Sequence[int]) -> int | None:
    """The cell to hide next: the smallest published non-zero child, else the parent."""
    open_children = [c for c in children if status[c] == PUBLISHED and values[c] > 0]
    if open_children:
        return min(open_children, key=lambda c: (values[c], c))
    if status[parent] == PUBLISHED and values[parent] > 0:
        return parent
    return None


def _protect(values, status, relations, member_of, cell: int) -> int | None:
    """Hide one more cell near ``cell``: in its own relations if possible, else further out.

    The search walks outwards through relations linked by hidden cells, because the
    published cell that fixes ``cell`` may sit in a relation it is not itself part of.
    """
    seen_cells, seen_relations = {cell}, set()
    frontier = deque(member_of[cell])
    while frontier:
        index = frontier.popleft()
        if index in seen_relations:
            continue
        seen_relations.add(index)
        candidate = _candidate(values, status, *relations[index])
        if candidate is not None:
            status[candidate] = SECONDARY
            return candidate
        parent, children = relations[index]
        for member in (parent, *children):
            if status[member] != PUBLISHED and member not in seen_cells:
                seen_cells.add(member)
                frontier.extend(member_of[member])
    return None


def _linearly_fixed(status: np.ndarray, relations: list[Relation]) -> list[int]:
    """Hidden cells whose value follows from some combination of published relations."""
    unknown = np.flatnonzero(status != PUBLISHED)
    if len(unknown) == 0:
        return []
    parent_of = {int(c): int(c) for c in unknown}

    def root(cell: int) -> int:
        while parent_of[cell] != cell:
            parent_of[cell] = parent_of[parent_of[cell]]
            cell = parent_of[cell]
        return cell

    rows: list[dict[int, int]] = []
    for parent, children in relations:
        row = {c: -1 for c in children if status[c] != PUBLISHED}
        if status[parent] != PUBLISHED:
            row[parent] = 1
        if not row:
            continue
        rows.append(row)
        first, *rest = row
        for cell in rest:
            parent_of[root(cell)] = root(first)
    groups: dict[int, list[int]] = {}
    for cell in unknown:
        groups.setdefault(root(int(cell)), []).append(int(cell))
    fixed: list[int] = []
    rows_of: dict[int, list[dict[int, int]]] = {}
    for row in rows:
        rows_of.setdefault(root(next(iter(row))), []).append(row)
    for key, cells in groups.items():
        fixed.extend(_fixed_in_group(cells, rows_of.get(key, [])))
    return fixed


def _fixed_in_group(cells: list[int], rows: list[dict[int, int]]) -> list[int]:
    if not rows or len(cells) > MAX_AUDIT_CELLS:
        return []
    column = {cell: i for i, cell in enumerate(cells)}
    matrix = np.zeros((len(rows), len(cells)))
    for i, row in enumerate(rows):
        for cell, sign in row.items():
            matrix[i, column[cell]] = sign
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null = vt[rank:].T
    if null.shape[1] == 0:
        return list(cells)
    return [cell for cell in cells if np.linalg.norm(null[column[cell]]) < 1e-9]
