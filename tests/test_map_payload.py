"""What the page sends the browser's map: values by feature id, classes, notes, legend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.tiles import TileIndex
from indicators.catalogue import get_indicator
from ui.map_payload import MapLayer, id_runs, map_payload, values_block
from ui.map_view import NO_VALUE_COLOUR, classify, palette

CODES = ("E01000001", "E01000002", "E01000003", "E01000004", "E01000005")
BOUNDS = np.array([[-1.0 - i, 52.0, -0.5 - i, 52.5] for i in range(len(CODES))])


def layer() -> MapLayer:
    index = TileIndex("tiles_lsoa", "tiles/tiles_lsoa-0123456789abcdef.pmtiles", CODES,
                      BOUNDS, 4, 12)
    return MapLayer("lsoa", index, "/tiles/tiles_lsoa-0123456789abcdef.pmtiles",
                    "/tiles/tiles_lad-0123456789abcdef.pmtiles", None)


@pytest.mark.parametrize("ids, runs", [
    ([], []), ([0], [[0, 1]]), ([0, 1, 2, 3], [[0, 4]]), ([3, 4, 5, 9], [[3, 3], [9, 1]]),
    ([1, 3, 5], [[1, 1], [3, 1], [5, 1]]),
])
def test_ids_travel_as_runs(ids, runs):
    assert id_runs(np.array(ids)) == runs


@pytest.mark.parametrize("ids", [[2, 1], [1, 1]])
def test_ids_must_be_ascending_and_distinct(ids):
    with pytest.raises(ValueError, match="ascending and distinct"):
        id_runs(np.array(ids))


def test_values_are_scaled_integers_with_classes_and_notes():
    block = values_block(np.array([0, 1, 2]), pd.Series([0.1234, None, 2.5]),
                         pd.Series([0, -1, 4]), pd.Series(["", "No value: not published", ""]),
                         decimals=3, polarity="higher_worse")
    assert block["values"] == [123, None, 2500] and block["scale"] == 1000
    assert block["classes"] == "0.4"
    assert block["notes"] == [[1, 0]] and block["note_texts"] == ["No value: not published"]
    assert block["ids"] == [[0, 3]] and block["polarity"] == "higher_worse"
    same = values_block(np.array([0, 1, 2]), pd.Series([0.1234, None, 2.5]),
                        pd.Series([0, -1, 4]), pd.Series(["", "No value: not published", ""]),
                        decimals=3, polarity="higher_worse")
    assert same["version"] == block["version"]
    other = values_block(np.array([0, 1, 2]), pd.Series([0.1234, None, 2.6]),
                         pd.Series([0, -1, 4]), pd.Series(["", "No value: not published", ""]),
                         decimals=3, polarity="higher_worse")
    assert other["version"] != block["version"]
    with pytest.raises(ValueError, match="same length"):
        values_block(np.array([0]), pd.Series([1.0, 2.0]), pd.Series([0]), pd.Series([""]),
                     decimals=0, polarity="neutral")


def test_payload_sends_the_areas_of_the_map_in_id_order_and_leaves_out_unknown_codes():
    indicator = get_indicator("imd_score")
    codes = pd.Series(["E01000004", "E01000002", "E01999999", "E01000005"])
    values = pd.Series([40.0, 20.0, 99.0, None], dtype="Float64")
    classes = classify(values, "quantiles", 5, indicator.decimals)
    notes = pd.Series(["", "", "", "No value: why"])
    sent = map_payload(layer=layer(), codes=codes, values=values, classes=classes,
                       notes=notes, indicator=indicator, no_value_label="No value",
                       view_key="lsoa:E06000001", place="Hartlepool", script="/x.js",
                       selected="E01000004")
    block = sent["values"]
    assert block["ids"] == [[1, 1], [3, 2]]  # E01000002, E01000004, E01000005
    assert block["values"] == [20000, 40000, None]
    assert block["classes"][2] == "." and block["note_texts"] == ["No value: why"]
    assert sent["view"]["extent"] == [-5.0, 52.0, -1.5, 52.5]
    assert sent["selected"] == {"id": 3, "bounds": [-4.0, 52.0, -3.5, 52.5]}
    assert sent["layer"] == {"url": layer().areas_url, "level": "lsoa"}
    assert sent["context"] == {"districts": layer().districts_url, "regions": None}
    legend = sent["legend"]
    assert legend["colours"] == palette("higher_worse", classes.k)
    assert legend["no_value_colour"] == NO_VALUE_COLOUR and legend["show_no_value"] is True
    assert sent["hover"]["ranked"] is True and sent["basemap"] is None
    assert "Hartlepool" in sent["aria_label"]


def test_a_selection_off_the_map_is_not_sent_and_the_basemap_is_opt_in():
    indicator = get_indicator("imd_score")
    codes = pd.Series(["E01000001"])
    values = pd.Series([1.0])
    sent = map_payload(layer=layer(), codes=codes, values=values,
                       classes=classify(values), notes=pd.Series([""]), indicator=indicator,
                       no_value_label="No value", view_key="k", place="p", script="/x.js",
                       selected="E01000003", basemap=True)
    assert sent["selected"] is None
    assert sent["basemap"]["tiles"][0].startswith("https://")
    assert sent["legend"]["show_no_value"] is False
