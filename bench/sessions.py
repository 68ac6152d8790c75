"""Concurrent dashboard sessions: websocket clients that speak Streamlit's own protocol.

Each client does what a browser does when a link to the dashboard is opened: it opens the
websocket ``/_stcore/stream`` (subprotocol ``streamlit``, compression negotiated as
browsers do), sends a ``BackMsg.rerun_script`` with the page's URL path and query string,
and reads ``ForwardMsg``s until ``script_finished``. The latency of a visit runs from the
websocket opening to that message, so it counts the server's whole work for the page
(running the page script, serialising every element, sending it), not the browser's
drawing. Every visit is a fresh session, as when a shared link is opened, because the
pages read the query string only when a session starts.

Use it against one server or a load balancer in front of several replicas::

    from bench.sessions import run_sessions
    result = run_sessions("http://127.0.0.1:8080", ["map", "map?area=E08000025&level=lsoa",
                          "profile?area=E06000016"], sessions=20, duration=60)
    print(result.summary())

or ``python -m bench.sessions URL PAGE [PAGE ...] --sessions 20 --duration 60``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from bench.common import median, percentile

FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY


@dataclass
class Visit:
    """One page visit: which page, when it started (s since the run began), how it went."""

    page: str
    started: float
    seconds: float
    error: str | None = None
    bytes_received: int = 0


@dataclass
class SessionsResult:
    """Every visit of a :func:`run_sessions` run, with per-page summaries."""

    base_url: str
    sessions: int
    duration: float
    visits: list[Visit] = field(default_factory=list)

    def by_page(self) -> dict[str, dict[str, float]]:
        """Per page: visits, errors, p50 and p95 latency (s) of the visits that answered."""
        out = {}
        for page in dict.fromkeys(v.page for v in self.visits):
            mine = [v for v in self.visits if v.page == page]
            ok = [v.seconds for v in mine if v.error is None]
            out[page] = {"visits": len(mine), "errors": len(mine) - len(ok),
                         "p50": median(ok), "p95": percentile(ok, 95),
                         "max": max(ok, default=float("nan"))}
        return out

    @property
    def latencies(self) -> list[float]:
        return [v.seconds for v in self.visits if v.error is None]

    @property
    def errors(self) -> list[Visit]:
        return [v for v in self.visits if v.error is not None]

    def summary(self) -> str:
        """A small text table: one line per page and one for all pages."""
        lines = [f"{self.sessions} sessions for {self.duration:.0f} s on {self.base_url}",
                 f"{'page':45} {'visits':>6} {'errors':>6} {'p50 s':>7} {'p95 s':>7}"]
        for page, s in self.by_page().items():
            lines.append(f"{page[:45]:45} {s['visits']:>6.0f} {s['errors']:>6.0f} "
                         f"{s['p50']:>7.2f} {s['p95']:>7.2f}")
        all_ok = self.latencies
        lines.append(f"{'all pages':45} {len(self.visits):>6} {len(self.errors):>6} "
                     f"{median(all_ok):>7.2f} {percentile(all_ok, 95):>7.2f}")
        for visit in self.errors[:5]:
            lines.append(f"  error on {visit.page}: {visit.error}")
        return "\n".join(lines)


def _stream_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"


def _rerun(page: str) -> bytes:
    path, _, query = page.lstrip("/").partition("?")
    message = BackMsg()
    message.rerun_script.query_string = query
    message.rerun_script.page_name = path
    message.rerun_script.page_script_hash = ""
    return message.SerializeToString()


async def _until_finished(socket) -> tuple[str | None, int]:
    """Read ``ForwardMsg``s until the script finishes: what went wrong (None), bytes read."""
    problem, received = None, 0
    async for frame in socket:
        received += len(frame)
        message = ForwardMsg()
        message.ParseFromString(frame)
        kind = message.WhichOneof("type")
        if kind == "page_not_found":
            problem = f"page not found: {message.page_not_found.page_name!r}"
        elif (kind == "delta" and message.delta.WhichOneof("type") == "new_element"
              and message.delta.new_element.WhichOneof("type") == "exception"):
            problem = problem or ("exception: " + message.delta.new_element.exception.message)
        elif kind == "script_finished":
            if message.script_finished != FINISHED:
                problem = problem or f"script finished with {message.script_finished}"
            return problem, received
    return "connection closed before the script finished", received


def _connect(base_url: str, timeout: float):
    return connect(_stream_url(base_url), subprotocols=["streamlit"], max_size=None,
                   open_timeout=timeout, close_timeout=2)


async def visit_page(base_url: str, page: str, timeout: float = 60.0) -> Visit:
    """Open ``page`` (URL path and query string, e.g. ``map?level=lsoa``) in a new session.

    The visit fails (``error`` set) when the connection fails, the script does not finish
    within ``timeout`` seconds, finishes otherwise than successfully, shows an exception,
    or the page is not found.
    """
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout), _connect(base_url, timeout) as socket:
            await socket.send(_rerun(page))
            problem, received = await _until_finished(socket)
            return Visit(page, started, time.perf_counter() - started, problem, received)
    except TimeoutError:
        return Visit(page, started, time.perf_counter() - started,
                     f"no answer within {timeout:.0f} s")
    except Exception as exc:  # noqa: BLE001 - any failure is the visit's error
        return Visit(page, started, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")


async def _reruns(base_url: str, page: str, reruns: int, timeout: float) -> list[float]:
    async with asyncio.timeout(timeout), _connect(base_url, timeout) as socket:
        await socket.send(_rerun(page))
        problem, _ = await _until_finished(socket)
        times = []
        for _ in range(reruns):
            if problem:
                raise RuntimeError(f"{page or '/'}: {problem}")
            started = time.perf_counter()
            await socket.send(_rerun(page))
            problem, _ = await _until_finished(socket)
            times.append(time.perf_counter() - started)
        if problem:
            raise RuntimeError(f"{page or '/'}: {problem}")
        return times


def rerun_seconds(base_url: str, page: str, reruns: int = 5,
                  timeout: float = 120.0) -> list[float]:
    """Seconds the server takes to rerun ``page`` in one open session (script run and
    sent to the client), ``reruns`` times after a first visit.

    Raises
    ------
    RuntimeError
        When a run fails (exception, page not found, no clean finish).
    """
    return asyncio.run(_reruns(base_url, page, reruns, timeout))


async def _client(base_url: str, pages: Sequence[str], position: int, until: float,
                  think: float, timeout: float, rng: random.Random, visits: list[Visit],
                  origin: float) -> None:
    while time.perf_counter() < until:
        visit = await visit_page(base_url, pages[position % len(pages)], timeout)
        visit.started -= origin
        visits.append(visit)
        position += 1
        if think:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))


async def _run(base_url: str, pages: Sequence[str], sessions: int, duration: float,
               think: float, timeout: float, seed: int) -> SessionsResult:
    result = SessionsResult(base_url, sessions, duration)
    origin = time.perf_counter()
    until = origin + duration
    clients = []
    for n in range(sessions):
        clients.append(asyncio.create_task(_client(
            base_url, pages, n % len(pages), until, think, timeout, random.Random(seed + n),
            result.visits, origin)))
        await asyncio.sleep(0.05)  # a short ramp, not a thundering herd
    await asyncio.gather(*clients)
    return result


def run_sessions(base_url: str, pages: Sequence[str], sessions: int = 20,
                 duration: float = 60.0, *, think: float = 0.0, timeout: float = 60.0,
                 seed: int = 0) -> SessionsResult:
    """Keep ``sessions`` websocket clients visiting ``pages`` for ``duration`` seconds.

    Parameters
    ----------
    base_url
        Where the dashboard answers, e.g. ``http://127.0.0.1:8501`` or a load balancer in
        front of several replicas (``https://host/prefix`` works too).
    pages
        URL paths with optional query strings, without the base: ``""`` or ``"map"`` (the
        default page), ``"map?area=E08000025&level=lsoa"``, ``"profile?area=E06000016"``.
    sessions
        How many clients visit at the same time. Client ``n`` starts at page ``n`` of the
        list (modulo its length) and walks through it in order, one visit after another,
        every visit a new session.
    duration
        Seconds during which clients start new visits; the run ends when the visits under
        way have finished (each bounded by ``timeout``).
    think
        Mean pause in seconds between a client's visits (uniform 0.5-1.5 × think).
    timeout
        Seconds after which an unanswered visit is recorded as an error.
    seed
        Seed of the clients' pauses.

    Returns
    -------
    SessionsResult
        ``visits`` (page, start, latency, error, bytes received) and ``by_page()`` with
        visits, errors, p50, p95 and max latency per page.
    """
    if not pages:
        raise ValueError("give at least one page to visit")
    if sessions < 1 or duration <= 0:
        raise ValueError("sessions must be at least 1 and duration positive")
    return asyncio.run(_run(base_url, list(pages), sessions, duration, think, timeout, seed))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sessions",
                                     description="Concurrent Streamlit sessions against a URL.")
    parser.add_argument("base_url")
    parser.add_argument("pages", nargs="+", help="URL paths with query strings, e.g. "
                                                 "'map?level=lsoa'")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    result = run_sessions(args.base_url, args.pages, args.sessions, args.duration,
                          think=args.think, timeout=args.timeout)
    print(result.summary())
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
