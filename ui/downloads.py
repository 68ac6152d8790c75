"""The Streamlit side of the Downloads page: what can be exported, and the zip built on click.

The export itself is :func:`indicators.export.export_from_cache`, the same function as
``python -m data_sources export``; this module only reads what the page needs to offer
choices (levels, regions and districts, row counts, the data dictionary) and packs an
export's files into one zip. The zip is built by a callable handed to
``st.download_button``, so nothing is written until someone clicks.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import streamlit as st

from data_sources.cache import Cache, Provenance, open_cache
from data_sources.errors import NotCachedError
from geo.hierarchy import build_hierarchy
from indicators.catalogue import data_dictionary
from indicators.export import (
    BOUNDARY_LAYERS,
    JOINED_INDICATORS,
    AreaFilter,
    columns_at_level,
    export_from_cache,
    inputs_of,
)
from ui.cached import manifest_stamp

LEVEL_LABELS = {
    "lad": "Local authority districts (LAD 2022)",
    "msoa": "Neighbourhoods (MSOA 2021)",
    "lsoa": "Small areas (LSOA 2021)",
}
LEVEL_NOUNS = {"lad": ("district", "districts"), "msoa": ("MSOA", "MSOAs"),
               "lsoa": ("LSOA", "LSOAs")}
FORMAT_LABELS = {
    "csv": "CSV: opens in any spreadsheet",
    "parquet": "Parquet: for Python, R or DuckDB",
    "gpkg": "GeoPackage: with boundaries, for QGIS or ArcGIS",
    "xlsx": "Excel workbook: data, dictionary and sources sheets",
}
FORMAT_WORDS = {"csv": "CSV", "parquet": "Parquet", "gpkg": "GeoPackage", "xlsx": "Excel"}
"""Each format's name in a button label and a zip file name."""
INDEX_COLUMNS = ["area_code", "level", "lad_code", "region_code"]


def _cache_dir() -> str:
    return str(open_cache().root)


@st.cache_data(ttl=3600, show_spinner=False)
def _regions_and_districts(cache_dir: str, stamp: float) -> pd.DataFrame:
    cache = Cache(Path(cache_dir))
    try:
        lookup = cache.load_table("lookup_lsoa21_msoa21_lad22")
        regions = cache.load_table("lookup_lad22_region")
    except NotCachedError:
        return pd.DataFrame(columns=["area_code", "area_name", "level", "region_code"])
    areas = build_hierarchy(lookup, regions)
    areas = areas[areas["level"].isin(["region", "lad"])]
    return areas[["area_code", "area_name", "level", "region_code"]].sort_values("area_name")


def load_regions_and_districts() -> pd.DataFrame:
    """Regions and districts of the 2021 hierarchy (empty when the lookups are not cached)."""
    return _regions_and_districts(_cache_dir(), manifest_stamp())


@st.cache_data(ttl=3600, show_spinner=False)
def _joined_index(cache_dir: str, stamp: float) -> tuple[pd.DataFrame, list[str]] | None:
    cache = Cache(Path(cache_dir))
    entry = cache.provenance(JOINED_INDICATORS)
    if entry is None or not entry.file:
        return None
    columns = pq.read_schema(cache.root / entry.file).names
    return cache.load_table(JOINED_INDICATORS, columns=INDEX_COLUMNS), columns


def load_joined_index() -> tuple[pd.DataFrame, list[str]] | None:
    """The key columns of the joined dataset and all its column names; None when not built."""
    return _joined_index(_cache_dir(), manifest_stamp())


def joined_provenance() -> list[Provenance]:
    """The joined dataset's provenance followed by that of each of its cached inputs."""
    manifest = open_cache().manifest()
    return inputs_of(manifest, JOINED_INDICATORS) if JOINED_INDICATORS in manifest else []


def boundaries_cached(level: str) -> bool:
    """Whether the boundary layer a GeoPackage of ``level`` carries is in the cache."""
    entry = open_cache().provenance(BOUNDARY_LAYERS[level])
    return entry is not None and bool(entry.file)


def count_rows(index: pd.DataFrame, level: str, area_filter: AreaFilter | None) -> int:
    """How many areas an export of ``level`` within ``area_filter`` holds."""
    rows = index[index["level"] == level]
    if area_filter is not None:
        rows = rows[rows[area_filter.column] == area_filter.code]
    return len(rows)


def dictionary_at(columns: list[str], level: str) -> pd.DataFrame:
    """The data dictionary of the columns an export of ``level`` writes (without geometry)."""
    return data_dictionary(columns_at_level(pd.DataFrame(columns=columns), level).columns)


def export_stem(level: str, area_filter: AreaFilter | None) -> str:
    """The name of an export's files: ``good-relations-atlas_<level>_<where>``."""
    where = area_filter.code if area_filter else "england"
    return f"good-relations-atlas_{level}_{where}"


def zip_name(level: str, fmt: str, area_filter: AreaFilter | None) -> str:
    """The zip's name says the format; the files inside carry only their own suffix."""
    return f"{export_stem(level, area_filter)}_{FORMAT_WORDS[fmt]}.zip"


def build_export_zip(cache_dir: str, level: str, fmt: str,
                     area_filter: AreaFilter | None) -> bytes:
    """Export the joined dataset into a temporary folder and return its files as one zip.

    Raises whatever :func:`indicators.export.export_from_cache` raises.
    """
    stem = export_stem(level, area_filter)
    with tempfile.TemporaryDirectory(prefix="gra-export-") as tmp:
        written = export_from_cache(Cache(Path(cache_dir)), level, fmt, Path(tmp) / stem,
                                    area_filter)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, arcname=f"{stem}/{path.name}")
    return buffer.getvalue()


def render_download_button(level: str, fmt: str, area_filter: AreaFilter | None) -> None:
    """A button whose zip (data, dictionary, provenance) is only built when clicked."""
    st.download_button(
        f"Download {FORMAT_WORDS[fmt]} (zip)",
        data=partial(build_export_zip, _cache_dir(), level, fmt, area_filter),
        file_name=zip_name(level, fmt, area_filter),
        mime="application/zip",
        on_click="ignore",
        type="primary",
        icon=":material/download:",
    )
