"""Map tiles: one PMTiles vector-tile archive per level of areas, built from the cache.

The browser draws the map from these archives (MapLibre GL with the PMTiles protocol),
so geometry never travels through the app's websocket: Python sends only values per
feature id. :data:`TILE_LAYERS` lists the archives; :func:`build_tiles` builds them with
tippecanoe from the cached boundaries and stores each as dataset ``tiles_<name>`` under
``tiles/`` in the cache, with its code list beside it; :func:`load_tile_index` reads that
code list back.

Every archive has a polygon layer :data:`AREAS_LAYER`: one feature per area with the
numeric feature id = the area's index in the archive's sorted code list (the ``id`` the
browser's ``feature-state`` is keyed by) and the properties ``code`` (GSS code) and
``name``. The region and district archives also have a point layer
:data:`LABELS_LAYER`: one point per area at its pole of inaccessibility (the centre of
the largest circle inside it, so always inside, unlike a centroid), with ``code``,
``name``, ``rank`` (1 = the largest area of the layer: use it as MapLibre's
``symbol-sort-key`` so big areas win when labels collide) and ``area_km2``, and the same
feature id as the area. Region labels are in every tile from the archive's minimum zoom;
district labels from z6, where a district is a few dozen pixels wide.

Zoom ranges (MapLibre's 512-pixel tiles: the 900×620 px map of England sits at zoom
5-6.5, a phone's at 4-5, and the smallest district, the City of London, 3 km across,
fills the map at about zoom 13): regions 3-8, districts 3-10, MSOAs 4-11, LSOAs 4-12;
MapLibre over-zooms the deepest tiles above that. Every area is in the tiles of every
zoom of its archive: the build checks it and refuses an archive that lost any.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from data_sources.cache import Cache, Provenance, companion_of
from data_sources.errors import NotCachedError
from geo.layers import BRITISH_GRID, WGS84, check_layer
from geo.tile_archive import ZoomStats, archive_header, zoom_stats
from geo.tippecanoe import (
    TileBuildError,
    find_tippecanoe,
    run_tippecanoe,
    tippecanoe_version,
)

AREAS_LAYER = "areas"
"""Vector-tile layer of the area polygons, in every archive."""
LABELS_LAYER = "labels"
"""Vector-tile layer of the label points (region and district archives only)."""
CODES_SUFFIX = ".codes.json"
COORDINATE_DECIMALS = 6  # 0.1 m: finer than the deepest tiles' grid (about 1.5 m at z12)
BOUNDS_DECIMALS = 5


@dataclass(frozen=True)
class TileLayer:
    """One tile archive: which boundaries it is built from and at which zooms.

    Attributes
    ----------
    name
        ``lad``, ``region``, ``msoa`` or ``lsoa``; stored as dataset ``tiles_<name>``.
    source
        The cached boundary dataset it is built from.
    minzoom, maxzoom
        Zoom range of the tiles (MapLibre over-zooms above ``maxzoom``; below
        ``minzoom`` nothing is drawn).
    title
        What the archive is, for people.
    label_minzoom
        The zoom from which the label points are in the tiles; None: no labels layer.
    low_detail
        Tile grid below ``maxzoom`` as a power of two (12: 4096 units a side).
    """

    name: str
    source: str
    minzoom: int
    maxzoom: int
    title: str
    label_minzoom: int | None = None
    low_detail: int = 12

    @property
    def dataset(self) -> str:
        return f"tiles_{self.name}"


# The LSOA tiles below z12 use an 8192-unit grid: on tippecanoe's 4096 a z4 unit is about
# 370 m and 16 of London's smallest LSOAs round away at z4 (measured on the national
# boundaries; bench/RESULTS.md). It costs about 10 % more bytes at z4-z6.
TILE_LAYERS: tuple[TileLayer, ...] = (
    TileLayer("lad", "boundaries_lad21", 3, 10, "Local authority districts 2021, map tiles",
              label_minzoom=6),
    TileLayer("region", "boundaries_region", 3, 8, "Regions 2021, map tiles",
              label_minzoom=3),
    TileLayer("msoa", "boundaries_msoa21", 4, 11, "MSOAs 2021, map tiles"),
    TileLayer("lsoa", "boundaries_lsoa21", 4, 12, "LSOAs 2021, map tiles", low_detail=13),
)
"""The archives, coarsest first."""


@dataclass(frozen=True, eq=False)
class TileIndex:
    """The code list of one stored archive: feature id ↔ GSS code, and each area's bounds.

    Attributes
    ----------
    dataset
        ``tiles_<name>``.
    file
        The archive, relative to the cache root (``tiles/tiles_lsoa-<hash>.pmtiles``).
    codes
        The areas' GSS codes, sorted; an area's feature id is its index here.
    bounds
        Shape (n, 4): min longitude, min latitude, max longitude, max latitude
        (EPSG:4326) of each area, in the order of ``codes``, rounded outwards to 1e-5°.
    minzoom, maxzoom
        The archive's zoom range (from its header).
    """

    dataset: str
    file: str
    codes: tuple[str, ...]
    bounds: np.ndarray
    minzoom: int
    maxzoom: int
    _ids: pd.Index = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ids", pd.Index(self.codes))

    def ids_of(self, codes: Sequence[str] | pd.Series) -> np.ndarray:
        """The feature ids of ``codes`` (int64, in their order; -1 where a code is not in
        the archive)."""
        # A hash look-up in C; a Series is looked up without copying it to a list.
        return self._ids.get_indexer(codes if isinstance(codes, pd.Series)
                                     else list(codes)).astype(np.int64)

    def codes_of(self, ids: Sequence[int]) -> list[str]:
        """The GSS codes of feature ids (the inverse of :meth:`ids_of`).

        Raises
        ------
        IndexError
            When an id is not a feature of the archive.
        """
        return [self.codes[i] if 0 <= i < len(self.codes) else _missing(i) for i in ids]

    def extent(self, codes: Sequence[str] | None = None) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) around ``codes`` (all areas when None);
        codes not in the archive are left out.

        Raises
        ------
        ValueError
            When none of ``codes`` is in the archive.
        """
        if codes is None:
            return self.extent_of_ids(np.arange(len(self.codes)))
        ids = self.ids_of(codes)
        if not (ids >= 0).any():
            raise ValueError(f"none of the {len(ids)} area code(s) asked for is in "
                             f"{self.dataset}")
        return self.extent_of_ids(ids[ids >= 0])

    def extent_of_ids(self, ids: np.ndarray) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) around feature ids of the archive (at least
        one)."""
        chosen = self.bounds[ids]
        return (float(chosen[:, 0].min()), float(chosen[:, 1].min()),
                float(chosen[:, 2].max()), float(chosen[:, 3].max()))


def _missing(feature_id: int) -> str:
    raise IndexError(f"no feature {feature_id} in the archive")


def tile_layer(name: str) -> TileLayer:
    """The archive called ``name`` (``lad``, ``region``, ``msoa`` or ``lsoa``).

    Raises
    ------
    ValueError
        When there is no such archive.
    """
    for spec in TILE_LAYERS:
        if spec.name == name:
            return spec
    raise ValueError(f"no tile archive called {name!r}; there are "
                     f"{', '.join(spec.name for spec in TILE_LAYERS)}")


def load_tile_index(cache: Cache, name: str) -> TileIndex:
    """The code list and bounds of the stored archive ``name``, as published beside it.

    Raises
    ------
    NotCachedError
        When the archive has not been built into this cache.
    ValueError
        When there is no archive called ``name``.
    """
    spec = tile_layer(name)
    entry = cache.provenance(spec.dataset)
    if entry is None or not entry.file:
        raise NotCachedError(f"{spec.dataset} is not in the cache at {cache.root}. "
                             "Run `python -m data_sources build`.")
    published = json.loads((cache.root / companion_of(entry.file, CODES_SUFFIX)).read_text(
        encoding="utf-8"))
    header = archive_header(cache.root / entry.file)
    return TileIndex(
        dataset=spec.dataset, file=entry.file, codes=tuple(published["codes"]),
        bounds=np.asarray(published["bounds"], dtype=np.float64).reshape(-1, 4),
        minzoom=header["min_zoom"], maxzoom=header["max_zoom"],
    )


# ---------------------------------------------------------------- building


def build_tiles(cache: Cache) -> list[Provenance]:
    """Build every archive of :data:`TILE_LAYERS` from the cache and store it.

    Parameters
    ----------
    cache
        The cache holding the boundary layers.

    Returns
    -------
    list of Provenance
        One per archive stored, in :data:`TILE_LAYERS` order. An archive whose source is
        not cached is not built: the failure is recorded on its manifest entry (so
        ``python -m data_sources status`` says why) and any earlier archive is kept.

    Raises
    ------
    TileBuildError
        When tippecanoe is missing (nothing is built); or, after the other archives are
        built and stored, when tippecanoe failed for one or an archive lost areas. Each
        failure is also recorded on the dataset's manifest entry, and its earlier archive
        stays in use.

    Notes
    -----
    Each provenance has source ``derived``; title, vintage, geography, licence,
    attribution and URL of the source layer; rows = areas; and notes giving the
    tippecanoe version and options, zoom range, bytes, and by zoom the number of tiles,
    the largest tile (bytes as stored, gzip-compressed: what the browser downloads) and
    the number of areas present.
    """
    ready = []
    for spec in TILE_LAYERS:
        source = cache.provenance(spec.source)
        if source is None or not source.file:
            cache.record_failure(_provenance(spec, source), f"{spec.source} is not cached")
        else:
            ready.append((spec, source))
    if not ready:
        return []
    try:
        binary = find_tippecanoe()
    except TileBuildError as missing:
        for spec, source in ready:
            cache.record_failure(_provenance(spec, source), str(missing))
        raise
    stored, failures = [], []
    for spec, source in ready:
        try:
            stored.append(_build_archive(cache, spec, source, binary))
        except TileBuildError as exc:
            cache.record_failure(_provenance(spec, source), str(exc))
            failures.append(f"{spec.dataset}: {exc}")
    if failures:
        raise TileBuildError("; ".join(failures) + " (earlier archives, if any, stay in use)")
    return stored


def _build_archive(cache: Cache, spec: TileLayer, source: Provenance,
                   binary: Path) -> Provenance:
    """Build one archive in a temporary folder, check it and store it with its code list."""
    areas = sorted_areas(cache.load_table(spec.source, columns=["area_code", "area_name",
                                                                "geometry"]))
    with tempfile.TemporaryDirectory(prefix=f"{spec.dataset}-") as tmp:
        folder = Path(tmp)
        inputs = {AREAS_LAYER: folder / "areas.geojsons"}
        _write_areas(areas, inputs[AREAS_LAYER])
        labels = None
        if spec.label_minzoom is not None:
            labels = label_points(areas)
            inputs[LABELS_LAYER] = folder / "labels.geojsons"
            _write_labels(labels, spec.label_minzoom, inputs[LABELS_LAYER])
        archive = folder / f"{spec.dataset}.pmtiles"
        options = run_tippecanoe(
            binary, inputs, archive, minzoom=spec.minzoom, maxzoom=spec.maxzoom,
            low_detail=spec.low_detail, name=spec.title, attribution=source.attribution)
        stats = zoom_stats(archive, AREAS_LAYER)
        _check_every_area_present(spec, stats, areas)
        provenance = _provenance(spec, source, [
            f"{tippecanoe_version(binary)} options: {' '.join(options)}",
            f"zooms={spec.minzoom}-{spec.maxzoom}", f"features={len(areas)}",
            f"bytes={archive.stat().st_size}",
            *_zoom_notes(stats),
            *([] if labels is None else [
                f"labels={len(labels)} from z{spec.label_minzoom} at each area's pole of "
                "inaccessibility, rank 1 = largest area"]),
        ])
        provenance.rows = len(areas)
        return cache.store_file(archive, provenance, {CODES_SUFFIX: codes_json(areas)})


def sorted_areas(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The areas sorted by code (their feature ids are their positions), in EPSG:4326.

    Raises
    ------
    ValueError
        As :func:`geo.layers.check_layer`.
    """
    check_layer(layer)
    areas = layer.sort_values("area_code", ignore_index=True)
    return areas if areas.crs == WGS84 else areas.to_crs(WGS84)


