"""The audited publication of 100,000 reports over all of England's areas, attacked.

Uses the area lookups of the national cache built from ../shared's mirror (the
``national`` fixture; skipped when ../shared is absent). The reports are synthetic and
clustered as real ones are (a few districts with many, most with few), so that the
published tables hold small counts to protect. The independent attacker of
``tests/disclosure_attack.py`` writes the relations among the published tables
(``published_only``: writing every relation of every area at this scale is out of its
reach) and solves for every suppressed cell.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from reports.aggregate import build_cube
from reports.areas import AreaDirectory
from reports.suppression import PRIMARY, SECONDARY
from reports.taxonomy import CATEGORY_IDS, TENSION_LEVEL_IDS
from tests.disclosure_attack import pinned_cells

pytestmark = pytest.mark.national

REPORTS = 100_000
PLACED = (0.93, 0.05, 0.02)  # at an LSOA, only at its MSOA, only at its district


def clustered_reports(directory: AreaDirectory, n: int, seed: int = 13) -> pd.DataFrame:
    """``n`` reports over three years; districts weighted by a heavy-tailed draw."""
    rng = np.random.default_rng(seed)
    lsoas = directory.areas[directory.areas["level"] == "lsoa"]
    lad_of = lsoas["lad_code"].astype(str).to_numpy()
    districts, district_of = np.unique(lad_of, return_inverse=True)
    weight = (rng.pareto(1.5, len(districts)) + 1e-3)[district_of]
    weight /= np.bincount(district_of)[district_of]
    chosen = rng.choice(len(lsoas), n, p=weight / weight.sum())
    placed = rng.choice(3, n, p=PLACED)
    codes = np.where(placed == 0, lsoas.index.to_numpy(dtype=object)[chosen],
                     np.where(placed == 1, lsoas["msoa_code"].to_numpy(dtype=object)[chosen],
                              lad_of[chosen]))
    days = rng.integers(0, 3 * 365, n)
    return pd.DataFrame({
        "area_code": codes.astype(object),
        "incident_date": [date(2023, 1, 1) + timedelta(days=int(day)) for day in days],
        "category": rng.choice(CATEGORY_IDS, n).astype(object),
        "tension_level": rng.choice(TENSION_LEVEL_IDS, n).astype(object)})


def test_no_suppressed_count_of_a_national_publication_is_recoverable(national):
    directory = AreaDirectory.from_cache(national.cache)
    reports = clustered_reports(directory, REPORTS)
    status = build_cube(reports, directory).cells["status"]
    assert (status == PRIMARY).sum() >= 50 and (status == SECONDARY).sum() >= 1
    assert pinned_cells(reports, directory, published_only=True) == []
