"""The locator map of the profile's PDF and HTML: where the area lies in England and in its
region, drawn with matplotlib from the cached boundaries (no basemap, no network)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from geo.locator import LocatorShapes  # noqa: E402

# Okabe-Ito vermillion for the area (as in the profile's charts), greys for the context.
AREA, REGION, OTHER, EDGE = "#D55E00", "#BBBBBB", "#EEEEEE", "#777777"


def render_locator(shapes: LocatorShapes, area_name: str, region_name: str | None) -> bytes:
    """Two panels as PNG bytes: England's regions with the area's region shaded and the
    area marked, and the region (or the area's surroundings) with the area filled."""
    fig, (country, close) = plt.subplots(1, 2, figsize=(7, 3.4))
    shapes.regions.plot(ax=country, color=OTHER, edgecolor=EDGE, linewidth=0.3)
    if len(shapes.region):
        shapes.region.plot(ax=country, color=REGION, edgecolor=EDGE, linewidth=0.5)
    # A small area is a speck at this scale: a marker at its centre shows where it is.
    centre = shapes.area.union_all().representative_point()
    country.plot(centre.x, centre.y, marker="o", markersize=7, color=AREA,
                 markeredgecolor="black", markeredgewidth=0.6)
    country.set_title("In England", fontsize=9)
    context = shapes.region if len(shapes.region) else shapes.regions
    context.plot(ax=close, color=OTHER, edgecolor=EDGE, linewidth=0.5)
    shapes.area.plot(ax=close, color=AREA, edgecolor="black", linewidth=0.5)
    if not len(shapes.region):
        _zoom(close, shapes)
    close.set_title(f"In {region_name}" if region_name and len(shapes.region)
                    else f"{area_name} and its surroundings", fontsize=9)
    for ax in (country, close):
        ax.set_axis_off()
        ax.set_aspect("equal")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _zoom(ax, shapes: LocatorShapes) -> None:
    """Frame the area with a margin of its own size (no region to frame)."""
    left, bottom, right, top = shapes.area.total_bounds
    pad = max(right - left, top - bottom)
    ax.set_xlim(left - pad, right + pad)
    ax.set_ylim(bottom - pad, top + pad)
