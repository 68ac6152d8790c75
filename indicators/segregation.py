"""Segregation, diversity and location quotients of ethnic groups from Census counts.

The input is one row per small area (LSOA or MSOA) with ``area_code``, the code of the
parent area it nests in (a LAD by default), ``total`` and ethnic-group counts, all taken
from the same Census table (Census 2021 counts are perturbed, so totals of different
tables differ).  Every measure for every parent is computed at once with group-by sums
over all small areas; there is no Python loop per parent.

Edge cases, the same in every function
--------------------------------------
* Small areas with ``total == 0`` are not used: they hold nobody, so they add nothing to
  any sum, and their own shares (gᵢ/tᵢ) are undefined (NaN where a per-area value is
  returned).  ``n_units`` counts the small areas used.
* A parent with fewer than ``MIN_UNITS`` (2) small areas used has NaN for every
  segregation measure (``d_*``, ``isolation_*``, ``entropy_h``): segregation *across*
  small areas needs at least two of them (with one, D and H would be 0 and isolation the
  group's share, by construction rather than by measurement).  ``simpson_diversity``
  is still given.
* A group absent from a parent (G = 0) has NaN dissimilarity and isolation there, as
  does a group that is the whole population (T − G = 0) for dissimilarity; a parent with
  a single detailed category present (entropy E = 0) has NaN ``entropy_h``.
* No division by zero happens silently: every denominator is checked and the result
  set to NaN for the reason above.

Bad input (missing columns, missing or negative or fractional counts, a group larger
than the total of its area, a missing parent code) raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

GROUPS: tuple[str, ...] = ("white_british", "white", "asian", "black", "mixed", "other")
"""Groups for which dissimilarity and isolation are computed."""

DETAILED_2021: tuple[str, ...] = (
    "white_british",
    "white_irish",
    "white_gypsy_traveller",
    "white_roma",
    "white_other",
    "mixed_white_asian",
    "mixed_white_black_african",
    "mixed_white_black_caribbean",
    "mixed_other",
    "asian_bangladeshi",
    "asian_chinese",
    "asian_indian",
    "asian_pakistani",
    "asian_other",
    "black_african",
    "black_caribbean",
    "black_other",
    "other_arab",
    "other_any",
)
"""The 19 detailed ethnic categories of Census 2021 (TS021)."""

DETAILED_2011: tuple[str, ...] = tuple(c for c in DETAILED_2021 if c != "white_roma")
"""The 18 detailed ethnic categories of Census 2011 (no Roma category)."""

MIN_UNITS = 2
"""Fewest small areas a parent needs for its segregation measures to be defined."""

_MEASURE_NAMES = ("entropy_h", "simpson_diversity")
_MEASURE_PREFIXES = ("d_", "isolation_")


def compute_segregation(
    counts: pd.DataFrame,
    parent: str = "lad_code",
    groups: Sequence[str] = GROUPS,
    detailed: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Compute segregation and diversity of every parent area across its small areas.

    Parameters
    ----------
    counts : DataFrame
        One row per small area with columns ``parent``, ``total``, every column of
        ``groups`` and every column of ``detailed``.
    parent : str
        Column holding the code of the parent area (default ``"lad_code"``).
    groups : sequence of str
        Groups for ``d_<group>`` and ``isolation_<group>``.
    detailed : sequence of str, optional
        Detailed categories for ``entropy_h`` and ``simpson_diversity``.  By default
        ``DETAILED_2021`` when all its columns are present, else ``DETAILED_2011``.

    Returns
    -------
    DataFrame
        Indexed by the parent code (index named ``parent``, sorted), with columns
        ``d_<group>`` and ``isolation_<group>`` for each group, ``entropy_h``,
        ``simpson_diversity``, ``n_units`` (small areas used) and ``population``
        (sum of ``total``).

    Raises
    ------
    ValueError
        If a column is missing, a count is missing, negative or fractional, a group
        count exceeds its area's total, or a parent code is missing.

    Notes
    -----
    For a parent with small areas i, group count gᵢ, total tᵢ, G = Σ gᵢ, T = Σ tᵢ:

    * dissimilarity  D = ½ Σᵢ |gᵢ/G − (tᵢ − gᵢ)/(T − G)|, the group versus the rest;
    * isolation  xPx = Σᵢ (gᵢ/G)·(gᵢ/tᵢ);
    * Theil's information index over the detailed categories c, with pᵢc the share of
      category c in area i, P_c the share in the parent, tᵢ = Σ_c nᵢc:
      Eᵢ = −Σ_c pᵢc ln pᵢc,  E = −Σ_c P_c ln P_c,  H = Σᵢ tᵢ (E − Eᵢ) / (T·E),
      natural logarithm, 0·ln 0 = 0;
    * Simpson diversity of the parent as a whole: 1 − Σ_c P_c².

    D, isolation and H agree with PySAL ``segregation`` (``Dissim``, ``Isolation``,
    ``MultiInfoTheory``).  See the module docstring for the edge cases (NaN results).
    """
    detailed = _resolve_detailed(counts, detailed)
    units, g, parents = prepare_units(counts, parent, groups, extra=detailed)
    enough = units.n_units >= MIN_UNITS
    n = _matrix(counts, detailed)[units.used]
    result = pd.DataFrame(index=parents)
    dissim = _dissimilarity(units, g)
    isolation = _isolation(units, g)
    for j, group in enumerate(groups):
        result[f"d_{group}"] = np.where(enough, dissim[:, j], np.nan)
    for j, group in enumerate(groups):
        result[f"isolation_{group}"] = np.where(enough, isolation[:, j], np.nan)
    result["entropy_h"] = np.where(enough, _theil_h(units, n), np.nan)
    result["simpson_diversity"] = _simpson(units.sum(n))
    result["n_units"] = units.n_units
    result["population"] = units.sum(units.total).astype("int64")
    return result


