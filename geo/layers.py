"""Boundary layers as the geo modules take them: the reference systems, and the check of a
layer's codes and polygons before anything is built from it."""

from __future__ import annotations

import geopandas as gpd

BRITISH_GRID = "EPSG:27700"
WGS84 = "EPSG:4326"
POLYGONAL = ("Polygon", "MultiPolygon")


def check_layer(layer: gpd.GeoDataFrame) -> None:
    """Check a boundary layer: a GeoDataFrame with a CRS, unique ``area_code`` values and
    a non-empty Polygon or MultiPolygon per row.

    Raises
    ------
    ValueError
        Naming the first problem found (and up to five of the codes concerned).
    """
    if not isinstance(layer, gpd.GeoDataFrame):
        raise ValueError(f"layer must be a GeoDataFrame, not {type(layer).__name__}")
    if layer.crs is None:
        raise ValueError("layer has no CRS; set it (e.g. EPSG:4326) first")
    if "area_code" not in layer.columns:
        raise ValueError(f"layer has no area_code column; it has {list(layer.columns)}")
    codes = layer["area_code"]
    if codes.isna().any():
        raise ValueError(f"layer has {int(codes.isna().sum())} row(s) without an area_code")
    repeated = codes[codes.duplicated()].unique().tolist()
    if repeated:
        raise ValueError(f"area_code is not unique: {repeated[:5]} appear more than once")
    geometry = layer.geometry
    missing = geometry.isna() | geometry.is_empty
    if missing.any():
        raise ValueError(f"missing or empty geometry for {codes[missing].tolist()[:5]}")
    wrong = ~geometry.geom_type.isin(POLYGONAL)
    if wrong.any():
        found = dict(zip(codes[wrong].tolist()[:5], geometry.geom_type[wrong].tolist()[:5],
                         strict=True))
        raise ValueError(f"geometry must be Polygon or MultiPolygon; found {found}")
