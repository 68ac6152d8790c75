"""What the browser map (ui/web/atlas-map.js) is sent: values per tile feature, not shapes.

The shapes are in the vector-tile archives the browser reads itself (``geo.tiles``); a
feature's id is its index in the archive's code list. Each rerun sends only the values of
the areas on the map in id order, their classes, the legend, the selection and the extent,
and the script applies what changed. Nothing here imports Streamlit, so every piece is
unit-tested with hand-made frames (tests/test_map_payload.py).

Wire format of the values (kept small: an indicator switch on all 33,755 LSOAs sends about
60 KB after the websocket's compression):

* ``ids``: runs ``[[first id, count], ...]`` of the feature ids on the map, ascending;
* ``values``: each value times ``scale`` (10 to the indicator's decimals) as an integer,
  ``null`` where there is none;
* ``classes``: one character per area, the class digit, ``.`` for no value;
* ``notes``: ``[[position, note number], ...]`` for areas with a note (why there is no
  value, what a suppressed count was, or what a segregation value is against random
  placement), the texts in ``note_texts``;
* ``hatched``: positions of the areas drawn hatched (a D or isolation value that cannot be
  told from random placement).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.tiles import TileIndex
from indicators.catalogue import Indicator
from ui.map_view import NO_VALUE_COLOUR, Classes, palette

MAP_HEIGHT = 620
MAX_CLASSES = 9
CARTO_TILES = [f"https://{s}.basemaps.cartocdn.com/light_all/{{z}}/{{x}}/{{y}}.png"
               for s in "abcd"]
BASEMAP_ATTRIBUTION = "Basemap © OpenStreetMap contributors © CARTO"


@dataclass(frozen=True)
class MapLayer:
    """The tile archives one map draws: its areas and, for orientation, districts and
    regions (outlines and names). URLs are paths on the app's own server."""

    level: str
    areas: TileIndex
    areas_url: str
    districts_url: str | None = None
    regions_url: str | None = None


def id_runs(ids: np.ndarray) -> list[list[int]]:
    """Ascending, distinct ids as runs ``[first, count]`` (``[3,4,5,9]`` → ``[[3,3],[9,1]]``)."""
    ids = np.asarray(ids, dtype="int64")
    if ids.size == 0:
        return []
    if (np.diff(ids) <= 0).any():
        raise ValueError("feature ids must be ascending and distinct")
    breaks = np.flatnonzero(np.diff(ids) != 1) + 1
    starts = np.concatenate([[0], breaks])
    counts = np.diff(np.concatenate([starts, [ids.size]]))
    return [[int(ids[s]), int(c)] for s, c in zip(starts, counts, strict=True)]


def values_block(ids: np.ndarray, values: pd.Series, classes: pd.Series, notes: pd.Series,
                 decimals: int, polarity: str, salt: str = "",
                 hatched: pd.Series | None = None) -> dict:
    """The values of the areas on the map in the wire format above.

    Parameters
    ----------
    ids
        Feature id of each area (ascending, distinct).
    values, classes, notes
        Aligned with ``ids``: the number (NA allowed), its class (-1 for none) and a note
        ('' for none).
    decimals
        Decimal places kept; values are sent as integers times 10**decimals.
    polarity
        The indicator's polarity, for the browser's ranks (rank 1 = worst, as the table).
    salt
        Anything else that makes these values differ (e.g. the archive), for the version.
    hatched
        Aligned with ``ids``: True for an area to draw hatched (None: none is).
    """
    if not (len(ids) == len(values) == len(classes) == len(notes)):
        raise ValueError("ids, values, classes and notes must have the same length")
    if hatched is not None and len(hatched) != len(ids):
        raise ValueError("hatched must have one flag per area")
    scale = 10 ** decimals
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64").to_numpy()
    missing = np.isnan(numbers)
    scaled = np.round(np.where(missing, 0.0, numbers) * scale).astype("int64")
    sent: list[int | None] = scaled.tolist()
    for i in np.flatnonzero(missing).tolist():
        sent[i] = None
    digits = np.asarray(classes, dtype="int64")
    if digits.size and digits.max(initial=-1) > 9:
        raise ValueError("classes above 9 cannot be sent as one digit")
    class_text = np.where(digits < 0, 46, digits + 48).astype("uint8").tobytes().decode("ascii")
    note_list = pd.Series(notes).fillna("").astype(str).to_numpy()
    noted = np.flatnonzero(note_list != "")
    texts = sorted(set(note_list[noted].tolist()))
    number = {t: i for i, t in enumerate(texts)}
    flags = (np.zeros(len(ids), dtype=bool) if hatched is None
             else pd.Series(hatched).fillna(False).to_numpy(dtype=bool))
    block = {
        "ids": id_runs(ids), "scale": scale, "values": sent, "classes": class_text,
        "notes": [[int(i), number[note_list[i]]] for i in noted],
        "note_texts": texts, "polarity": polarity,
        "hatched": np.flatnonzero(flags).tolist(),
    }
    digest = hashlib.sha256(salt.encode())
    for part in (np.asarray(ids, dtype="int64"), scaled, missing, digits, flags):
        digest.update(part.tobytes())
    digest.update(json.dumps([block["notes"], texts, polarity, scale]).encode())
    block["version"] = digest.hexdigest()[:16]
    return block


HATCH_LABEL = "Hatched: not clearly different from a random spread"


