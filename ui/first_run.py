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

import streamlit as st

from data_sources.errors import DataSourceError
from data_sources.police import ALL_AREAS
from data_sources.postcodes import normalise_postcode
from data_sources.registry import DATASETS
from settings import PROJECT_ROOT, get_settings
from ui.cached import data_ready, load_status, look_up_postcode
from ui.refresh_run import FetchProgress, FetchSummary, follow_refresh

REFRESH_COMMAND = (sys.executable, "-m", "data_sources", "refresh")
BUILD_COMMAND = (sys.executable, "-m", "data_sources", "build")
NOTE_KEY = "first_run_note"
_FETCHED = frozenset(spec.id for spec in DATASETS)
POLICE_CHOICES = {
    "district": "One district: the selected area's, or one you name",
    "england": "All of England (every district: about 7,000 requests a year of months, "
               "at police.uk's limit of 15 a second at least ten minutes, often more)",
    "none": "None for now (the Trends page can fetch them for an area later)",
}


def run_refresh(*args: str, total: int = len(DATASETS)) -> tuple[int, FetchProgress]:
    """Run the refresh command with ``args``, moving a progress bar; exit code, progress."""
    bar = st.progress(0.0, text="Starting the refresh…")
    progress = FetchProgress(total)
    with subprocess.Popen((*REFRESH_COMMAND, *args), cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, bufsize=1) as process:
        assert process.stdout is not None
        for progress in follow_refresh(process.stdout, total):
            bar.progress(progress.fraction,
                         text=f"{min(progress.done, progress.total)} of {progress.total}: "
                              f"{progress.step}")
        code = process.wait()
    bar.progress(1.0, text="Finished")
    return code, progress


def police_area(choice: str, typed: str) -> tuple[str | None, str]:
    """The ``--police-area`` value for the choice made, or None and what is wrong.

    A district, LSOA or MSOA code is passed on as it is (the refresh finds an LSOA's or
    MSOA's district once the lookups are cached); a postcode is looked up on postcodes.io
    for its district; ``england`` is every district; ``none`` is no police area.
    """
    if choice == "none":
        return None, ""
    if choice == "england":
        return ALL_AREAS, ""
    text = typed.strip().upper()
    if re.fullmatch(r"E0[1-26-9]\d{6}", text):
        return text, ""
    postcode = normalise_postcode(text)
    if not postcode:
        return None, ("Type a district or area code (such as E06000016) or a postcode in "
                      "England, or choose all of England or none.")
    try:
        found = look_up_postcode(postcode)
    except DataSourceError as problem:
        return None, f"postcodes.io could not be asked ({problem}); type a district code."
    if found is None or not found.lad_code or not found.in_england:
        return None, f"{postcode} is not a postcode in England that postcodes.io knows."
    return found.lad_code, ""


def _police_choice() -> tuple[list[str], bool]:
    """The police question; the refresh's extra arguments, and whether they are usable."""
    linked = st.query_params.get("area") or ""
    choice = st.radio("Police-recorded offences (public order, anti-social behaviour) for",
                      list(POLICE_CHOICES), format_func=POLICE_CHOICES.get,
                      key="first_run_police")
    typed = ""
    if choice == "district":
        typed = st.text_input("District, or any area code or postcode inside it",
                              value=linked, key="first_run_police_area",
                              placeholder="E06000016 or LE1 6RP",
                              help="The area of the link you opened, if any. Police data "
                                   "for other districts can be fetched later, area by area, "
                                   "from the Trends page.")
    if choice == "district" and not typed.strip():
        area, problem = None, ("Name a district (its code, any area code inside it, or a "
                               "postcode), or choose all of England or none.")
    else:
        area, problem = police_area(choice, typed)
    if problem:
        st.caption(problem)
    return (["--police-area", area] if area else []), not problem


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
    police, usable = _police_choice()
    if not st.button("Fetch the public data now", type="primary", disabled=not usable,
                     icon=":material/download:", key="first_run_fetch"):
        st.stop()
    code, progress = run_refresh(*police)
    _finish(code, FetchSummary.of(progress))


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
    last = (done.stdout.strip().splitlines() or ["The build finished."])[-1]
    if data_ready():
        st.session_state[NOTE_KEY] = (done.returncode == 0, f"The public data is cached. {last}")
        st.rerun()
    st.error(f"The build ended without the data the pages need (exit code "
             f"{done.returncode}): {last}")
    render_sources_link()
    st.stop()


def _finish(code: int, summary: FetchSummary) -> None:
    if data_ready():
        st.session_state[NOTE_KEY] = (summary.complete and code == 0, summary.headline())
        st.rerun()
    st.error(f"That ended without building the data the pages need (exit code {code}). "
             f"{summary.headline()} Fix the problems (often the connection) and try again.")
    render_sources_link()
    st.stop()


def render_police_fetch(district: str, name: str) -> None:
    """Offer to fetch police.uk counts for one district (Trends, when they are missing).

    Runs the refresh of the two police datasets for that district (other districts'
    counts stay), then the build, and reruns the page; says what went wrong otherwise.
    """
    command = (f"python -m data_sources refresh --dataset police_months "
               f"--dataset police_lsoa_month --police-area {district}")
    if get_settings().offline:
        st.caption(f"This server runs offline; on a machine with internet run `{command}`.")
        return
    if not st.button(f"Fetch police.uk data for {name}", key="police_fetch",
                     icon=":material/download:",
                     help=f"The last {get_settings().police_months} months of public-order "
                          f"and anti-social behaviour offences; the same as `{command}`."):
        return
    code, progress = run_refresh("--dataset", "police_months", "--dataset",
                                 "police_lsoa_month", "--police-area", district, total=2)
    summary = FetchSummary.of(progress)
    if code == 0 and summary.complete:
        st.rerun()
    st.warning(f"The police data for {name} could not be fetched. {summary.headline()}",
               icon=":material/warning:")
    render_sources_link()


def render_sources_link() -> None:
    """A link to Data & sources, where each failure is listed with the command to fix it."""
    st.page_link("views/sources.py", icon=":material/dataset:",
                 label="Data & sources: each dataset that failed, why, and the command that "
                       "fetches it again")


def render_first_run_note() -> None:
    """After a first-run fetch: say once, briefly, what it stored and what failed."""
    outcome = st.session_state.pop(NOTE_KEY, None)
    if outcome is None:
        return
    complete, note = outcome
    (st.success if complete else st.warning)(
        note, icon=":material/check_circle:" if complete else ":material/warning:")
    render_sources_link()
