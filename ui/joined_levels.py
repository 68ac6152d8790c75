"""The joined dataset in memory, one frame per level, small.

It has one column per indicator of every level, so most of a level's columns hold no
value at all (499 of 551 at LSOA level: 137 of its 155 MB). Each such column of a
nullable dtype is backed here by one shared all-NA array: the frame's columns, dtypes and
values are unchanged, the memory is one column's. The shared arrays are read-only, so a
write in place fails instead of changing every empty column at once (pandas'
copy-on-write copies before writing to anything derived from the frame).

The table is read a few columns at a time: read whole, the file's 190 MB in pandas took
about 540 MB more at once (Arrow's buffers beside pandas' copy), which the allocators
then kept; 40 columns at a time, about 80 MB, and what Arrow's pool kept is handed back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.extensions import ExtensionArray, ExtensionDtype

from data_sources.cache import Cache

BATCH_COLUMNS = 40
_MASKED = {pd.Float64Dtype(): pd.arrays.FloatingArray, pd.Int64Dtype(): pd.arrays.IntegerArray,
           pd.BooleanDtype(): pd.arrays.BooleanArray}


def _all_na(dtype: ExtensionDtype, length: int) -> ExtensionArray:
    values = np.zeros(length, dtype=dtype.numpy_dtype)
    mask = np.ones(length, dtype=bool)
    values.flags.writeable = False
    mask.flags.writeable = False
    return _MASKED[dtype](values, mask)


def share_empty_columns(frame: pd.DataFrame,
                        shared: dict[tuple[ExtensionDtype, int], ExtensionArray] | None = None,
                        ) -> pd.DataFrame:
    """``frame`` with its all-NA Float64, Int64 and boolean columns backed by one shared
    read-only array per dtype and length (taken from and added to ``shared``, to share
    between frames); ``frame`` itself when it has none or repeats a column name."""
    if not frame.columns.is_unique:
        return frame
    shared = {} if shared is None else shared
    columns, replaced = {}, False
    for name, column in frame.items():
        if column.dtype in _MASKED and len(column) and column.isna().all():
            key = (column.dtype, len(frame))
            if key not in shared:
                shared[key] = _all_na(column.dtype, len(frame))
            columns[name], replaced = shared[key], True
        else:
            columns[name] = column.array
    if not replaced:
        return frame
    result = pd.DataFrame(columns, index=frame.index, copy=False)
    result.attrs = dict(frame.attrs)
    return result


def read_levels(cache: Cache, dataset: str, batch: int = BATCH_COLUMNS,
                ) -> dict[str | None, pd.DataFrame]:
    """The rows of ``dataset`` at each value of its ``level`` column, each frame indexed
    from 0 with the table's ``attrs``, and under None its columns without rows (what
    selecting an absent level gives); empty columns shared as above.

    Raises
    ------
    NotCachedError
        When the dataset has never been fetched into this cache.
    """
    names = cache.table_columns(dataset)
    level = cache.load_table(dataset, columns=["level"])["level"]
    masks: dict[str | None, np.ndarray] = {
        value: (level == value).to_numpy(dtype=bool, na_value=False)
        for value in level.dropna().unique()}
    masks[None] = np.zeros(len(level), dtype=bool)
    parts: dict[str | None, list[pd.DataFrame]] = {value: [] for value in masks}
    shared: dict[tuple[ExtensionDtype, int], ExtensionArray] = {}
    attrs: dict = {}
    for start in range(0, len(names), batch):
        frame = cache.load_table(dataset, columns=names[start:start + batch])
        attrs = attrs or dict(frame.attrs)
        for value, mask in masks.items():
            parts[value].append(share_empty_columns(frame[mask].reset_index(drop=True),
                                                    shared))
    levels = {}
    for value, frames in parts.items():
        rows = pd.concat(frames, axis=1) if frames else level.iloc[:0].to_frame()
        rows.attrs = dict(attrs)
        levels[value] = rows
    pa.default_memory_pool().release_unused()  # the pool keeps freed pages for reuse
    return levels
