"""Client of the ONS Open Geography Portal's ArcGIS REST services: find a layer, read it all.

Each layer is a FeatureServer on ``{geoportal_base_url}/ESMARspQHYMw9BZ9/arcgis/rest/services``.
ONS renames services when it republishes them (``_V4`` becomes ``_V5``, a resolution is
withdrawn), so every layer lists the names it may go by, newest first; the first whose
layer information answers without an ArcGIS error object is used, unless the
``geoportal_services`` setting pins one. A layer is read in pages of its own
``maxRecordCount``, filtered to England (``<CODE> LIKE 'E%'``), after asking for the number
of matching features, and the features fetched must add up to that number.

Which layers are read, and the tables made from them, live in :mod:`data_sources.geoportal`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from data_sources.errors import SourceFormatError, SourceUnavailableError
from data_sources.http import Fetched, full_url
from data_sources.refresh import Download, RefreshContext

# Errors and raw copies are filed under the source whose datasets these layers feed.
SOURCE = "geoportal"
SERVICES_PATH = "/ESMARspQHYMw9BZ9/arcgis/rest/services"
DEFAULT_MAX_RECORDS = 2000


@dataclass(frozen=True)
class Layer:
    """One ArcGIS layer: the service names to try, in order, and the fields to read.

    ``fields`` maps each ArcGIS field to its column in our table, in output order;
    ``code_field`` is the GSS code field that the England filter ``LIKE 'E%'`` applies to.
    """

    id: str
    services: tuple[str, ...]
    code_field: str
    fields: dict[str, str]
    geometry: bool = False


@dataclass(frozen=True)
class LayerFeatures:
    """Every England feature of a layer, the service that gave them and the raw copy."""

    service: str
    features: list[dict[str, Any]]
    download: Download


def layer_url(ctx: RefreshContext, service: str) -> str:
    """The FeatureServer layer URL of ``service`` (layer 0) under the configured host."""
    return f"{ctx.settings.geoportal_base_url}{SERVICES_PATH}/{service}/FeatureServer/0"


def candidate_services(ctx: RefreshContext, layer: Layer) -> tuple[str, ...]:
    """The service names to try for ``layer``: the pinned one, or the layer's own list."""
    pinned = ctx.settings.geoportal_services.get(layer.id)
    return (pinned,) if pinned else layer.services


def resolve_service(ctx: RefreshContext, layer: Layer) -> tuple[str, dict[str, Any]]:
    """The first service of ``layer`` that exists, with its layer information.

    Parameters
    ----------
    ctx
        The refresh context (settings, HTTP session).
    layer
        The layer whose candidate service names are tried in order.

    Returns
    -------
    tuple of (str, dict)
        The service name and its layer information (``?f=json``).

    Raises
    ------
    SourceUnavailableError
        When no candidate exists (each answered an ArcGIS error object or HTTP 404), or the
        portal cannot be reached.
    """
    tried = []
    for service in candidate_services(ctx, layer):
        url = layer_url(ctx, service)
        fetched = ctx.fetch(url, source=SOURCE, params={"f": "json"},
                            ok_statuses=frozenset({200, 404}))
        if fetched.status == 404:
            tried.append(f"{service} (HTTP 404)")
            continue
        info = _json_of(fetched.content, full_url(url, {"f": "json"}))
        if "error" in info:
            tried.append(f"{service} ({_error_text(info['error'])})")
            continue
        return service, info
    raise SourceUnavailableError(
        SOURCE,
        layer_url(ctx, candidate_services(ctx, layer)[0]),
        f"no service of layer {layer.id} answered: {'; '.join(tried)}. ONS renames services "
        "when it republishes; find the current name on the Open Geography Portal and pin it "
        f"with GRA_GEOPORTAL_SERVICES='{{\"{layer.id}\": \"<ServiceName>\"}}'",
    )


def page_size(info: dict[str, Any]) -> int:
    """The layer's ``maxRecordCount`` (features a query may return), 2000 when not given."""
    value = info.get("maxRecordCount")
    return value if isinstance(value, int) and value > 0 else DEFAULT_MAX_RECORDS


def order_by(layer: Layer, info: dict[str, Any]) -> str:
    """A total order for paging: the object id field, else every field read.

    Paging by a field with ties (a lookup's LSOA 2021 code) could repeat or skip rows
    between pages; the object id, or all fields together, cannot.
    """
    object_id = info.get("objectIdField")
    return object_id if isinstance(object_id, str) and object_id else ",".join(layer.fields)


