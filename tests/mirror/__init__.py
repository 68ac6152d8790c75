"""A loopback HTTP stand-in for the publishers, serving our own small fixtures.

Files under ``tests/fixtures/mirror/<host>/<publisher's path>`` are served as they lie
(query strings ignored), so a fetcher whose base URL is ``http://127.0.0.1:PORT/<host>``
finds them at the publisher's own path. Paged APIs (Nomis, ArcGIS, data.police.uk,
postcodes.io) are emulated by the route modules beside this one, from fixture files.

Tests script faults per path: ``mirror.fault("census2021-ts021.zip", 500, 500)`` makes the
next two matching requests answer 500; see :class:`Fault` for the other kinds.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mirror"


@dataclass
class Request:
    method: str
    host: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(cls, obj, status: int = 200, content_type: str = "application/json") -> Response:
        return cls(status, json.dumps(obj).encode(), content_type)


Route = Callable[[Request, Path], Response | None]
"""A route gets the request and the fixture root; None means "not mine"."""


@dataclass
class Fault:
    """One scripted misbehaviour: an HTTP status, or one of the named kinds below.

    ``truncate``: send half the body but the full Content-Length, then close.
    ``slow``: sleep ``seconds`` before answering (longer than the client's timeout).
    ``reset``: close the connection without a response.
    ``empty``: answer 200 with an empty body.
    ``body``: answer 200 with ``body`` instead of the real file.
    ``trickle``: send the body one byte every ``seconds`` (each read gets data in time).
    ``unsized``: answer 200 with ``body`` and no Content-Length: it ends when the
    connection closes, as a publisher streaming a file of unknown size does.
    """

    kind: int | str
    seconds: float = 5.0
    body: bytes = b""


class _QuietServer(ThreadingHTTPServer):
    """Connections dropped on purpose by fault scripts are expected, not worth a traceback."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


class Mirror:
    """The running server: its base URL, scripted faults and a log of requests."""

    def __init__(self, root: Path = FIXTURES) -> None:
        self.root = root
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._faults: list[tuple[str, Fault]] = []
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> Mirror:
        """Serve, with every route module of this package (each has HOST and route)."""
        for info in pkgutil.iter_modules(__path__):
            module = importlib.import_module(f"{__name__}.{info.name}")
            self.routes[module.HOST] = module.route
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, host: str) -> str:
        return f"http://127.0.0.1:{self.port}/{host}"

    def fault(self, path_contains: str, *faults: int | str | Fault) -> None:
        """Queue faults for the next requests whose path contains ``path_contains``."""
        with self._lock:
            for f in faults:
                self._faults.append((path_contains, f if isinstance(f, Fault) else Fault(f)))

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self.requests.clear()

    def requests_to(self, path_contains: str) -> list[Request]:
        return [r for r in self.requests if path_contains in r.path]

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for i, (needle, fault) in enumerate(self._faults):
                if needle in path:
                    del self._faults[i]
                    return fault
        return None

    def _answer(self, request: Request) -> Response:
        route = self.routes.get(request.host)
        if route is not None:
            response = route(request, self.root)
            if response is not None:
                return response
        target = (self.root / request.host / request.path.lstrip("/")).resolve()
        if self.root.resolve() in target.parents and target.is_file():
            return Response(200, target.read_bytes(), _content_type(target))
        return Response(404, b"Not Found", "text/plain")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args) -> None:
                pass

            def do_GET(self) -> None:
                self._serve(b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._serve(self.rfile.read(length))

            def _serve(self, body: bytes) -> None:
                url = urlparse(self.path)
                host, _, rest = unquote(url.path).lstrip("/").partition("/")
                query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                request = Request(self.command, host, "/" + rest, query, body, dict(self.headers))
                with mirror._lock:
                    mirror.requests.append(request)
                fault = mirror._take_fault(request.path)
                if fault is not None and fault.kind == "reset":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fault is not None and fault.kind == "slow":
                    time.sleep(fault.seconds)
                response = mirror._answer(request)
                if fault is not None and isinstance(fault.kind, int):
                    response = Response(fault.kind, f"scripted {fault.kind}".encode(), "text/plain")
                elif fault is not None and fault.kind == "empty":
                    response = Response(200, b"", response.content_type)
                elif fault is not None and fault.kind in ("body", "unsized"):
                    response = Response(200, fault.body, response.content_type)
                payload = response.body
                if fault is not None and fault.kind == "truncate":
                    payload = payload[: len(payload) // 2]
                    self.close_connection = True
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                if fault is not None and fault.kind == "unsized":
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(response.body)))
                for k, v in response.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                pieces = [payload]
                if fault is not None and fault.kind == "trickle":
                    pieces = [payload[i:i + 1] for i in range(len(payload))]
                try:
                    for i, piece in enumerate(pieces):
                        if i:
                            time.sleep(fault.seconds)
                        self.wfile.write(piece)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


def _content_type(path: Path) -> str:
    return {
        ".csv": "text/csv",
        ".zip": "application/zip",
        ".json": "application/json",
        ".geojson": "application/geo+json",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }.get(path.suffix, "application/octet-stream")


def free_port() -> int:
    """A loopback port nothing listens on (for connection-refused tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
