"""Placing points in areas: inside, on shared borders, outside all, and bad inputs."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo.points import assign_points

# Two unit squares side by side sharing the edge x = 1, and a third above both.
WEST, EAST, NORTH = "E01000002", "E01000001", "E01000003"


def squares(order: tuple[str, ...] = (WEST, EAST, NORTH), crs: str = "EPSG:4326"):
    shapes = {WEST: box(0, 0, 1, 1), EAST: box(1, 0, 2, 1), NORTH: box(0, 1, 2, 2)}
    return gpd.GeoDataFrame(
        {"area_code": list(order)}, geometry=[shapes[c] for c in order], crs="EPSG:4326"
    ).to_crs(crs)


def points(*xy: tuple[float, float], index=None) -> pd.DataFrame:
    return pd.DataFrame(
        {"longitude": [x for x, _ in xy], "latitude": [y for _, y in xy]},
        index=index,
        dtype="float64",
    )


def test_points_inside_get_their_area():
    codes = assign_points(points((0.5, 0.5), (1.5, 0.2), (1.0, 1.5)), squares())
    assert codes.tolist() == [WEST, EAST, NORTH]
    assert codes.dtype == "string" and codes.name == "area_code"


@pytest.mark.parametrize(
    ("xy", "expected"),
    [
        ((1.0, 0.5), EAST),  # on the edge shared by WEST and EAST: the lower code
        ((0.5, 1.0), WEST),  # on the edge shared by WEST and NORTH
        ((1.0, 1.0), EAST),  # the corner shared by all three
        ((0.0, 0.5), WEST),  # on an outer edge of one area only
    ],
)
def test_a_point_on_a_border_gets_one_area_whatever_the_row_order(xy, expected):
    for order in [(WEST, EAST, NORTH), (NORTH, EAST, WEST), (EAST, NORTH, WEST)]:
        codes = assign_points(points(xy), squares(order))
        assert codes.tolist() == [expected]


def test_points_outside_every_area_or_without_coordinates_are_na():
    frame = points((5.0, 5.0), (0.5, 0.5), (float("nan"), 0.5), (-0.001, 0.5))
    codes = assign_points(frame, squares())
    assert codes.isna().tolist() == [True, False, True, True]
    assert codes.iloc[1] == WEST


def test_the_index_of_the_points_is_kept():
    frame = points((1.5, 0.5), (0.5, 0.5), (9.0, 9.0), index=["c", "a", "a"])
    codes = assign_points(frame, squares())
    assert codes.index.tolist() == ["c", "a", "a"]
    assert codes.iloc[:2].tolist() == [EAST, WEST] and pd.isna(codes.iloc[2])


def test_areas_in_another_crs_are_reprojected():
    codes = assign_points(points((0.5, 0.5), (1.5, 0.5)), squares(crs="EPSG:3857"))
    assert codes.tolist() == [WEST, EAST]


def test_no_points_gives_an_empty_series():
    assert assign_points(points(), squares()).empty


@pytest.mark.parametrize(
    ("frame", "areas", "problem"),
    [
        (pd.DataFrame({"lat": [0.5], "longitude": [0.5]}), squares(), "latitude"),
        (pd.DataFrame({"latitude": ["0.5"], "longitude": [0.5]}), squares(), "numeric"),
        (points((0.5, 0.5)), squares().set_crs(None, allow_override=True), "CRS"),
        (points((0.5, 0.5)), squares().rename(columns={"area_code": "code"}), "area_code"),
    ],
)
def test_bad_inputs_are_named(frame, areas, problem):
    with pytest.raises(ValueError, match=problem):
        assign_points(frame, areas)
