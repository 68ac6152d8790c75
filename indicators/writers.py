"""Per-format writers of an export's files: CSV, Parquet, GeoPackage and Excel.

Every file is written to a temporary name and renamed into place (:func:`write_atomic`),
so an interrupted export never leaves a half file that looks complete.  In CSV, a text
cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
their full-width forms, tab, carriage return or line feed) gets a leading single quote;
numbers, negative ones included, are left alone.  In Excel, a text cell starting with
``=`` is written as text, never as a formula.

:func:`csv_bytes` and :func:`csv_text` are the one way a table becomes CSV anywhere in the
project: the exports here, the app's table downloads (``ui/table_download.py``) and the
report store's public export (``python -m reports export``). No Streamlit, no network, no
cache access.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from data_sources.cache import Provenance, atomic_path
from indicators.provenance_files import sources_table

if TYPE_CHECKING:
    import geopandas as gpd

FORMATS: dict[str, str] = {"csv": ".csv", "parquet": ".parquet", "gpkg": ".gpkg", "xlsx": ".xlsx"}
"""Export formats and the file suffix of each."""

EXPORT_CRS = "EPSG:4326"
XLSX_MAX_ROWS = 1_048_576
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What a spreadsheet may take for the start of a formula (OWASP's CSV injection list)."""
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class ExportPaths:
    """Where one export's files go, all named after the data file."""

    data: Path
    dictionary: Path
    provenance_txt: Path
    provenance_json: Path

    @classmethod
    def for_output(cls, out: Path, fmt: str) -> ExportPaths:
        """Paths for ``out``; a missing suffix is added, a wrong one refused.

        Raises
        ------
        ValueError
            When ``fmt`` is unknown or ``out`` has the suffix of another format.
        """
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}; choose one of {sorted(FORMATS)}")
        out = Path(out)
        suffix = FORMATS[fmt]
        if not out.suffix:
            out = out.with_suffix(suffix)
        elif out.suffix.lower() != suffix:
            raise ValueError(f"{out} does not end in {suffix}, the suffix of format {fmt}")
        stem = out.stem
        return cls(out, out.with_name(f"{stem}_data_dictionary.csv"),
                   out.with_name(f"{stem}_provenance.txt"),
                   out.with_name(f"{stem}_provenance.json"))

    def all(self) -> list[Path]:
        return [self.data, self.dictionary, self.provenance_txt, self.provenance_json]


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, prefixed with a single quote.

    Only text columns are touched; a text cell that is a plain number (``-3.5``) is left
    as it is, so negative numbers stay numbers.
    """
    changed = {}
    for column in _text_columns(table):
        values = table[column].astype("string")
        risky = values.str.startswith(FORMULA_START) & ~values.str.fullmatch(_NUMBER)
        if risky.fillna(False).any():
            changed[column] = values.mask(risky.fillna(False), "'" + values)
    return table.assign(**changed) if changed else table


def _text_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns
            if c != "geometry" and (pd.api.types.is_string_dtype(table[c].dtype)
                                    or isinstance(table[c].dtype, pd.CategoricalDtype))]


def csv_text(table: pd.DataFrame) -> str:
    """``table`` as CSV text (no index), formula-like text cells neutralised."""
    return neutralise_formulas(table).to_csv(index=False, lineterminator="\n")


def csv_bytes(table: pd.DataFrame) -> bytes:
    """``table`` as a CSV file for spreadsheets: UTF-8 with a byte order mark, neutralised."""
    return csv_text(table).encode("utf-8-sig")


def write_data(data: pd.DataFrame, fmt: str, path: Path, level: str,
               boundaries: gpd.GeoDataFrame | None, dictionary: pd.DataFrame,
               provenance: Sequence[Provenance]) -> list[str]:
    """Write the data file; returns notes about it for the provenance record."""
    if fmt == "csv":
        write_csv(data, path)
    elif fmt == "parquet":
        write_atomic(path, lambda tmp: data.to_parquet(tmp, index=False))
    elif fmt == "gpkg":
        return _write_gpkg(data, path, level, boundaries)
    else:
        _write_xlsx(data, path, dictionary, provenance)
    return []


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` through ``write`` into a temporary file renamed into place."""
    with atomic_path(path) as tmp:
        write(tmp)
        tmp.chmod(0o644)  # the temporary file is private; an export is for sharing


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write ``table`` as :func:`csv_bytes` (neutralised UTF-8 CSV with a byte order mark)."""
    write_atomic(path, lambda tmp: tmp.write_bytes(csv_bytes(table)))


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as a UTF-8 file."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _write_gpkg(data: pd.DataFrame, path: Path, level: str,
                boundaries: gpd.GeoDataFrame | None) -> list[str]:
    import pyogrio

    if boundaries is None:
        frame, notes = data, ["GeoPackage attribute table without geometry."]
    else:
        frame, notes = join_geometry(data, boundaries)

    def write(tmp: Path) -> None:
        tmp.unlink()  # GDAL creates the GeoPackage itself and refuses an empty file
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*extension.*")
            pyogrio.write_dataframe(frame, tmp, layer=level, driver="GPKG",
                                    promote_to_multi=boundaries is not None)

    write_atomic(path, write)
    return notes


def join_geometry(data: pd.DataFrame, boundaries: gpd.GeoDataFrame,
                  ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """``data`` with each area's boundary (EPSG:4326), joined on ``area_code``.

    Returns
    -------
    tuple
        The GeoDataFrame (an area without a boundary keeps an empty geometry) and notes
        saying how many areas have none.

    Raises
    ------
    ValueError
        When the boundaries have no CRS, no area_code or geometry, or a code twice.
    """
    import geopandas as gpd

    if "area_code" not in boundaries.columns or "geometry" not in boundaries.columns:
        raise ValueError("boundaries need area_code and geometry columns")
    if boundaries.crs is None:
        raise ValueError("boundaries have no CRS; cannot place them in EPSG:4326")
    duplicated = boundaries["area_code"][boundaries["area_code"].duplicated()]
    if not duplicated.empty:
        raise ValueError(f"boundaries hold area codes twice: {sorted(set(duplicated))[:5]}")
    shapes = boundaries[["area_code", "geometry"]].to_crs(EXPORT_CRS)
    joined = data.merge(shapes, on="area_code", how="left", validate="many_to_one")
    frame = gpd.GeoDataFrame(joined, geometry="geometry", crs=EXPORT_CRS)
    unmatched = frame.loc[frame.geometry.isna(), "area_code"]
    notes = []
    if not unmatched.empty:
        notes.append(f"{unmatched.nunique()} area(s) have no boundary in the boundary layer "
                     f"and an empty geometry, e.g. {', '.join(unmatched.unique()[:5])}.")
    return frame, notes


def _write_xlsx(data: pd.DataFrame, path: Path, dictionary: pd.DataFrame,
                provenance: Sequence[Provenance]) -> None:
    from openpyxl import Workbook

    if len(data) + 1 > XLSX_MAX_ROWS:
        raise ValueError(f"{len(data):,} rows do not fit in a spreadsheet "
                         f"({XLSX_MAX_ROWS:,} rows at most); export csv or parquet instead")
    book = Workbook(write_only=True)
    for title, frame in (("data", data), ("dictionary", dictionary),
                         ("sources", sources_table(provenance))):
        _fill_sheet(book.create_sheet(title), frame)
    write_atomic(path, book.save)


def _fill_sheet(sheet, frame: pd.DataFrame) -> None:
    from openpyxl.cell import WriteOnlyCell

    def text_cell(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # a text cell, never a formula
        return cell

    values = frame.astype(object).where(frame.notna(), None)
    for column in _text_columns(frame):
        formula_like = frame[column].astype("str").str.startswith("=").fillna(False)
        if formula_like.any():
            values.loc[formula_like, column] = values.loc[formula_like, column].map(text_cell)
    sheet.append(list(frame.columns))
    for row in values.itertuples(index=False, name=None):
        sheet.append(row)
