"""The one HTTP session factory and the download loop every fetcher uses.

Timeouts on every request, retries with exponential back-off on connection errors,
timeouts, truncated bodies, 429 and 5xx (honouring ``Retry-After``), a descriptive
User-Agent, and a refusal to touch the network when ``GRA_OFFLINE=1``.

Every download also has overall limits, so that a publisher (or anything posing as one)
cannot hold a refresh forever or fill the memory: ``GRA_HTTP_MAX_SECONDS`` for the whole
download, retries and back-off included (a body still arriving then is cut off, however
steadily it trickles), and ``GRA_HTTP_MAX_MB`` for its body (refused as soon as it is
announced or received). Neither is retried.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import requests

from data_sources.errors import DownloadTooSlow, OfflineError, SourceUnavailableError
from settings import Settings, get_settings

USER_AGENT = "GoodRelationsAtlas/0.1 (community relations dashboard; public data refresh)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0

Progress = Callable[[int, int | None], None]
"""Called as ``progress(bytes_so_far, total_bytes_or_None)`` while a body downloads."""


@dataclass(frozen=True)
class Fetched:
    """A complete HTTP response body and where it came from."""

    url: str
    status: int
    content: bytes
    headers: Mapping[str, str]

    def text(self, encoding: str = "utf-8") -> str:
        return self.content.decode(encoding)


def make_session() -> requests.Session:
    """A ``requests`` session with the project's User-Agent. Retries happen in :func:`fetch`."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def full_url(url: str, params: Mapping[str, Any] | None = None) -> str:
    """The URL with its query string, as it goes on the wire (for messages and provenance)."""
    return requests.Request("GET", url, params=params).prepare().url or url


def fetch(
    url: str,
    *,
    source: str,
    params: Mapping[str, Any] | None = None,
    method: str = "GET",
    data: Mapping[str, Any] | None = None,
    json_body: Any = None,
    session: requests.Session | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
    ok_statuses: frozenset[int] = frozenset({200}),
) -> Fetched:
    """Download ``url`` completely, retrying what is worth retrying.

    Parameters
    ----------
    url, params, method, data, json_body
        The request. ``data`` is sent form-encoded, ``json_body`` as JSON.
    source
        The publisher's name, used in every error message.
    ok_statuses
        Statuses returned to the caller instead of raising or retrying (e.g. 404 for
        optional files, or data.police.uk's 503 meaning "too many crimes: ask for less").

    Raises
    ------
    OfflineError
        When ``GRA_OFFLINE=1``.
    SourceUnavailableError
        On a non-retryable HTTP status, or when every retry failed.
    """
    settings = settings or get_settings()
    shown = full_url(url, params)
    if settings.offline:
        raise OfflineError(
            f"{source}: GRA_OFFLINE=1, so {shown} was not requested; "
            "the cached copy is used where there is one."
        )
    session = session or make_session()
    limits = _Limits(source, shown, settings)
    attempts = settings.http_retries + 1
    last_problem = ""
    last_retry_after: float | None = None
    for attempt in range(attempts):
        if attempt:
            pause = _backoff(settings, attempt, last_retry_after)
            if limits.left() <= pause:
                raise limits.too_slow(f"; the last attempt ended with {last_problem}")
            time.sleep(pause)
        last_retry_after = None
        wait = min(settings.http_timeout, limits.left())
        try:
            with session.request(
                method,
                url,
                params=params,
                data=data,
                json=json_body,
                stream=True,
                timeout=(wait, wait),
            ) as response:
                if (
                    response.status_code in RETRY_STATUSES
                    and response.status_code not in ok_statuses
                ):
                    last_problem = f"HTTP {response.status_code} {response.reason}"
                    last_retry_after = _retry_after(response)
                    continue
                if response.status_code not in ok_statuses:
                    raise SourceUnavailableError(
                        source, shown, _status_problem(response.status_code, response.reason)
                    )
                content = _read_body(response, progress, limits)
                return Fetched(response.url, response.status_code, content, dict(response.headers))
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            last_problem = _describe(exc)
        if limits.left() <= 0:
            raise limits.too_slow(f"; the last attempt ended with {last_problem}")
    raise SourceUnavailableError(
        source,
        shown,
        f"gave up after {attempts} attempt{'s' if attempts > 1 else ''}: {last_problem}. "
        "Check the network or the publisher's status; the last good cached copy is kept",
    )


