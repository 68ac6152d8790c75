"""postcodes.io emulation from the invented records in ``api.postcodes.io/records.json``.

Serves ``GET /postcodes/{postcode}`` (case- and space-insensitive; 404
``{"status":404,"error":"Postcode not found"}``, or ``"Invalid postcode"`` when the text
is not postcode-shaped) and ``POST /postcodes`` with ``{"postcodes": [...]}`` (at most
``MAX_BULK``, 400 beyond; an unknown postcode gives ``"result": null``), in the shapes of
ideal-postcodes/postcodes.io. Other paths answer its JSON 404.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.mirror import Request, Response

HOST = "api.postcodes.io"
MAX_BULK = 100
SHAPE = re.compile(r"^[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}$", re.IGNORECASE)
"""The shape postcodes.io accepts before looking a postcode up."""
INVALID_JSON_QUERY = (
    "Invalid JSON query submitted. \nYou need to submit a JSON object with an array of "
    "postcodes or geolocation objects.\nAlso ensure that Content-Type is set to "
    "application/json\n"
)


def route(request: Request, root: Path) -> Response | None:
    records = _records(root / HOST / "records.json")
    path = request.path.rstrip("/")
    if request.method == "GET" and path.startswith("/postcodes/"):
        return _single(records, path.removeprefix("/postcodes/"))
    if request.method == "POST" and path == "/postcodes":
        return _bulk(records, request)
    if path == "/postcodes":
        return _error(400, "No postcode query submitted. Remember to include query parameter")
    return _error(404, "Resource not found")


def _single(records: dict[str, dict], postcode: str) -> Response:
    if not SHAPE.match(postcode.strip()):
        return _error(404, "Invalid postcode")
    record = _find(records, postcode)
    if record is None:
        return _error(404, "Postcode not found")
    return Response.of_json({"status": 200, "result": record})


def _bulk(records: dict[str, dict], request: Request) -> Response:
    try:
        body = request.json()
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _error(400, "Invalid JSON submitted.")
    if not isinstance(body, dict) or "postcodes" not in body:
        return _error(400, INVALID_JSON_QUERY)
    postcodes = body["postcodes"]
    if not isinstance(postcodes, list):
        return _error(400, "Invalid data submitted. You need to provide a JSON array")
    if len(postcodes) > MAX_BULK:
        return _error(
            400,
            f"Too many postcodes submitted. Up to {MAX_BULK} postcodes can be bulk "
            "requested at a time",
        )
    result = []
    for postcode in postcodes:
        if not postcode:
            break  # as the real service: the lookup stops at the first empty entry
        result.append({"query": postcode, "result": _find(records, str(postcode))})
    return Response.of_json({"status": 200, "result": result})


def _find(records: dict[str, dict], postcode: str) -> dict | None:
    compact = re.sub(r"\s", "", postcode).upper()
    return records.get(compact) if SHAPE.match(postcode.strip()) else None


def _records(path: Path) -> dict[str, dict]:
    records = json.loads(path.read_text(encoding="utf-8"))
    return {record["postcode"].replace(" ", ""): record for record in records}


def _error(status: int, message: str) -> Response:
    return Response.of_json({"status": status, "error": message}, status=status)
