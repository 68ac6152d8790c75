"""Emulates the ONS Open Geography Portal's ArcGIS FeatureServer from fixture layers.

A layer is the file ``<host>/<service path>/FeatureServer/0/features.geojson`` under the
fixture root (lookup tables as features without geometry). Served like ArcGIS Online:

* ``.../FeatureServer/0?f=json``: layer information with ``maxRecordCount``;
* ``.../FeatureServer/0/query``: ``where`` (``1=1``, ``F='x'``, ``F LIKE 'E%'``,
  ``F IN ('a','b')``, joined by ``AND``), ``outFields``, ``returnGeometry``,
  ``returnCountOnly``, ``resultOffset``, ``resultRecordCount`` (capped at
  :data:`MAX_RECORDS`), ``orderByFields``, ``f=geojson|json``; ``exceededTransferLimit``
  when more features remain.

Like ArcGIS, a service that does not exist or a query it cannot run answers HTTP 200 with an
``{"error": {...}}`` object. Tests lower :data:`MAX_RECORDS` (e.g. to 2) to force paging.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.mirror import Request, Response

HOST = "services1.arcgis.com"
MAX_RECORDS = 2000

_LAYER = re.compile(r"(/.*/FeatureServer/\d+)(?:/(\w+))?/?")
_CONDITION = re.compile(r"^\s*(\w+)\s*(=|<>|LIKE|IN)\s*(\(.*\)|'[^']*'|[-\d.]+)\s*$", re.I)

Properties = dict[str, Any]


class QueryError(ValueError):
    """A query ArcGIS would refuse; answered as an error object."""


def route(request: Request, root: Path) -> Response | None:
    """Answer a FeatureServer request of ``request.path``, or None for other paths."""
    match = _LAYER.fullmatch(request.path)
    if not match:
        return None
    layer_file = root / HOST / match.group(1).lstrip("/") / "features.geojson"
    if not layer_file.is_file():
        return _error(400, "Invalid URL", [])
    features = json.loads(layer_file.read_text(encoding="utf-8"))["features"]
    tail = match.group(2) or ""
    if tail == "":
        return _layer_info(layer_file, features)
    if tail != "query":
        return _error(400, "Invalid URL", [])
    try:
        return _query(request.query, features)
    except QueryError as exc:
        return _error(400, "Cannot perform query. Invalid query parameters.", [str(exc)])


def _error(code: int, message: str, details: list[str]) -> Response:
    return Response.of_json({"error": {"code": code, "message": message, "details": details}})


def _field_names(features: list[dict]) -> list[str]:
    return list(features[0]["properties"]) if features else []


def _layer_info(layer_file: Path, features: list[dict]) -> Response:
    service = layer_file.parent.parent.parent.name
    has_geometry = bool(features and features[0].get("geometry"))
    return Response.of_json({
        "currentVersion": 11.3,
        "id": 0,
        "name": service,
        "type": "Feature Layer" if has_geometry else "Table",
        "geometryType": "esriGeometryPolygon" if has_geometry else None,
        "objectIdField": "FID",
        "maxRecordCount": MAX_RECORDS,
        "supportsPagination": True,
        "fields": [{"name": name, "type": "esriFieldTypeString"}
                   for name in _field_names(features)],
    })


def where_filter(where: str, fields: list[str]) -> Callable[[Properties], bool]:
    """A predicate for the supported subset of ArcGIS SQL; unknown fields are refused."""
    if where.replace(" ", "") in ("", "1=1"):
        return lambda props: True
    tests = []
    for part in re.split(r"\s+AND\s+", where.strip(), flags=re.I):
        match = _CONDITION.match(part)
        if not match:
            raise QueryError(f"unsupported where clause {part!r}")
        field, operator, value = match.group(1), match.group(2).upper(), match.group(3)
        if field not in fields:
            raise QueryError(f"'Invalid field: {field}' parameter is invalid")
        tests.append(_condition(field, operator, value))
    return lambda props: all(test(props) for test in tests)


def _condition(field: str, operator: str, value: str) -> Callable[[Properties], bool]:
    if operator == "IN":
        values = {v.strip().strip("'") for v in value.strip("()").split(",")}
        return lambda props: str(props.get(field)) in values
    if operator == "LIKE":
        pattern = re.escape(value.strip("'")).replace("%", ".*").replace("_", ".")
        regex = re.compile(f"^{pattern}$", re.I)
        return lambda props: bool(regex.match(str(props.get(field, ""))))
    text = value.strip("'")
    if operator == "=":
        return lambda props: str(props.get(field)) == text
    return lambda props: str(props.get(field)) != text


def _query(query: dict[str, str], features: list[dict]) -> Response:
    fields = _field_names(features)
    keep = where_filter(query.get("where", "1=1"), fields)
    chosen = [f for f in features if keep(f["properties"])]
    order = [part.split()[0] for part in query.get("orderByFields", "").split(",") if part.strip()]
    if order:
        chosen.sort(key=lambda f: tuple(str(f["properties"].get(name)) for name in order))
    out_fields = _out_fields(query.get("outFields", "*"), fields)
    fmt = query.get("f", "json")
    if query.get("returnCountOnly", "false").lower() == "true":
        if fmt == "geojson":
            return Response.of_json({"type": "FeatureCollection", "features": [],
                                     "properties": {"count": len(chosen)}})
        return Response.of_json({"count": len(chosen)})
    offset = int(query.get("resultOffset") or 0)
    limit = min(int(query.get("resultRecordCount") or MAX_RECORDS), MAX_RECORDS)
    page = chosen[offset:offset + limit]
    exceeded = offset + limit < len(chosen)
    geometry = query.get("returnGeometry", "true").lower() != "false"
    if fmt == "geojson":
        return _geojson_page(page, offset, out_fields, geometry, exceeded)
    return _esri_page(page, out_fields, geometry, exceeded)


def _out_fields(value: str, fields: list[str]) -> list[str]:
    if value.strip() == "*":
        return fields
    names = [name.strip() for name in value.split(",")]
    unknown = [name for name in names if name not in fields]
    if unknown:
        raise QueryError(f"'Invalid field: {unknown[0]}' parameter is invalid")
    return names


def _geojson_page(
    page: list[dict], offset: int, names: list[str], geometry: bool, exceeded: bool
) -> Response:
    body: dict[str, Any] = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": offset + i + 1,
         "geometry": feature.get("geometry") if geometry else None,
         "properties": {name: feature["properties"].get(name) for name in names}}
        for i, feature in enumerate(page)
    ]}
    if exceeded:
        body["properties"] = {"exceededTransferLimit": True}
    return Response.of_json(body, content_type="application/geo+json")


def _esri_page(page: list[dict], names: list[str], geometry: bool, exceeded: bool) -> Response:
    def esri(feature: dict) -> dict:
        out: dict[str, Any] = {
            "attributes": {name: feature["properties"].get(name) for name in names}}
        shape = feature.get("geometry")
        if geometry and shape:
            coordinates = shape["coordinates"]
            polygons = [coordinates] if shape["type"] == "Polygon" else coordinates
            out["geometry"] = {"rings": [ring for polygon in polygons for ring in polygon]}
        return out

    body: dict[str, Any] = {
        "objectIdFieldName": "FID",
        "geometryType": "esriGeometryPolygon",
        "spatialReference": {"wkid": 4326, "latestWkid": 4326},
        "fields": [{"name": name, "type": "esriFieldTypeString"} for name in names],
        "features": [esri(feature) for feature in page],
    }
    if exceeded:
        body["exceededTransferLimit"] = True
    return Response.of_json(body)
