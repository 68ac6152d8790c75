"""The map element: one ``st.components.v2`` component hosting MapLibre GL JS in the page.

The component's own code is a loader of a few lines; the map script (ui/web/atlas-map.js),
MapLibre and the PMTiles reader are fetched once from the app's own server
(ui/routes.py) and kept by the browser. Each rerun passes the payload of
:func:`ui.map_payload.map_payload`; the element keeps its key, so the browser keeps its
map and applies only what changed.
"""

from __future__ import annotations

import streamlit as st

# The PMTiles reader is a classic script: it starts loading here, beside the module.
_LOADER = """
export default async function (component) {
  if (!component.data) return undefined;
  const url = new URL(component.data.script, window.location.origin);
  if (!window.pmtiles && !document.querySelector("script[data-atlas-pmtiles]")) {
    const reader = document.createElement("script");
    reader.src = new URL("vendor/pmtiles.js", url).href;
    reader.dataset.atlasPmtiles = "loading";
    reader.onload = () => { reader.dataset.atlasPmtiles = "loaded"; };
    reader.onerror = () => { reader.dataset.atlasPmtiles = "failed"; };
    document.head.appendChild(reader);
  }
  const module = await import(url.href);
  return module.render(component);
}
"""
_map = st.components.v2.component("gra_area_map", js=_LOADER, isolate_styles=False)


def render_area_map(payload: dict, key: str = "area_map") -> str | None:
    """Draw the map; the code of the area clicked in this run, if any."""
    result = _map(key=key, data=payload, height="content", on_click_change=lambda: None)
    clicked = result.get("click") if result is not None else None
    return clicked if isinstance(clicked, str) and clicked else None
