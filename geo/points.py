"""Placing points (e.g. police.uk crime locations) in areas by point-in-polygon.

data.police.uk crimes carry a latitude and longitude but no LSOA code, so the data layer
assigns each one to the area whose polygon holds it, in one vectorised spatial join.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype

WGS84 = "EPSG:4326"


def assign_points(points: pd.DataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """The code of the area each point falls in, or ``<NA>`` when it falls in none.

    Parameters
    ----------
    points
        Columns ``latitude`` and ``longitude``: floats in degrees (WGS84). Rows with a
        missing coordinate get ``<NA>``.
    areas
        Columns ``area_code`` and ``geometry`` (polygons), in any CRS that is set; they
        are reprojected to EPSG:4326 when needed.

    Returns
    -------
    Series
        String dtype, named ``area_code``, on the index of ``points``.

    Raises
    ------
    ValueError
        When a column is missing, coordinates are not numeric or ``areas`` has no CRS.

    Notes
    -----
    Points strictly inside a polygon are found with ``sjoin(predicate="within")``. A point
    on a shared border is inside neither neighbour; it goes to the neighbour whose
    boundary it touches with the lowest code, so every point has one area at most and
    the answer does not depend on the row order of ``areas``. Where areas overlap, the
    lowest code wins too.
    """
    _check_inputs(points, areas)
    areas = areas[["area_code", "geometry"]]
    if areas.crs != WGS84:
        areas = areas.to_crs(WGS84)
    located = points[["latitude", "longitude"]].notna().all(axis=1)
    frame = points.loc[located].reset_index(drop=True)
    geometry = gpd.points_from_xy(frame["longitude"], frame["latitude"], crs=WGS84)
    pts = gpd.GeoDataFrame(geometry=geometry)
    codes = _lowest_code(gpd.sjoin(pts, areas, how="inner", predicate="within"))
    on_border = pts.loc[~pts.index.isin(codes.index)]
    if len(on_border):
        touching = gpd.sjoin(on_border, areas, how="inner", predicate="intersects")
        codes = pd.concat([codes, _lowest_code(touching)])
    values = np.full(len(points), None, dtype=object)
    values[np.flatnonzero(located.to_numpy())[codes.index.to_numpy()]] = codes.to_numpy()
    return pd.Series(values, index=points.index, dtype="string", name="area_code")


def _lowest_code(joined: gpd.GeoDataFrame) -> pd.Series:
    """One code per point: the lowest of the areas matched (deterministic for ties)."""
    return joined["area_code"].astype("string").groupby(level=0).min()


def _check_inputs(points: pd.DataFrame, areas: gpd.GeoDataFrame) -> None:
    missing = [c for c in ("latitude", "longitude") if c not in points.columns]
    if missing:
        raise ValueError(f"points lack column(s) {missing}; they have {list(points.columns)}")
    for column in ("latitude", "longitude"):
        if not is_numeric_dtype(points[column]):
            raise ValueError(f"points column {column} must be numeric, not {points[column].dtype}")
    if not isinstance(areas, gpd.GeoDataFrame) or "area_code" not in areas.columns:
        raise ValueError("areas must be a GeoDataFrame with an area_code column")
    if areas.crs is None:
        raise ValueError("areas have no CRS; set it (e.g. EPSG:4326) before assigning points")