def legend(indicator: Indicator, classes: Classes, no_value_label: str,
           show_no_value: bool, show_hatch: bool = False, subtitle: str = "") -> dict:
    """Title, class labels and colours (worse end dark), the no-value and hatch entries."""
    if classes.k > MAX_CLASSES:
        raise ValueError(f"at most {MAX_CLASSES} classes can be drawn, not {classes.k}")
    return {"title": f"{indicator.label} ({indicator.unit})" + (f", {subtitle}" if subtitle
                                                                 else ""),
            "labels": list(classes.labels), "colours": palette(indicator.polarity, classes.k),
            "no_value_colour": NO_VALUE_COLOUR, "no_value_label": no_value_label,
            "show_no_value": show_no_value,
            "hatch_label": HATCH_LABEL if show_hatch else None}


@dataclass(frozen=True)
class PlacedValues:
    """The values of one map's areas placed on the archive's features: the part of the
    payload that costs time for all England's LSOAs, so it is computed once per indicator
    and place (``ui.cached``) and reused by every rerun."""

    ids: np.ndarray
    block: dict
    on_map: np.ndarray
    extent: tuple[float, float, float, float]


def place_values(*, layer: MapLayer, codes: pd.Series, values: pd.Series, classes: Classes,
                 notes: pd.Series, indicator: Indicator,
                 hatched: pd.Series | None = None) -> PlacedValues:
    """The values of the areas of ``codes`` in the wire format, on the archive's ids.

    ``codes``, ``values``, ``notes`` and ``hatched``: one row per area on the map (any
    order); ``classes.index`` is aligned with them. Areas whose code is not in the archive
    are left off the map (the table still lists them).
    """
    ids = layer.areas.ids_of(codes.astype(str))
    keep = ids >= 0
    order = np.argsort(ids[keep], kind="stable")
    pick = np.flatnonzero(keep)[order]
    on_map = classes.index.to_numpy()[pick]
    flags = None if hatched is None else hatched.iloc[pick].reset_index(drop=True)
    block = values_block(ids[pick], values.iloc[pick], pd.Series(on_map), notes.iloc[pick],
                         indicator.decimals, indicator.polarity, salt=layer.areas_url,
                         hatched=flags)
    extent = layer.areas.extent_of_ids(ids[pick]) if pick.size else layer.areas.extent()
    return PlacedValues(ids[pick], block, on_map, extent)


def map_payload(*, layer: MapLayer, codes: pd.Series, values: pd.Series, classes: Classes,
                notes: pd.Series, indicator: Indicator, hatched: pd.Series | None = None,
                **view: Any) -> dict:
    """Everything the map script needs for one view: :func:`place_values` of the areas,
    then :func:`payload_of` with the ``view`` arguments."""
    placed = place_values(layer=layer, codes=codes, values=values, classes=classes,
                          notes=notes, indicator=indicator, hatched=hatched)
    return payload_of(placed, layer=layer, classes=classes, indicator=indicator, **view)


def payload_of(placed: PlacedValues, *, layer: MapLayer, classes: Classes,
               indicator: Indicator, no_value_label: str, view_key: str, place: str,
               script: str, selected: str | None = None, ranked: bool = True,
               basemap: bool = False, subtitle: str = "") -> dict:
    """Everything the map script needs for one view, from values already placed.

    Parameters
    ----------
    placed
        :func:`place_values` of the areas on the map.
    layer
        The archives to draw.
    classes
        The classes of the values (for the legend).
    view_key
        Changes when the map should move to a new extent (level and place).
    place
        Where the map shows, for its accessible name ("Districts of England").
    script
        URL path of ui/web/atlas-map.js on this server.
    selected
        Area code to outline (and bring into view), if it is on the map.
    ranked
        Whether hover shows a rank (indicators), or not (report counts).
    basemap
        Draw CARTO's OpenStreetMap tiles under the areas (needs internet).
    subtitle
        Words after the legend's title (e.g. the small areas segregation was computed
        across).
    """
    block = placed.block
    title = f"{indicator.label} ({indicator.unit})" + (f", {subtitle}" if subtitle else "")
    chosen = None
    selected_id = int(layer.areas.ids_of([selected])[0]) if selected else -1
    if selected_id >= 0 and selected_id in placed.ids:
        bounds = layer.areas.extent_of_ids(np.array([selected_id]))
        chosen = {"id": selected_id, "bounds": [float(b) for b in bounds]}
    return {
        "script": script,
        "height": MAP_HEIGHT,
        "aria_label": f"Map of {title}, {place}. The table below the map lists every value.",
        "layer": {"url": layer.areas_url, "level": layer.level},
        "context": {"districts": layer.districts_url, "regions": layer.regions_url},
        "view": {"key": view_key, "extent": [round(float(e), 5) for e in placed.extent]},
        "values": block,
        "legend": legend(indicator, classes, no_value_label, bool((placed.on_map < 0).any()),
                         bool(block["hatched"]), subtitle),
        "hover": {"label": indicator.label, "unit": indicator.unit,
                  "decimals": indicator.decimals, "vintage": f"Vintage: {indicator.vintage}",
                  "no_value": no_value_label, "ranked": ranked},
        "selected": chosen,
        "basemap": ({"tiles": CARTO_TILES, "attribution": BASEMAP_ATTRIBUTION}
                    if basemap else None),
    }
