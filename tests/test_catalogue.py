"""The indicator catalogue: complete, plain-English, consistent with the data sources."""

from __future__ import annotations

import pytest

from data_sources.registry import DATASETS
from indicators.catalogue import (
    CATALOGUE,
    DICTIONARY_COLUMNS,
    IDENTIFIERS,
    LEVELS,
    THEMES,
    data_dictionary,
    get_indicator,
    indicators_for,
)
from indicators.joined import build_area_indicators, build_area_months
from tests.test_joined import report_aggregate, tiny_inputs

SPECS = {spec.id: spec for spec in DATASETS}


def test_entries_are_complete_and_valid():
    for entry in CATALOGUE.values():
        assert entry.polarity in ("higher_worse", "higher_better", "neutral"), entry.id
        assert set(entry.levels) <= set(LEVELS) and entry.levels, entry.id
        assert entry.theme in THEMES and entry.table in ("area", "month"), entry.id
        assert entry.label and entry.unit and entry.vintage and entry.licence, entry.id
        assert entry.definition.endswith((".", ")")) and len(entry.definition) > 30, entry.id


def test_every_id_has_its_own_label_and_definition():
    labels = [e.label for e in CATALOGUE.values()]
    definitions = [e.definition for e in CATALOGUE.values()]
    assert len(set(labels)) == len(labels)
    assert len(set(definitions)) == len(definitions)


def test_sources_are_cached_datasets_with_the_same_attribution():
    for entry in CATALOGUE.values():
        if entry.theme == "reports":
            continue
        for dataset in entry.source:
            assert dataset in SPECS, (entry.id, dataset)
        data = [SPECS[d] for d in entry.source if not d.startswith("lookup_")]
        if data and entry.theme not in ("identifier", "police"):
            assert entry.attribution in {s.attribution for s in data}, entry.id


@pytest.mark.parametrize("family", ["d_{g}", "isolation_{g}", "d_{g}_2011", "d_{g}_change",
                                    "lq_{g}", "lq_{g}_england"])
def test_families_cover_every_group(family):
    for group in ("white_british", "white", "asian", "black", "mixed", "other"):
        assert family.format(g=group) in CATALOGUE


def test_levels_and_tables():
    lad = {e.id for e in indicators_for("lad")}
    lsoa = {e.id for e in indicators_for("lsoa")}
    assert {"d_asian", "entropy_h_change", "imd_avg_score", "imd_extent_2019_published",
            "simpson_diversity", "population_2021"} <= lad
    assert {"imd_score", "imd_decile_2019", "lq_black", "asb_per_10k"} <= lsoa
    assert "d_asian" not in lsoa and "reports_total" not in lad
    assert "reports_total" in {e.id for e in indicators_for("msoa", table="month")}
    assert not set(IDENTIFIERS) & lad
    with pytest.raises(ValueError, match="unknown level"):
        indicators_for("ward")


def test_polarity_follows_the_meaning():
    assert get_indicator("imd_score").polarity == "higher_worse"
    assert get_indicator("imd_rank").polarity == "higher_better"  # rank 1 most deprived
    assert get_indicator("imd_avg_rank").polarity == "higher_worse"  # File 10 reverses ranks
    assert get_indicator("d_black").polarity == "higher_worse"


def test_data_dictionary_covers_identifiers_and_variants():
    columns = ["area_code", "area_name", "level", "lad_code", "region_code", "population_2021",
               "seg_unit", "d_asian", "d_asian_2011", "d_asian_change", "imd_score_2019"]
    dictionary = data_dictionary(columns)
    assert list(dictionary.columns) == DICTIONARY_COLUMNS
    assert dictionary["column"].tolist() == columns
    row = dictionary.set_index("column").loc["imd_score_2019"]
    assert row["vintage"] == "IoD 2019 mapped to LSOA 2021"
    assert row["source"] == "iod2019_lsoa, lookup_lsoa11_lsoa21"
    assert dictionary["definition"].str.len().gt(20).all()


def test_unknown_column_fails_with_close_ids():
    with pytest.raises(KeyError, match="d_asian"):
        data_dictionary(["area_code", "d_asain"])


def test_every_joined_column_has_a_catalogue_entry():
    inputs = tiny_inputs()
    for table in (build_area_indicators(inputs), build_area_months(inputs, report_aggregate())):
        undocumented = [c for c in table.columns if c not in CATALOGUE]
        assert undocumented == []
        assert len(data_dictionary(table.columns)) == len(table.columns)
