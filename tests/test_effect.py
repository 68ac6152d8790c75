"""Difference in differences of a service area against its similar areas (indicators.effect).

Every series here is invented (synthetic, seeded): none of it is real data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators.effect import (
    CAUTION,
    compute_series,
    estimate_did,
    month_index,
    month_label,
)

RESIDENTS = {"SA": 15_000.0, "S1": 18_000.0, "S2": 12_000.0, "S3": 15_000.0}
START = "2024-07"


def synthetic(effect_per_10k: float, seed: int, months_before: int = 12,
              months_after: int = 12) -> pd.DataFrame:
    """Poisson counts around a common seasonal trend; the service area ("SA") gets
    ``effect_per_10k`` more per 10,000 residents a month from the start on."""
    rng = np.random.default_rng(seed)
    first = month_index(START)
    rows = []
    for m in range(first - months_before, first + months_after):
        base = 20 + 5 * np.sin(m / 2)  # per 10,000 a month, shared by every area
        for area, people in RESIDENTS.items():
            rate = base + (effect_per_10k if area == "SA" and m >= first else 0)
            rows.append({"area_code": area, "month": month_label(m),
                         "count": int(rng.poisson(rate * people / 10_000))})
    return pd.DataFrame(rows).astype({"count": "Int64"})


def test_month_numbers_round_trip():
    assert month_label(month_index("2024-01") - 1) == "2023-12"


def test_known_effect_is_recovered_within_its_interval():
    series = compute_series(synthetic(8.0, seed=1), RESIDENTS, "SA", START)
    estimate = estimate_did(series, "public-order offences")
    assert estimate.status == "estimate"
    assert (estimate.months_before, estimate.months_after) == (12, 12)
    assert estimate.lower < 8.0 < estimate.upper
    assert estimate.lower > 0  # an effect this size is told from none
    assert "higher after the start than before" in estimate.message
    assert "caused" not in estimate.message and "not show" in CAUTION


def test_no_effect_is_not_called_a_change():
    series = compute_series(synthetic(0.0, seed=2), RESIDENTS, "SA", START)
    estimate = estimate_did(series, "anti-social behaviour")
    assert estimate.lower < 0 < estimate.upper
    assert "cannot be told from no change" in estimate.message


def test_interval_covers_the_true_effect_about_95_times_in_100():
    hits = 0
    for seed in range(200):
        estimate = estimate_did(compute_series(synthetic(5.0, seed), RESIDENTS, "SA", START),
                                "x")
        hits += estimate.lower <= 5.0 <= estimate.upper
    assert 0.90 <= hits / 200 <= 0.99


@pytest.mark.parametrize(("before", "after"), [(3, 12), (12, 5), (0, 12)])
def test_too_few_months(before, after):
    series = compute_series(synthetic(5.0, seed=3, months_before=before, months_after=after),
                            RESIDENTS, "SA", START)
    estimate = estimate_did(series, "public-order offences")
    assert estimate.status == "too_few_months"
    assert estimate.did is None
    assert f"{before} months with data before the start and {after} after" in estimate.message


def test_a_month_missing_for_one_similar_area_is_not_used():
    counts = synthetic(5.0, seed=4)
    gaps = counts["area_code"].eq("S2") & counts["month"].isin(
        [month_label(month_index(START) - k) for k in range(1, 8)])
    counts.loc[gaps, "count"] = pd.NA
    estimate = estimate_did(compute_series(counts, RESIDENTS, "SA", START), "x")
    assert estimate.status == "too_few_months" and estimate.months_before == 5


def test_withheld_report_counts_are_never_guessed():
    counts = synthetic(5.0, seed=5).assign(shown=lambda f: f["count"].astype("string"))
    small = counts.index[:2]
    counts.loc[small, "count"] = pd.NA
    counts.loc[small, "shown"] = "<5"
    estimate = estimate_did(compute_series(counts, RESIDENTS, "SA", START), "tension reports",
                            reports=True)
    assert estimate.status == "too_few_reports"
    assert "under 5 (shown as <5)" in estimate.message


def test_too_few_reports_in_the_service_area():
    counts = synthetic(0.0, seed=6)
    counts.loc[counts["area_code"] == "SA", "count"] = 0
    estimate = estimate_did(compute_series(counts, RESIDENTS, "SA", START), "tension reports",
                            reports=True)
    assert estimate.status == "too_few_reports"
    assert "0 reports in the service area" in estimate.message


def test_bad_residents_are_refused():
    with pytest.raises(ValueError, match="residents"):
        compute_series(synthetic(0.0, seed=7), {**RESIDENTS, "SA": 0}, "SA", START)