def compute_area_diversity(
    counts: pd.DataFrame, detailed: Sequence[str] | None = None
) -> pd.DataFrame:
    """Compute the diversity of each small area over the detailed ethnic categories.

    Parameters
    ----------
    counts : DataFrame
        One row per small area with ``area_code`` and the detailed category columns.
    detailed : sequence of str, optional
        Detailed categories; by default ``DETAILED_2021`` when all present, else
        ``DETAILED_2011``.

    Returns
    -------
    DataFrame
        Same index as ``counts``, columns ``area_code``, ``simpson_diversity``
        (1 − Σ_c p_c²) and ``entropy`` (−Σ_c p_c ln p_c, natural log, 0·ln 0 = 0), where
        p_c is the share of category c in the area's detailed total.  NaN for an area
        whose detailed total is 0.

    Raises
    ------
    ValueError
        If a column is missing or a count is missing, negative or fractional.
    """
    detailed = _resolve_detailed(counts, detailed)
    _check_columns(counts, ["area_code"])
    _check_counts(counts, detailed)
    n = _matrix(counts, detailed)
    t = n.sum(axis=1)
    p = n / np.where(t > 0, t, 1.0)[:, None]
    has_people = t > 0
    return pd.DataFrame(
        {
            "area_code": counts["area_code"],
            "simpson_diversity": np.where(has_people, 1.0 - (p * p).sum(axis=1), np.nan),
            "entropy": np.where(has_people, -_xlogx(p).sum(axis=1), np.nan),
        },
        index=counts.index,
    )


def compute_location_quotients(
    counts: pd.DataFrame, parent: str = "lad_code", groups: Sequence[str] = GROUPS
) -> pd.DataFrame:
    """Compute the location quotient of each group in each small area.

    Parameters
    ----------
    counts : DataFrame
        One row per small area with ``area_code``, ``parent``, ``total`` and the
        group columns.
    parent : str
        Column holding the code of the parent area (default ``"lad_code"``).
    groups : sequence of str
        Groups to compute quotients for.

    Returns
    -------
    DataFrame
        Same index as ``counts``, columns ``area_code``, ``parent``, and for each group
        ``lq_<group>`` (against the parent) and ``lq_<group>_england`` (against all rows
        of ``counts``, which should be all of England).

    Raises
    ------
    ValueError
        If a column is missing, a count is missing, negative or fractional, a group
        count exceeds its area's total, or a parent code is missing.

    Notes
    -----
    LQ = (gᵢ/tᵢ) / (G/T), G and T summed over the parent (or all rows).  1 means the
    group's share in the area equals its share in the reference area.  NaN where the
    area has no residents (tᵢ = 0) or the group is absent from the reference (G = 0).
    """
    _check_columns(counts, ["area_code"])
    _check_counts(counts, ["total", *groups])
    _check_within_total(counts, groups)
    codes, parents = _factorize_parent(counts, parent)
    t = counts["total"].to_numpy(dtype="float64")
    g = _matrix(counts, groups)
    share = np.where(t[:, None] > 0, g / np.where(t > 0, t, 1.0)[:, None], np.nan)
    units = Units(codes, len(parents), t, np.ones(len(t), dtype=bool))
    local = _safe_ratio(units.sum(g), units.sum(t)[:, None])[codes]
    national = _safe_ratio(g.sum(axis=0), t.sum())[None, :]
    result = pd.DataFrame({"area_code": counts["area_code"], parent: counts[parent]})
    for j, group in enumerate(groups):
        result[f"lq_{group}"] = _safe_ratio(share[:, j], local[:, j])
        result[f"lq_{group}_england"] = _safe_ratio(share[:, j], national[:, j])
    return result


