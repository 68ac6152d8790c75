"""Emulates the Nomis API's ``/api/v01/dataset/{ID}.data.csv`` from fixture tables.

A dataset's rows for one ``geography`` value lie in
``<host>/api/v01/dataset/{ID}/{geography}.csv`` under the fixture root, in the API's own
CSV format (upper-case header, every field double-quoted) with every column. Served like
Nomis:

* query parameters naming a column (``measures``, ``rural_urban``, ``c2021_eth_20``, ...)
  keep the rows whose code is in the comma-separated list; ``date`` is ignored;
* ``select`` picks and orders the columns (upper-cased in the header); ``RECORD_OFFSET``
  and ``RECORD_COUNT`` may be selected and are always given without ``select``;
* ``RecordOffset`` / ``RecordLimit`` page, and the answer is **silently cut** at
  :data:`MAX_ROWS` rows (HTTP 200, no error), which tests lower (e.g. to 5);
* a geography the dataset lacks, or an unknown ``select`` field, answers 200 with an
  empty body, as Nomis does for a malformed query; an unknown dataset answers 404.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from tests.mirror import Request, Response

HOST = "www.nomisweb.co.uk"
MAX_ROWS = 25_000

_DATA = re.compile(r"/api/v01/dataset/(NM_\d+_\d+)\.data\.csv")
_NOT_FILTERS = {"date", "time", "geography", "select", "recordoffset", "recordlimit", "uid"}


def route(request: Request, root: Path) -> Response | None:
    """Answer a ``.data.csv`` request, or None for any other path (served as static files)."""
    match = _DATA.fullmatch(request.path)
    if not match:
        return None
    folder = root / HOST / "api" / "v01" / "dataset" / match.group(1)
    if not folder.is_dir():
        return Response(404, b"Not Found", "text/plain")
    query = {k.casefold(): v for k, v in request.query.items()}
    table = folder / f"{query.get('geography', '')}.csv"
    if not table.is_file():
        return _csv(b"")
    header, rows = _read(table)
    rows = [row for row in rows if _kept(row, query)]
    count = len(rows)
    for offset, row in enumerate(rows):
        row.update(RECORD_OFFSET=str(offset), RECORD_COUNT=str(count))
    columns = [*header, "RECORD_OFFSET", "RECORD_COUNT"]
    if "select" in query:
        columns = [c.strip().upper() for c in query["select"].split(",")]
        if not set(columns) <= {*header, "RECORD_OFFSET", "RECORD_COUNT"}:
            return _csv(b"")
    start = int(query.get("recordoffset") or 0)
    limit = min(int(query.get("recordlimit") or MAX_ROWS), MAX_ROWS)
    return _csv(api_csv(columns, rows[start:start + limit]))


def _read(table: Path) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(table.read_text(encoding="utf-8")))
    return list(reader.fieldnames or []), list(reader)


def _kept(row: dict[str, str], query: dict[str, str]) -> bool:
    for name, value in query.items():
        column = name.upper()
        if name not in _NOT_FILTERS and column in row and row[column] not in value.split(","):
            return False
    return True


def api_csv(columns: list[str], rows: list[dict[str, str]]) -> bytes:
    """Rows as the API writes them: upper-case header, every field double-quoted."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([row[c] for c in columns] for row in rows)
    return out.getvalue().encode()


def _csv(body: bytes) -> Response:
    return Response(200, body, "text/csv")
