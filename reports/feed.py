"""The Atom feed of published stories, for a newsletter or a council site to pull.

Built with :mod:`xml.etree.ElementTree`, which escapes every text, so a story's words
reach a feed reader as text, never as markup. Entries carry the story, its quote, the
kind of work, the districts of its service area and the organisation only when it
consented to be named; never a person.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from reports.stories import PublishedStory
from reports.taxonomy import APPROACHES, KINDS

ATOM = "http://www.w3.org/2005/Atom"
FEED_PATH = "/feeds/stories.atom"
FEED_TITLE = "Good Relations Atlas: stories of good relations work"
MAX_ENTRIES = 50
KIND_LABELS = {term.id: term.label for term in KINDS}
APPROACH_LABELS = {term.id: term.label for term in APPROACHES}

ET.register_namespace("", ATOM)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def story_summary(story: PublishedStory, places: list[str]) -> str:
    """The plain text of one entry: kind, approaches, where, who (with consent), story."""
    lines = [f"Kind of work: {KIND_LABELS.get(story.kind, story.kind)}",
             "Approaches: " + ", ".join(APPROACH_LABELS.get(a, a) for a in story.approaches)]
    if places:
        lines.append("Where: " + ", ".join(places))
    if story.organisation:
        lines.append(f"Organisation: {story.organisation}")
    lines += ["", story.text]
    if story.quote:
        lines += ["", f"“{story.quote}”"]
    return "\n".join(lines)


def stories_atom(stories: list[PublishedStory], site_url: str,
                 places_of: Callable[[tuple[str, ...]], list[str]],
                 now: datetime | None = None) -> bytes:
    """An Atom 1.0 document of the newest :data:`MAX_ENTRIES` published stories.

    Parameters
    ----------
    site_url
        The address the app is served at (``http://host:port``), for links and ids.
    places_of
        Names the districts of a story's LSOAs (an empty list when the areas are unknown).
    """
    site = site_url.rstrip("/")
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "title", FEED_TITLE)
    _add(feed, "subtitle", "Stories of their work told by member organisations and "
                           "approved by the alliance's moderators.")
    _add(feed, "id", f"{site}{FEED_PATH}")
    _add(feed, "link", rel="self", href=f"{site}{FEED_PATH}")
    _add(feed, "link", rel="alternate", href=f"{site}/stories")
    newest = max((s.published_at for s in stories), default=now or datetime.now(UTC))
    _add(feed, "updated", _stamp(newest))
    _add(_add(feed, "author"), "name", "Good Relations Atlas")
    for story in stories[:MAX_ENTRIES]:
        entry = _add(feed, "entry")
        _add(entry, "title", story.title)
        _add(entry, "id", f"{site}/stories?story={story.id}")
        _add(entry, "link", rel="alternate", href=f"{site}/stories?story={story.id}")
        _add(entry, "published", _stamp(story.published_at))
        _add(entry, "updated", _stamp(story.published_at))
        _add(_add(entry, "author"), "name", story.organisation or "A member organisation")
        _add(entry, "category", term=story.kind, label=KIND_LABELS.get(story.kind, story.kind))
        _add(entry, "content", story_summary(story, places_of(story.lsoa_codes)), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
