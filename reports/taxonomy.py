"""The words of the report store: tension report categories, tension levels, statuses and
roles; the kinds and approaches of good relations work and the statuses of stories.

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

KINDS: tuple[Term, ...] = (
    Term("voice_agency", "Strengthening the voice and agency of marginalised groups",
         "Helping groups that are rarely heard to speak for themselves and take part in "
         "decisions about their area."),
    Term("understanding", "Building understanding between identity groups",
         "Bringing people of different backgrounds, faiths or identities to learn about "
         "and from each other."),
    Term("common_purpose", "Bringing people together for a common purpose or place",
         "Shared projects around a place or a common interest: a park, a festival, a "
         "food bank, a team."),
    Term("tackling_tensions", "Tackling tensions directly through mediation and dialogue",
         "Working with the people or groups in a dispute or a tense situation to calm it "
         "and settle it."),
    Term("capacity_building", "Capacity building",
         "Training, mentoring and support that help people and organisations do good "
         "relations work themselves."),
    Term("campaigning_policy", "Campaigning and policy work",
         "Changing what councils, agencies, funders or government do, or what the public "
         "thinks, about community relations."),
)

APPROACHES: tuple[Term, ...] = (
    Term("arts", "Arts", "Music, drama, film, visual arts, writing, heritage."),
    Term("sport", "Sport", "Sport, games and physical activity."),
    Term("advocacy_signposting", "Advocacy and signposting",
         "Speaking up for people and pointing them to the help they need."),
    Term("community_development", "Community development and organising",
         "Helping residents organise, set up groups and act together."),
    Term("dialogue_mediation", "Dialogue and mediation",
         "Facilitated conversations, mediation, restorative meetings."),
    Term("other", "Other", "Any other approach."),
)

STORY_STATUSES: tuple[Term, ...] = (
    Term("pending", "Waiting for a moderator", "Submitted, not yet reviewed."),
    Term("approved", "Published", "Approved by a moderator; shown on the Stories page, in "
                                  "area profiles and in the feed."),
    Term("returned", "Returned", "Sent back to the organisation; the moderator's note says "
                                 "what to change. Change it and send it again."),
    Term("withdrawn", "Withdrawn", "Withdrawn by the organisation; not shown."),
)

CATEGORY_IDS = tuple(term.id for term in CATEGORIES)
TENSION_LEVEL_IDS = tuple(term.id for term in TENSION_LEVELS)
STATUS_IDS = tuple(term.id for term in STATUSES)
ROLE_IDS = tuple(term.id for term in ROLES)
KIND_IDS = tuple(term.id for term in KINDS)
APPROACH_IDS = tuple(term.id for term in APPROACHES)


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
