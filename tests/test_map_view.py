"""The Map page's pure helpers: classes, colours, ranks, reasons, the table's pages."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators.catalogue import get_indicator
from ui.map_view import (
    NO_VALUE,
    after_click,
    classify,
    map_table,
    missing_reasons,
    palette,
    rank_values,
    table_page,
)


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


# ---------------------------------------------------------------- table_page
def _table(n: int) -> pd.DataFrame:
    return pd.DataFrame({"Area": [f"Town {i:03d}" for i in range(n)],
                         "Code": [f"E01{i:06d}" for i in range(n)]}, dtype="string")


def test_table_page_slices_and_stays_in_range():
    rows, pages, matching = table_page(_table(1_201), page=3, size=500)
    assert (pages, matching, len(rows)) == (3, 1_201, 201)
    assert rows["Code"].iloc[0] == "E01001000"
    assert table_page(_table(1_201), page=99, size=500)[0]["Code"].iloc[0] == "E01001000"
    assert table_page(_table(10), page=0, size=500)[0]["Code"].iloc[0] == "E01000000"


def test_table_page_finds_by_name_or_code_in_any_case():
    rows, pages, matching = table_page(_table(1_000), query=" town 01", size=500)
    assert matching == 10 and pages == 1
    assert table_page(_table(1_000), query="e01000999")[0]["Area"].tolist() == ["Town 999"]
    none, pages, matching = table_page(_table(5), query="nowhere")
    assert none.empty and (pages, matching) == (1, 0)
    with pytest.raises(ValueError, match="size must be at least 1"):
        table_page(_table(5), size=0)


def test_map_table_gives_a_rate_its_interval_months_and_residents_note():
    """Issue 12, cases 3 and 8: every rate states its months; the City's says its residents
    are the wrong denominator."""
    frame = pd.DataFrame({
        "area_code": ["E09000001", "E06000016"], "area_name": ["City of London", "Leicester"],
        "public_order_per_10k": pd.array([500.0, 96.4], dtype="Float64"),
        "public_order_per_10k_lower": pd.array([454.2, 93.5], dtype="Float64"),
        "public_order_per_10k_upper": pd.array([549.1, 99.4], dtype="Float64"),
        "police_period": ["2022-07 to 2023-06", "2021-11 to 2022-10"],
        "denominator_flag": pd.array(["City of London: about 360,000 people", None],
                                     dtype="string"),
    })
    table = map_table(frame, get_indicator("public_order_per_10k"), {}, "lad").set_index("Code")
    assert table.loc["E09000001", "95% CI"] == "454.2 to 549.1"
    assert table.loc["E06000016", "Period"] == "2021-11 to 2022-10"
    assert table.loc["E09000001", "Residents note"].startswith("City of London")
    assert table.loc["E06000016", "Residents note"] == ""


def test_withheld_police_levels_say_why_on_the_map():
    reasons = {"lsoa and msoa public_order*, asb* and police_* (police counts and rates)":
               "placement agrees for 86.8% at LSOA level"}
    why = missing_reasons(reasons, "public_order_per_10k", "lsoa", pd.Series(["E01000001"]))
    assert why.iloc[0] == "placement agrees for 86.8% at LSOA level"
    assert missing_reasons(reasons, "public_order_per_10k", "lad",
                           pd.Series(["E06000016"])).iloc[0].startswith("not in the joined")
