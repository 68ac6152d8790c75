"""Boundaries prepared for the web: simplified without gaps, rounded, stored ready to serve.

The cached ONS boundary layers are a *coverage*: neighbouring areas share their edges
vertex for vertex. Simplifying each polygon on its own would move a shared edge
differently on each side and open slivers between neighbours, so the layers are
simplified as one coverage (``GeoSeries.simplify_coverage``, GEOS >= 3.12) in the British
National Grid (EPSG:27700, metres), reprojected to EPSG:4326 for the browser, and their
coordinates rounded to a grid finer than a screen pixel at the zoom each layer is drawn at.

:data:`WEB_LAYERS` lists the prepared layers; :func:`prepare_web_layers` builds them from
the cache and stores them as datasets ``web_<name>``, recording their size as GeoJSON;
:func:`layer_geojson` turns one into the FeatureCollection that Plotly's
``choropleth_map`` draws (feature id = area code).
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data_sources.cache import Cache, Provenance
from data_sources.errors import NotCachedError
from geo.layers import BRITISH_GRID, WGS84, check_layer

LSOA_LOOKUP = "lookup_lsoa21_msoa21_lad22"
# Layers of areas nested in districts get a lad_code column, to draw one district.
NESTED_IN_DISTRICTS = ("boundaries_msoa21", "boundaries_lsoa21")

# GeoPandas >= 1.1 wraps GEOS's coverage simplifier; shapely >= 2.1 has it directly.
HAS_GEOSERIES_SIMPLIFY = hasattr(gpd.GeoSeries, "simplify_coverage")
SIMPLIFIER = (
    "GeoSeries.simplify_coverage" if HAS_GEOSERIES_SIMPLIFY else "shapely.coverage_simplify"
)
# Merging the overlaps of a published coverage needs GEOS >= 3.14.
CAN_CLEAN = hasattr(shapely, "coverage_clean") and shapely.geos_version >= (3, 14, 0)


@dataclass(frozen=True)
class WebLayer:
    """One prepared layer: what it is built from and how coarsely.

    Attributes
    ----------
    name
        Short name; the layer is stored as dataset ``web_<name>``.
    source
        The cached boundary dataset it is built from.
    tolerance_m
        Coverage-simplification tolerance in metres (roughly the square root of the
        area of the triangles removed).
    precision_deg
        Grid the coordinates are rounded to, in degrees (1e-4 ≈ 11 m north–south,
        7 m east–west in England; 1e-5 ten times finer).
    title
        What the layer is, for people.
    scope
        ``national`` (sent whole) or ``district`` (queried per LAD with
        :func:`select_districts`).
    """

    name: str
    source: str
    tolerance_m: float
    precision_deg: float
    title: str
    scope: str

    @property
    def dataset(self) -> str:
        return f"web_{self.name}"


# Tolerances chosen by measuring the national layers (figures in bench/RESULTS.md): at
# these no area's size changes by more than a fifth, and every grid is 1e-5 degrees
# because a coarser one makes rounding break shared edges (overlaps of thousands of m²).
# The ONS layers are already generalised, so an LSOA is mostly the junctions with its
# neighbours, which a gap-free simplification must keep: no tolerance brings the national
# LSOA GeoJSON under 8 MB without deforming thousands of LSOAs (bench/RESULTS.md).
WEB_LAYERS: tuple[WebLayer, ...] = (
    WebLayer("lad", "boundaries_lad21", 500.0, 1e-5,
             "Local authority districts 2021, national map view", "national"),
    WebLayer("msoa", "boundaries_msoa21", 200.0, 1e-5,
             "MSOAs 2021, national map view", "national"),
    WebLayer("lsoa", "boundaries_lsoa21", 100.0, 1e-5,
             "LSOAs 2021, national map view", "national"),
    WebLayer("lsoa_detail", "boundaries_lsoa21", 20.0, 1e-5,
             "LSOAs 2021, detail for the map of one district", "district"),
)
"""The prepared layers, coarsest first."""


# ---------------------------------------------------------------- simplification


def simplify_layer(
    layer: gpd.GeoDataFrame, tolerance_m: float, precision_deg: float = 1e-5
) -> gpd.GeoDataFrame:
    """Simplify a boundary coverage without opening gaps or overlaps between neighbours.

    Parameters
    ----------
    layer
        A coverage of polygons with a unique ``area_code`` column, in any CRS that is set.
    tolerance_m
        Simplification tolerance in metres (Visvalingam–Whyatt: roughly the square root
        of the area of the triangles removed). 0 keeps every vertex.
    precision_deg
        Grid the output coordinates are rounded to, in degrees.

    Returns
    -------
    GeoDataFrame
        The same rows, columns and order, geometry simplified, in EPSG:4326 (longitude,
        latitude). Every geometry is a valid, non-empty Polygon (or MultiPolygon where
        the area has several parts).

    Raises
    ------
    ValueError
        When the layer has no CRS, no ``area_code`` column, repeated or missing codes,
        missing, empty or non-polygonal geometries, or a tolerance or precision out of
        range.

    Notes
    -----
    Simplification runs in EPSG:27700 (metres) on the whole coverage at once with
    ``GeoSeries.simplify_coverage`` (shapely ``coverage_simplify`` where GeoPandas lacks
    it), which moves each shared edge once for both neighbours. Where the published
    layer is not itself a valid coverage (small overlaps), it is first cleaned with
    ``shapely.coverage_clean`` (GEOS >= 3.14). Coordinates are rounded one by one, so a
    vertex shared by neighbours stays shared; a geometry that rounding makes invalid is
    repaired with ``make_valid``, and one that rounding would empty keeps unrounded
    coordinates.
    """
    return _simplify(layer, tolerance_m, precision_deg)[0]


def _simplify(
    layer: gpd.GeoDataFrame, tolerance_m: float, precision_deg: float
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """:func:`simplify_layer`, with notes saying how the coverage was treated."""
    check_layer(layer)
    _check_parameters(tolerance_m, precision_deg)
    metric = gpd.GeoSeries(layer.geometry.to_crs(BRITISH_GRID).values, crs=BRITISH_GRID)
    notes = [f"simplified with {SIMPLIFIER} in {BRITISH_GRID}, tolerance {tolerance_m:g} m"]
    metric, cleaned = _clean_coverage(metric)
    notes += cleaned
    simplified = _simplify_coverage(metric, tolerance_m).to_crs(WGS84).values
    rounded, repaired = _round_coordinates(simplified, precision_deg)
    notes.append(f"coordinates rounded to {precision_deg:g} degrees in {WGS84}")
    notes += repaired
    out = layer.drop(columns=layer.geometry.name).copy()
    out = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(rounded, index=layer.index, crs=WGS84))
    return out, notes


def _check_parameters(tolerance_m: float, precision_deg: float) -> None:
    if not (math.isfinite(tolerance_m) and tolerance_m >= 0):
        raise ValueError(f"tolerance_m must be a finite number of metres >= 0, not {tolerance_m}")
    if not (math.isfinite(precision_deg) and 0 < precision_deg < 1):
        raise ValueError(f"precision_deg must be between 0 and 1 degree, not {precision_deg}")


def _clean_coverage(metric: gpd.GeoSeries) -> tuple[gpd.GeoSeries, list[str]]:
    """The coverage with its overlaps merged into one neighbour, when it has any."""
    geoms = metric.values
    if shapely.coverage_is_valid(geoms):
        return metric, []
    invalid = int((~shapely.is_empty(shapely.coverage_invalid_edges(geoms))).sum())
    if not CAN_CLEAN:
        return metric, [f"{invalid} area(s) overlap a neighbour or do not match its edge "
                        f"in the source; not cleaned (needs GEOS >= 3.14, have "
                        f"{shapely.geos_version_string})"]
    cleaned = shapely.coverage_clean(np.asarray(geoms))
    return gpd.GeoSeries(cleaned, index=metric.index, crs=metric.crs), [
        f"{invalid} area(s) overlapped a neighbour or did not match its edge in the source; "
        "cleaned with shapely.coverage_clean before simplifying"
    ]


def _simplify_coverage(metric: gpd.GeoSeries, tolerance_m: float) -> gpd.GeoSeries:
    if HAS_GEOSERIES_SIMPLIFY:
        return metric.simplify_coverage(tolerance_m)
    simplified = shapely.coverage_simplify(np.asarray(metric.values), tolerance_m)
    return gpd.GeoSeries(simplified, index=metric.index, crs=metric.crs)


def _round_coordinates(geoms: np.ndarray, precision_deg: float) -> tuple[np.ndarray, list[str]]:
    """Round every coordinate to the grid, repair what that breaks, drop repeated points.

    Rounding point by point (not GEOS's default "valid output" mode, which re-nodes each
    polygon on its own) keeps the vertices neighbours share identical.
    """
    geoms = np.asarray(geoms)
    rounded = shapely.set_precision(geoms, precision_deg, mode="pointwise")
    broken = ~shapely.is_valid(rounded)
    rounded[broken] = shapely.make_valid(rounded[broken], method="structure",
                                         keep_collapsed=False)
    emptied = shapely.is_empty(rounded) | ~_is_polygonal(rounded)
    rounded[emptied] = geoms[emptied]
    rounded = shapely.remove_repeated_points(rounded, 0.0)
    notes = []
    if broken.any():
        notes.append(f"{int(broken.sum())} area(s) made invalid by rounding were repaired "
                     "with make_valid")
    if emptied.any():
        notes.append(f"{int(emptied.sum())} area(s) that rounding would collapse keep "
                     "unrounded coordinates")
    return _single_parts_as_polygons(rounded), notes


def _is_polygonal(geoms: np.ndarray) -> np.ndarray:
    types = shapely.get_type_id(geoms)
    return (types == shapely.GeometryType.POLYGON) | (types == shapely.GeometryType.MULTIPOLYGON)


def _single_parts_as_polygons(geoms: np.ndarray) -> np.ndarray:
    """MultiPolygons of one part as plain Polygons (shorter GeoJSON, same shape)."""
    single = (shapely.get_type_id(geoms) == shapely.GeometryType.MULTIPOLYGON) & (
        shapely.get_num_geometries(geoms) == 1
    )
    geoms = geoms.copy()
    geoms[single] = shapely.get_geometry(geoms[single], 0)
    return geoms


# ---------------------------------------------------------------- serving


def layer_geojson(gdf: gpd.GeoDataFrame) -> dict:
    """The layer as a GeoJSON FeatureCollection for Plotly's ``choropleth_map``.

    Parameters
    ----------
    gdf
        A prepared layer: ``area_code`` and polygon geometry, in any CRS that is set.

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "features": [...]}``, one feature per row in row
        order, each with ``id`` = area code, empty ``properties`` (the values to colour by
        travel in the figure's data, not in the shapes) and the geometry in EPSG:4326.
        Pass it as ``geojson=`` with ``locations=<area codes>``; Plotly matches on ``id``.

    Raises
    ------
    ValueError
        When ``area_code`` is missing or the CRS is not set.
    """
    if "area_code" not in gdf.columns:
        raise ValueError(f"layer has no area_code column; it has {list(gdf.columns)}")
    if gdf.crs is None:
        raise ValueError("layer has no CRS; set it before writing GeoJSON")
    geometry = gdf.geometry if gdf.crs == WGS84 else gdf.geometry.to_crs(WGS84)
    # GEOS writes each coordinate in its shortest form, so rounded values stay short.
    texts = shapely.to_geojson(np.asarray(geometry.values))
    shapes = json.loads("[" + ",".join(texts) + "]")
    features = [
        {"type": "Feature", "id": code, "properties": {}, "geometry": shape}
        for code, shape in zip(gdf["area_code"].tolist(), shapes, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def geojson_bytes(gdf: gpd.GeoDataFrame) -> int:
    """Size in bytes of :func:`layer_geojson` as compact JSON (as Plotly sends it)."""
    return len(json.dumps(layer_geojson(gdf), separators=(",", ":")).encode("utf-8"))


def vertex_count(gdf: gpd.GeoDataFrame) -> int:
    """Number of coordinates in the layer's geometries (ring closures included)."""
    return int(shapely.get_num_coordinates(np.asarray(gdf.geometry.values)).sum())


def select_districts(layer: gpd.GeoDataFrame, lad_codes: Collection[str]) -> gpd.GeoDataFrame:
    """The areas of some local authority districts: small areas lying in them (by the
    layer's ``lad_code`` column) or, in a layer of districts, the districts themselves.

    Raises
    ------
    ValueError
        When no area of the layer lies in ``lad_codes``.
    """
    column = "lad_code" if "lad_code" in layer.columns else "area_code"
    chosen = layer[layer[column].isin(list(lad_codes))]
    if chosen.empty:
        named = ", ".join(sorted(lad_codes))
        raise ValueError(f"no area of the layer lies in district(s) {named}")
    return chosen


# ---------------------------------------------------------------- preparing the cache


def prepare_web_layers(cache: Cache) -> list[Provenance]:
    """Build every layer of :data:`WEB_LAYERS` from the cache and store it as ``web_<name>``.

    Parameters
    ----------
    cache
        The cache holding the source boundary layers (and, for the ``lad_code`` column
        of LSOA and MSOA layers, ``lookup_lsoa21_msoa21_lad22``).

    Returns
    -------
    list of Provenance
        One per layer stored, in :data:`WEB_LAYERS` order. A layer whose source is not
        cached is not built: the failure is recorded on its manifest entry (so
        ``python -m data_sources status`` says why) and any earlier copy is kept.

    Notes
    -----
    Each provenance has source ``derived``; title, vintage, geography, licence,
    attribution and URL of the source layer; and notes giving the tolerance, precision,
    feature count, size as compact GeoJSON in bytes and vertex count.
    """
    districts = _district_of_areas(cache)
    stored = []
    for spec in WEB_LAYERS:
        source = cache.provenance(spec.source)
        if source is None or not source.file:
            cache.record_failure(_provenance(spec, source), f"{spec.source} is not cached")
            continue
        layer = cache.load_table(spec.source, columns=["area_code", "area_name", "geometry"])
        prepared, notes = _simplify(layer, spec.tolerance_m, spec.precision_deg)
        if spec.source in NESTED_IN_DISTRICTS:
            prepared.insert(2, "lad_code", prepared["area_code"].map(districts).astype("string"))
        stored.append(cache.store_table(prepared, _provenance(spec, source, prepared, notes)))
    return stored


def _district_of_areas(cache: Cache) -> pd.Series:
    """LAD 2022 code by LSOA and MSOA 2021 code (empty when the lookup is not cached)."""
    try:
        lookup = cache.load_table(LSOA_LOOKUP, columns=["lsoa21_code", "msoa21_code",
                                                        "lad22_code"])
    except NotCachedError:
        return pd.Series(dtype="string")
    by_lsoa = lookup.set_index("lsoa21_code")["lad22_code"]
    by_msoa = lookup.drop_duplicates("msoa21_code").set_index("msoa21_code")["lad22_code"]
    return pd.concat([by_lsoa, by_msoa])


def _provenance(
    spec: WebLayer, source: Provenance | None, prepared: gpd.GeoDataFrame | None = None,
    notes: list[str] | None = None,
) -> Provenance:
    """The manifest entry of a prepared layer, inheriting what its users must credit."""
    origin = source or Provenance(spec.source, "", "", "", "", "", "", "")
    details = [f"derived from {spec.source}"
               + (f" fetched {origin.fetched_at}, sha256 {origin.sha256}" if source else "")]
    if prepared is not None:
        details += [
            f"tolerance_m={spec.tolerance_m:g}", f"precision_deg={spec.precision_deg:g}",
            f"features={len(prepared)}", f"geojson_bytes={geojson_bytes(prepared)}",
            f"vertices={vertex_count(prepared)}",
        ]
        if "lad_code" in prepared.columns and prepared["lad_code"].isna().any():
            details.append(f"lad_code missing for {int(prepared['lad_code'].isna().sum())} "
                           f"area(s) ({LSOA_LOOKUP} not cached or incomplete)")
    return Provenance(
        dataset=spec.dataset, source="derived", title=f"{spec.title} ({origin.title})",
        url=origin.url, vintage=origin.vintage, geography=origin.geography,
        licence=origin.licence, attribution=origin.attribution,
        notes=details + (notes or []),
    )
