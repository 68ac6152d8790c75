"""Following ``python -m data_sources refresh`` from the app: progress and a short summary.

The app runs the refresh command as a child process (exactly what the README's command
does) and reads its output: :func:`follow_refresh` moves a progress bar one step per
dataset and collects the closing summary's lines, and :class:`FetchSummary` counts what
was stored, what failed (required or optional) and what was skipped, in a sentence a
person can act on, instead of the raw problems with their URLs (those are on the Data &
sources page, each with the command that fixes it).

Nothing here imports Streamlit (tests/test_first_run.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from data_sources.registry import DATASETS

_STARTED = re.compile(r"^(?P<id>[a-z0-9_]+): (?P<title>.+)$")
_OUTCOME = re.compile(r"^\s+(?P<id>[a-z0-9_]+) \((?P<kind>FAILED|optional, skipped|skipped)\): "
                      r"(?P<why>.*)$")
_COUNTS = re.compile(r"^(?P<stored>\d+) stored, (?P<skipped>\d+) skipped, "
                     r"(?P<failed>\d+) failed\.$")
_BUILDING = "Building the joined dataset"
_BUSY = "another refresh is running"
_KNOWN = frozenset(spec.id for spec in DATASETS)


@dataclass
class FetchProgress:
    """Where a refresh is, read from its output lines (see :func:`follow_refresh`)."""

    total: int
    done: int = 0
    step: str = "Starting"
    failures: list[str] = field(default_factory=list)
    """Datasets that failed, required ones (``FAILED``) and optional ones alike."""
    optional_failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Datasets with nothing to fetch (e.g. police counts with no district chosen)."""
    stored: int | None = None
    summary: str = ""

    @property
    def fraction(self) -> float:
        """Share of the work done, 0 to 1 (the build after the downloads counts as a step)."""
        return min(self.done / (self.total + 1), 1.0)


def follow_refresh(lines: Iterable[str], total: int) -> Iterator[FetchProgress]:
    """Read the refresh command's output; yield the progress after each line that moves it.

    A line ``<dataset>: <title>`` starts a dataset; ``<dataset> (FAILED): …``,
    ``(optional, skipped)`` and ``(skipped)`` lines of the closing summary name failures
    and skips; ``N stored, N skipped, N failed.`` is the summary.
    """
    progress = FetchProgress(total)
    for raw in lines:
        line = raw.rstrip()
        started = _STARTED.match(line)
        outcome = _OUTCOME.match(line)
        counts = _COUNTS.match(line.strip())
        if started and started["id"] in _KNOWN:
            progress.done += 1
            progress.step = started["title"]
        elif line.startswith(_BUILDING):
            progress.done = progress.total
            progress.step = "Building the joined dataset and the map tiles"
        elif outcome and outcome["id"] in _KNOWN:
            {"FAILED": progress.failures, "optional, skipped": progress.optional_failures,
             "skipped": progress.skipped}[outcome["kind"]].append(outcome["id"])
        elif counts:
            progress.summary = line.strip()
            progress.stored = int(counts["stored"])
        elif line.startswith(_BUSY):
            progress.summary = line.strip()
        else:
            continue
        yield progress


@dataclass(frozen=True)
class FetchSummary:
    """What one refresh stored and failed, counted for people.

    ``failed`` holds the required datasets that failed, ``optional`` the optional ones.
    """

    total: int
    stored: int
    failed: tuple[str, ...]
    optional: tuple[str, ...]
    skipped: tuple[str, ...]
    busy: str = ""

    @classmethod
    def of(cls, progress: FetchProgress) -> FetchSummary:
        busy = progress.summary if progress.summary.startswith(_BUSY) else ""
        return cls(progress.total, progress.stored or 0, tuple(progress.failures),
                   tuple(progress.optional_failures), tuple(progress.skipped), busy)

    @property
    def complete(self) -> bool:
        """Every required dataset was stored (optional ones may be missing)."""
        return not self.failed and not self.busy

    def headline(self) -> str:
        """One or two sentences: stored of total, failures (how many optional), skips."""
        if self.busy:
            return ("Another refresh was already running, so this one did nothing; reload "
                    "the page when it has finished.")
        failed = len(self.failed) + len(self.optional)
        text = f"{self.stored} of {self.total} datasets were fetched and stored."
        if failed and self.failed:
            optional = f", {len(self.optional)} of them optional" if self.optional else ""
            text += (f" {failed} of {self.total} failed{optional}, {len(self.failed)} "
                     f"required: the pages leave the figures of the failed datasets empty.")
        elif failed:
            text += (f" Every required dataset is cached; {failed} optional "
                     f"dataset{'s' if failed > 1 else ''} could not be fetched.")
        if self.skipped:
            text += (f" {len(self.skipped)} had nothing to fetch "
                     f"({', '.join(self.skipped)}).")
        return text
