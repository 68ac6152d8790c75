"""The words a funder needs beside the profile's numbers: a one-line definition of each
indicator (from the catalogue), a short glossary, and what each edition of a figure is and
why editions differ. Pure functions; the profile page and its PDF and HTML read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from indicators.catalogue import CATALOGUE

GLOSSARY: tuple[tuple[str, str], ...] = (
    ("Index of dissimilarity (D)",
     "The share of a group's residents who would have to move to another small area of the "
     "district for the group to be spread like everyone else: 0 evenly spread, 1 completely "
     "separate."),
    ("Isolation",
     "The share of the group in the small area where its average member lives: high when "
     "the group's residents mostly live among themselves."),
    ("Simpson diversity",
     "The chance that two residents picked at random belong to different ethnic groups "
     "(0 = everyone in one group)."),
    ("Entropy (Theil's H)",
     "How much less mixed the small areas are than the district as a whole, over all "
     "ethnic groups at once (0 = every small area as mixed as the district)."),
    ("IMD",
     "The Index of Multiple Deprivation of the English Indices of Deprivation (IoD): one "
     "score per LSOA combining income, employment, education, health, crime, barriers to "
     "housing and services and living environment; higher means more deprived."),
    ("Rank and decile",
     "Rank 1 is the highest value among areas of the same kind in England. Deciles split "
     "those areas into ten equal groups: decile 1 holds the highest 10% of values (for "
     "deprivation, the most deprived)."),
    ("LSOA, MSOA, district",
     "ONS small areas of about 1,500 (LSOA) and 7,500 (MSOA) residents, and local "
     "authority districts (2022 boundaries)."),
    ("Random placement",
     "What D or isolation would be if the same people lived at random across the "
     "district; a small group looks uneven by chance alone."),
)
"""Terms of the profile, in plain English."""

EDITIONS: dict[str, str] = {
    "Census 2021": "Census 2021 (21 March 2021): residents and ethnic groups, on the 2021 "
                   "small areas.",
    "Census 2011": "Census 2011 (27 March 2011): for change since 2011, on the 2011 small "
                   "areas placed in today's districts.",
    "IoD 2025": "English Indices of Deprivation 2025 (published 2025, mostly 2022/23 "
                "data), on the 2021 LSOAs: the latest edition.",
    "IoD 2019": "English Indices of Deprivation 2019 (mostly 2015/16 data), published for "
                "the 2011 LSOAs and mapped here to the 2021 LSOAs.",
    "data.police.uk": "data.police.uk: police-recorded offences of the 12 months named "
                      "beside each rate.",
}
"""What each edition behind the profile's figures is (keyed by how vintages start)."""

WHY_IOD_EDITIONS = (
    "Why two IoD editions: IoD 2025 is the latest and is used wherever the cache holds it; "
    "IoD 2019 is shown beside it to show change, or in its place where the 2025 figure is "
    "missing. The editions use different years of data and different small areas, so "
    "compare their ranks and deciles rather than their scores.")
MISSING_2025 = (
    "Only IoD 2019 deprivation figures are shown: the IoD 2025 figures of this area are not "
    "in the cache (see Data & sources).")


def one_line(indicator_id: str) -> str:
    """The first sentence of the indicator's catalogue definition."""
    definition = CATALOGUE[indicator_id].definition
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z])", definition, maxsplit=1)[0]
    return first if first.endswith((".", "!", "?")) else first + "."


def definitions(indicator_ids: Iterable[str]) -> pd.DataFrame:
    """Term and one-line definition of each indicator shown (columns Indicator, Meaning)."""
    ids = list(dict.fromkeys(indicator_ids))
    return pd.DataFrame({"Indicator": [CATALOGUE[i].label for i in ids],
                         "Meaning": [one_line(i) for i in ids]})


def editions(vintages: Iterable[str]) -> list[str]:
    """What each edition behind the figures is, and why two IoD editions appear together.

    ``vintages`` are the Vintage texts of the figures shown ("IoD 2025, computed on
    LSOA 2021", "Census 2021, across LSOAs" ...).
    """
    shown = [v for v in dict.fromkeys(vintages) if v]
    found = [key for key in EDITIONS if any(key in v for v in shown)]
    lines = [EDITIONS[key] for key in found]
    if "IoD 2019" in found and "IoD 2025" in found:
        lines.append(WHY_IOD_EDITIONS)
    elif "IoD 2019" in found:
        lines.append(MISSING_2025)
    return lines
