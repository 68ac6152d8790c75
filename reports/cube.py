"""Counting approved reports into every cell of the cube at once, in vectorised code.

Each cell is one area (at any level), one period (a month or a calendar year) and one
group (all reports, a category or a tension level), encoded as one 64-bit integer so that
counting is hashing and summing arrays. Reports placed only at a coarser level (an MSOA or
a district code) count in a *rest* cell of that area at the finer level, so that every
parent is exactly the sum of its parts.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csr_matrix

from reports.areas import AGGREGATE_LEVELS, AreaDirectory

GROUP_BITS, PERIOD_BITS = 7, 12
Table = tuple[str, str, str]  # level, period kind, breakdown
REST_SUFFIX = "~rest"
DENSE_CELLS = 1 << 24  # the longest array of sums counted by position (128 MiB)
DIMENSION_NAMES = ("all", "category", "tension_level")
AREA_RELATION, PERIOD_RELATION = 0, 1  # group relations: 2 (categories), 3 (tension levels)


_POSITIONS: dict[int, tuple] = {}


def _directory_positions(directory: AreaDirectory) -> tuple[np.ndarray, pd.Index, dict]:
    """The directory's codes, their index, and each area's ancestor position at every level
    (-1 where there is none); kept for the last directory seen, which rarely changes."""
    cached = _POSITIONS.get(id(directory))
    if cached is not None and cached[0] is directory:
        return cached[1]
    areas = directory.areas
    codes = areas.index.astype(str).to_numpy()
    index = pd.Index(codes)
    position = {level: index.get_indexer(
        areas[f"{level}_code"].astype("string").fillna("").to_numpy(dtype=object))
        for level in AGGREGATE_LEVELS}
    _POSITIONS.clear()
    _POSITIONS[id(directory)] = (directory, (codes, index, position))
    return codes, index, position


def _months(dates) -> np.ndarray:
    """Months since 1970 of dates given as dates or ISO text."""
    if len(dates) == 0:
        return np.zeros(0, dtype=np.int64)
    parsed = pd.to_datetime(pd.Series(np.asarray(dates, dtype=object))).to_numpy()
    return parsed.astype("datetime64[M]").astype(np.int64)


def _factorize_sorted(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``values`` (text, dates or their categorical) into their distinct values,
    which are sorted; each distinct value is compared once, not each row."""
    codes, uniques = pd.factorize(values)
    uniques = np.asarray(uniques, dtype=object)
    order = np.argsort(uniques, kind="stable")
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return np.append(position, -1)[codes], uniques[order]


