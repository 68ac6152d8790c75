"""Segregation beyond ethnicity: what the religion, country-of-birth and English groups cost.

The mirror serves no Census 2021 TS030, TS004 or TS029, so the counts here are
**invented** (for timing only, never shown): the real LSOAs of England with their real
residents and districts (as :mod:`bench.segregation_speed` reads them), and each LSOA's
residents drawn over the categories of each table with England's shares, varied from LSOA
to LSOA (gamma-distributed weights) so that minorities cluster.  The row times
:func:`indicators.segregation.compute_segregation` and
:func:`indicators.segregation_null.compute_random_benchmarks` of every group of
:data:`indicators.topics.TOPICS`, for every district: the part of the joined build these
tables add.  Small groups (the British Overseas Territories in every district; Jewish,
Buddhist and Sikh residents in many) take the exact simulation of random placement.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from bench.common import Context, Row, seconds
from bench.segregation_speed import load_lsoa_counts
from indicators.segregation import compute_segregation
from indicators.segregation_null import compute_random_benchmarks
from indicators.topics import TOPICS, Topic

COMMAND = "python -m bench --only segregation"
SHARES = {  # England's approximate shares of each group, per cent (Census 2021)
    "christian": 46.3, "muslim": 6.7, "hindu": 1.8, "sikh": 0.9, "jewish": 0.5,
    "buddhist": 0.5, "other_religion": 0.6, "no_religion": 36.7,
    "born_eu14": 2.0, "born_eu8": 2.0, "born_eu2": 1.0, "born_europe_non_eu": 1.5,
    "born_africa": 2.4, "born_middle_east_asia": 5.0, "born_americas": 1.4,
    "born_oceania": 0.6, "born_british_overseas": 0.01, "limited_english": 1.5,
}
DERIVED = {"born_eu": ("born_eu14", "born_eu8", "born_eu2"),
           "born_outside_uk": ("born_eu14", "born_eu8", "born_eu2", "born_europe_non_eu",
                               "born_africa", "born_middle_east_asia", "born_americas",
                               "born_oceania", "born_british_overseas")}


def invented_counts(topic: Topic, lsoas: pd.DataFrame, rng: np.random.Generator
                    ) -> pd.DataFrame:
    """Invented counts of the topic's groups for the real LSOAs (timing only)."""
    own = [g for g in topic.group_ids if g in SHARES]
    shares = np.array([SHARES[g] for g in own]) / 100
    weights = shares * rng.gamma(0.7, 1 / 0.7, (len(lsoas), len(own)))
    rest = np.clip(1 - weights.sum(axis=1, keepdims=True), 0.01, None)
    probabilities = np.hstack([weights, rest])
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    drawn = np.array([rng.multinomial(t, p) for t, p in
                      zip(lsoas["total"], probabilities, strict=True)])[:, :-1]
    counts = lsoas[["area_code", "lad_code", "total"]].copy()
    counts[own] = drawn
    for group, parts in DERIVED.items():
        if group in topic.group_ids:
            counts[group] = counts[list(parts)].sum(axis=1)
    return counts


def run(ctx: Context) -> list[Row]:
    lsoas = load_lsoa_counts()
    rng = np.random.default_rng(16)
    timings, values = {}, 0
    for topic in TOPICS:
        counts = invented_counts(topic, lsoas, rng)
        groups = list(topic.group_ids)
        started = time.perf_counter()
        observed = compute_segregation(counts, groups=groups,
                                       detailed=topic.detailed or groups)
        compute_random_benchmarks(counts, observed, groups=groups)
        timings[topic.title] = time.perf_counter() - started
        values += int(observed[[f"{m}_{g}" for m in ("d", "isolation") for g in groups]]
                      .notna().sum().sum())
    total = sum(timings.values())
    return [Row(
        what=f"Segregation by religion, country of birth and English ({values:,} D and "
             f"isolation values, {sum(len(t.groups) for t in TOPICS)} groups × every LAD) "
             "with random placement, from LSOA counts (invented: the mirror lacks the tables)",
        figure=f"{seconds(total)} (" + ", ".join(f"{k} {seconds(v)}" for k, v in
                                                 timings.items()) + ")",
        target="–", passed=None, command=COMMAND,
        notes=["one run each; the real LSOAs, residents and districts of England with "
               "invented group counts at England's shares; small groups take the exact "
               "simulation of random placement, which is most of the time"],
        values={"seconds": total, **{k: v for k, v in timings.items()}})]
