"""A byte-counting loopback TCP proxy: how many bytes the server really sends the browser.

Put in front of the dashboard, it forwards every connection unchanged and counts the bytes
each way as they cross the wire, so websocket frames are counted after compression, and
HTTP bodies as sent (gzip included). Connections whose first request names
``/_stcore/stream`` are counted as websocket traffic, the rest as HTTP.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

CHUNK = 65536


@dataclass
class Counts:
    """Bytes from server to client, by kind of connection, since the last reset."""

    websocket: int = 0
    http: int = 0
    sent_by_client: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def to_client(self) -> int:
        return self.websocket + self.http

    def reset(self) -> None:
        with self.lock:
            self.websocket = self.http = self.sent_by_client = 0


def _pump(source: socket.socket, target: socket.socket, count) -> None:
    try:
        while data := source.recv(CHUNK):
            count(len(data))  # before sending: the reader may look as soon as it has them
            target.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, target):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _serve(listener: socket.socket, upstream: tuple[str, int], counts: Counts,
           stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            client, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=_connection, args=(client, upstream, counts),
                         daemon=True).start()


def _connection(client: socket.socket, upstream: tuple[str, int], counts: Counts) -> None:
    with client, socket.create_connection(upstream) as server:
        first = client.recv(CHUNK)
        if not first:
            return
        kind = "websocket" if b"/_stcore/stream" in first.split(b"\r\n", 1)[0] else "http"
        server.sendall(first)

        def to_server(n: int) -> None:
            with counts.lock:
                counts.sent_by_client += n

        def to_client(n: int) -> None:
            with counts.lock:
                setattr(counts, kind, getattr(counts, kind) + n)

        up = threading.Thread(target=_pump, args=(client, server, to_server), daemon=True)
        up.start()
        _pump(server, client, to_client)
        up.join(timeout=5)


@contextmanager
def counting_proxy(target_url: str) -> Iterator[tuple[str, Counts]]:
    """A proxy on a free loopback port in front of ``target_url`` (``http://host:port``).

    Yields the proxy's base URL and the live :class:`Counts`.
    """
    host, port = target_url.removeprefix("http://").split("/")[0].split(":")
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    counts, stop = Counts(), threading.Event()
    thread = threading.Thread(target=_serve, args=(listener, (host, int(port)), counts, stop),
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", counts
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)
