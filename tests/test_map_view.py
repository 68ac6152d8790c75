"""The Map page's pure helpers: classes, colours, ranks, reasons, click payloads, figure."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators.catalogue import get_indicator
from ui.map_view import (
    BLANK_STYLE,
    NO_VALUE,
    NO_VALUE_COLOUR,
    after_click,
    build_figure,
    classify,
    map_table,
    map_view,
    missing_reasons,
    palette,
    rank_values,
    selected_area,
)


# ---------------------------------------------------------------- selected_area
@pytest.mark.parametrize("payload, expected", [
    (None, None),
    ({}, None),
    ({"selection": None}, None),
    ({"selection": {"points": [], "point_indices": [], "box": [], "lasso": []}}, None),
    ({"selection": {"points": [{"point_index": 3}]}}, None),
    ({"selection": {"points": [{"location": ""}]}}, None),
    ({"selection": {"points": [{"location": 42}]}}, None),
    ({"selection": {"points": [{"curve_number": 0, "point_number": 7, "point_index": 7,
                                "location": "E06000016", "z": 3}],
                    "point_indices": [7], "box": [], "lasso": []}}, "E06000016"),
    ({"selection": {"points": [{"point_index": 1}, {"location": " E01000001 "}]}},
     "E01000001"),
    ({"selection": {"points": [{"location": "E02000001"}, {"location": "E02000002"}]}},
     "E02000001"),
    ("E06000016", None),
    ({"selection": {"points": "E06000016"}}, None),
])
def test_selected_area_reads_the_location_of_the_clicked_polygon(payload, expected):
    assert selected_area(payload) == expected


def test_selected_area_accepts_any_mapping():
    class Payload(dict):
        """Streamlit returns an AttributeDictionary, a dict subclass."""

    assert selected_area(Payload(selection=Payload(points=[Payload(location="E09000001")]))) \
        == "E09000001"


@pytest.mark.parametrize("level, expected", [
    ("lad", ("E06000016", "lsoa")), ("msoa", ("E06000016", "msoa")),
    ("lsoa", ("E06000016", "lsoa")),
])
def test_a_click_on_a_district_drills_down_to_its_lsoas(level, expected):
    assert after_click("E06000016", level) == expected


# ---------------------------------------------------------------- classify
def test_quantiles_split_the_areas_evenly_and_give_bounds():
    values = pd.Series(range(1, 11), dtype="Float64")
    classes = classify(values, "quantiles", k=5, decimals=0)
    assert classes.k == 5
    assert classes.bins == pytest.approx((2.8, 4.6, 6.4, 8.2, 10.0))
    assert classes.labels[0] == "1 – 3" and classes.labels[-1] == "8 – 10"
    assert classes.index.value_counts().tolist() == [2] * 5
    assert classes.index.tolist()[:3] == [0, 0, 1]


def test_natural_breaks_find_the_gaps():
    values = pd.Series([1, 1.1, 1.2, 5, 5.1, 5.2, 9, 9.1, 9.2])
    classes = classify(values, "natural_breaks", k=3, decimals=1)
    assert classes.bins == (1.2, 5.2, 9.2)
    assert classes.labels == ("1.0 – 1.2", "1.2 – 5.2", "5.2 – 9.2")
    assert classes.index.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_natural_breaks_are_deterministic_on_many_values():
    values = pd.Series([float(i % 97) ** 1.5 for i in range(5000)])
    assert classify(values, "natural_breaks").bins == classify(values, "natural_breaks").bins


def test_missing_values_get_class_minus_one():
    values = pd.Series([3.0, None, 1.0, pd.NA], dtype="Float64", index=[10, 11, 12, 13])
    classes = classify(values, k=5)
    assert classes.index.to_dict() == {10: 1, 11: -1, 12: 0, 13: -1}
    assert classes.labels == ("1.00", "3.00")  # two distinct values: a class each


def test_all_missing_or_one_value():
    empty = classify(pd.Series([None, None], dtype="Float64"))
    assert empty.k == 0 and empty.index.tolist() == [-1, -1]
    one = classify(pd.Series([4, 4, 4]), decimals=0)
    assert one.labels == ("4",) and one.index.tolist() == [0, 0, 0]


def test_ties_do_not_make_empty_classes():
    values = pd.Series([1] * 50 + [2, 3, 4, 5, 6, 7])
    classes = classify(values, "quantiles", k=5)
    assert len(set(classes.bins)) == classes.k
    assert set(classes.index) == set(range(classes.k))


@pytest.mark.parametrize("scheme, k", [("equal", 5), ("quantiles", 0)])
def test_bad_scheme_or_k(scheme, k):
    with pytest.raises(ValueError):
        classify(pd.Series([1.0, 2.0]), scheme, k)


# ---------------------------------------------------------------- colours and ranks
def _lightness(colour: str) -> float:
    r, g, b = (float(x) for x in colour[colour.index("(") + 1:-1].split(","))
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_the_worse_end_is_dark_whatever_the_polarity():
    worse_high = palette("higher_worse", 5)
    better_high = palette("higher_better", 5)
    assert len(worse_high) == 5 and worse_high == better_high[::-1]
    assert _lightness(worse_high[-1]) < _lightness(worse_high[0])    # high value, dark
    assert _lightness(better_high[0]) < _lightness(better_high[-1])  # low value, dark
    assert palette("neutral", 3) != palette("higher_better", 3)
    assert palette("neutral", 0) == [] and len(palette("higher_worse", 1)) == 1


def test_rank_one_is_the_worst_area():
    values = pd.Series([10.0, 30.0, None, 20.0, 30.0])
    assert rank_values(values, "higher_worse").tolist() == [4, 1, pd.NA, 3, 1]
    assert rank_values(values, "higher_better").tolist() == [1, 3, pd.NA, 2, 3]
    assert rank_values(values, "neutral").tolist() == [4, 1, pd.NA, 3, 1]


# ---------------------------------------------------------------- reasons and the table
REASONS = {
    "lsoa simpson_diversity and lq_*": "census2021_ethnicity_lsoa is not available",
    "lad d_*, isolation_*, entropy_h of E06000053, E09000001": "needs at least 2 MSOAs",
    "lsoa population_2021 and rates per 10,000": "no LSOA populations",
    "police counts and rates of other areas": "police.uk counts fetched for E06000016 only",
    "msoa and lad imd_avg_score, imd_avg_rank (IoD 2025)": "population weights are needed",
}


def test_missing_reasons_match_level_column_and_areas():
    codes = pd.Series(["E06000053", "E06000016"])
    d = missing_reasons(REASONS, "d_asian", "lad", codes)
    assert d.tolist() == ["needs at least 2 MSOAs", "not in the joined dataset for this area"]
    lq = missing_reasons(REASONS, "lq_asian", "lsoa", pd.Series(["E01000001"]))
    assert lq.tolist() == ["census2021_ethnicity_lsoa is not available"]
    assert missing_reasons(REASONS, "lq_asian", "msoa", pd.Series(["E02000001"])).tolist() \
        == ["not in the joined dataset for this area"]
    rate = missing_reasons(REASONS, "police_public_order_per_10k", "lsoa", pd.Series(["E01"]))
    assert rate.iloc[0] == ("no LSOA populations; "
                            "police.uk counts fetched for E06000016 only")
    avg = missing_reasons(REASONS, "imd_avg_score", "msoa", pd.Series(["E02000001"]))
    assert avg.iloc[0] == "population weights are needed"


def test_map_table_is_the_text_equivalent_with_reasons():
    frame = pd.DataFrame({
        "area_code": ["E06000053", "E06000016", "E08000025"],
        "area_name": ["Isles of Scilly", "Leicester", "Birmingham"],
        "d_asian": pd.array([None, 0.4567, 0.5123], dtype="Float64"),
    })
    table = map_table(frame, get_indicator("d_asian"), REASONS, "lad")
    value = "Dissimilarity, Asian (index 0-1)"
    assert list(table.columns) == ["Area", "Code", value, "Rank", "Note"]
    assert table["Area"].tolist() == ["Birmingham", "Leicester", "Isles of Scilly"]
    assert table[value].tolist()[:2] == [0.512, 0.457]  # the indicator's 3 decimals
    assert table["Rank"].tolist()[:2] == [1, 2] and pd.isna(table["Rank"].iloc[2])
    assert table["Note"].tolist() == ["", "", f"{NO_VALUE}: needs at least 2 MSOAs"]


# ---------------------------------------------------------------- the figure
def _square(code: str, x: float) -> dict:
    ring = [[x, 52.0], [x + 1, 52.0], [x + 1, 53.0], [x, 53.0], [x, 52.0]]
    return {"type": "Feature", "id": code, "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_build_figure_one_trace_grey_no_value_and_outline():
    frame = pd.DataFrame({"area_code": ["A", "B", "C"],
                          "imd_score": pd.array([10.0, None, 30.0], dtype="Float64")})
    geojson = {"type": "FeatureCollection",
               "features": [_square(c, i) for i, c in enumerate("ABC")]}
    indicator = get_indicator("imd_score")
    classes = classify(frame["imd_score"], k=5)
    hover = pd.DataFrame({"name": ["a", "b", "c"], "value": ["10", "No value: x", "30"],
                          "rank": ["2 of 2", "–", "1 of 2"], "vintage": "Vintage: IoD 2025"})
    fig = build_figure(frame, geojson, indicator, classes, hover, (0, 52, 3, 53), selected="C")
    main, outline = fig.data
    assert main.type == "choroplethmap" and list(main.locations) == ["A", "B", "C"]
    assert list(main.z) == [1, 0, 2]  # class 0 is "No value"
    colorbar = fig.layout.coloraxis.colorbar
    assert list(colorbar.ticktext) == [NO_VALUE, "10.00", "30.00"]
    assert fig.layout.coloraxis.colorscale[0][1] == NO_VALUE_COLOUR
    assert fig.layout.map.style == BLANK_STYLE
    assert "Rank: %{customdata[2]}" in main.hovertemplate
    assert list(outline.locations) == ["C"] and outline.showscale is False
    lone = build_figure(frame, geojson, indicator, classes, hover, (0, 52, 3, 53), "Z")
    assert len(lone.data) == 1
    suppressed = build_figure(frame, geojson, indicator, classes, hover, (0, 52, 3, 53),
                              no_value_label="Suppressed (<5 or [c])", basemap=True)
    assert suppressed.layout.coloraxis.colorbar.ticktext[0] == "Suppressed (<5 or [c])"
    assert suppressed.layout.map.style == "carto-positron"


def test_map_view_fits_the_bounds():
    centre, zoom = map_view((-6.4, 49.9, 1.8, 55.8))
    assert centre == pytest.approx({"lon": -2.3, "lat": 52.85})
    assert 4 < zoom < 6
    assert map_view((-1.2, 52.6, -1.0, 52.7))[1] > zoom
