"""data.police.uk API emulation from the street-level CSVs under the fixture tree.

Serves ``/api/crimes-street-dates``, ``/api/crime-categories`` and
``/api/crimes-street/<category>?date=YYYY-MM&poly=lat,lng:lat,lng:...`` (GET, or POST with
the same form fields) from ``data.police.uk/street/*.csv``, files in the police.uk
monthly street CSV format. As the real API: a GET whose URL exceeds ``MAX_URL`` characters
is refused (400), more than ``MAX_CRIMES`` crimes in the polygon gives 503, and more than
``RATE`` requests a second (bursts of ``BURST``) gives 429. Tests lower the constants.
"""

from __future__ import annotations

import csv
import re
import threading
import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from shapely.geometry import Point, Polygon

from tests.mirror import Request, Response

HOST = "data.police.uk"
MAX_CRIMES = 10_000
MAX_URL = 4094
RATE = 15.0
BURST = 30
FIRST_ID = 118_000_000

CATEGORIES = {
    "Anti-social behaviour": "anti-social-behaviour", "Bicycle theft": "bicycle-theft",
    "Burglary": "burglary", "Criminal damage and arson": "criminal-damage-arson",
    "Drugs": "drugs", "Other theft": "other-theft",
    "Possession of weapons": "possession-of-weapons",
    "Public order": "public-order", "Robbery": "robbery", "Shoplifting": "shoplifting",
    "Theft from the person": "theft-from-the-person", "Vehicle crime": "vehicle-crime",
    "Violence and sexual offences": "violent-crime", "Other crime": "other-crime",
}

_bucket = {"tokens": float(BURST), "at": time.monotonic()}
_bucket_lock = threading.Lock()


def route(request: Request, root: Path) -> Response | None:
    if not request.path.startswith("/api/"):
        return None
    if not _take_token():
        return Response(429, b"Too Many Requests", "text/plain")
    fields = {**request.query, **request.form()} if request.method == "POST" else request.query
    rows = _rows(root / HOST / "street")
    months = sorted({r["Month"] for r in rows}, reverse=True)
    path = request.path.rstrip("/")
    if path == "/api/crimes-street-dates":
        return Response.of_json([{"date": m, "stop-and-search": _forces(rows, m)} for m in months])
    if path == "/api/crime-categories":
        named = sorted(CATEGORIES.items(), key=lambda kv: kv[1])
        return Response.of_json(
            [{"url": "all-crime", "name": "All crime"}] + [{"url": u, "name": n} for n, u in named]
        )
    match = re.fullmatch(r"/api/crimes-street/([a-z-]+)", path)
    if not match:
        return Response(404, b"Not Found", "text/plain")
    if request.method == "GET" and len(_wire_url(request)) > MAX_URL:
        return Response(400, b"Bad Request: URL too long", "text/plain")
    return _street_crimes(rows, match.group(1), fields, months)


def _street_crimes(rows: list[dict], category: str, fields: dict, months: list[str]) -> Response:
    if category != "all-crime" and category not in CATEGORIES.values():
        return Response(404, b"Not Found", "text/plain")
    if "poly" not in fields:
        return Response(400, b"Bad Request", "text/plain")
    try:
        ring = [tuple(float(x) for x in pt.split(",")) for pt in fields["poly"].split(":")]
        area = Polygon([(lng, lat) for lat, lng in ring])
    except ValueError:
        return Response(400, b"Bad Request", "text/plain")
    date = fields.get("date") or months[0]
    found = [
        _crime_json(r)
        for r in rows
        if r["Month"] == date
        and (category == "all-crime" or CATEGORIES.get(r["Crime type"]) == category)
        and r["Latitude"]
        and area.covers(Point(float(r["Longitude"]), float(r["Latitude"])))
    ]
    if len(found) > MAX_CRIMES:
        return Response(503, b"", "text/html")
    return Response.of_json(found)


def _wire_url(request: Request) -> str:
    return f"https://{HOST}{request.path}?{urlencode(request.query)}"


def _take_token() -> bool:
    with _bucket_lock:
        now = time.monotonic()
        _bucket["tokens"] = min(BURST, _bucket["tokens"] + (now - _bucket["at"]) * RATE)
        _bucket["at"] = now
        if _bucket["tokens"] >= 1:
            _bucket["tokens"] -= 1
            return True
        return False


@lru_cache(maxsize=4)
def _rows(folder: Path) -> list[dict]:
    rows = []
    for path in sorted(folder.glob("*-street.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            rows.extend(csv.DictReader(f))
    for n, row in enumerate(rows):
        row["id"] = FIRST_ID + n
    return rows


def _forces(rows: list[dict], month: str) -> list[str]:
    names = {r["Falls within"] for r in rows if r["Month"] == month}
    slugs = (re.sub(r"\s+(police|constabulary)$", "", n.lower()) for n in names)
    return sorted(slug.replace(" ", "-") for slug in slugs)


def _crime_json(row: dict) -> dict:
    outcome = row["Last outcome category"]
    return {
        "category": CATEGORIES.get(row["Crime type"], "other-crime"),
        "location_type": "Force",
        "location": {
            "latitude": row["Latitude"],
            "street": {"id": 1_000_000 + len(row["Location"]), "name": row["Location"]},
            "longitude": row["Longitude"],
        },
        "context": row["Context"],
        "outcome_status": {"category": outcome, "date": row["Month"]} if outcome else None,
        "persistent_id": row["Crime ID"],
        "id": row["id"],
        "location_subtype": "",
        "month": row["Month"],
    }
