"""Areas whose residents are the wrong denominator for a rate: daytime populations.

A rate per 10,000 residents assumes that the people who could be victims, offenders or
reporters are the people who live there. Where many times more people work in an area
on a weekday than live in it, offences and reports are driven by the workers, and the
rate per resident is not comparable with other areas (the City of London's 500
public-order offences per 10,000 residents come from 8,584 residents and several hundred
thousand workers).

**Which areas.** The joined dataset holds no workplace population (the Census 2021
workday population tables are not among the cached sources), so the list is taken from a
published source: the ONS 2011 Census workday population (table WP102EW, "workday
population"), which counted about 360,000 people in the City of London on a working day
against 7,375 usual residents, nearly 50 times as many. We flag districts whose workday
population is at least :data:`MANY_TIMES` times their residents: only the City of London
is; the next districts (Westminster, Camden and other central ones) have workday
populations a few times their residents at most, which makes their rates per resident
higher but still of the same kind. The flag applies to the district and to its MSOAs
and LSOAs. Small areas elsewhere (city centres, airports, large shopping centres) can
also draw many more people by day than live there; without workplace counts by small
area we cannot flag them, and About & methodology says so.
"""

from __future__ import annotations

import pandas as pd

MANY_TIMES = 10
"""A district is flagged when its workday population is at least this many times its
residents (2011 Census workday population)."""
DAYTIME_DISTRICTS: dict[str, str] = {
    "E09000001": (
        "City of London: about 360,000 people on a working day against 7,375 residents "
        "(2011 Census workday population, ONS table WP102EW; 8,584 residents in 2021), so "
        "a rate per resident is not comparable with other areas"),
}
"""District code → why its residents mislead as a denominator (shown beside its rates)."""


def compute_denominator_flags(areas: pd.DataFrame) -> pd.Series:
    """The denominator note of each area (NA for most), from its district.

    Parameters
    ----------
    areas
        Columns ``area_code`` and ``lad_code`` (the district of an LSOA, MSOA or district).

    Returns
    -------
    Series
        String dtype, on the index of ``areas``: the note of :data:`DAYTIME_DISTRICTS` for
        areas in a flagged district, NA elsewhere.
    """
    district = areas["lad_code"].where(areas["lad_code"].notna(), areas["area_code"])
    return district.map(DAYTIME_DISTRICTS).astype("string")
