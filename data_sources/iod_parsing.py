"""What the IoD File 7 and File 10 parsers share: the edition read, typed numbers, checks.

An :class:`Edition` says which geographies a release uses (so how many LSOAs and districts
its ranks run up to) and where its files live; the helpers turn published text into
nullable numbers, check value ranges and word the notes on columns a copy lacks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from data_sources.errors import SourceFormatError
from data_sources.validate import ENGLAND_ROWS

SOURCE = "iod"


@dataclass(frozen=True)
class Edition:
    """One release of the indices: its year, area counts and file paths on the assets host."""

    year: int
    lsoa_geography: str
    lad_geography: str
    file7_paths: tuple[str, ...]
    file10_paths: tuple[str, ...]
    populations: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"IoD {self.year}"

    @property
    def lsoas(self) -> int:
        return ENGLAND_ROWS[self.lsoa_geography]

    @property
    def lads(self) -> int:
        return ENGLAND_ROWS[self.lad_geography]

    @property
    def attribution(self) -> str:
        return (
            f"English Indices of Deprivation {self.year}, Ministry of Housing, Communities and "
            "Local Government, licensed under the Open Government Licence v3.0."
        )


def format_error(url: str, what: str, problem: str) -> SourceFormatError:
    """The error for a ``problem`` found in ``what`` (e.g. "File 7 (IoD 2019)") at ``url``."""
    return SourceFormatError(SOURCE, url, f"{what}: {problem}")


def to_numbers(series: pd.Series, kind: str, fail: Callable[[str], Exception]) -> pd.Series:
    """``series`` as Int64 or Float64, dropping thousands separators; text raises."""
    text = series.astype("string").str.replace(",", "", regex=False).str.strip()
    text = text.replace({"": pd.NA})
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() & text.notna()
    if bad.any():
        raise fail(f"column {series.name} should be numeric but holds {text[bad].head(3).tolist()}")
    if kind == "float":
        return numbers.astype("Float64")
    if (numbers.dropna() % 1 != 0).any():
        raise fail(f"column {series.name} should hold whole numbers")
    return numbers.astype("Int64")


def check_range(
    frame: pd.DataFrame, columns: list[str], low: float, high: float, key: str,
    fail: Callable[[str], Exception],
) -> None:
    """Raise when a value of ``columns`` lies outside ``low``..``high`` (blanks are allowed)."""
    for column in columns:
        values = frame[column]
        bad = values.notna() & ((values < low) | (values > high))
        if bad.any():
            sample = frame.loc[bad, [key, column]].head(3).to_dict("records")
            raise fail(
                f"{int(bad.sum()):,} value(s) of {column} outside {low:g}..{high:g}, e.g. {sample}"
            )


def lacks_note(file: str, missing: list[str], expected: int) -> list[str]:
    """A provenance note naming the ``missing`` of ``expected`` columns; none if complete."""
    if not missing:
        return []
    return [f"This copy of {file} lacks {len(missing)} of the {expected} published columns: "
            f"{', '.join(missing)}."]