def compute_change(seg_2021: pd.DataFrame, seg_2011: pd.DataFrame) -> pd.DataFrame:
    """Join 2011 segregation measures to 2021 ones, with the change.

    Parameters
    ----------
    seg_2021, seg_2011 : DataFrame
        Results of :func:`compute_segregation`, indexed by parent code.

    Returns
    -------
    DataFrame
        ``seg_2021`` with, for every measure column (``d_*``, ``isolation_*``,
        ``entropy_h``, ``simpson_diversity``) present in both, ``<id>_2011`` and
        ``<id>_change`` (2021 value minus 2011 value).

    Notes
    -----
    Local authority codes changed between 2011 and 2021 (mergers such as Dorset,
    Buckinghamshire, North and West Northamptonshire).  Rows are matched on the codes
    present in both; a 2021 parent whose code did not exist in 2011 gets NaN for its
    ``_2011`` and ``_change`` columns, and 2011-only codes are dropped.  No attempt is
    made to re-aggregate 2011 small areas to the 2021 boundaries.
    """
    measures = [c for c in seg_2021.columns if _is_measure(c) and c in seg_2011.columns]
    before = seg_2011[measures].reindex(seg_2021.index)
    result = seg_2021.copy()
    for column in measures:
        result[f"{column}_2011"] = before[column]
        result[f"{column}_change"] = seg_2021[column] - before[column]
    return result


def prepare_units(counts: pd.DataFrame, parent: str, groups: Sequence[str],
                  extra: Sequence[str] = ()) -> tuple[Units, np.ndarray, pd.Index]:
    """Check the counts and keep the small areas with residents, for measures per parent.

    Parameters
    ----------
    counts : DataFrame
        One row per small area with ``parent``, ``total``, ``groups`` and ``extra`` columns.
    parent : str
        Column holding the code of the parent area.
    groups, extra : sequence of str
        Group columns returned as a matrix, and further count columns only checked.

    Returns
    -------
    tuple
        The :class:`Units` used (``total > 0``), their group counts (one column per group)
        and the sorted parent codes (an index named ``parent``).

    Raises
    ------
    ValueError
        As :func:`compute_segregation`.
    """
    _check_counts(counts, ["total", *groups, *extra])
    _check_within_total(counts, [*groups, *extra])
    codes, parents = _factorize_parent(counts, parent)
    total = counts["total"].to_numpy(dtype="float64")
    used = total > 0
    units = Units(codes[used], len(parents), total[used], used)
    return units, _matrix(counts, groups)[used], parents


