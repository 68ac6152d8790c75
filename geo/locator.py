"""The shapes of a locator map: one area, its region and England's regions, from the cached
boundaries (only the rows needed are read)."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd

from data_sources.cache import Cache
from data_sources.errors import NotCachedError

BOUNDARIES = {"lad": ("boundaries_lad21", "boundaries_lad24"), "msoa": ("boundaries_msoa21",),
              "lsoa": ("boundaries_lsoa21",)}
"""The boundary datasets an area of each level is looked for in, in turn."""
REGIONS = "boundaries_region"
BRITISH_GRID = "EPSG:27700"


@dataclass(frozen=True)
class LocatorShapes:
    """An area, its region and all regions, in EPSG:27700 (metres), and the datasets used.

    ``region`` is empty when the area's region is unknown or not in the cached regions.
    """

    area: gpd.GeoSeries
    region: gpd.GeoSeries
    regions: gpd.GeoSeries
    datasets: tuple[str, ...]


def load_locator_shapes(cache: Cache, code: str, level: str,
                        region_code: str | None) -> LocatorShapes:
    """The shapes of :class:`LocatorShapes` for area ``code`` of ``level``.

    Raises
    ------
    ValueError
        When ``level`` is unknown or no cached boundary layer holds ``code``.
    NotCachedError
        When the region boundaries are not cached.
    """
    if level not in BOUNDARIES:
        raise ValueError(f"unknown level {level!r}; choose one of {list(BOUNDARIES)}")
    regions = cache.load_table(REGIONS, columns=["area_code", "geometry"])
    for dataset in BOUNDARIES[level]:
        try:
            found = cache.load_table(dataset, columns=["area_code", "geometry"],
                                     filters=[("area_code", "==", code)])
        except NotCachedError:
            continue
        if len(found):
            region = regions[regions["area_code"] == region_code]
            return LocatorShapes(_grid(found), _grid(region), _grid(regions),
                                 (dataset, REGIONS))
    raise ValueError(f"no cached boundary of {code} ({', '.join(BOUNDARIES[level])})")


def _grid(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    return frame.geometry.to_crs(BRITISH_GRID).reset_index(drop=True)
