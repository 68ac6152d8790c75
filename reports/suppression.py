"""Small-count suppression that holds against an attacker using every published table at once.

Cells are counts linked by additive relations (a district and its neighbourhoods; all
reports and each category or tension level; a year and its months), given as the rows of
a sparse matrix (see :mod:`reports.disclosure`). Primary suppression hides every count
from 1 to 4 ("<5"). Then, until the exact audit (:func:`reports.disclosure.pinned_cells`)
finds no hidden count that the published tables pin to a single value:

* a pinned cell gets a complement: the smallest published non-zero count in one of its
  relations (or, when all of those are hidden, in a relation reached through hidden
  cells) is hidden as well ("[c]", known to the attacker to be 5 or more);
* when nothing published is left to hide (the ranges alone pin it: four tension levels
  each "<5" under an area total "<5" are each 1), less is published instead: the small
  parent of the relation is withheld as "[c]" rather than shown as "<5", so the attacker
  no longer knows it is below 5.

Hiding more only ever widens what the attacker can derive, so the loop ends; the audit's
last answer is the certificate.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.sparse import csc_matrix, csr_matrix

from reports.disclosure import (
    LINKED,
    PRIMARY,
    PUBLISHED,
    REST,
    SECONDARY,
    SMALL,
    UNPUBLISHED,
    WITHHELD,
    pinned_cells,
    sensitive_cells,
    touches_unpublished,
)

__all__ = ["LINKED", "PRIMARY", "PUBLISHED", "REST", "SECONDARY", "UNPUBLISHED", "WITHHELD",
           "primary_status", "suppress"]


def primary_status(values: np.ndarray, rest: np.ndarray, unpublished: np.ndarray,
                   linked: np.ndarray | None = None) -> np.ndarray:
    """PRIMARY for counts 1 to 4, REST, UNPUBLISHED and LINKED where given, PUBLISHED
    otherwise."""
    values = np.asarray(values)
    status = np.full(len(values), PUBLISHED, dtype=np.int8)
    status[(values >= SMALL[0]) & (values <= SMALL[1])] = PRIMARY
    status[np.asarray(rest, dtype=bool)] = REST
    status[np.asarray(unpublished, dtype=bool)] = UNPUBLISHED
    if linked is not None:
        status[np.asarray(linked, dtype=bool) & (status != REST)] = LINKED
    return status


def suppress(values: np.ndarray, relations: csr_matrix, rest: np.ndarray,
             unpublished: np.ndarray | None = None,
             linked: np.ndarray | None = None) -> np.ndarray:
    """The suppression status of every cell.

    Parameters
    ----------
    values
        Non-negative counts, one per cell.
    relations
        One row per relation: +1 for the parent cell, -1 for each part.
    rest
        Cells counting reports placed only at a coarser level (never published).
    unpublished
        Cells of tables that are not published at all.
    linked
        Cells of unpublished tables that published cells are sums of (see
        :mod:`reports.area_set_cube`): kept in the audit, never published.

    Returns
    -------
    numpy.ndarray
        PUBLISHED, PRIMARY ("<5"), SECONDARY or WITHHELD ("[c]"), REST, UNPUBLISHED or
        LINKED.
    """
    values = np.asarray(values, dtype=np.int64)
    if unpublished is None:
        unpublished = np.zeros(len(values), dtype=bool)
    status = primary_status(values, rest, unpublished, linked)
    relations = csr_matrix(relations)
    # relations with a cell of an unpublished table tell the attacker nothing: leave
    # them out once (reports.disclosure explains why)
    relations = relations[~touches_unpublished(relations, status)]
    by_cell = csc_matrix(relations)
    while True:
        pinned = pinned_cells(values, status, relations)
        if len(pinned) == 0:
            return status
        changed, touched = False, set()
        for cell in pinned:
            # a change near this cell in this round may already free it: audit again first
            if touched.intersection(_rows_of(by_cell, int(cell)).tolist()):
                continue
            hidden = _protect(values, status, relations, by_cell, int(cell))
            if hidden is not None:
                changed = True
                touched.update(_rows_of(by_cell, hidden).tolist())
        if not changed:
            raise RuntimeError("suppression could not protect a small count")  # pragma: no cover


def _members(relations: csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = relations.indptr[row], relations.indptr[row + 1]
    return relations.indices[start:end], relations.data[start:end]


def _rows_of(by_cell: csc_matrix, cell: int) -> np.ndarray:
    return by_cell.indices[by_cell.indptr[cell]:by_cell.indptr[cell + 1]]


def _protect(values, status, relations, by_cell, cell: int) -> int | None:
    """Hide or withhold one more cell so that ``cell`` is no longer pinned: which, if any."""
    if not sensitive_cells(values[cell:cell + 1], status[cell:cell + 1])[0]:
        return None
    complement = _complement(values, status, relations, by_cell, cell)
    if complement is not None:
        status[complement] = SECONDARY
        return complement
    return _withhold(status, relations, by_cell, cell)


def _complement(values, status, relations, by_cell, cell: int) -> int | None:
    """The smallest published non-zero cell of a relation of ``cell`` or, failing that, of
    a relation reached from it through hidden cells (the published cell that pins ``cell``
    may sit in a relation it is not itself part of)."""
    for _, members in _rings(status, relations, by_cell, cell):
        best = min(((int(values[c]), int(c)) for cells, _ in members for c in cells
                    if status[c] == PUBLISHED and values[c] > 0), default=None)
        if best is not None:
            return best[1]
    return None


def _withhold(status, relations, by_cell, cell: int) -> int | None:
    """Publish less: turn a "<5" cell into "[c]", the nearest to ``cell`` (a parent in one
    of its relations first, then any "<5" cell of those relations, then ``cell``, then
    further out through hidden cells)."""
    for frontier, members in _rings(status, relations, by_cell, cell):
        parents = [int(c) for cells, signs in members
                   for c, s in zip(cells, signs, strict=True) if s > 0 and status[c] == PRIMARY]
        others = [int(c) for cells, _ in members for c in cells if status[c] == PRIMARY]
        for candidate in (*parents, *others, *frontier):
            if status[candidate] == PRIMARY:
                status[candidate] = WITHHELD
                return candidate
    return None


def _rings(status, relations, by_cell, cell: int
           ) -> Iterator[tuple[list[int], list[tuple[np.ndarray, np.ndarray]]]]:
    """The relations around ``cell``, ring by ring outward through hidden cells: each
    ring's starting cells and its relations' (cells, signs)."""
    seen_rows: set[int] = set()
    seen_cells = {cell}
    frontier = [cell]
    while frontier:
        members, next_frontier = [], []
        for member in frontier:
            for row in _rows_of(by_cell, member):
                if row in seen_rows:
                    continue
                seen_rows.add(int(row))
                cells, signs = _members(relations, int(row))
                if (status[cells] == UNPUBLISHED).any():
                    continue
                members.append((cells, signs))
                for other in cells:
                    if status[other] != PUBLISHED and other not in seen_cells:
                        seen_cells.add(int(other))
                        next_frontier.append(int(other))
        yield frontier, members
        frontier = next_frontier
