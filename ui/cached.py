"""Streamlit caching around the data layer, so pages answer from memory after first use.

The files on disk are the real cache; these wrappers only spare re-reading them on every
rerun. Reference data keeps for an hour, and a manifest change (a refresh) invalidates it
because the manifest's modification time is part of the cache key.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import streamlit as st

from data_sources.cache import Provenance, open_cache
from data_sources.errors import NotCachedError
from data_sources.postcodes import PostcodeArea, lookup_postcode
from data_sources.registry import DATASETS
from data_sources.status import StatusRow, cache_status
from geo.hierarchy import add_local_names, build_hierarchy, local_labels
from geo.tiles import TileIndex, load_tile_index
from indicators.benchmarks import BENCHMARK_TABLE
from indicators.catalogue import INTERVAL_SUFFIXES, Indicator, get_indicator, indicators_for
from indicators.formatting import is_share
from indicators.joined import AREA_TABLE, reasons_by_column
from settings import get_settings
from ui.joined_levels import read_levels, share_empty_columns
from ui.map_payload import MapLayer, PlacedValues, place_values
from ui.map_view import Classes, classify, map_table, random_placement
from ui.routes import tile_url

LSOA_LOOKUP = "lookup_lsoa21_msoa21_lad22"
REGION_LOOKUP = "lookup_lad22_region"
WARD_LOOKUP = "lookup_lsoa21_ward24_lad24"
MSOA_NAMES = "msoa_names_hocl"
HOVER_LOCAL_NAMES = 7_000
"""Most areas whose local names ride in the map's hover notes (every region's LSOAs and
England's MSOAs; England's 33,755 LSOAs would add about a megabyte to each map)."""


def manifest_stamp() -> float:
    """When the cache manifest last changed (0 when there is none)."""
    path = get_settings().cache_dir / "manifest.json"
    return path.stat().st_mtime if path.is_file() else 0.0


@st.cache_data(ttl=3600, show_spinner=False)
def _status(cache_dir: str, stamp: float) -> list[StatusRow]:
    return cache_status(open_cache(), DATASETS)


def load_status() -> list[StatusRow]:
    """Every dataset's cache state, vintage and provenance."""
    return _status(str(get_settings().cache_dir), manifest_stamp())


# ---------------------------------------------------------------- map and sidebar data
# Every loader is keyed by the cache directory and the manifest's modification time, so a
# refresh (which rewrites the manifest) is picked up without restarting the app.


def data_ready() -> bool:
    """Whether the joined dataset the pages read is cached."""
    entry = open_cache().provenance(AREA_TABLE)
    return bool(entry and entry.file)


# The joined rows and the hierarchy are read by every page of every session: one shared,
# read-only copy each (st.cache_resource) instead of unpickling a copy on every call
# (st.cache_data), which cost a fifth of a map rerun. Callers never modify them in place:
# they filter, select or compute new frames (pandas' copy-on-write keeps those apart).
# The joined table is read once for all levels, small (ui.joined_levels).
@st.cache_resource(ttl=3600, show_spinner=False, max_entries=2)
def _joined_levels(cache_dir: str, stamp: float) -> dict[str | None, pd.DataFrame]:
    return read_levels(open_cache(), AREA_TABLE)


def load_joined(level: str) -> pd.DataFrame:
    """The rows of ``joined_area_indicator`` at ``level`` (its NA reasons in ``attrs``)."""
    levels = _joined_levels(str(get_settings().cache_dir), manifest_stamp())
    return levels.get(level, levels[None])


# Selecting a district's rows takes every one of the table's 500-odd columns: kept, since
# every visit of a district's map asks for the same few, with the empty columns shared
# again (taking rows copies them: 23 MB for London's LSOAs instead of about 2).
@st.cache_resource(ttl=3600, show_spinner=False, max_entries=64)
def _joined_within(cache_dir: str, stamp: float, level: str, district: str | None,
                   region: str | None) -> pd.DataFrame:
    rows = load_joined(level)
    if district:
        rows = rows[rows["lad_code"] == district]
    elif region:
        rows = rows[rows["region_code"] == region]
    else:
        return rows
    return share_empty_columns(rows.reset_index(drop=True))