def _sum_by(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``keys`` (non-negative) and the sum of ``weights`` (positive) of each:
    by position in an array of every possible key where that is not much longer than
    ``keys``, else by hashing."""
    if len(keys) and keys.max() < min(DENSE_CELLS, 16 * len(keys) + 1_000_000):
        sums = np.bincount(keys, weights)
        present = np.flatnonzero(sums)
        return present.astype(np.int64), sums[present].astype(np.int64)
    codes, uniques = pd.factorize(keys)
    return np.asarray(uniques, dtype=np.int64), np.bincount(codes, weights).astype(np.int64)


class CubeCounter:
    """The cells and relations of one set of reports over one area directory.

    Tables are counted only when asked for (:meth:`table`), coarsest first by the
    publication plan, so that fine tables too thin to publish are never counted.
    """

    def __init__(self, reports: pd.DataFrame, directory: AreaDirectory) -> None:
        self.codes, index, self.position = _directory_positions(directory)
        n = len(self.codes)
        # each distinct value is looked up or parsed once
        places, place_codes = _factorize_sorted(reports["area_code"])
        rows = np.append(index.get_indexer(place_codes), -1)[places]
        known = rows >= 0
        days, distinct_days = _factorize_sorted(reports["incident_date"])
        months = _months(distinct_days)[days[known]]
        categories, self.category_names = _factorize_sorted(reports["category"])
        tensions, self.tension_names = _factorize_sorted(reports["tension_level"])
        categories, tensions = categories[known], tensions[known]
        self.first_month = int(months.min()) if len(months) else 0
        self.n_months = int(months.max()) - self.first_month + 1 if len(months) else 1
        self.first_year = self.first_month // 12  # years since 1970
        self.n = n
        # the joint count of reports by directory row, month, category and tension level
        joint, weight = _sum_by(self._joint_key(rows[known], months - self.first_month,
                                                categories, tensions), np.ones(int(known.sum())))
        self.joint = (*self._split_joint(joint), weight)
        self._by_level: dict[str, tuple[np.ndarray, ...]] = {}
        self._tables: dict[Table, tuple[np.ndarray, np.ndarray]] = {}
        self._rank_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    # ------------------------------------------------------------------ areas
    def area_id(self, level: str, rows: np.ndarray) -> np.ndarray:
        """The area of each directory row at ``level``; rest areas are ``n + msoa`` (LSOA
        level) and ``2n + district`` (MSOA level); -1 where the row is coarser still."""
        own = self.position[level][rows]
        if level == "lsoa":
            msoa = self.position["msoa"][rows]
            return np.where(own >= 0, own, np.where(msoa >= 0, self.n + msoa, -1))
        if level == "msoa":
            lad = self.position["lad"][rows]
            return np.where(own >= 0, own, np.where(lad >= 0, 2 * self.n + lad, -1))
        return own

    def rows_at(self, level: str) -> np.ndarray:
        """The directory rows of the areas of ``level`` (their area ids)."""
        return np.flatnonzero(self.position[level] == np.arange(self.n))

    def parent_of_area(self) -> np.ndarray:
        """The parent area of every area id (real and rest), -1 for England."""
        parent = np.full(3 * self.n, -1, dtype=np.int64)
        for position, level in enumerate(AGGREGATE_LEVELS[:-1]):
            upper = self.position[AGGREGATE_LEVELS[position + 1]]
            at_level = self.rows_at(level)
            parent[at_level] = upper[at_level]
        parent[self.n:2 * self.n] = np.arange(self.n)
        parent[2 * self.n:] = np.arange(self.n)
        return parent

    # ------------------------------------------------------------------ counting
    def table(self, table: Table) -> tuple[np.ndarray, np.ndarray]:
        """The non-zero cells of one (level, period kind, breakdown) table: keys and counts."""
        if table not in self._tables:
            level, kind, dim = table
            rank, months, categories, tensions, weight = self._at_level(level)
            period = (months if kind == "month"
                      else self.n_months + (self.first_month + months) // 12 - self.first_year)
            n_cat = len(self.category_names)
            group = {"all": np.zeros_like(months), "category": 1 + categories,
                     "tension_level": 1 + n_cat + tensions}[dim]
            n_periods = self.n_months + self.n_months // 12 + 2
            n_groups = 1 + n_cat + len(self.tension_names)
            keys, counts = _sum_by((rank * n_periods + period) * n_groups + group, weight)
            rank, rest = np.divmod(keys, n_periods * n_groups)
            period, group = np.divmod(rest, n_groups)
            self._tables[table] = (self._key(self._ranks(level)[1][rank], period, group),
                                   counts)
        return self._tables[table]

    def small_count(self, table: Table) -> int:
        """How many published cells (not rest cells) of ``table`` hold 1 to 4 reports."""
        keys, counts = self.table(table)
        return int(np.sum((counts <= 4) & (self._split(keys)[0] < self.n)))

    def _at_level(self, level: str) -> tuple[np.ndarray, ...]:
        """(area rank, month, category, tension level, count) of the reports at ``level``
        (ranks of :meth:`_ranks`)."""
        if level not in self._by_level:
            rows, months, categories, tensions, weight = self.joint
            rank = self._ranks(level)[0][self.area_id(level, rows)]
            keep = rank >= 0
            keys, counts = _sum_by(self._joint_key(rank[keep], months[keep], categories[keep],
                                                   tensions[keep]), weight[keep])
            self._by_level[level] = (*self._split_joint(keys), counts)
        return self._by_level[level]

    def _ranks(self, level: str) -> tuple[np.ndarray, np.ndarray]:
        """Each area id's rank among the areas counted at ``level`` (-1 for the others),
        and the area id of each rank: small numbers, so that sums go by position."""
        if level not in self._rank_cache:
            rest = {"lsoa": self.n + self.rows_at("msoa"), "msoa": 2 * self.n + self.rows_at("lad")}
            ids = np.concatenate([self.rows_at(level),
                                  rest.get(level, np.zeros(0, dtype=np.int64))])
            rank = np.full(3 * self.n + 1, -1, dtype=np.int64)  # the last for area -1
            rank[ids] = np.arange(len(ids))
            self._rank_cache[level] = (rank, ids)
        return self._rank_cache[level]

    def _joint_key(self, place, months, categories, tensions) -> np.ndarray:
        n_cat, n_ten = max(len(self.category_names), 1), max(len(self.tension_names), 1)
        return ((place.astype(np.int64) * self.n_months + months) * n_cat
                + categories) * n_ten + tensions

    def _split_joint(self, keys: np.ndarray) -> tuple[np.ndarray, ...]:
        n_cat, n_ten = max(len(self.category_names), 1), max(len(self.tension_names), 1)
        rest, tensions = np.divmod(keys, n_ten)
        rest, categories = np.divmod(rest, n_cat)
        place, months = np.divmod(rest, self.n_months)
        return place, months, categories, tensions

    def cells_and_relations(self, tables: Mapping[Table, tuple[np.ndarray, np.ndarray]]
                            ) -> tuple[pd.DataFrame, csr_matrix]:
        """The cells of ``tables`` (each its keys and counts, of :meth:`table` or a part of
        it) and the relations among them."""
        level_of = {level: code for code, level in enumerate(AGGREGATE_LEVELS)}
        parts = list(tables.items())
        keys = np.concatenate([p[1][0] for p in parts]) if parts else np.zeros(0, np.int64)
        counts = np.concatenate([p[1][1] for p in parts]) if parts else np.zeros(0, np.int64)
        level_codes = (np.concatenate([np.full(len(p[1][0]), level_of[p[0][0]]) for p in parts])
                       if parts else np.zeros(0, np.int64))
        return self._frame(keys, counts, level_codes), self._relations(keys)

    def _key(self, area, period, group) -> np.ndarray:
        return ((area.astype(np.int64) << PERIOD_BITS) | period) << GROUP_BITS | group

    def _split(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        group = keys & ((1 << GROUP_BITS) - 1)
        period = (keys >> GROUP_BITS) & ((1 << PERIOD_BITS) - 1)
        return keys >> (GROUP_BITS + PERIOD_BITS), period, group

    def _frame(self, keys, counts, level_codes) -> pd.DataFrame:
        area, period, group = self._split(keys)
        n_cat = len(self.category_names)
        codes = _AreaLabels(self.codes)
        month_labels = [str(np.datetime64(self.first_month + m, "M"))
                        for m in range(self.n_months)]
        n_years = (self.first_month + self.n_months - 1) // 12 - self.first_year + 1
        period_labels = np.array(month_labels + [str(1970 + self.first_year + y)
                                                 for y in range(n_years)], dtype=object)
        group_labels = np.array(["all", *map(str, self.category_names),
                                 *map(str, self.tension_names)], dtype=object)
        dimension = np.where(group == 0, 0, np.where(group <= n_cat, 1, 2))
        return pd.DataFrame({
            "level": pd.Categorical.from_codes(level_codes, AGGREGATE_LEVELS),
            "area_code": _categorical(area, codes),
            "period_kind": pd.Categorical.from_codes((period >= self.n_months).astype(int),
                                                     ["month", "year"]),
            "period": _categorical(period, period_labels),
            "dimension": pd.Categorical.from_codes(dimension, DIMENSION_NAMES),
            "group": _categorical(group, group_labels),
            "count": counts,
            "rest": area >= self.n,
        })

    def _relations(self, keys: np.ndarray) -> csr_matrix:
        """Rows (parent cell, kind): +1 for the parent, -1 for each child."""
        n_cells = len(keys)
        index = pd.Index(keys)
        area, period, group = self._split(keys)
        n_cat = len(self.category_names)
        parent_area = self.parent_of_area()[area]
        candidates = []
        has_parent = parent_area >= 0
        candidates.append((np.flatnonzero(has_parent),
                           self._key(parent_area[has_parent], period[has_parent],
                                     group[has_parent]), AREA_RELATION))
        monthly = period < self.n_months
        year = self.n_months + (self.first_month + period[monthly]) // 12 - self.first_year
        candidates.append((np.flatnonzero(monthly),
                           self._key(area[monthly], year, group[monthly]), PERIOD_RELATION))
        grouped = group > 0
        kind = np.where(group[grouped] <= n_cat, 2, 3)
        candidates.append((np.flatnonzero(grouped),
                           self._key(area[grouped], period[grouped], 0 * group[grouped]), kind))
        children = np.concatenate([c[0] for c in candidates])
        parents = index.get_indexer(np.concatenate([c[1] for c in candidates]))
        kinds = np.concatenate([np.broadcast_to(c[2], len(c[0])) for c in candidates])
        found = parents >= 0  # a non-zero cell's parent is non-zero, so it exists
        children, parents, kinds = children[found], parents[found], kinds[found]
        row_keys, row_of = np.unique(parents.astype(np.int64) * 4 + kinds, return_inverse=True)
        n_rows = len(row_keys)
        row_index = np.concatenate([row_of, np.arange(n_rows)])
        columns = np.concatenate([children, row_keys // 4])
        signs = np.concatenate([-np.ones(len(children)), np.ones(n_rows)])
        return coo_matrix((signs, (row_index, columns)), shape=(n_rows, n_cells)).tocsr()


class _AreaLabels:
    """The code of every area id: real areas, then the two ranges of rest areas."""

    def __init__(self, codes: np.ndarray) -> None:
        self.codes = codes

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        n = len(self.codes)
        labels = self.codes[ids % n].astype(object)
        return np.where(ids >= n, labels + REST_SUFFIX, labels)


def _categorical(codes: np.ndarray, labels) -> pd.Categorical:
    """Labels of ``codes`` as a categorical holding only the labels used."""
    used, compact = np.unique(codes, return_inverse=True)
    return pd.Categorical.from_codes(compact, np.asarray(labels[used]).astype(str))
