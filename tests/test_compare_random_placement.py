"""Compare: D of districts beside what random placement gives, and the small areas used."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from indicators.catalogue import get_indicator
from settings import PROJECT_ROOT
from tests.test_map_random_placement import D_BLACK, with_random_placement
from ui.compare_view import compute_comparison, compute_wide, random_caveat

PAGE = str(PROJECT_ROOT / "views" / "compare.py")


def districts() -> pd.DataFrame:
    return pd.DataFrame({"area_code": ["E06000001", "E06000002"],
                         "area_name": ["Hartlepool", "Middlesbrough"], "seg_unit": "msoa",
                         **D_BLACK})


def test_cells_say_what_random_placement_gives():
    long = compute_comparison(districts(), ["E06000001", "E06000002"],
                              [get_indicator("d_black")])
    assert long["random_flag"].tolist() == [True, False]
    assert long["vintage"].iloc[0] == "Census 2021, across each district's MSOAs"
    wide = compute_wide(long, {"d_black": get_indicator("d_black")}).iloc[0]
    assert wide["Hartlepool (E06000001)"] == (
        "0.156 index 0-1 (rank 2 of 2); random placement gives 0.128 (0.067–0.200): not "
        "clearly different from random; small group (76 residents)")
    assert wide["Middlesbrough (E06000002)"] == (
        "0.420 index 0-1 (rank 1 of 2); random placement gives 0.050 (0.030–0.070): higher "
        "than random placement gives")
    assert random_caveat(long).startswith("Not clearly different from what random placement "
                                          "of the same people gives: Hartlepool")


def test_other_indicators_are_unchanged():
    rows = districts().assign(imd_avg_score=[25.5, 31.25])
    long = compute_comparison(rows, ["E06000001", "E06000002"],
                              [get_indicator("imd_avg_score")])
    imd = get_indicator("imd_avg_score")
    assert compute_wide(long, {imd.id: imd}).iloc[0, 1] == "25.500 score (rank 2 of 2)"
    assert long["random_verdict"].isna().all() and random_caveat(long) == ""
    assert long["vintage"].iloc[0] == get_indicator("imd_avg_score").vintage


def test_the_page_shows_them(monkeypatch, tmp_path):
    with_random_placement(tmp_path)
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path))
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.query_params.update(level="lad", indicator="d_black", area="E06000001")
    app.run()
    app.multiselect[0].set_value(["E06000001", "E06000002"]).run()
    assert not app.exception, app.exception
    wide = app.dataframe[0].value
    assert "not clearly different from random; small group (76 residents)" in " ".join(
        wide.iloc[0].astype(str))
    assert any("Not clearly different from what random placement" in c.value
               for c in app.caption)
