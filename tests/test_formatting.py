"""One formatting rule per indicator: every page, table, chart and export shows a value the
same way (shares as percentages, thousands separators, the catalogue's decimals)."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators.catalogue import get_indicator
from indicators.formatting import (
    axis_format,
    column_format,
    format_value,
    format_with_unit,
    unit_words,
)
from indicators.profile import format_value as profile_value
from ui.compare_view import compute_comparison, compute_wide
from ui.map_view import classify, map_table


@pytest.mark.parametrize(("indicator", "value", "shown"), [
    ("imd_pct_most_deprived_10", 0.2, "20.0%"),
    ("population_2021", 8402, "8,402"),
    ("simpson_diversity", 0.33, "0.330"),
    ("d_asian", 0.456, "0.456"),
    ("imd_score", 54.70521, "54.705"),
    ("public_order_per_10k", 1234.56, "1,234.6"),
    ("imd_score", None, ""),
    ("imd_score", pd.NA, ""),
])
def test_one_rule_per_indicator(indicator, value, shown):
    assert format_value(value, get_indicator(indicator)) == shown


def test_the_profile_and_compare_say_a_share_the_same_way():
    share = get_indicator("imd_pct_most_deprived_10")
    assert profile_value(0.2, share) == "20.0%"
    assert format_with_unit(0.2, share) == "20.0% of LSOAs"
    assert unit_words(share) == "% of LSOAs"
    rows = pd.DataFrame({"area_code": ["A", "B"], "area_name": ["Aa", "Bb"],
                         "region_code": ["R", "R"], "imd_pct_most_deprived_10": [0.2, 0.05]})
    long = compute_comparison(rows, ["A", "B"], [share])
    wide = compute_wide(long, {share.id: share})
    assert wide.loc[0, "Aa (A)"].startswith("20.0% of LSOAs")
    assert "proportion" not in " ".join(wide.loc[0].astype(str))


def test_tables_charts_and_legends_follow_the_rule():
    share = get_indicator("imd_pct_most_deprived_10")
    assert column_format(share) == {"format": "%.1f%%"}
    assert column_format(get_indicator("population_2021")) == {"format": "localized",
                                                                 "step": 1}
    assert axis_format(share) == ",.1%"
    assert axis_format(get_indicator("d_asian")) == ",.3f"
    classes = classify(pd.Series([0.1, 0.2, 0.3]), k=5, decimals=3, share=True)
    assert classes.labels == ("10.0%", "20.0%", "30.0%")
    frame = pd.DataFrame({"area_code": ["A"], "area_name": ["Aa"],
                          "imd_pct_most_deprived_10": [0.2]})
    table = map_table(frame, share, {}, "lad")
    heading = "Share of LSOAs in England's most deprived 10% (IoD 2025) (% of LSOAs)"
    assert table[heading].tolist() == [20.0]  # the CSV says 20.0 under "% of LSOAs"
