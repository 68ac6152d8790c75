"""Exports of the joined dataset for researchers: the data, its dictionary and its provenance.

One call of :func:`export_joined` writes three things side by side::

    <name>.<csv|parquet|gpkg|xlsx>     the data (GeoPackage: with each area's boundary)
    <name>_data_dictionary.csv         what every column means (from the catalogue)
    <name>_provenance.txt / .json      every input dataset, its licence and attribution

This module chooses the rows and columns and orchestrates; the per-format writers are in
:mod:`indicators.writers` and the content of the provenance files in
:mod:`indicators.provenance_files`.  Every file is written to a temporary name and renamed
into place, so an interrupted export never leaves a half file that looks complete.  The
functions here are pure apart from writing the files they are asked for: no Streamlit, no
network, no cache access (the command line in :mod:`data_sources.cli` gathers the inputs),
except :func:`export_from_cache` and :func:`export_native`, which read the cache they are
given.

Text stays text in every format: a suppressed count ``"<5"`` is written as the string
``<5``, never as a number.  In CSV, a text cell that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading single
quote; numbers, negative ones included, are left alone.

Level ``lsoa11`` exports the cached ``iod2019_lsoa`` table as published (LSOA 2011 and
LAD 2019 codes) instead of the joined dataset, which holds IoD 2019 mapped to LSOA 2021.
No LSOA 2011 boundaries or 2011 region lookup are cached, so it is refused as a GeoPackage
(a table without geometry would look like map data and is no more use than CSV) and with
a region filter; a district filter matches the LAD 2019 code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from data_sources.cache import Cache, Provenance
from data_sources.errors import NotCachedError
from indicators.provenance_files import provenance_json, provenance_record, provenance_text
from indicators.writers import ExportPaths, write_csv, write_data, write_text

if TYPE_CHECKING:
    import geopandas as gpd

EXPORT_LEVELS = ("lad", "msoa", "lsoa")
JOINED_INDICATORS = "joined_area_indicator"
JOINED_MONTHS = "joined_area_month"
BOUNDARY_LAYERS = {"lad": "boundaries_lad21", "msoa": "boundaries_msoa21",
                   "lsoa": "boundaries_lsoa21"}
"""The boundaries a GeoPackage export carries (LAD 2021 codes are those of LAD 2022 in
England: no English district changed in 2022)."""
NATIVE_TABLES = {"lsoa11": "iod2019_lsoa"}
"""Levels exported as a cached table is published, on its own geography."""
DICTIONARY_COLUMNS = ["column", "label", "definition", "unit", "polarity", "vintage", "source",
                      "licence"]


@dataclass(frozen=True)
class AreaFilter:
    """Keep only the areas of one region or one district (by a column of the joined table)."""

    column: Literal["region_code", "lad_code"]
    code: str

    @classmethod
    def region(cls, code: str) -> AreaFilter:
        return cls("region_code", code)

    @classmethod
    def district(cls, code: str) -> AreaFilter:
        return cls("lad_code", code)

    @property
    def label(self) -> str:
        return f"{'region' if self.column == 'region_code' else 'district'} {self.code}"


def export_joined(
    table: pd.DataFrame,
    level: str,
    fmt: str,
    out: Path,
    *,
    boundaries: gpd.GeoDataFrame | None = None,
    dictionary: pd.DataFrame,
    provenance: Sequence[Provenance],
    area_filter: AreaFilter | None = None,
) -> list[Path]:
    """Write one level of a joined table with its data dictionary and provenance.

    Parameters
    ----------
    table
        A joined table (``joined_area_indicator`` or ``joined_area_month``): one row per
        area (and month) with ``area_code``; rows of other levels are dropped when it has
        a ``level`` column.
    level
        ``lad``, ``msoa``, ``lsoa``, or a level of :data:`NATIVE_TABLES` (``lsoa11``).
    fmt
        ``csv`` (UTF-8 with a byte order mark, formula-like text neutralised),
        ``parquet``, ``gpkg`` (layer named after ``level``, EPSG:4326; an attribute table
        without geometry when ``boundaries`` is None) or ``xlsx`` (sheets ``data``,
        ``dictionary`` and ``sources``).
    out
        The data file; the dictionary and provenance files are written beside it, named
        ``<name>_data_dictionary.csv``, ``<name>_provenance.txt`` and ``.json``.
    boundaries
        area_code and geometry of the areas of ``level`` (any CRS; reprojected to
        EPSG:4326). Used for GeoPackage only; areas without a boundary keep an empty
        geometry and are counted in the provenance notes.
    dictionary
        The data dictionary (columns column, label, definition, unit, polarity, vintage,
        source, licence), e.g. ``indicators.catalogue.data_dictionary(table.columns)``;
        it must describe every exported column.
    provenance
        Every input dataset (and the derived joined table), as recorded in the cache
        manifest: their titles, URLs, fetch times, hashes, licences, attributions and notes
        (NA reasons) go to the provenance files and the ``sources`` sheet.
    area_filter
        Keep only the areas of one region or district (``region_code`` / ``lad_code``).

    Returns
    -------
    list of Path
        The data file, the data dictionary, the provenance text and JSON files.

    Raises
    ------
    ValueError
        On an unknown level or format, a suffix of another format, no rows left after the
        level and area filter, a column missing from the dictionary, boundaries without a
        CRS or with duplicate codes, or more rows than a spreadsheet holds.
    """
    if level not in EXPORT_LEVELS and level not in NATIVE_TABLES:
        raise ValueError(f"unknown level {level!r}; "
                         f"choose one of {[*EXPORT_LEVELS, *NATIVE_TABLES]}")
    paths = ExportPaths.for_output(out, fmt)
    data = select_rows(table, level, area_filter)
    data = text_stays_text(data)
    with_geometry = fmt == "gpkg" and boundaries is not None
    dictionary = dictionary_for(data, dictionary, with_geometry, provenance)
    notes = write_data(data, fmt, paths.data, level, boundaries, dictionary, provenance)
    write_csv(dictionary, paths.dictionary)
    record = provenance_record(paths, level, fmt, len(data), provenance, area_filter,
                               with_geometry, notes)
    write_text(paths.provenance_txt, provenance_text(record))
    write_text(paths.provenance_json, provenance_json(record))
    return paths.all()


def select_rows(table: pd.DataFrame, level: str,
                area_filter: AreaFilter | None = None) -> pd.DataFrame:
    """The rows of ``level`` (when the table has a ``level`` column) within ``area_filter``.

    Raises
    ------
    ValueError
        When the filter's column is absent or no row is left.
    """
    if "area_code" not in table.columns:
        raise ValueError("the table to export has no area_code column")
    rows = table
    if "level" in rows.columns:
        rows = rows[rows["level"] == level]
        if rows.empty:
            raise ValueError(f"the table has no rows at level {level}")
    if area_filter is not None:
        if area_filter.column not in rows.columns:
            raise ValueError(f"cannot filter to {area_filter.label}: the table has no "
                             f"{area_filter.column} column")
        rows = rows[rows[area_filter.column] == area_filter.code]
        if rows.empty:
            raise ValueError(f"no {level} areas in {area_filter.label} (is the code right?)")
    return rows.reset_index(drop=True)


def text_stays_text(table: pd.DataFrame) -> pd.DataFrame:
    """Columns of mixed Python objects (e.g. ``"<5"`` beside counts) as text throughout.

    A column that mixes a suppressed ``"<5"`` with numbers cannot be a number column in
    Parquet or a GeoPackage; making all of it text keeps ``"<5"`` from ever being read as
    a number and keeps the column's type the same in every format.
    """
    mixed = [c for c in table.columns if table[c].dtype == object and c != "geometry"
             and not table[c].dropna().map(type).eq(str).all()]
    if not mixed:
        return table
    return table.assign(**{c: table[c].map(_as_text, na_action="ignore").astype("str")
                           for c in mixed})


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def dictionary_for(data: pd.DataFrame, dictionary: pd.DataFrame, with_geometry: bool,
                   provenance: Sequence[Provenance]) -> pd.DataFrame:
    """The dictionary rows of the exported columns, in column order (plus geometry).

    Raises
    ------
    ValueError
        When the dictionary lacks a required field or does not describe a column.
    """
    missing_fields = [f for f in DICTIONARY_COLUMNS if f not in dictionary.columns]
    if missing_fields:
        raise ValueError(f"the data dictionary lacks the fields {missing_fields}")
    by_column = dictionary.drop_duplicates("column").set_index("column", drop=False)
    undocumented = [c for c in data.columns if c not in by_column.index]
    if undocumented:
        raise ValueError(f"the data dictionary does not describe the columns {undocumented}")
    rows = by_column.loc[list(data.columns), DICTIONARY_COLUMNS].reset_index(drop=True)
    if with_geometry:
        rows = pd.concat([rows, _geometry_entry(provenance)], ignore_index=True)
    return rows


def _geometry_entry(provenance: Sequence[Provenance]) -> pd.DataFrame:
    layers = [p for p in provenance if p.dataset.startswith(("boundaries_", "web_"))]
    return pd.DataFrame([{
        "column": "geometry",
        "label": "Boundary",
        "definition": "The area's boundary as published by the ONS Open Geography Portal, "
                      "in WGS 84 longitude/latitude (EPSG:4326).",
        "unit": "degrees",
        "polarity": "neutral",
        "vintage": "; ".join(dict.fromkeys(p.vintage for p in layers)),
        "source": ", ".join(p.dataset for p in layers),
        "licence": "; ".join(dict.fromkeys(p.licence for p in layers)),
    }])


# ------------------------------------------------------------------------- from the cache
def export_from_cache(cache: Cache, level: str, fmt: str, out: Path,
                      area_filter: AreaFilter | None = None) -> list[Path]:
    """Export the cached joined dataset at ``level``: area × indicator, and area × month.

    The area × indicator table goes to ``out``; the area × month table (when cached and
    holding rows for these areas) to ``<name>_months`` beside it, with its own dictionary
    and provenance. A GeoPackage carries the full-resolution boundaries of
    :data:`BOUNDARY_LAYERS` (the monthly table: an attribute table without geometry).
    Level ``lsoa11`` writes the cached ``iod2019_lsoa`` table as published instead
    (:func:`export_native`).

    Returns
    -------
    list of Path
        Every file written.

    Raises
    ------
    NotCachedError
        When the joined dataset (or, for a GeoPackage, the boundary layer) is not cached.
    KeyError
        When a column of the joined table has no catalogue entry.
    ValueError
        As :func:`export_joined`.
    """
    from indicators.catalogue import data_dictionary

    if level in NATIVE_TABLES:
        return export_native(cache, level, fmt, out, area_filter)
    manifest = cache.manifest()
    indicators = select_rows(_load_joined(cache, JOINED_INDICATORS), level, area_filter)
    indicators = columns_at_level(indicators, level)
    boundaries, layer = None, []
    if fmt == "gpkg":
        boundaries = cache.load_table(BOUNDARY_LAYERS[level])
        layer = [manifest[BOUNDARY_LAYERS[level]]]
    written = export_joined(
        indicators, level, fmt, out, boundaries=boundaries,
        dictionary=data_dictionary(list(indicators.columns)),
        provenance=inputs_of(manifest, JOINED_INDICATORS) + layer,
    )
    months = _cached_months(cache, level, set(indicators["area_code"]))
    if months is not None:
        data_file = written[0]
        written += export_joined(
            months, level, fmt, data_file.with_name(f"{data_file.stem}_months{data_file.suffix}"),
            dictionary=data_dictionary(list(months.columns)),
            provenance=inputs_of(manifest, JOINED_MONTHS),
        )
    return written


def export_native(cache: Cache, level: str, fmt: str, out: Path,
                  area_filter: AreaFilter | None = None) -> list[Path]:
    """Export the cached table of :data:`NATIVE_TABLES` ``level`` as published.

    ``lsoa11``: IoD 2019 File 7 on its own LSOA 2011 geography, with the LAD 2019 codes
    and names it was published with, described by
    :func:`indicators.catalogue.iod2019_native_dictionary`; the provenance names
    ``iod2019_lsoa``.

    Returns
    -------
    list of Path
        The data file, the data dictionary, the provenance text and JSON files.

    Raises
    ------
    ValueError
        For a GeoPackage (no LSOA 2011 boundaries are cached), a region filter (no 2011
        region lookup is cached), or a district code no LSOA carries; as
        :func:`export_joined` otherwise.
    NotCachedError
        When the table is not cached.
    """
    from indicators.catalogue import iod2019_native_dictionary

    if fmt == "gpkg":
        raise ValueError(f"level {level} cannot be exported as a GeoPackage: no LSOA 2011 "
                         "boundaries are cached; choose csv, parquet or xlsx")
    if area_filter is not None and area_filter.column == "region_code":
        raise ValueError(f"level {level} cannot be filtered to {area_filter.label}: no LSOA "
                         "2011 to region lookup is cached; filter by a LAD 2019 district code")
    dataset = NATIVE_TABLES[level]
    table = cache.load_table(dataset)
    try:
        select_rows(table, level, area_filter)
    except ValueError as exc:
        raise ValueError(f"{exc}; {level} areas carry the LAD 2019 codes of IoD 2019") from exc
    return export_joined(table, level, fmt, out,
                         dictionary=iod2019_native_dictionary(table.columns),
                         provenance=[cache.manifest()[dataset]], area_filter=area_filter)


def _load_joined(cache: Cache, dataset: str) -> pd.DataFrame:
    try:
        return cache.load_table(dataset)
    except NotCachedError as exc:
        raise NotCachedError(f"{exc} Then build the joined dataset with "
                             "`python -m data_sources build`.") from exc


def _cached_months(cache: Cache, level: str, areas: set[str]) -> pd.DataFrame | None:
    """The area × month rows of these areas at ``level``, or None when there are none."""
    if JOINED_MONTHS not in cache.manifest():
        return None
    months = cache.load_table(JOINED_MONTHS)
    if "level" in months.columns:
        months = months[months["level"] == level]
    months = months[months["area_code"].isin(areas)].reset_index(drop=True)
    return None if months.empty else columns_at_level(months, level)


def columns_at_level(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """``table`` without the catalogue's columns that do not exist at ``level``.

    A column the catalogue does not know is kept (the data dictionary then refuses it).
    """
    from indicators.catalogue import CATALOGUE

    keep = [c for c in table.columns if c not in CATALOGUE or level in CATALOGUE[c].levels]
    return table[keep]


def inputs_of(manifest: dict[str, Provenance], dataset: str) -> list[Provenance]:
    """A derived table's provenance followed by that of each input its notes name.

    The joined tables' notes name each input they were built from as
    ``input <dataset>: sha256 …, fetched at …``; those still cached are listed.
    """
    derived = manifest[dataset]
    named = {m.group(1) for note in derived.notes
             for m in [re.match(r"input (\S+): ", note)] if m}
    inputs = [p for name, p in manifest.items() if name in named and p.file]
    return [derived, *inputs]