class Units:
    """Small areas in use, each with the integer code of its parent, for group sums.

    ``used`` marks, among the rows of the counts, the small areas kept (``total > 0``).
    """

    def __init__(self, codes: np.ndarray, n_parents: int, total: np.ndarray,
                 used: np.ndarray) -> None:
        self.codes = codes
        self.n_parents = n_parents
        self.total = total
        self.used = used
        self.n_units = np.bincount(codes, minlength=n_parents)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum a vector or each column of a matrix over the small areas of each parent."""
        if values.ndim == 1:
            return np.bincount(self.codes, weights=values, minlength=self.n_parents)
        return np.column_stack([self.sum(column) for column in values.T])

    def broadcast(self, per_parent: np.ndarray) -> np.ndarray:
        """Give each small area the value of its parent."""
        return per_parent[self.codes]


def _dissimilarity(units: Units, g: np.ndarray) -> np.ndarray:
    """D = ½ Σ |gᵢ/G − (tᵢ−gᵢ)/(T−G)| per parent and group; NaN where G or T−G is 0."""
    big_g = units.sum(g)
    rest = units.sum(units.total)[:, None] - big_g
    valid = (big_g > 0) & (rest > 0)
    share_group = g / units.broadcast(np.where(valid, big_g, 1.0))
    share_rest = (units.total[:, None] - g) / units.broadcast(np.where(valid, rest, 1.0))
    return np.where(valid, 0.5 * units.sum(np.abs(share_group - share_rest)), np.nan)


def _isolation(units: Units, g: np.ndarray) -> np.ndarray:
    """xPx = Σ (gᵢ/G)(gᵢ/tᵢ) per parent and group; NaN where G is 0."""
    big_g = units.sum(g)
    weighted = units.sum(g * g / units.total[:, None])
    return _safe_ratio(weighted, big_g)


def _theil_h(units: Units, n: np.ndarray) -> np.ndarray:
    """H = Σ tᵢ(E − Eᵢ)/(T·E) per parent over the detailed categories; NaN where E is 0."""
    t = n.sum(axis=1)
    unit_entropy = -_xlogx(n / np.where(t > 0, t, 1.0)[:, None]).sum(axis=1)
    big_n = units.sum(n)
    big_t = big_n.sum(axis=1)
    entropy = -_xlogx(big_n / np.where(big_t > 0, big_t, 1.0)[:, None]).sum(axis=1)
    gap = units.sum(t * (units.broadcast(entropy) - unit_entropy))
    return _safe_ratio(gap, big_t * entropy)


def _simpson(big_n: np.ndarray) -> np.ndarray:
    """1 − Σ P_c² per parent from category sums; NaN where the parent has no residents."""
    big_t = big_n.sum(axis=1)
    p = big_n / np.where(big_t > 0, big_t, 1.0)[:, None]
    return np.where(big_t > 0, 1.0 - (p * p).sum(axis=1), np.nan)


def _xlogx(x: np.ndarray) -> np.ndarray:
    """x·ln x elementwise, with 0·ln 0 = 0."""
    return x * np.log(np.where(x > 0, x, 1.0))


def _safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN (not inf or a warning) where the denominator is 0."""
    numerator, denominator = np.broadcast_arrays(numerator, denominator)
    nonzero = denominator != 0
    return np.where(nonzero, numerator / np.where(nonzero, denominator, 1.0), np.nan)


def _is_measure(column: str) -> bool:
    return column in _MEASURE_NAMES or column.startswith(_MEASURE_PREFIXES)


def _matrix(counts: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    return counts[list(columns)].to_numpy(dtype="float64").reshape(len(counts), len(columns))


def _resolve_detailed(counts: pd.DataFrame, detailed: Sequence[str] | None) -> list[str]:
    if detailed is not None:
        return list(detailed)
    if set(DETAILED_2021) <= set(counts.columns):
        return list(DETAILED_2021)
    if set(DETAILED_2011) <= set(counts.columns):
        return list(DETAILED_2011)
    missing = [c for c in DETAILED_2011 if c not in counts.columns]
    raise ValueError(f"counts lack detailed ethnic category columns: {', '.join(missing)}")


def _check_columns(counts: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in counts.columns]
    if missing:
        raise ValueError(f"counts lack columns: {', '.join(missing)}")


def _check_counts(counts: pd.DataFrame, columns: Sequence[str]) -> None:
    """Counts must be present, numeric, whole and not negative."""
    _check_columns(counts, columns)
    for column in dict.fromkeys(columns):
        series = counts[column]
        if not pd.api.types.is_numeric_dtype(series):
            raise ValueError(f"column {column!r} is not numeric ({series.dtype})")
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        if np.isnan(values).any():
            raise ValueError(f"column {column!r} has {int(np.isnan(values).sum())} missing counts")
        if (values < 0).any() or (values != np.round(values)).any():
            raise ValueError(f"column {column!r} has negative or fractional counts")


def _check_within_total(counts: pd.DataFrame, columns: Sequence[str]) -> None:
    total = counts["total"].to_numpy(dtype="float64")
    for column in dict.fromkeys(columns):
        over = counts[column].to_numpy(dtype="float64") > total
        if over.any():
            first = counts["area_code"].iloc[over.argmax()] if "area_code" in counts else ""
            raise ValueError(
                f"column {column!r} exceeds 'total' in {int(over.sum())} rows "
                f"(first: {first!r}); group counts and totals must come from the same table"
            )


def _factorize_parent(counts: pd.DataFrame, parent: str) -> tuple[np.ndarray, pd.Index]:
    """Integer code of each row's parent (sorted codes) and the parent codes."""
    _check_columns(counts, [parent])
    codes, parents = pd.factorize(counts[parent], sort=True)
    if (codes < 0).any():
        raise ValueError(f"column {parent!r} has {int((codes < 0).sum())} missing codes")
    return codes, pd.Index(parents, name=parent)
