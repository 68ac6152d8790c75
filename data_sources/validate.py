"""Checks every parsed table passes before it may replace the cached copy.

A :class:`TableSpec` states the columns and their kinds, the key, the GSS code pattern of
each code column and the number of rows England has. :func:`validate_table` coerces the
types and raises :class:`SourceFormatError` naming the source, the URL and what was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from data_sources.errors import SourceFormatError

# GSS code patterns of the areas the product uses (England only).
LSOA_CODE = r"E01\d{6}"
MSOA_CODE = r"E02\d{6}"
LAD_CODE = r"E0[6-9]\d{6}"
REGION_CODE = r"E12\d{6}"
WARD_CODE = r"E05\d{6}"
MONTH = r"\d{4}-(0[1-9]|1[0-2])"

# Rows England has at each geography (ONS / MHCLG published counts).
ENGLAND_ROWS = {
    "LSOA 2021": 33_755,
    "MSOA 2021": 6_856,
    "LAD 2021": 309,
    "LAD 2024": 296,
    "Region": 9,
    "LSOA 2011": 32_844,
    "MSOA 2011": 6_791,
    "LAD 2019": 317,
}

KINDS = ("str", "int", "float", "code")


@dataclass(frozen=True)
class TableSpec:
    """What a parsed table must look like.

    ``columns`` maps each required column to its kind: ``str``, ``int``, ``float`` or
    ``code`` (a string matched against ``patterns``). ``optional`` columns are typed and
    checked when present. ``rows`` is the exact row count for all of England, enforced
    when the strict_row_counts setting is on (the default); ``min_rows`` always applies.
    """

    name: str
    columns: Mapping[str, str]
    key: tuple[str, ...]
    patterns: Mapping[str, str] = field(default_factory=dict)
    optional: Mapping[str, str] = field(default_factory=dict)
    rows: int | None = None
    min_rows: int = 1


def validate_table(
    df: pd.DataFrame, spec: TableSpec, *, source: str, url: str, strict_rows: bool = True
) -> pd.DataFrame:
    """Return ``df`` with the spec's columns typed, or raise ``SourceFormatError``."""

    def fail(problem: str) -> SourceFormatError:
        return SourceFormatError(source, url, f"{spec.name}: {problem}")

    missing = [c for c in spec.columns if c not in df.columns]
    if missing:
        raise fail(f"missing column(s) {missing}; the file has {list(df.columns)[:40]}")
    if len(df) < spec.min_rows:
        raise fail(f"{len(df)} rows, expected at least {spec.min_rows} (empty or cut-short file?)")
    if strict_rows and spec.rows is not None and len(df) != spec.rows:
        raise fail(f"{len(df):,} rows where England has {spec.rows:,}")
    out = df.copy()
    kinds = {**spec.columns, **{c: k for c, k in spec.optional.items() if c in df.columns}}
    for column, kind in kinds.items():
        out[column] = _coerce(out[column], kind, column, fail)
    for column, pattern in spec.patterns.items():
        if column not in out.columns:
            continue
        values = out[column].dropna()
        bad = values[~values.str.fullmatch(pattern)]
        if len(bad):
            raise fail(
                f"{len(bad):,} value(s) of {column} do not look like {pattern!r}, "
                f"e.g. {bad.iloc[:3].tolist()}"
            )
    null_keys = out[list(spec.key)].isna().any(axis=1)
    if null_keys.any():
        raise fail(f"{int(null_keys.sum()):,} row(s) with an empty key {list(spec.key)}")
    dupes = out.duplicated(list(spec.key), keep=False)
    if dupes.any():
        sample = out.loc[dupes, list(spec.key)].head(3).to_dict("records")
        raise fail(f"{int(dupes.sum()):,} rows share a key {list(spec.key)}, e.g. {sample}")
    return out


def _coerce(series: pd.Series, kind: str, column: str, fail) -> pd.Series:
    if kind not in KINDS:
        raise ValueError(f"unknown column kind {kind!r} for {column}")
    if kind in ("str", "code"):
        return series.astype("string").str.strip()
    cleaned = series
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        cleaned = series.astype("string").str.replace(",", "", regex=False).str.strip()
        cleaned = cleaned.replace({"": pd.NA})
    numbers = pd.to_numeric(cleaned, errors="coerce")
    not_numeric = numbers.isna() & cleaned.notna()
    if not_numeric.any():
        sample = cleaned[not_numeric].head(3).tolist()
        raise fail(f"column {column} should be numeric but holds {sample}")
    if kind == "int":
        if (numbers.dropna() % 1 != 0).any():
            raise fail(f"column {column} should hold whole numbers")
        return numbers.astype("Int64")
    return numbers.astype("Float64")

