"""Maps of the good relations pages, drawn by the Map page's component (ui/area_map.py).

* The Stories map: the districts where published stories' service areas lie, shaded by how
  many stories; clicking a district narrows the list to it. The "By district" table is
  its text equivalent.
* The service-area picker: the small areas (LSOAs) of one district, those chosen dark;
  clicking one adds or removes it. The list of chosen LSOAs beside it is the same choice,
  editable by keyboard.

Only values are sent; the shapes come from the tile archives of ``geo.tiles``. Without
those archives the pages say so and keep their lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import pandas as pd
import streamlit as st

from data_sources.errors import NotCachedError
from indicators.catalogue import Indicator, get_indicator
from reports.areas import AreaDirectory
from reports.stories import PublishedStory
from ui.area_map import render_area_map
from ui.cached import load_map_layer
from ui.map_payload import payload_of, place_values
from ui.map_view import Classes, classify
from ui.routes import asset_url

# light (few, or not chosen) to dark (many, or chosen)
SHADE = "higher_worse"
STORIES = replace(
    get_indicator("reports_total"), id="stories", label="Published stories", unit="number",
    polarity=SHADE, source=(), vintage="as published by the moderators",
    definition="Stories approved by the moderators whose activity's service area lies "
               "(at least partly) in the district.")
PICKED = replace(
    get_indicator("reports_total"), id="service_area_pick", label="In the service area",
    unit="1 = chosen", polarity=SHADE, source=(), vintage="your choice",
    definition="Small areas (LSOAs 2021) chosen for the service area.")
PICK_LABELS = ("Not chosen", "Chosen")


def stories_by_district(stories: Iterable[PublishedStory], directory: AreaDirectory | None
                        ) -> pd.DataFrame:
    """One row per district with a story: area_code, area_name, stories (how many; a story
    counts in every district its service area touches) and titles, by name. No rows
    without the area lookups (``directory`` None)."""
    columns = ["area_code", "area_name", "stories", "titles"]
    if directory is None:
        return pd.DataFrame(columns=columns)
    areas = directory.areas
    titles: dict[str, list[str]] = {}
    for story in stories:
        known = [code for code in story.lsoa_codes if code in areas.index]
        for lad in areas.loc[known, "lad_code"].dropna().unique():
            titles.setdefault(str(lad), []).append(story.title)
    codes = [code for code in titles if code in areas.index]
    table = pd.DataFrame({
        "area_code": codes,
        "area_name": [str(areas.at[code, "area_name"]) for code in codes],
        "stories": [len(titles[code]) for code in codes],
        "titles": ["; ".join(titles[code]) for code in codes]}, columns=columns)
    return table.sort_values("area_name", kind="stable").reset_index(drop=True)


def picker_classes(lsoas: Sequence[str], chosen: Iterable[str]) -> Classes:
    """Two classes over ``lsoas``: 0 not chosen, 1 chosen."""
    picked = set(chosen)
    index = pd.Series([int(code in picked) for code in lsoas], dtype="int64")
    return Classes((0.0, 1.0), 0.0, PICK_LABELS, index)


def toggled(chosen: Sequence[str], code: str) -> list[str]:
    """``chosen`` with ``code`` added, or taken out when it was in, sorted."""
    picked = set(chosen)
    picked.symmetric_difference_update({code})
    return sorted(picked)


def _draw(level: str, codes: pd.Series, values: pd.Series, classes: Classes,
          indicator: Indicator, *, key: str, view_key: str, place: str,
          no_value_label: str, selected: str | None = None) -> str | None:
    """Draw one map; the code clicked in this run, if any; None without the tiles."""
    try:
        tiles = load_map_layer(level)
    except NotCachedError:
        st.caption("The map is not available: its tiles are not built on this server "
                   "(`python -m data_sources build`). The list below holds the same.")
        return None
    notes = pd.Series([""] * len(codes), dtype="object")
    placed = place_values(layer=tiles, codes=codes.reset_index(drop=True),
                          values=values.reset_index(drop=True), classes=classes,
                          notes=notes, indicator=indicator)
    payload = payload_of(placed, layer=tiles, classes=classes, indicator=indicator,
                         no_value_label=no_value_label, view_key=view_key, place=place,
                         script=asset_url("atlas-map.js"), selected=selected, ranked=False)
    return render_area_map(payload, key=key)


def render_story_map(by_district: pd.DataFrame, selected: str | None) -> str | None:
    """The districts with stories, shaded by how many; the district clicked, if any."""
    values = by_district["stories"].astype("Float64")
    classes = classify(values, "quantiles", 5, 0)
    return _draw("lad", by_district["area_code"], values, classes, STORIES,
                 key="stories_map", view_key="stories", no_value_label="No stories",
                 place="districts of England with published stories", selected=selected)


def render_lsoa_picker(district: str, lsoas: Sequence[str], chosen: Sequence[str]
                       ) -> str | None:
    """The LSOAs of ``district``, the chosen ones dark; the LSOA clicked, if any."""
    classes = picker_classes(lsoas, chosen)
    return _draw("lsoa", pd.Series(list(lsoas), dtype="object"),
                 classes.index.astype("Float64"), classes, PICKED,
                 key=f"area_map_{district}", view_key=f"pick:{district}",
                 no_value_label="Not in this district",
                 place=f"small areas of {district} to choose from")