def load_joined_within(level: str, district: str | None = None,
                       region: str | None = None) -> pd.DataFrame:
    """The :func:`load_joined` rows of ``level`` within ``district`` (else ``region``,
    else England), indexed from 0."""
    return _joined_within(str(get_settings().cache_dir), manifest_stamp(), level, district,
                          region)


@st.cache_resource(ttl=3600, show_spinner=False, max_entries=2)
def _benchmarks(cache_dir: str, stamp: float) -> pd.DataFrame | None:
    try:
        return open_cache().load_table(BENCHMARK_TABLE)
    except NotCachedError:
        return None


def load_benchmarks() -> pd.DataFrame | None:
    """The region and England figures of every indicator (``joined_benchmarks``), or None
    when the joined dataset was built before they existed (shared by every session: read
    only)."""
    return _benchmarks(str(get_settings().cache_dir), manifest_stamp())


def load_na_reasons() -> dict[str, str]:
    """Why columns of the joined dataset are empty, by the text naming them."""
    return dict(reasons_by_column(load_joined("lad")))


@st.cache_resource(ttl=3600, show_spinner=False, max_entries=2)
def _hierarchy(cache_dir: str, stamp: float) -> pd.DataFrame:
    cache = open_cache()
    areas = build_hierarchy(cache.load_table(LSOA_LOOKUP), cache.load_table(REGION_LOOKUP))
    return add_local_names(areas, _optional_table(WARD_LOOKUP, ["lsoa21_code", "ward24_name"]),
                           _optional_table(MSOA_NAMES, ["msoa21_code", "msoa21_hcl_name"]))


def _optional_table(dataset: str, columns: list[str]) -> pd.DataFrame | None:
    try:
        return open_cache().load_table(dataset, columns=columns)
    except NotCachedError:
        return None


def load_hierarchy() -> pd.DataFrame:
    """Every area of England with its level and ancestors (``geo.hierarchy``).

    Falls back to the areas of the joined dataset when the lookups are not cached.
    """
    try:
        return _hierarchy(str(get_settings().cache_dir), manifest_stamp())
    except NotCachedError:
        frames = [load_joined(level) for level in ("lsoa", "msoa", "lad")]
        areas = pd.concat(frames)[["area_code", "area_name", "level", "lad_code",
                                   "region_code"]]
        return add_local_names(areas.assign(parent_code=pd.NA, msoa_code=pd.NA)
                               .astype("string"))


@st.cache_resource(ttl=3600, show_spinner=False, max_entries=2)
def _ward_lookup(cache_dir: str, stamp: float) -> pd.DataFrame:
    return open_cache().load_table(WARD_LOOKUP)


def load_ward_lookup() -> pd.DataFrame:
    """The LSOA 2021 → ward 2024 → district 2024 lookup (shared by every session: read
    only).

    Raises
    ------
    NotCachedError
        When the lookup has not been fetched.
    """
    return _ward_lookup(str(get_settings().cache_dir), manifest_stamp())


@st.cache_data(ttl=3600, show_spinner=False)
def _available(cache_dir: str, stamp: float, level: str) -> list[str]:
    rows = load_joined(level)
    return [e.id for e in indicators_for(level)
            if e.id in rows.columns and not e.id.endswith(INTERVAL_SUFFIXES)
            and pd.api.types.is_numeric_dtype(rows[e.id]) and rows[e.id].notna().any()]


def load_available_indicators(level: str) -> list[Indicator]:
    """Catalogue indicators of ``level`` that have at least one number in the cache."""
    ids = _available(str(get_settings().cache_dir), manifest_stamp(), level)
    return [get_indicator(i) for i in ids]


# A tile index holds the code list and extents of an archive; one read-only copy serves
# every session.
@st.cache_resource(ttl=3600, show_spinner=False, max_entries=8)
def _tile_index(cache_dir: str, stamp: float, name: str) -> TileIndex:
    return load_tile_index(open_cache(), name)


