"""Class breaks of the map: quantiles, Fisher-Jenks natural breaks and binning by upper
bounds, computed as mapclassify 2.x computes them (``Quantiles``, ``FisherJenks``,
``UserDefined``), to the last bit.

Why not mapclassify itself: importing it imports scikit-learn and compiles its numba
functions, about 150 MB of the app server's memory and 3 s of the first map page, for
three small functions. tests/test_class_breaks.py checks these against mapclassify.
"""

from __future__ import annotations

import numpy as np


def quantile_bins(values: np.ndarray, k: int) -> np.ndarray:
    """The distinct upper bounds of ``k`` quantile classes (mapclassify ``quantile``:
    scipy's ``scoreatpercentile`` of each ``100 / k`` step, fractions interpolated)."""
    step = 100.0 / k
    percents = np.arange(step, 100 + step, step)
    if percents[-1] > 100.0:
        percents[-1] = 100.0
    ordered = np.sort(np.asarray(values).ravel())
    return np.unique(np.array([_score_at(ordered, p) for p in percents]))


def _score_at(ordered: np.ndarray, percent: float) -> float:
    """scipy.stats.scoreatpercentile of sorted values, same operations in the same order."""
    index = percent / 100.0 * (ordered.shape[0] - 1)
    i = int(index)
    if i == index:
        return np.add.reduce(ordered[i:i + 1] * np.array(1)) / 1.0
    weights = np.array([(i + 1 - index), (index - i)], float)
    return np.add.reduce(ordered[i:i + 2] * weights) / weights.sum()


def fisher_jenks_bins(values: np.ndarray, k: int) -> np.ndarray:
    """The upper bounds of ``k`` natural-breaks classes (mapclassify ``FisherJenks``).

    Raises
    ------
    ValueError
        When ``values`` has fewer distinct values than ``k``.
    """
    distinct = len(np.unique(values))
    if distinct < k:
        raise ValueError(f"Fewer unique values ({distinct}) than specified classes ({k}).")
    return _fisher_jenks_means(np.sort(np.asarray(values).ravel()).astype("f8"), k)


def _fisher_jenks_means(values: np.ndarray, classes: int) -> np.ndarray:
    """mapclassify's ``_fisher_jenks_means`` with its inner loops as array operations.

    Sums and variances stay in float32 as there; of equal candidates the last one wins,
    as its ``>=`` comparison does, and a NaN candidate never does.
    """
    n = len(values)
    mat1 = np.zeros((n + 1, classes + 1), dtype=np.int32)
    mat2 = np.zeros((n + 1, classes + 1), dtype=np.float32)
    mat1[1, 1:] = 1
    mat2[2:, 1:] = np.inf
    as32 = values.astype(np.float32)
    for last in range(2, n + 1):
        tail = as32[last - 1::-1]  # m = 1..last reads values[last - m]
        s1 = np.cumsum(tail, dtype=np.float32)
        s2 = np.cumsum(tail * tail, dtype=np.float32)
        variance = s2 - (s1 * s1) / np.arange(1, last + 1, dtype=np.float32)
        if classes > 1:
            # m = 1..last-1 (i4 = last - m is not 0): the cost of ending class j-1 at i4
            candidates = variance[:last - 1, None] + mat2[last - 1:0:-1, 1:classes]
            valid = ~np.isnan(candidates)
            best = np.where(valid, candidates, np.inf).min(axis=0)
            chosen = valid & (candidates == best)
            found = chosen.any(axis=0)
            m_last = last - 2 - np.argmax(chosen[::-1], axis=0)  # 0-based m of the last
            mat1[last, 2:] = np.where(found, last - m_last, mat1[last, 2:])
            mat2[last, 2:] = np.where(found, best, mat2[last, 2:])
        mat1[last, 1] = 1
        mat2[last, 1] = variance[-1]
    k = n
    kclass = np.zeros(classes + 1, dtype=values.dtype)
    kclass[classes] = values[n - 1]
    kclass[0] = values[0]
    for count_num in range(classes, 1, -1):
        pivot = mat1[k, count_num]
        kclass[count_num - 1] = values[int(pivot - 2)]
        k = int(pivot - 1)
    return np.delete(kclass, 0)


def user_bins(values: np.ndarray, bins: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """The bounds and each value's class of ``values`` in classes with upper bounds
    ``bins`` (mapclassify ``UserDefined``: a class up to the maximum is added when the
    last bound is below it; class i holds bounds[i-1] < value <= bounds[i])."""
    values = np.asarray(values).ravel()
    if bins[-1] < max(values):
        bins = np.append(bins, max(values))
    bounds = np.array(bins)
    lefts = [-float("inf"), *bounds[:-1]]
    ids = np.zeros(values.shape, dtype="int")
    for k in range(len(bounds) - 1, -1, -1):
        ids += (values > lefts[k]) * (values <= bounds[k]) * k
    return bounds, ids
