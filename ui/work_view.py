"""The Streamlit side of the public good relations pages: places, stories and summaries.

Stories, the directory and the "Good relations work here" section of a profile read the
report store through :mod:`reports.stories` and :mod:`reports.work_summary` only: what
the public may see, counts suppressed. Every text of a member is shown with ``st.text``
or escaped Markdown, never as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from data_sources.errors import NotCachedError
from data_sources.postcodes import normalise_postcode
from geo.hierarchy import search_areas
from reports.aggregate import reports_version
from reports.areas import AreaDirectory, looks_like_area_code
from reports.feed import FEED_PATH
from reports.service_area_sources import lsoas_within
from reports.store import database_url
from reports.stories import PublishedStory, published_stories
from reports.taxonomy import APPROACHES, KINDS
from reports.validation import POSTCODE_SHAPE
from reports.work_summary import districts_of, load_recorded_activities, work_in_area
from ui.cached import look_up_postcode
from ui.profile_view import escape_markdown
from ui.report_counts import report_store_status
from ui.reports_view import get_directory, get_store

KIND_LABELS = {term.id: term.label for term in KINDS}
APPROACH_LABELS = {term.id: term.label for term in APPROACHES}
PLACE_HELP = "A district or neighbourhood name or code (E01…, E02…, E06…–E09…), or a postcode."


@dataclass(frozen=True)
class Place:
    """A place a visitor searched for: its code and name and its LSOAs, or why not found."""

    code: str = ""
    name: str = ""
    lsoa_codes: frozenset[str] = frozenset()
    error: str | None = None


def find_place(text: str, directory: AreaDirectory) -> Place:
    """The district, MSOA or LSOA a visitor means by a code, a name or a postcode."""
    text = (text or "").strip()
    if not text:
        return Place(error="Type a place first.")
    code = _code_of(text, directory)
    if code is None:
        return Place(error=f"No district or neighbourhood matches {text!r}.")
    if code.startswith("!"):
        return Place(error=code[1:])
    name = str(directory.areas.at[code, "area_name"])
    return Place(code, name, frozenset(lsoas_within([code], directory).lsoa_codes))


def _code_of(text: str, directory: AreaDirectory) -> str | None:
    upper = text.upper()
    if looks_like_area_code(upper):
        return upper if directory.level_of(upper) in ("lsoa", "msoa", "lad") else None
    if POSTCODE_SHAPE.match(upper):
        try:
            found = look_up_postcode(normalise_postcode(upper))
        except Exception as exc:  # noqa: BLE001 - told to the visitor, not raised
            return f"!The postcode {upper} could not be looked up just now ({exc})."
        if found is None or not found.lsoa_code or directory.level_of(found.lsoa_code) != "lsoa":
            return f"!The postcode {upper} is not one we can place in England."
        return found.lsoa_code
    matches = search_areas(directory.areas.reset_index(), text, ("lsoa", "msoa", "lad"), 1)
    return None if matches.empty else str(matches["area_code"].iloc[0])


def work_directory() -> AreaDirectory | None:
    """The known areas, or None when the lookups are not cached (work is then not placed)."""
    try:
        return get_directory()
    except NotCachedError:
        return None


# Every change to an activity or a story adds an audit entry, so the store's fingerprint
# (reports.aggregate.reports_version) changes with them: reruns read the tables once.
@st.cache_data(ttl=300, show_spinner=False, max_entries=4)
def _stories(url: str, version: tuple[int, int, int]) -> list[PublishedStory]:
    return published_stories(get_store())


@st.cache_data(ttl=300, show_spinner=False, max_entries=4)
def _activities(url: str, version: tuple[int, int, int]) -> pd.DataFrame:
    return load_recorded_activities(get_store())


def load_stories() -> list[PublishedStory] | None:
    """Every published story, newest first; None when there is no report database."""
    if report_store_status():
        return None
    return _stories(database_url(), reports_version(get_store()))


def load_activities() -> pd.DataFrame | None:
    """Recorded activities for aggregates; None when there is no report database."""
    if report_store_status():
        return None
    return _activities(database_url(), reports_version(get_store()))


def render_story(story: PublishedStory, directory: AreaDirectory | None) -> None:
    """One published story as plain text: title, where, kind, story, quote, organisation."""
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(story.title)}**")
        places = districts_of(story.lsoa_codes, directory) if directory is not None else []
        facts = [KIND_LABELS.get(story.kind, story.kind),
                 ", ".join(APPROACH_LABELS.get(a, a) for a in story.approaches)]
        if places:
            facts.append("in " + ", ".join(places))
        facts.append(f"published {story.published_at:%d %B %Y}")
        st.caption(escape_markdown(" · ".join(facts)))
        st.text(story.text)
        if story.quote:
            st.text(f"“{story.quote}”")
        st.caption(escape_markdown(f"Told by {story.organisation}" if story.organisation
                                   else "Told by a member organisation of the alliance"))


def feed_note() -> None:
    """Where the Atom feed of stories is, for newsletters and council sites."""
    st.caption(f"Newsletters and council sites can pull these stories from the Atom feed "
               f"at {FEED_PATH} on this site.")


def render_work_here(code: str, directory: AreaDirectory | None) -> None:
    """The "Good relations work here" section of the profile of a district, MSOA or LSOA."""
    if directory is None:
        st.subheader("Good relations work here")
        st.caption("Members' work cannot be placed: the area lookups are not cached.")
        return
    render_work_in(lsoas_within([code], directory).lsoa_codes, directory, code)


def render_work_in(lsoas: list[str], directory: AreaDirectory, search: str = "") -> None:
    """The "Good relations work here" section of the profile of any set of LSOAs (an
    official area or a custom one): suppressed counts of the activities overlapping it,
    and its published stories. ``search`` is what to search for on the Stories page to
    find them all ('' for none)."""
    st.subheader("Good relations work here")
    activities, stories = load_activities(), load_stories()
    if activities is None or stories is None:
        st.caption("No members' work is recorded on this server yet.")
        return
    summary = work_in_area(activities, lsoas)
    here = [s for s in stories if set(s.lsoa_codes) & set(lsoas)]
    if summary.empty:
        st.caption("No member organisation has recorded work in a service area that "
                   "overlaps this area.")
    else:
        st.caption("Activities recorded by member organisations whose service area overlaps "
                   "this area, by kind of work; 1 to 4 are shown as <5 and counts that would "
                   "reveal them as [c].")
        st.dataframe(summary.rename(columns={"measure": "Measure", "shown": "Count"})
                     [["Measure", "Count"]], hide_index=True)
    for story in here[:5]:
        render_story(story, directory)
    if len(here) > 5 and search:
        st.caption(f"{len(here)} stories in all: search for {search} on the Stories page.")
