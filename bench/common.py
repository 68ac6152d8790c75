"""What every benchmark row shares: its result, timing helpers and "cannot run".

A row is a function taking a :class:`Context` and returning one or more :class:`Row`. It
raises :class:`CannotRun` with the reason when its inputs are absent (no ../shared, no
PostgreSQL); the runner prints that reason in the figure column and carries on.
"""

from __future__ import annotations

import math
import socket
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from settings import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared"
MIRROR_SCRIPT = SHARED / "tools" / "publisher_mirror.py"
REAL = SHARED / "data" / "real"


class CannotRun(Exception):
    """The row's inputs are absent; the message says which."""


@dataclass
class Row:
    """One measured line of the results table.

    ``passed`` is None when the row has no target or could not run.
    """

    what: str
    figure: str
    target: str
    passed: bool | None
    command: str
    notes: list[str] = field(default_factory=list)
    values: dict[str, float] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "MISS", None: "–"}[self.passed]


@dataclass
class Context:
    """What the rows share in one run: the national cache, options, the app server.

    ``server_options`` are extra ``streamlit run`` options, to measure a configuration
    change side by side with the default; ``baseline`` is an earlier commit whose app the
    page rows measure too, in the same run (old and new side by side).
    """

    cache_dir: Path
    quick: bool = False
    server_options: tuple[str, ...] = ()
    shared: dict[str, object] = field(default_factory=dict)
    baseline: str | None = None


def free_port() -> int:
    """A loopback TCP port nothing listens on at the moment of asking."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(step: Callable[[], object]) -> float:
    """Seconds one call of ``step`` takes."""
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def repeat(step: Callable[[], object], runs: int) -> list[float]:
    """Seconds of each of ``runs`` calls of ``step``."""
    return [timed(step) for _ in range(runs)]


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method (NaN when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def seconds(value: float) -> str:
    """A duration for the table: ms below one second, else seconds."""
    if math.isnan(value):
        return "–"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def wait_for(check: Callable[[], bool], timeout: float, what: str, poll: float = 0.2) -> None:
    """Poll ``check`` until it is true; TimeoutError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(poll)
