"""ui.joined_levels: the joined table per level, read a few columns at a time, its empty
columns sharing one array, equal to selecting each level of the whole table."""

import numpy as np
import pandas as pd
import pytest

from data_sources.cache import Cache, Provenance
from data_sources.errors import NotCachedError
from ui.joined_levels import read_levels, share_empty_columns


def _table() -> pd.DataFrame:
    table = pd.DataFrame({
        "area_code": ["E01", "E02", "E03", "E04", "E05"],
        "level": ["lsoa", "lad", "lsoa", "lsoa", "lad"],
        "lsoa_only": pd.array([1.5, None, 2.5, None, None], dtype="Float64"),
        "lad_only": pd.array([None, 7, None, None, 9], dtype="Int64"),
        "flag": pd.array([None, True, None, None, False], dtype="boolean"),
        "empty": pd.array([None] * 5, dtype="Float64"),
        "name": ["a", "b", None, "d", "e"],
    })
    table.attrs = {"na_reasons": ["lsoa lad_only: not published for LSOAs"]}
    return table


def _cache(tmp_path, table: pd.DataFrame) -> Cache:
    cache = Cache(tmp_path)
    cache.store_table(table, Provenance(dataset="joined_area_indicator", source="built",
                                        title="t", url="", vintage="", geography="",
                                        licence="", attribution=""))
    return cache


@pytest.mark.parametrize("batch", [1, 2, 40])
def test_levels_equal_selecting_the_whole_table(tmp_path, batch):
    table = _table()
    levels = read_levels(_cache(tmp_path, table), "joined_area_indicator", batch=batch)
    whole = Cache(tmp_path).load_table("joined_area_indicator")
    for level in ("lsoa", "lad", "msoa"):
        expected = whole[whole["level"] == level].reset_index(drop=True)
        found = levels.get(level, levels[None])
        pd.testing.assert_frame_equal(found, expected, check_exact=True)
        assert found.attrs == table.attrs


def test_empty_columns_share_one_read_only_array():
    frame = pd.DataFrame({"a": pd.array([None, None], dtype="Float64"),
                          "b": pd.array([None, None], dtype="Float64"),
                          "c": pd.array([1.0, None], dtype="Float64"),
                          "d": pd.array([None, None], dtype="Int64")})
    frame.attrs = {"notes": ["n"]}
    shared = share_empty_columns(frame)
    pd.testing.assert_frame_equal(shared, frame, check_exact=True)
    assert shared.attrs == frame.attrs
    assert np.shares_memory(shared["a"].array._data, shared["b"].array._data)
    assert not np.shares_memory(shared["c"].array._data, shared["a"].array._data)
    with pytest.raises(ValueError):
        shared["a"].array._data[0] = 1.0
    derived = shared[["a", "b"]]  # copy-on-write: writing to it copies the column first
    derived.loc[0, "a"] = 2.0
    assert derived.loc[0, "a"] == 2.0 and derived["b"].isna().all()
    assert shared["a"].isna().all() and shared["b"].isna().all()


def test_a_frame_without_empty_columns_is_kept():
    frame = pd.DataFrame({"a": pd.array([1.0], dtype="Float64"), "b": ["x"]})
    assert share_empty_columns(frame) is frame


def test_table_columns_and_not_cached(tmp_path):
    cache = _cache(tmp_path, _table())
    assert cache.table_columns("joined_area_indicator") == list(_table().columns)
    with pytest.raises(NotCachedError):
        cache.table_columns("nothing_here")
    with pytest.raises(NotCachedError):
        read_levels(cache, "nothing_here")
