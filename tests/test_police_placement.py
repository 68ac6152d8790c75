"""Placing police.uk crimes in LSOAs, checked against police.uk's own LSOA codes.

The street-level CSVs are the fixtures in police.uk's format under
tests/fixtures/mirror/data.police.uk/street/; the boundaries are the tiny squares round
Leicester of tests/test_police.py, once as drawn and once coarsened the way a
super-generalised layer moves boundaries off the streets that crimes are snapped to.
"""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from data_sources.cache import Cache
from data_sources.errors import DataSourceError
from data_sources.police_placement import (
    DATASET,
    check_files,
    published_levels,
    read_street_csv,
)
from settings import PROJECT_ROOT
from tests.mirror import FIXTURES
from tests.test_police import NORTH_EAST, SOUTH_EAST, WEST, provenance, store_boundaries

STREET = FIXTURES / "data.police.uk" / "street"
LEICESTERSHIRE = sorted(STREET.glob("*-leicestershire-street.csv"))
BGC = "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5"
BSC = "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BSC_V4"


def cache_with(tmp_path, service: str, coarse: bool) -> Cache:
    cache = Cache(tmp_path / service)
    store_boundaries(cache)
    lsoas = cache.load_table("boundaries_lsoa21")
    if coarse:  # the West LSOA swallows the streets along its eastern edge
        shapes = {WEST: box(-1.20, 52.60, -1.12, 52.66),
                  SOUTH_EAST: box(-1.12, 52.60, -1.10, 52.63),
                  NORTH_EAST: box(-1.12, 52.63, -1.10, 52.66)}
        lsoas["geometry"] = [shapes.get(c, g) for c, g in zip(lsoas["area_code"],
                                                              lsoas.geometry, strict=True)]
        lsoas = gpd.GeoDataFrame(lsoas, crs="EPSG:4326")
    entry = provenance("boundaries_lsoa21")
    entry.notes = [f"ArcGIS service: {service}",
                   f"Resolution: {service.split('_')[-2]}, "
                   + ("super-generalised (200 m), clipped" if coarse
                      else "generalised (20 m), clipped")]
    cache.store_table(lsoas, entry)
    codes = lsoas["area_code"].tolist()
    cache.store_table(pd.DataFrame({"lsoa11_code": codes, "lsoa21_code": codes}),
                      provenance("lookup_lsoa11_lsoa21"))
    return cache


def test_street_csv_keeps_public_order_and_asb_with_police_uk_codes():
    crimes = read_street_csv((STREET / "2024-02-leicestershire-street.csv").read_bytes(), "f")
    assert set(crimes["category"]) == {"public-order", "anti-social-behaviour"}
    assert len(crimes) == 8 and crimes["police_lsoa"].str.startswith("E01").all()
    with pytest.raises(DataSourceError, match="not a police.uk street-level CSV"):
        read_street_csv(b"a,b\n1,2\n", "other.csv")


def test_coarse_boundaries_disagree_with_police_uk_and_lsoa_figures_are_withheld(tmp_path):
    """Issue 12, case 4: crimes placed in super-generalised LSOAs land in a neighbouring
    LSOA; districts still agree."""
    table, entry = check_files(cache_with(tmp_path, BSC, coarse=True), LEICESTERSHIRE)
    shares = table.set_index("level")["share"]
    assert shares["lsoa"] == pytest.approx(13 / 17)
    assert shares["lad"] == 1.0
    assert table["cells_differing"].iloc[0] > 0
    assert "placed with " + BSC in entry.notes[0]
    levels, why = published_levels(table, BSC)
    assert levels == ("msoa", "lad") and "76.5% at LSOA level" in why


def test_boundaries_as_drawn_agree_and_every_level_is_published(tmp_path):
    cache = cache_with(tmp_path, BGC, coarse=False)
    table, _ = check_files(cache, [STREET])  # a folder: the City of London file too
    leics, _ = check_files(cache, LEICESTERSHIRE)
    assert leics.set_index("level")["share"].eq(1.0).all()
    assert published_levels(leics, BGC) == (("lsoa", "msoa", "lad"), "")
    # the City's crime falls outside the squares: it counts against the agreement
    assert table.set_index("level").loc["lad", "crimes"] == 18
    # a check made on other boundaries than those the crimes were placed with is not used
    assert published_levels(leics, BSC)[0] == ("lad",)
    assert cache.provenance(DATASET).rows == 3


def test_the_command_stores_the_check_and_says_what_is_published(tmp_path):
    cache = cache_with(tmp_path, BSC, coarse=True)
    env = {"GRA_CACHE_DIR": str(cache.root), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "data_sources", "police-agreement", "--no-build",
         *map(str, LEICESTERSHIRE)], cwd=PROJECT_ROOT, env=env, capture_output=True,
        text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "lsoa: 76.5% of crimes in police.uk's own area (13 of 17)" in result.stdout
    assert "Police figures are published for: MSOAs, districts" in result.stdout
