"""Drill-down counterparts of district measures, and what a bad link is told."""

from __future__ import annotations

from ui.view_links import finer_counterpart, link_problems

LSOA_IDS = {"lq_asian", "lq_black", "simpson_diversity", "imd_score", "imd_score_2019",
            "income_score"}


def test_a_district_measure_of_a_group_becomes_that_groups_location_quotient():
    for measure in ("d_asian", "isolation_asian", "d_asian_2011", "d_asian_change"):
        found = finer_counterpart(measure, LSOA_IDS)
        assert found is not None and found[0] == "lq_asian", measure
        assert "location quotient" in found[1]
    assert finer_counterpart("d_white_british", LSOA_IDS) is None  # not available


def test_diversity_and_deprivation_summaries_become_the_small_areas_own_figures():
    assert finer_counterpart("entropy_h", LSOA_IDS)[0] == "simpson_diversity"
    assert finer_counterpart("simpson_diversity_change", LSOA_IDS)[0] == "simpson_diversity"
    assert finer_counterpart("imd_avg_score", LSOA_IDS)[0] == "imd_score"
    assert finer_counterpart("imd_extent_2019_published", LSOA_IDS)[0] == "imd_score_2019"
    assert finer_counterpart("income_avg_score", LSOA_IDS)[0] == "income_score"
    assert finer_counterpart("population_2021", LSOA_IDS) is None


def test_a_link_is_told_each_thing_it_asked_for_and_did_not_get():
    asked = {"area": "E01999999", "level": "ward", "indicator": "nope", "region": None}
    shown = {"area": None, "level": "lad", "indicator": "imd_avg_score", "region": None}
    said = link_problems(asked, shown, {"level": "districts", "indicator": "IMD average"})
    assert len(said) == 3
    assert "E01999999" in said[0] and "ward" in said[1] and "IMD average" in said[2]
    assert link_problems(shown, shown, {"level": "districts", "indicator": "x"}) == []