def _write_areas(areas: gpd.GeoDataFrame, path: Path) -> None:
    """The polygons as a GeoJSON sequence, feature ``id`` = position (tippecanoe keeps it)."""
    # Not --use-attribute-for-id: tippecanoe cannot take 0 from an attribute ("too-large
    # feature ID 0"), but keeps a GeoJSON id of 0.
    table = gpd.GeoDataFrame(
        {"feature_id": np.arange(len(areas), dtype=np.int64),
         "code": areas["area_code"].astype(str), "name": areas["area_name"].astype(str)},
        geometry=areas.geometry.values, crs=WGS84)
    pyogrio.write_dataframe(table, path, driver="GeoJSONSeq", ID_FIELD="feature_id",
                            COORDINATE_PRECISION=COORDINATE_DECIMALS)


def label_points(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One label point per area, inside it, with a rank by size.

    Parameters
    ----------
    areas
        Polygons with ``area_code`` and ``area_name``, in any CRS that is set.

    Returns
    -------
    GeoDataFrame
        Same order: ``code``, ``name``, ``rank`` (1 = largest area), ``area_km2``
        (one decimal) and the point in EPSG:4326.

    Notes
    -----
    The point is the pole of inaccessibility (the centre of the largest circle inside the
    area, found in EPSG:27700 so that a circle is round on the ground): a label placed
    there sits inside the area, with the most room around it, even for a crescent or a
    coastline of islands where the centroid falls outside.
    """
    metric = areas.geometry.to_crs(BRITISH_GRID).values
    centres = shapely.get_point(shapely.maximum_inscribed_circle(metric), 0)
    area_km2 = shapely.area(metric) / 1e6
    order = np.lexsort((areas["area_code"].to_numpy(dtype=str), -area_km2))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    return gpd.GeoDataFrame(
        {"code": areas["area_code"].astype(str).to_numpy(),
         "name": areas["area_name"].astype(str).to_numpy(),
         "rank": rank, "area_km2": np.round(area_km2, 1)},
        geometry=gpd.GeoSeries(centres, crs=BRITISH_GRID).to_crs(WGS84).values, crs=WGS84)


def _write_labels(labels: gpd.GeoDataFrame, minzoom: int, path: Path) -> None:
    """The label points as a GeoJSON sequence, each shown from ``minzoom`` (tippecanoe's
    per-feature ``minzoom``; a GeoJSON writer drops that member, so written here)."""
    lines = []
    for feature_id, row in enumerate(labels.itertuples(index=False)):
        lines.append(json.dumps({
            "type": "Feature", "id": feature_id, "tippecanoe": {"minzoom": minzoom},
            "properties": {"code": row.code, "name": row.name, "rank": int(row.rank),
                           "area_km2": float(row.area_km2)},
            "geometry": {"type": "Point", "coordinates": [
                round(row.geometry.x, COORDINATE_DECIMALS),
                round(row.geometry.y, COORDINATE_DECIMALS)]},
        }, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def codes_json(areas: gpd.GeoDataFrame) -> bytes:
    """``{"codes": [...], "bounds": [[minx, miny, maxx, maxy], ...]}`` of sorted areas,
    bounds rounded outwards to 1e-5 degrees (so they still contain the area)."""
    scale = 10.0 ** BOUNDS_DECIMALS  # exact in binary, unlike 1e-5
    bounds = areas.geometry.bounds.to_numpy() * scale
    rounded = (np.hstack([np.floor(bounds[:, :2]), np.ceil(bounds[:, 2:])]) / scale).tolist()
    body = {"codes": areas["area_code"].astype(str).tolist(), "bounds": rounded}
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def _check_every_area_present(spec: TileLayer, stats: dict[int, ZoomStats],
                              areas: gpd.GeoDataFrame) -> None:
    """Refuse an archive in which an area is missing at any zoom of its range."""
    everyone = set(range(len(areas)))
    problems = []
    for zoom in range(spec.minzoom, spec.maxzoom + 1):
        found = stats[zoom].ids if zoom in stats else set()
        missing = sorted(everyone - found)
        if missing:
            examples = ", ".join(areas["area_code"].iloc[missing[:3]])
            problems.append(f"z{zoom}: {len(missing)} (e.g. {examples})")
    if problems:
        raise TileBuildError(f"areas missing from the tiles of {spec.dataset} at "
                             f"{'; '.join(problems)}; archive not stored")


def _zoom_notes(stats: dict[int, ZoomStats]) -> list[str]:
    def by_zoom(value) -> str:
        return ",".join(f"{zoom}:{value(entry)}" for zoom, entry in stats.items())

    return [f"tiles_by_zoom={by_zoom(lambda e: e.tiles)}",
            f"max_tile_bytes_by_zoom={by_zoom(lambda e: e.max_tile_bytes)}",
            f"features_by_zoom={by_zoom(lambda e: len(e.ids))}"]


def _provenance(spec: TileLayer, source: Provenance | None,
                notes: list[str] | None = None) -> Provenance:
    """The manifest entry of an archive, inheriting what its users must credit."""
    origin = source or Provenance(spec.source, "", "", "", "", "", "", "")
    derived = (f"derived from {spec.source}"
               + (f" fetched {origin.fetched_at}, sha256 {origin.sha256}" if source else ""))
    return Provenance(
        dataset=spec.dataset, source="derived", title=f"{spec.title} ({origin.title})",
        url=origin.url, vintage=origin.vintage, geography=origin.geography,
        licence=origin.licence, attribution=origin.attribution,
        notes=[derived, *(notes or [])],
    )
