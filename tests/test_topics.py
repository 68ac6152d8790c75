"""Segregation and diversity beyond ethnicity: religion, country of birth, English (issue 16).

Census 2021 TS030, TS004 and TS029 counts are written in the published Nomis bulk format
(tests/fixtures/topics.py) and parsed by the fetcher's own parser; the lookups and the
TS021 counts are those of tests/test_joined_segregation.py (Townbury: 8 LSOAs, Mockford:
18).  Muslim residents are clustered in two LSOAs of Townbury; Mockford has about 40
residents born in the British Overseas Territories, spread at random.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators.benchmarks import ENGLAND, benchmark_of
from indicators.catalogue import CATALOGUE, data_dictionary
from indicators.joined import build_area_tables, reasons_by_column
from indicators.joined_inputs import Inputs
from indicators.segregation import compute_segregation
from indicators.segregation_null import (
    SMALL_GROUP,
    benchmark_columns,
    compute_random_benchmarks,
    residents_column,
)
from indicators.topics import RELIGIONS, TOPICS, topic_counts
from tests.fixtures.topics import LEAVES, invented_leaves, parse, topic_csv
from tests.test_joined_segregation import census_inputs, lookup

TABLES = {"ts030": "religion", "ts004": "country_of_birth", "ts029": "english_proficiency"}
WEIGHTS = {
    "ts030": [36, 46, 0.5, 1.7, 0.5, 6.7, 0.9, 0.6, 6],
    "ts004": [83, 2.5, 2, 1, 0.4, 1.5, 2.4, 5, 1.4, 0.6, 0.06],
    "ts029": [91, 4.5, 2.8, 1.2, 0.3],
}
TOPIC_COLUMNS = [e.id for e in CATALOGUE.values()
                 if set(e.source) & {d for t in TOPICS for d in t.datasets()}]


def topic_inputs(levels=("lsoa", "msoa", "lad"), drop=()) -> Inputs:
    """census_inputs() with TS030, TS004 and TS029 at ``levels`` (LSOA counts summed up)."""
    inputs = census_inputs()
    areas = lookup()
    rng = np.random.default_rng(16)
    totals = (inputs.get("census2021_ethnicity_lsoa").set_index("area_code")["total"]
              .reindex(areas["lsoa21_code"]).to_numpy())
    for table, topic in TABLES.items():
        leaves = invented_leaves(rng, table, totals, WEIGHTS[table])
        if table == "ts030":  # Muslim residents clustered in Townbury's first two LSOAs
            leaves.loc[[0, 1], "muslim"] += 500
        if table == "ts004":  # ~40 born in the British Overseas Territories, in Mockford
            leaves["british_overseas"] = 0
            mockford = areas.index[areas["lad22_code"] == "E07000999"]
            leaves.loc[mockford, "british_overseas"] = rng.multinomial(40, [1 / 18] * 18)
        for level in levels:
            if table in drop:
                continue
            key = {"lsoa": "lsoa21", "msoa": "msoa21", "lad": "lad22"}[level]
            summed = leaves.groupby(areas[f"{key}_code"].to_numpy(), sort=False).sum()
            names = areas.drop_duplicates(f"{key}_code").set_index(f"{key}_code")[
                f"{key}_name"].reindex(summed.index)
            content = topic_csv(table, names.to_dict(), summed)
            inputs.tables[f"census2021_{topic}_{level}"] = parse(table, content, level)
    return inputs


@pytest.fixture(scope="module")
def built() -> tuple[pd.DataFrame, pd.DataFrame]:
    return build_area_tables(topic_inputs())


def lsoa_counts(inputs: Inputs, topic) -> pd.DataFrame:
    counts = topic_counts(inputs.get(topic.dataset("lsoa")), topic)
    parents = lookup().set_index("lsoa21_code")["lad22_code"]
    return counts.assign(lad_code=counts["area_code"].map(parents))


def test_every_new_column_is_computed_and_documented(built):
    area, _ = built
    assert len(TOPIC_COLUMNS) > 250
    dictionary = data_dictionary(TOPIC_COLUMNS).set_index("column")
    for column in TOPIC_COLUMNS:
        entry = CATALOGUE[column]
        assert entry.definition and entry.unit and entry.vintage == "Census 2021"
        assert entry.licence == "Open Government Licence v3.0"
        assert dictionary.loc[column, "definition"] == entry.definition
        for level in entry.levels:
            values = area.loc[area["level"] == level, column]
            assert values.notna().any(), f"{column} has no value at {level}"


def test_religion_measures_agree_with_pysal(built):
    pysal = pytest.importorskip("segregation", reason="PySAL segregation not installed")
    area, _ = built
    lads = area[area["level"] == "lad"].set_index("area_code")
    religion = TOPICS[0]
    counts = lsoa_counts(topic_inputs(), religion)
    for lad, units in counts.groupby("lad_code"):
        for group in religion.group_ids:
            d = pysal.singlegroup.Dissim(units, group, "total").statistic
            isolation = pysal.singlegroup.Isolation(units, group, "total").statistic
            assert lads.loc[lad, f"d_{group}"] == pytest.approx(d, abs=1e-9)
            assert lads.loc[lad, f"isolation_{group}"] == pytest.approx(isolation, abs=1e-9)
        h = pysal.multigroup.MultiInfoTheory(units, list(RELIGIONS)).statistic
        assert lads.loc[lad, "religion_entropy_h"] == pytest.approx(h, abs=1e-9)
        simpson = pysal.multigroup.SimpsonsInteraction(units, list(RELIGIONS)).statistic
        assert lads.loc[lad, "religion_simpson_diversity"] == pytest.approx(simpson, abs=1e-9)
    townbury = lads.loc["E07000998"]
    assert townbury["d_muslim"] > townbury["d_muslim_high"]  # clustered: clearly not random
    assert not townbury["d_muslim_random"]


@pytest.mark.parametrize("index", [1, 2])
def test_country_of_birth_and_english_agree_with_pysal(built, index):
    pysal = pytest.importorskip("segregation", reason="PySAL segregation not installed")
    area, _ = built
    lads = area[area["level"] == "lad"].set_index("area_code")
    topic = TOPICS[index]
    counts = lsoa_counts(topic_inputs(), topic)
    for lad, units in counts.groupby("lad_code"):
        for group in topic.group_ids:
            if units[group].sum() == 0:
                assert pd.isna(lads.loc[lad, f"d_{group}"])  # absent group: NaN, as for ethnicity
                continue
            d = pysal.singlegroup.Dissim(units, group, "total").statistic
            assert lads.loc[lad, f"d_{group}"] == pytest.approx(d, abs=1e-9)
            isolation = pysal.singlegroup.Isolation(units, group, "total").statistic
            assert lads.loc[lad, f"isolation_{group}"] == pytest.approx(isolation, abs=1e-9)


def test_random_placement_and_the_small_group_note(built):
    area, _ = built
    lads = area[area["level"] == "lad"].set_index("area_code")
    topic = TOPICS[1]
    counts = lsoa_counts(topic_inputs(), topic)
    groups = list(topic.group_ids)
    expected = compute_random_benchmarks(
        counts, compute_segregation(counts, groups=groups, detailed=groups), groups=groups)
    for group in groups:
        for column in benchmark_columns(f"d_{group}") + benchmark_columns(f"isolation_{group}"):
            assert CATALOGUE[column].theme == "uncertainty"
            pd.testing.assert_series_equal(lads[column].astype(expected[column].dtype),
                                           expected[column], check_names=False,
                                           check_index=False)
    mockford = lads.loc["E07000999"]
    assert residents_column("d_born_british_overseas") == "residents_born_british_overseas"
    assert mockford["residents_born_british_overseas"] == 40 < SMALL_GROUP
    assert mockford["d_born_british_overseas_expected"] > mockford["d_born_british_overseas"] / 2
    assert pd.isna(lads.loc["E07000998", "d_born_british_overseas"])  # nobody: no value


def test_shares_quotients_and_their_benchmarks(built):
    area, benchmarks = built
    inputs = topic_inputs()
    english = TOPICS[2]
    counts = lsoa_counts(inputs, english).set_index("area_code")
    lsoas = area[area["level"] == "lsoa"].set_index("area_code")
    share = 100 * counts["limited_english"] / counts["total"]
    np.testing.assert_allclose(lsoas.loc[share.index, "pct_limited_english"], share)
    england_share = counts["limited_english"].sum() / counts["total"].sum()
    np.testing.assert_allclose(lsoas.loc[share.index, "lq_limited_english_england"],
                               share / 100 / england_share)
    figure = benchmark_of(benchmarks, "pct_limited_english", ENGLAND)
    assert figure["value"] == pytest.approx(100 * england_share)
    lads = area[area["level"] == "lad"].set_index("area_code")
    mockford = counts[counts["lad_code"] == "E07000999"]
    assert lads.loc["E07000999", "pct_limited_english"] == pytest.approx(
        100 * mockford["limited_english"].sum() / mockford["total"].sum())
    msoas = area[area["level"] == "msoa"]
    assert msoas["religion_entropy"].between(0, np.log(len(RELIGIONS))).all()


def test_absent_tables_leave_the_columns_empty_and_say_why():
    """The national mirror serves none of these tables: the build goes on without them."""
    area, _ = build_area_tables(census_inputs())
    assert area[TOPIC_COLUMNS].isna().all(axis=None)
    assert area.loc[area["level"] == "lad", "d_asian"].notna().all()
    reasons = reasons_by_column(area)
    why = reasons["lad d_*, isolation_* and residents_* of christian, muslim, hindu, sikh, "
                  "jewish, buddhist, other_religion, no_religion, religion_entropy_h"]
    assert "census2021_religion_lsoa" in why
    assert any("census2021_english_proficiency_msoa is not available" in r
               for r in reasons.values())


def test_only_msoa_counts_follow_the_builds_unit_and_an_old_header_is_named():
    """Counts by MSOA only, beside ethnic-group counts by LSOA: no district measure across
    another kind of small area; shares still come; a table lacking a category says so."""
    inputs = topic_inputs(levels=("msoa",))
    old = inputs.get("census2021_country_of_birth_msoa").drop(columns="british_overseas")
    inputs.tables["census2021_country_of_birth_msoa"] = old
    area, _ = build_area_tables(inputs)
    lads = area[area["level"] == "lad"]
    assert lads["d_muslim"].isna().all() and lads["pct_muslim"].notna().all()
    assert area.loc[area["level"] == "msoa", "lq_muslim"].notna().all()
    assert area["pct_born_outside_uk"].isna().all()
    reasons = " ".join(reasons_by_column(area).values())
    assert "['british_overseas']" in reasons and "no Census 2021 TS030 counts by LSOA" in reasons


def test_fixture_headers_parse_into_every_category_a_topic_needs():
    for table, topic_id in TABLES.items():
        topic = next(t for t in TOPICS if t.id == topic_id)
        leaves = pd.DataFrame([[5] * len(LEAVES[table])], columns=list(LEAVES[table]))
        frame = parse(table, topic_csv(table, {"E02000001": "City of London 001"}, leaves),
                      "msoa")
        counts = topic_counts(frame, topic)
        assert int(counts["total"].iloc[0]) == 5 * len(LEAVES[table])
        assert (counts[list(topic.group_ids)] > 0).all(axis=None)