def _optional_tile_url(name: str) -> str | None:
    try:
        return tile_url(_tile_index(str(get_settings().cache_dir), manifest_stamp(), name).file)
    except NotCachedError:
        return None


def load_map_layer(level: str) -> MapLayer:
    """The tile archives of a map of ``level``: its areas, districts and regions.

    Raises
    ------
    NotCachedError
        When the archive of ``level`` has not been built.
    """
    areas = _tile_index(str(get_settings().cache_dir), manifest_stamp(), level)
    return MapLayer(level, areas, tile_url(areas.file), _optional_tile_url("lad"),
                    _optional_tile_url("region"))


class IndicatorMap(NamedTuple):
    """An indicator on the map: its table, and per area of the map (in the order of
    :func:`load_joined` rows of the place) its value, hover note, class and whether it is
    drawn hatched (None for an indicator without random-placement columns); the values
    placed on the map's tiles (None when the tiles are not built)."""

    table: pd.DataFrame
    values: pd.Series
    notes: pd.Series
    classes: Classes
    hatched: pd.Series | None = None
    placed: PlacedValues | None = None


@st.cache_resource(ttl=3600, show_spinner=False, max_entries=64)
def _indicator_map(cache_dir: str, stamp: float, level: str, indicator_id: str,
                   district: str | None, region: str | None, scheme: str) -> IndicatorMap:
    rows = load_joined_within(level, district, region)
    indicator = get_indicator(indicator_id)
    table = map_table(rows, indicator, load_na_reasons(), level)
    notes = table.set_index("Code")["Note"].reindex(rows["area_code"]).fillna("")
    if level in ("msoa", "lsoa"):
        table, notes = _with_local_names(table, notes, rows["area_code"])
    values = rows[indicator_id].reset_index(drop=True)
    placed = random_placement(rows, indicator)
    hatched = (None if placed is None
               else placed["random"].astype("boolean").fillna(False).reset_index(drop=True))
    notes = notes.reset_index(drop=True)
    classes = classify(values, scheme, 5, indicator.decimals, is_share(indicator))
    try:
        on_tiles = place_values(layer=load_map_layer(level), codes=rows["area_code"],
                                values=values, classes=classes, notes=notes,
                                indicator=indicator, hatched=hatched)
    except NotCachedError:  # no tiles: the page says so and shows the table
        on_tiles = None
    return IndicatorMap(table, values, notes, classes, hatched, on_tiles)


def _with_local_names(table: pd.DataFrame, notes: pd.Series,
                      codes: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """The names people use in the map's table, and in its hover notes up to
    :data:`HOVER_LOCAL_NAMES` areas (each name is a note text of its own in the payload)."""
    areas = load_hierarchy()
    local = local_labels(areas, table["Code"])
    if not local.str.len().any():
        return table, notes
    table = table.copy()
    table.insert(1, "Local name", local)
    if len(codes) <= HOVER_LOCAL_NAMES:
        names = local_labels(areas, codes).to_numpy()
        notes = pd.Series([f"{n}. {note}" if n and note else n or note
                           for n, note in zip(names, notes, strict=True)], index=notes.index)
    return table, notes


def load_indicator_map(level: str, indicator_id: str, district: str | None,
                       region: str | None, scheme: str) -> IndicatorMap:
    """The table, values, notes and classes of an indicator on the map of the areas of
    ``level`` in a district, a region or England (shared by every session: read only)."""
    return _indicator_map(str(get_settings().cache_dir), manifest_stamp(), level,
                          indicator_id, district, region, scheme)


def load_provenance(dataset: str) -> Provenance | None:
    """The manifest entry of ``dataset`` (None when it was never cached)."""
    return open_cache().provenance(dataset)


@st.cache_data(ttl=86400, show_spinner=False, max_entries=1000)
def look_up_postcode(postcode: str) -> PostcodeArea | None:
    """The areas postcodes.io gives for ``postcode`` (kept a day; a failure is not kept).

    Raises what :func:`data_sources.postcodes.lookup_postcode` raises.
    """
    return lookup_postcode(postcode)
