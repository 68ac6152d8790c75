"""The first-run screen: no public data cached yet, so offer to fetch it, with progress.

The fetch runs ``python -m data_sources refresh`` as a child process — exactly what the
README's command does, with the same settings, lock and build — and follows its output
to move a progress bar one step per dataset. With ``GRA_OFFLINE=1`` the screen says
what to run instead, since this server cannot reach the publishers.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import streamlit as st

from data_sources.registry import DATASETS
from settings import PROJECT_ROOT, get_settings
from ui.cached import data_ready, load_status

REFRESH_COMMAND = (sys.executable, "-m", "data_sources", "refresh")
BUILD_COMMAND = (sys.executable, "-m", "data_sources", "build")
NOTE_KEY = "first_run_note"
_STARTED = re.compile(r"^(?P<id>[a-z0-9_]+): (?P<title>.+)$")
_BUILDING = "Building the joined dataset"
_BUSY = "another refresh is running"
_FETCHED = frozenset(spec.id for spec in DATASETS)


@dataclass
class FetchProgress:
    """Where a refresh is, read from its output lines (see :func:`follow_refresh`)."""

    total: int
    done: int = 0
    step: str = "Starting"
    failures: list[str] = field(default_factory=list)
    summary: str = ""

    @property
    def fraction(self) -> float:
        """Share of the work done, 0 to 1 (the build after the downloads counts as a step)."""
        return min(self.done / (self.total + 1), 1.0)


def follow_refresh(lines: Iterable[str], total: int) -> Iterator[FetchProgress]:
    """Read the refresh command's output; yield the progress after each line that moves it.

    A line ``<dataset>: <title>`` starts a dataset; ``<dataset> (FAILED): …`` lines of the
    closing summary name failures; ``N stored, N skipped, N failed.`` is the summary.
    """
    known = _FETCHED
    progress = FetchProgress(total)
    for raw in lines:
        line = raw.rstrip()
        started = _STARTED.match(line)
        if started and started["id"] in known:
            progress.done += 1
            progress.step = started["title"]
        elif line.startswith(_BUILDING):
            progress.done = progress.total
            progress.step = "Building the joined dataset and the map tiles"
        elif line.lstrip().startswith(tuple(f"{i} (FAILED)" for i in known)):
            progress.failures.append(line.strip())
        elif (re.match(r"^\d+ stored, \d+ skipped, \d+ failed\.$", line.strip())
              or line.startswith(_BUSY)):
            progress.summary = line.strip()
        else:
            continue
        yield progress


def _run_refresh() -> tuple[int, FetchProgress]:
    bar = st.progress(0.0, text="Starting the refresh…")
    progress = FetchProgress(len(DATASETS))
    with subprocess.Popen(REFRESH_COMMAND, cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, bufsize=1) as process:
        assert process.stdout is not None
        for progress in follow_refresh(process.stdout, len(DATASETS)):
            bar.progress(progress.fraction,
                         text=f"{min(progress.done, progress.total)} of {progress.total}: "
                              f"{progress.step}")
        code = process.wait()
    bar.progress(1.0, text="Finished")
    return code, progress


def render_first_run(title: str) -> None:
    """The screen every data page shows while the joined dataset is missing; stops the page.

    With nothing cached it offers to fetch everything; with public data cached but the
    joined dataset not built (an interrupted refresh, ``--no-build``) it offers the build.
    """
    st.title(title)
    settings = get_settings()
    if any(row.state in ("ok", "stale") for row in load_status() if row.dataset in _FETCHED):
        _offer_build()
    st.info("No public data is cached yet. Good Relations Atlas shows only real published "
            "data: Census 2021 and 2011 ethnic group counts, the English Indices of "
            "Deprivation, ONS boundaries and lookups, and police.uk offences. It fetches "
            f"them once into `{settings.cache_dir}` and works offline from there.",
            icon=":material/cloud_download:")
    if settings.offline:
        st.warning("This server runs offline (GRA_OFFLINE=1), so it cannot fetch anything "
                   "itself. On a machine with internet, run `python -m data_sources refresh` "
                   "in the project folder and copy its `cache/` folder here (or point "
                   "GRA_CACHE_DIR at it), then reload this page.")
        st.stop()
    st.write("Fetching everything takes a few minutes with a good connection. The same "
             "can be done from a terminal with `python -m data_sources refresh`.")
    if not st.button("Fetch the public data now", type="primary",
                     icon=":material/download:", key="first_run_fetch"):
        st.stop()
    code, progress = _run_refresh()
    note = progress.summary or "The refresh finished."
    if progress.failures:
        note += " Not fetched: " + "; ".join(progress.failures)
    _finish(code, note)


def _offer_build() -> None:
    st.info("Public data is cached, but the joined dataset the pages read has not been "
            "built from it yet (a refresh was interrupted, or run with `--no-build`).",
            icon=":material/build:")
    st.write("Building takes seconds to a minute and needs no internet. From a terminal: "
             "`python -m data_sources build`.")
    if not st.button("Build the joined dataset now", type="primary", key="first_run_build"):
        st.stop()
    with st.spinner("Building the joined dataset and the map tiles…"):
        done = subprocess.run(BUILD_COMMAND, cwd=PROJECT_ROOT, capture_output=True, text=True)
    _finish(done.returncode, (done.stdout.strip().splitlines() or ["The build finished."])[-1])


def _finish(code: int, note: str) -> None:
    if data_ready():
        st.session_state[NOTE_KEY] = (code == 0, note)
        st.rerun()
    st.error(f"That ended without building the data the pages need (exit code {code}). "
             f"{note} The Data & sources page shows each dataset's problem; fix it (often "
             "the connection) and try again.")
    st.stop()


def render_first_run_note() -> None:
    """After a first-run fetch: say once what it stored and what it could not fetch."""
    outcome = st.session_state.pop(NOTE_KEY, None)
    if outcome is None:
        return
    complete, note = outcome
    if complete:
        st.success(f"The public data is cached. {note}", icon=":material/check_circle:")
    else:
        st.warning(f"Most of the public data is cached; some could not be fetched and the "
                   f"pages leave those figures empty. {note} See Data & sources.",
                   icon=":material/warning:")