class _Limits:
    """The overall time and size limits of one download, and their error messages."""

    def __init__(self, source: str, shown: str, settings: Settings) -> None:
        self.source, self.shown = source, shown
        self.seconds = settings.http_max_seconds
        self.max_bytes = int(settings.http_max_mb * 1024 * 1024)
        self.deadline = time.monotonic() + self.seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def too_slow(self, detail: str = "") -> DownloadTooSlow:
        return DownloadTooSlow(
            self.source, self.shown,
            f"the download did not finish within {self.seconds:g} s (GRA_HTTP_MAX_SECONDS)"
            f"{detail}; not retried, the last good cached copy is kept")

    def too_large(self, size: str) -> SourceUnavailableError:
        return SourceUnavailableError(
            self.source, self.shown,
            f"the body is {size}, more than GRA_HTTP_MAX_MB allows "
            f"({self.max_bytes / 1048576:g} MB); not kept, the last good cached copy is kept")


def _read_body(response: requests.Response, progress: Progress | None,
               limits: _Limits) -> bytes:
    total = response.headers.get("Content-Length")
    expected = int(total) if total and total.isdigit() else None
    if expected is not None and expected > limits.max_bytes and not response.headers.get(
            "Content-Encoding"):
        raise limits.too_large(f"{expected:,} bytes by its Content-Length")
    # A body that trickles in never trips the read time-out: at the deadline the socket is
    # shut down from a timer, which ends the blocked read at once.
    cut = threading.Event()
    timer = threading.Timer(max(0.0, limits.left()), _cut_off, (response, cut))
    timer.daemon = True
    timer.start()
    chunks: list[bytes] = []
    received = 0
    try:
        for chunk in response.iter_content(chunk_size=1 << 16):
            chunks.append(chunk)
            received += len(chunk)
            if received > limits.max_bytes:
                raise limits.too_large(f"over {limits.max_bytes:,} bytes and still coming")
            if progress:
                progress(received, expected)
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        if cut.is_set():
            raise limits.too_slow(f" ({received:,} bytes had arrived)") from exc
        raise
    finally:
        timer.cancel()
    if cut.is_set():
        raise limits.too_slow(f" ({received:,} bytes had arrived)")
    if expected is not None and received < expected and not response.headers.get(
        "Content-Encoding"
    ):
        raise requests.exceptions.ChunkedEncodingError(
            f"body truncated: received {received} of {expected} bytes"
        )
    return b"".join(chunks)


def _cut_off(response: requests.Response, cut: threading.Event) -> None:
    cut.set()
    with suppress(Exception):  # the body may have ended and the connection gone back
        response.raw.shutdown()


def _backoff(settings: Settings, attempt: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return min(retry_after, MAX_RETRY_AFTER)
    return settings.http_backoff * (2 ** (attempt - 1))


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _status_problem(status: int, reason: str) -> str:
    if status == 404:
        return "HTTP 404 Not Found: the publisher does not serve this file or path here"
    return f"HTTP {status} {reason}".strip()


def _describe(exc: Exception) -> str:
    if isinstance(exc, requests.Timeout):
        return f"timed out ({exc.__class__.__name__})"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return f"connection dropped mid-download ({exc})"
    if isinstance(exc, requests.ConnectionError):
        return f"could not connect ({exc.__class__.__name__}: {str(exc)[:200]})"
    return f"{exc.__class__.__name__}: {exc}"


class RateLimiter:
    """A token bucket: at most ``rate`` calls a second on average, bursts up to ``burst``.

    data.police.uk publishes a leaky bucket of 15 requests a second with bursts of 30.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until a call may be made, then take its token."""
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                delay = (1 - self._tokens) / self.rate
            time.sleep(delay)
