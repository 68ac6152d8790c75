"""Trends: what random placement gives for the D values of the "Change over time" chart.

A district's D in 2011 and 2021 can each be indistinguishable from a random spread, or
rest on a small group; the chart's note says so (pure pandas, tested with hand-made
frames like the rest of the page's helpers).
"""

from __future__ import annotations

import pandas as pd

from indicators.catalogue import get_indicator
from indicators.segregation_null import benchmark_note, residents_column
from ui.trends_view import Place, change_measures


def random_placement_notes(area_rows: pd.DataFrame, districts: pd.DataFrame,
                           places: list[Place], label: str) -> list[str]:
    """Notes for the district values of the measure labelled ``label`` (2011 and 2021)
    that a reader could misread; none for other measures, regions or England."""
    level = places[0].level if places else "lad"
    ids = [(e, latest) for _, e, latest in change_measures(level)
           if get_indicator(latest).label == label]
    if not ids or residents_column(ids[0][1]) is None:
        return []
    notes = []
    rows = districts.set_index("area_code")
    for place in places:
        if place.level not in ("lsoa", "msoa", "lad"):
            continue
        code = place.code
        if place.level != "lad":
            lad = area_rows.loc[area_rows["area_code"] == place.code, "lad_code"]
            code = lad.iloc[0] if not lad.empty else None
        if code not in rows.index:
            continue
        row = rows.loc[code]
        for column in ids[0]:
            if f"{column}_expected" not in row:
                continue
            group = label.split(", ", 1)[-1]
            note = benchmark_note(row[column], row[f"{column}_expected"], row[f"{column}_low"],
                                  row[f"{column}_high"], row.get(residents_column(column)),
                                  group)
            if note:
                vintage = get_indicator(column).vintage
                notes.append(f"{place.name}, {vintage}: {note}")
    return notes
