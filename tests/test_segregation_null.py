"""D and isolation against random placement: PySAL's inference as the oracle, exact
enumeration and exact simulation as references, and the small-group case of issue 12."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from bench.segregation_speed import pysal_single_value_test, within_simulation_error
from indicators.segregation import compute_segregation
from indicators.segregation_null import (
    SMALL_GROUP,
    benchmark_columns,
    benchmark_note,
    benchmark_verdict,
    compute_random_benchmarks,
    shown_decimals,
)
from tests.fixtures.census import detailed_counts, parse, ts021_csv

GROUP = ["black"]


def district(lad: str, totals, members) -> pd.DataFrame:
    """One district's small areas: totals and Black residents."""
    return pd.DataFrame({"area_code": [f"{lad}-{i:03d}" for i in range(len(totals))],
                         "lad_code": lad, "total": np.asarray(totals, dtype="int64"),
                         "black": np.asarray(members, dtype="int64")})


def placed_at_random(rng: np.random.Generator, lad: str, totals, group: int) -> pd.DataFrame:
    totals = np.asarray(totals, dtype="int64")
    return district(lad, totals, rng.multivariate_hypergeometric(totals, group))


def benchmarks(counts: pd.DataFrame) -> pd.DataFrame:
    observed = compute_segregation(counts, groups=GROUP, detailed=GROUP)
    return observed[["d_black", "isolation_black"]].join(
        compute_random_benchmarks(counts, observed, groups=GROUP))


