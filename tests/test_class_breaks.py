"""ui.class_breaks gives the class breaks mapclassify gives, to the last bit."""

import numpy as np
import pytest

from ui.class_breaks import fisher_jenks_bins, quantile_bins, user_bins

mapclassify = pytest.importorskip("mapclassify")


def _samples():
    rng = np.random.default_rng(11)
    yield np.arange(1000, dtype="float64")
    yield np.array([1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 50.0, 50.0, 51.0])
    for size in (7, 60, 333, 2000):
        yield rng.normal(50, 20, size)
        yield rng.lognormal(1, 1.5, size)
        yield np.round(rng.uniform(0, 1, size), 3)
        yield rng.integers(0, 12, size).astype("float64")


@pytest.mark.parametrize("k", [2, 3, 5, 7])
def test_quantiles_as_mapclassify(k):
    for values in _samples():
        expected = mapclassify.Quantiles(values, k=k).bins
        np.testing.assert_array_equal(quantile_bins(values, k), expected)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_fisher_jenks_as_mapclassify(k):
    for values in _samples():
        if len(np.unique(values)) < k:
            with pytest.raises(ValueError):
                fisher_jenks_bins(values, k)
            continue
        np.testing.assert_array_equal(fisher_jenks_bins(values, k),
                                      mapclassify.FisherJenks(values, k=k).bins)


def test_user_bins_as_mapclassify():
    for values in _samples():
        for bins in ([np.median(values)], list(np.quantile(values, [0.2, 0.5, 1.0])),
                     [values.min(), values.max()]):
            found = mapclassify.UserDefined(values, bins)
            bounds, ids = user_bins(values, bins)
            np.testing.assert_array_equal(bounds, found.bins)
            np.testing.assert_array_equal(ids, found.yb)
