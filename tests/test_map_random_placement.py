"""Segregation against random placement on the Map: hatched areas (payload and legend),
the table's columns and notes, and the small areas D was computed across."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_sources.cache import Cache
from indicators.catalogue import get_indicator
from tests.test_map import area_map, build_cache, drawn, payload, start, table
from tests.test_map_payload import layer
from ui.map_payload import HATCH_LABEL, map_payload, values_block
from ui.map_view import NO_VALUE, classify, map_table

D_BLACK = {"d_black": [0.156, 0.42], "d_black_expected": [0.128, 0.05],
           "d_black_low": [0.067, 0.03], "d_black_high": [0.2, 0.07],
           "d_black_random": [True, False], "residents_black": [76, 5200]}


def with_random_placement(root) -> None:
    """The Map page's tiny cache, its two districts given D of Black residents: Hartlepool
    (76 residents, not clearly different from random) and Middlesbrough (clearly not)."""
    build_cache(root)
    cache = Cache(root)
    joined = cache.load_table("joined_area_indicator")
    lads = (joined["level"] == "lad").to_numpy()
    joined["seg_unit"] = pd.array(np.where(lads, "msoa", None), dtype="string")
    for column, values in D_BLACK.items():
        dtype = ("boolean" if column.endswith("random") else
                 "Int64" if column.startswith("residents") else "Float64")
        joined[column] = pd.array([None] * len(joined), dtype=dtype)
        joined.loc[lads, column] = pd.array(values, dtype=dtype)
    cache.store_table(joined, cache.provenance("joined_area_indicator"))


@pytest.fixture
def cached(monkeypatch, tmp_path):
    with_random_placement(tmp_path)
    monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_hatched_areas_travel_as_positions_and_change_the_version():
    args = (np.array([0, 1, 2]), pd.Series([0.15, 0.4, None]), pd.Series([0, 4, -1]),
            pd.Series(["", "", "No value: x"]))
    plain = values_block(*args, decimals=3, polarity="higher_worse")
    hatched = values_block(*args, decimals=3, polarity="higher_worse",
                           hatched=pd.Series([True, False, pd.NA], dtype="boolean"))
    assert plain["hatched"] == [] and hatched["hatched"] == [0]
    assert hatched["version"] != plain["version"]
    with pytest.raises(ValueError, match="one flag per area"):
        values_block(*args, decimals=3, polarity="neutral", hatched=pd.Series([True]))


def test_payload_hatches_in_id_order_with_a_legend_entry():
    indicator = get_indicator("d_black")
    codes = pd.Series(["E01000004", "E01000002", "E01000005"])
    values = pd.Series([0.15, 0.4, 0.2])
    sent = map_payload(layer=layer(), codes=codes, values=values, classes=classify(values),
                       notes=pd.Series(["", "", ""]), indicator=indicator,
                       no_value_label="No value", view_key="k", place="p", script="/x.js",
                       hatched=pd.Series([True, False, True]),
                       subtitle="across each district's MSOAs")
    assert sent["values"]["ids"] == [[1, 1], [3, 2]]  # E01000002, E01000004, E01000005
    assert sent["values"]["hatched"] == [1, 2]
    assert sent["legend"]["hatch_label"] == HATCH_LABEL
    assert sent["legend"]["title"] == ("Dissimilarity, Black (index 0-1), across each "
                                       "district's MSOAs")
    plain = map_payload(layer=layer(), codes=codes, values=values, classes=classify(values),
                        notes=pd.Series(["", "", ""]), indicator=indicator,
                        no_value_label="No value", view_key="k", place="p", script="/x.js")
    assert plain["legend"]["hatch_label"] is None and plain["values"]["hatched"] == []


def test_the_table_says_what_random_placement_gives():
    frame = pd.DataFrame({"area_code": ["E06000001", "E06000002", "E06000003"],
                          "area_name": ["Hartlepool", "Middlesbrough", "Stockton"],
                          **{c: v + [None] for c, v in D_BLACK.items()}})
    shown = map_table(frame, get_indicator("d_black"), {}, "lad").set_index("Code")
    assert list(shown.columns) == ["Area", "Dissimilarity, Black (index 0-1)", "Rank",
                                   "If spread at random", "95% range if random", "Note"]
    assert shown.loc["E06000001", "95% range if random"] == "0.067–0.200"
    assert shown.loc["E06000001", "Note"].startswith(
        "Not clearly different from a random spread: random placement of the same people "
        "gives 0.128 (95% range 0.067–0.200). Small group (76 Black residents")
    assert shown.loc["E06000002", "Note"] == ""
    assert shown.loc["E06000003", "Note"].startswith(NO_VALUE + ": ")


def test_the_map_page_hatches_districts_that_cannot_be_told_from_random(cached):
    app = start(indicator="d_black")
    assert drawn(app) == {"E06000001": 0.156, "E06000002": 0.42}
    sent = payload(app)
    ids = [s + i for s, n in sent["values"]["ids"] for i in range(n)]
    hatched = {ids[p] for p in sent["values"]["hatched"]}
    assert hatched == {ids[0]}  # Hartlepool (E06000001) sorts first in the archive
    assert sent["legend"]["hatch_label"] == HATCH_LABEL
    assert sent["legend"]["title"].endswith(", across each district's MSOAs")
    notes = sent["values"]
    assert any(t.startswith("Not clearly different from a random spread")
               for t in notes["note_texts"])
    shown = table(app).set_index("Code")
    assert shown.loc["E06000001", "If spread at random"] == "0.128"
    captions = " ".join(c.value for c in app.caption)
    assert "Hatched areas: the value is not clearly different from what random placement" \
        in captions
    markdown = " ".join(m.value for m in app.markdown)
    assert "**Computed:** across each district's MSOAs (`seg_unit`)" in markdown
    assert not [e for e in app.expander if e.label.startswith("Why")]  # notes are not gaps
    assert area_map(app)


def test_other_indicators_have_no_hatching(cached):
    sent = payload(start(indicator="imd_avg_score"))
    assert sent["values"]["hatched"] == [] and sent["legend"]["hatch_label"] is None
    assert "across" not in sent["legend"]["title"]
