"""The words of a tension report: categories, tension levels, statuses and roles.

Each category and level has a stable id (stored in the database and used in CSV files),
a short label and a plain-English description shown next to the form and the charts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One entry of the taxonomy: stable id, label and plain-English description."""

    id: str
    label: str
    description: str


CATEGORIES: tuple[Term, ...] = (
    Term("hate_incident", "Hate incident or crime",
         "Something done or said to a person or place because of race, religion, sexual "
         "orientation, disability or gender identity, whether or not it was a crime."),
    Term("protest", "Protest or counter-protest",
         "A demonstration, march, vigil or gathering, or an opposing one, that raised or "
         "could raise tension between groups."),
    Term("online_narrative", "Online or media narrative",
         "Posts, videos, articles or broadcasts that stir up hostility towards a group "
         "in the area."),
    Term("rumour", "Rumour or misinformation",
         "A false or unverified story going round the area, in person or online."),
    Term("dispute", "Dispute between groups or neighbours",
         "A falling-out between neighbours, families, groups of young people or "
         "communities that is affecting relations locally."),
    Term("immigration_asylum", "Tensions around immigration or asylum",
         "Hostility or worry about new arrivals, asylum hotels, dispersal or "
         "immigration enforcement."),
    Term("welfare_housing_services", "Tensions around welfare, housing or services",
         "Resentment about who gets housing, benefits, school places, health care or "
         "other services."),
    Term("extremist_activity", "Extremist activity",
         "Leafleting, stickers, graffiti, recruitment or events by extremist groups of "
         "any kind."),
    Term("positive_event", "Positive community event",
         "Something that brought people together or eased tension: a festival, a joint "
         "statement, a successful mediation."),
)

TENSION_LEVELS: tuple[Term, ...] = (
    Term("low", "Low",
         "Some people are unhappy or talking about it, but daily life goes on as normal."),
    Term("moderate", "Moderate",
         "Tension is visible: arguments, hostile posts or complaints are spreading and "
         "some people feel uneasy or avoid places."),
    Term("high", "High",
         "People feel unsafe; there have been threats, gatherings or incidents and "
         "further trouble is expected without action."),
    Term("critical", "Critical",
         "Violence, serious disorder or attacks have happened or are about to happen; "
         "urgent action by agencies is needed."),
)

STATUSES: tuple[Term, ...] = (
    Term("pending", "Waiting for a moderator", "Submitted, not yet reviewed."),
    Term("approved", "Approved", "Checked by a moderator; counted in the aggregates."),
    Term("rejected", "Rejected", "Not counted; the moderator's note says why."),
    Term("withdrawn", "Withdrawn", "Withdrawn by the submitting organisation; not counted."),
)

ROLES: tuple[Term, ...] = (
    Term("member", "Member",
         "Submits and imports reports; sees and withdraws their own organisation's reports."),
    Term("moderator", "Moderator",
         "Everything a member can do, plus the moderation queue: approve, reject and edit "
         "any report, read free text and the audit log."),
    Term("admin", "Administrator",
         "Everything a moderator can do, plus managing organisations and accounts."),
)

CATEGORY_IDS = tuple(term.id for term in CATEGORIES)
TENSION_LEVEL_IDS = tuple(term.id for term in TENSION_LEVELS)
STATUS_IDS = tuple(term.id for term in STATUSES)
ROLE_IDS = tuple(term.id for term in ROLES)


def find_term(terms: tuple[Term, ...], text: str) -> Term | None:
    """The term whose id or label matches ``text`` (ignoring case and outer spaces)."""
    wanted = text.strip().casefold()
    for term in terms:
        if wanted in (term.id.casefold(), term.label.casefold()):
            return term
    return None


def role_rank(role: str) -> int:
    """Roles are nested: member < moderator < admin."""
    return ROLE_IDS.index(role)