def england_where(layer: Layer) -> str:
    """The where clause selecting England's features of ``layer``."""
    return f"{layer.code_field} LIKE 'E%'"


def fetch_layer(ctx: RefreshContext, layer: Layer) -> LayerFeatures:
    """Every England feature of ``layer``, page by page, checked against the layer's count.

    Parameters
    ----------
    ctx
        The refresh context; all pages are kept together as one raw GeoJSON file.
    layer
        What to read. Geometry is requested in EPSG:4326 when ``layer.geometry``.

    Returns
    -------
    LayerFeatures
        The service used, the GeoJSON features in order, and the raw download.

    Raises
    ------
    SourceUnavailableError
        When the portal cannot be reached or answers with an ArcGIS error object.
    SourceFormatError
        When a response is not the JSON expected, or the features fetched do not add up to
        the count the layer reported.
    """
    service, info = resolve_service(ctx, layer)
    url = f"{layer_url(ctx, service)}/query"
    where = england_where(layer)
    expected = fetch_count(ctx, url, where)
    query = {
        "where": where,
        "outFields": ",".join(layer.fields),
        "outSR": "4326",
        "f": "geojson",
        "returnGeometry": "true" if layer.geometry else "false",
        "orderByFields": order_by(layer, info),
    }
    features = _fetch_pages(ctx, url, query, page_size(info), expected)
    shown = full_url(url, query)
    if len(features) != expected:
        raise SourceFormatError(
            SOURCE, shown,
            f"fetched {len(features):,} features of {service} but the layer reports "
            f"{expected:,} for {where}; the service changed during the refresh or paging "
            "lost features",
        )
    raw = json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8")
    download = ctx.keep_raw(SOURCE, f"{service}.geojson", raw, shown)
    return LayerFeatures(service, features, download)


def fetch_count(ctx: RefreshContext, url: str, where: str) -> int:
    """The number of features of the layer at ``url`` matching ``where``."""
    params = {"where": where, "returnCountOnly": "true", "f": "json"}
    answer = _query(ctx, url, params)
    count = answer.get("count")
    if not isinstance(count, int) or count < 0:
        raise SourceFormatError(SOURCE, full_url(url, params),
                                f"the count query answered without a count: {str(answer)[:200]}")
    return count


def _fetch_pages(
    ctx: RefreshContext, url: str, query: dict[str, str], size: int, expected: int
) -> list[dict[str, Any]]:
    """Pages from offset 0 until one is short or not flagged; never past ``expected``."""
    features: list[dict[str, Any]] = []
    while True:
        params = {**query, "resultOffset": str(len(features)), "resultRecordCount": str(size)}
        page = _query(ctx, url, params)
        batch = page.get("features")
        if not isinstance(batch, list):
            raise SourceFormatError(SOURCE, full_url(url, params),
                                    f"the page has no features list: {str(page)[:200]}")
        features.extend(batch)
        exceeded = bool((page.get("properties") or {}).get("exceededTransferLimit")
                        or page.get("exceededTransferLimit"))
        if not batch or not (exceeded or len(batch) >= size) or len(features) > expected:
            return features


def _query(ctx: RefreshContext, url: str, params: dict[str, str]) -> dict[str, Any]:
    fetched: Fetched = ctx.fetch(url, source=SOURCE, params=params)
    shown = full_url(url, params)
    answer = _json_of(fetched.content, shown)
    if "error" in answer:
        problem = _error_text(answer["error"])
        raise SourceUnavailableError(
            SOURCE, shown, f"the ArcGIS service answered with an error: {problem}"
        )
    return answer


def _json_of(content: bytes, url: str) -> dict[str, Any]:
    try:
        answer = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceFormatError(
            SOURCE, url, f"the answer is not valid JSON ({exc}); it starts {content[:80]!r}"
        ) from None
    if not isinstance(answer, dict):
        raise SourceFormatError(SOURCE, url, f"expected a JSON object, got {str(answer)[:80]}")
    return answer


def _error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    details = "; ".join(str(d) for d in error.get("details") or [])
    text = f"code {error.get('code')}: {error.get('message')}"
    return f"{text} ({details})" if details else text
