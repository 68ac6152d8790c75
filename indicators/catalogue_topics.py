"""Catalogue entries of religion, country of birth and English proficiency (Census 2021).

One family per group of :data:`indicators.topics.TOPICS`, worded like the ethnic-group
entries of :mod:`indicators.catalogue`: dissimilarity and isolation of districts (the
catalogue adds what random placement gives beside each), residents, share of the table's
total, location quotients; for religion also diversity (Simpson, entropy, Theil's H).
"""

from __future__ import annotations

import math

from indicators.catalogue_types import LEVELS, OGL, ONS, Indicator
from indicators.topics import TOPICS, Group, Topic

VINTAGE = "Census 2021"
SMALL = ("lsoa", "msoa")


def _source(topic: Topic) -> tuple[str, ...]:
    return topic.datasets()


def _categories(topic: Topic, group: Group) -> str:
    words = " + ".join(f"'{c}'" for c in group.columns)
    return (f" Census 2021 {topic.table} ({topic.title}), categor"
            f"{'y' if len(group.columns) == 1 else 'ies'} {words}; counts of "
            f"{topic.universe}.")


def _group_entries(topic: Topic, group: Group) -> list[Indicator]:
    who, name, source = group.who, group.label, _source(topic)
    where = _categories(topic, group)

    def entry(id_: str, label: str, definition: str, unit: str, polarity: str,
              levels: tuple[str, ...], theme: str, decimals: int) -> Indicator:
        return Indicator(id_, label, definition + where, unit, polarity, levels, theme,
                         source, VINTAGE, OGL, ONS, decimals)

    return [
        entry(f"d_{group.id}", f"Dissimilarity, {name}",
              f"Index of dissimilarity: the share of {who} who would have to move to "
              "another small area of the district for them to be spread like everyone "
              "else (0 = evenly spread, 1 = completely separate).",
              "index 0-1", "higher_worse", ("lad",), "segregation", 3),
        entry(f"isolation_{group.id}", f"Isolation, {name}",
              f"Isolation index: the share of {who} in the small area where the average "
              "one of them in the district lives (high when they mostly live among "
              "themselves).", "index 0-1", "neutral", ("lad",), "segregation", 3),
        entry(f"residents_{group.id}", f"Residents: {name}",
              f"Number of {who} on Census day 2021 (districts: the sum over the small areas "
              "their segregation measures are computed across).",
              "people", "neutral", LEVELS, "population", 0),
        entry(f"pct_{group.id}", f"Share: {name}",
              f"{who[0].upper()}{who[1:]} as a percentage of the area's {topic.universe}.",
              f"% of {topic.universe}", "neutral", LEVELS, "diversity", 1),
        entry(f"lq_{group.id}", f"Location quotient, {name} (vs district)",
              f"The share of {who} in the area divided by their share in its district: 1 "
              "means the same share as the district, 2 twice as high.",
              "ratio", "neutral", SMALL, "diversity", 2),
        entry(f"lq_{group.id}_england", f"Location quotient, {name} (vs England)",
              f"The share of {who} in the area divided by their share in England: 1 means "
              "the same share as England, 2 twice as high.",
              "ratio", "neutral", SMALL, "diversity", 2),
    ]


def _diversity_entries(topic: Topic) -> list[Indicator]:
    n = len(topic.detailed)
    over = (f" Over the {n} {topic.title.lower()} categories of Census 2021 {topic.table} "
            f"({', '.join(topic.detailed)}); residents who did not answer are left out.")
    source = _source(topic)
    return [
        Indicator(f"{topic.id}_simpson_diversity", f"{topic.title}: diversity (Simpson)",
                  "The chance that two residents picked at random have different answers: 0 "
                  "when everyone gave the same, close to 1 when answers are spread over many."
                  + over, "index 0-1", "neutral", LEVELS, "diversity", source, VINTAGE, OGL,
                  ONS, 3),
        Indicator(f"{topic.id}_entropy", f"{topic.title}: diversity (entropy)",
                  "Shannon entropy of the residents' answers, −Σ p ln p (natural logarithm): "
                  f"0 when everyone gave the same answer, at most ln {n} = "
                  f"{math.log(n):.2f} when every answer is equally common."
                  + over, "index", "neutral", LEVELS, "diversity", source, VINTAGE, OGL,
                  ONS, 3),
        Indicator(f"{topic.id}_entropy_h", f"{topic.title}: multigroup segregation (Theil's H)",
                  "Theil's information index: how much less mixed the district's small areas "
                  "are than the district as a whole (0 = every small area as mixed as the "
                  "district, 1 = each answer in areas of its own)." + over,
                  "index 0-1", "higher_worse", ("lad",), "segregation", source, VINTAGE, OGL,
                  ONS, 3),
    ]


def topic_entries() -> list[Indicator]:
    """Every catalogue entry of :data:`indicators.topics.TOPICS`, topic by topic."""
    entries = []
    for topic in TOPICS:
        if topic.detailed:
            entries += _diversity_entries(topic)
        for group in topic.groups:
            entries += _group_entries(topic, group)
    return entries