def exact_null(totals, group: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """D and isolation of ``size`` exact random placements (numpy's hypergeometric)."""
    t = np.asarray(totals, dtype="int64")
    g = np.random.default_rng(seed).multivariate_hypergeometric(t, group, size=size)
    big_t = t.sum()
    d = big_t / (2 * group * (big_t - group)) * np.abs(g - group * t / big_t).sum(axis=1)
    return d, (g * g / t).sum(axis=1) / group


# ---------------------------------------------------------------- exact references
def test_expected_values_are_exact_by_enumeration() -> None:
    totals, group = (4, 3, 5), 4
    counts = district("E06000001", totals, (2, 1, 1))
    row = benchmarks(counts).iloc[0]
    big_t = sum(totals)
    outcomes, chances = [], []
    for g in itertools.product(*(range(t + 1) for t in totals)):
        if sum(g) == group:
            outcomes.append(g)
            chances.append(math.prod(math.comb(t, x) for t, x in zip(totals, g, strict=True))
                           / math.comb(big_t, group))
    g, chance = np.array(outcomes, dtype=float), np.array(chances)
    t = np.array(totals, dtype=float)
    d = 0.5 * np.abs(g / group - (t - g) / (big_t - group)).sum(axis=1)
    iso = (g / group * g / t).sum(axis=1)
    assert chance.sum() == pytest.approx(1)
    assert row["d_black_expected"] == pytest.approx((chance * d).sum(), abs=1e-12)
    assert row["isolation_black_expected"] == pytest.approx((chance * iso).sum(), abs=1e-12)
    # the range holds at least 95% of random placements, as its definition says
    inside = (d >= row["d_black_low"] - 1e-12) & (d <= row["d_black_high"] + 1e-12)
    assert chance[inside].sum() >= 0.95


REGIMES = {
    "9 MSOAs, group of 76": ([7000, 7500, 8000, 6500, 7200, 7800, 8100, 7600, 8300], 76),
    "40 LSOAs, group of 40": (np.random.default_rng(1).integers(1200, 2000, 40), 40),
    "40 LSOAs, group of 3,000": (np.random.default_rng(2).integers(1200, 2000, 40), 3000),
    "40 LSOAs, majority group": (np.random.default_rng(3).integers(1200, 2000, 40), 55_000),
    "300 LSOAs, group of 100": (np.random.default_rng(4).integers(1200, 2000, 300), 100),
    "8 MSOAs, group of 31": (np.random.default_rng(5).integers(6000, 9000, 8), 31),
    "12 MSOAs, group of 200": (np.random.default_rng(6).integers(6000, 9000, 12), 200),
}


@pytest.mark.parametrize("regime", list(REGIMES))
def test_range_agrees_with_exact_simulation(regime: str) -> None:
    totals, group = REGIMES[regime]
    row = benchmarks(placed_at_random(np.random.default_rng(7), "E06000001", totals,
                                      group)).iloc[0]
    d, iso = exact_null(totals, group, 20_000, seed=8)
    assert row["d_black_expected"] == pytest.approx(d.mean(), abs=4 * d.std() / 141)
    assert row["isolation_black_expected"] == pytest.approx(iso.mean(), abs=4 * iso.std() / 141)
    # D within 0.003; isolation (a much narrower range) within 5% of its range's width
    for measure, sims, tolerance in (("d_black", d, 0.003), ("isolation_black", iso, None)):
        low, high = np.quantile(sims, [0.025, 0.975])
        tolerance = tolerance or 0.05 * (high - low)
        assert row[f"{measure}_low"] == pytest.approx(low, abs=tolerance)
        assert row[f"{measure}_high"] == pytest.approx(high, abs=tolerance)


def test_few_small_areas_are_simulated_exactly_and_reproducibly() -> None:
    rng = np.random.default_rng(9)
    few = placed_at_random(rng, "E06000002", [7000, 8000, 6000], 50)
    first = benchmarks(few)
    again = benchmarks(pd.concat([placed_at_random(rng, "E06000001", [900, 1200, 800], 300),
                                  few]))
    pd.testing.assert_frame_equal(first, again.loc[["E06000002"]])
    d, iso = exact_null([7000, 8000, 6000], 50, 20_000, seed=10)
    row = first.iloc[0]
    for measure, sims in (("d_black", d), ("isolation_black", iso)):
        low, high = np.quantile(sims, [0.025, 0.975])
        assert abs(row[f"{measure}_low"] - low) < 0.05 * (high - low)
        assert abs(row[f"{measure}_high"] - high) < 0.05 * (high - low)


# ---------------------------------------------------------------- PySAL as the oracle
def pysal_null(counts: pd.DataFrame, measure: str, approach: str, iterations: int):
    """PySAL's SingleValueTest of one district's D or isolation (seeded, one process)."""
    pytest.importorskip("segregation", reason="PySAL segregation not installed")
    return pysal_single_value_test(counts, "black", measure, approach, iterations)


def assert_agrees(row: pd.Series, measure: str, test, slack: float = 0.0) -> None:
    sims = np.asarray(test.est_sim, dtype=float)
    column = f"{measure}_black"
    error = 4 * sims.std() / math.sqrt(len(sims)) + slack
    assert row[f"{column}_expected"] == pytest.approx(sims.mean(), abs=error), measure
    for suffix, q in (("low", 0.025), ("high", 0.975)):
        ours = row[f"{column}_{suffix}"]
        assert within_simulation_error(ours, sims, q, slack), (measure, suffix, ours)
    assert bool(row[f"{column}_random"]) == (test.p_value >= 0.05), (measure, test.p_value)


@pytest.mark.parametrize("measure", ["d", "isolation"])
def test_same_null_as_pysal_person_permutation(measure: str) -> None:
    """PySAL's person_permutation is our null exactly: residents shuffled over the areas."""
    counts = district("E06000001", [150, 210, 180, 260, 120, 300, 170, 230, 190, 140],
                      [12, 4, 9, 30, 2, 6, 11, 3, 8, 15])
    row = benchmarks(counts).iloc[0]
    assert not row[f"{measure}_black_random"]  # group clustered in area 4
    assert_agrees(row, measure, pysal_null(counts, measure, "person_permutation", 400))


@pytest.mark.parametrize(("approach", "group"),
                         [("systematic", 76), ("systematic", 3000), ("evenness", 3000)])
def test_agrees_with_pysal_evenness_and_systematic(approach: str, group: int) -> None:
    """The group and the rest each spread multinomially (systematic), or binomial counts
    with the small areas' totals fixed (evenness): the same null to first order, within
    ``slack``. Not evenness for a small group: there the group's own size varies from one
    draw to the next (76 ± 9), which widens the range (its 97.5% point is 0.013 higher)."""
    totals = np.random.default_rng(13).integers(1200, 2000, 40)
    counts = placed_at_random(np.random.default_rng(14), "E06000001", totals, group)
    row = benchmarks(counts).iloc[0]
    assert_agrees(row, "d", pysal_null(counts, "d", approach, 500), slack=0.002)


# ---------------------------------------------------------------- the small-group case
def test_small_group_indistinguishable_from_random_is_flagged() -> None:
    """Issue 12, case 1: a district of 9 MSOAs with 76 Black residents, spread about as
    random placement would spread them. D alone (0.15) reads as some segregation; against
    random placement (about 0.13, 95% range 0.07-0.20) it is nothing."""
    rng = np.random.default_rng(15)
    codes = {f"E0200{i:04d}": f"Mockford {i:03d}" for i in range(1, 10)}
    black = [4, 11, 6, 13, 7, 5, 12, 9, 9]
    detailed = detailed_counts(rng, len(codes), (6500, 8300), black=black)
    detailed.loc[[1, 2], "asian_pakistani"] += 600  # a group that is clustered
    counts = parse(ts021_csv(codes, detailed)).assign(lad_code="E07000999")
    observed = compute_segregation(counts)
    found = compute_random_benchmarks(counts, observed).iloc[0]
    black_d = observed.loc["E07000999", "d_black"]
    assert counts["black"].sum() == 76
    assert 0.14 < black_d < 0.17
    assert found["d_black_expected"] == pytest.approx(0.129, abs=0.005)
    assert found["d_black_low"] < black_d < found["d_black_high"]
    assert found["d_black_random"] and found["isolation_black_random"]
    assert not found["d_asian_random"] and not found["isolation_asian_random"]
    note = benchmark_note(black_d, found["d_black_expected"], found["d_black_low"],
                          found["d_black_high"], 76, "Black")
    assert note.startswith("Not clearly different from a random spread: random placement "
                           "of the same people gives 0.1")
    assert benchmark_verdict(black_d, found["d_black_low"], found["d_black_high"], 76) == (
        "not clearly different from random; small group (76 residents)")
    assert "Small group (76 Black residents, fewer than 500)" in note


def test_every_value_gets_its_four_columns_and_missing_values_stay_missing() -> None:
    rng = np.random.default_rng(16)
    counts = pd.concat([
        placed_at_random(rng, "E06000001", [900, 1200, 800, 1000], 300),
        district("E06000002", [500], [20]),  # one small area: no D, no isolation
        district("E06000003", [500, 400], [0, 0]),  # nobody in the group
        district("E06000004", [500, 400], [500, 400]),  # everybody in the group
    ])
    observed = compute_segregation(counts, groups=GROUP, detailed=GROUP)
    found = compute_random_benchmarks(counts, observed, groups=GROUP)
    assert list(found.columns) == benchmark_columns("d_black") + benchmark_columns(
        "isolation_black")
    assert found.loc["E06000001"].notna().all()
    assert found.loc[["E06000002", "E06000003", "E06000004"]].isna().all(axis=None)
    assert found["d_black_random"].dtype == "boolean"


def test_numbers_get_the_decimals_that_keep_the_verdict() -> None:
    assert shown_decimals(0.156, 0.128, 0.067, 0.2) == 3
    assert shown_decimals(0.96140, 0.96126, 0.96118, 0.96134) == 4  # above the range
    assert shown_decimals(0.0012, 0.00123, 0.00115, 0.00137) == 4
    note = benchmark_note(0.96140, 0.96126, 0.96118, 0.96134, 65_000, "White British",
                          dissimilarity=False)
    assert note == ""  # clearly above, a large group: nothing to add
    note = benchmark_note(0.0012, 0.00123, 0.00115, 0.00137, 76, "Black")
    assert "gives 0.0012 (95% range 0.0011–0.0014)" in note


@pytest.mark.parametrize(
    ("value", "residents", "verdict", "note"),
    [
        (0.40, 4_000, "higher than random placement gives", ""),
        (0.40, 300, "higher than random placement gives; small group (300 residents)",
         "Small group (300 Black residents, fewer than 500): chance alone gives about 0.130, "
         "so read this value with care."),
        (0.15, 4_000, "not clearly different from random",
         "Not clearly different from a random spread: random placement of the same people "
         "gives 0.130 (95% range 0.070–0.200)."),
        (0.22, 4_000, "higher than random placement gives",
         "Chance alone gives about 0.130, more than half of this value."),
        (0.05, 4_000, "lower than random placement gives",
         "Lower than random placement of the same people gives (0.130, 95% range "
         "0.070–0.200): more evenly spread than chance would leave them."),
    ],
)
def test_verdicts_and_notes_say_what_a_reader_must_know(value, residents, verdict,
                                                         note) -> None:
    assert benchmark_verdict(value, 0.07, 0.2, residents) == verdict
    assert benchmark_note(value, 0.13, 0.07, 0.2, residents, "Black") == note
    assert SMALL_GROUP == 500
    assert benchmark_verdict(float("nan"), 0.07, 0.2, 100) == ""
