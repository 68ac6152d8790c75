"""The joined dataset built from tiny hand-made tables, and from the national mirror.

Two districts, four MSOAs and eight LSOAs, with invented counts: every column family is
checked against a direct computation written out here, as are the MSOA fallback of the
segregation measures, NA with reasons, police rates and report suppression.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from data_sources.cache import Cache, Provenance
from indicators.benchmarks import BENCHMARK_TABLE, coverage_label
from indicators.catalogue import CATALOGUE
from indicators.joined import (
    AREA_TABLE,
    MONTH_TABLE,
    Inputs,
    build_area_indicators,
    build_area_months,
    build_area_tables,
    build_joined,
    reasons_by_column,
)
from indicators.segregation import DETAILED_2011, DETAILED_2021, GROUPS

LADS = {"E06000001": "Townley", "E06000002": "Riverford"}
MSOAS = {"E02000001": "E06000001", "E02000002": "E06000001",
         "E02000003": "E06000002", "E02000004": "E06000002"}
LSOAS = {f"E0100000{i}": f"E0200000{(i + 1) // 2}" for i in range(1, 9)}
BROAD = ("white", "mixed", "asian", "black", "other")
MONTHS = [f"{y}-{m:02d}" for y, m in [(2022, m) for m in range(1, 13)] + [(2023, 1), (2023, 2)]]


def _census(codes: list[str], detailed: tuple[str, ...], seed: int) -> pd.DataFrame:
    """Invented counts of each detailed group, with broad groups and totals that add up."""
    rng = np.random.default_rng(seed)
    counts = pd.DataFrame(rng.integers(0, 400, size=(len(codes), len(detailed))),
                          columns=list(detailed))
    for broad in BROAD:
        counts[broad] = counts[[c for c in detailed if c.startswith(broad)]].sum(axis=1)
    counts["total"] = counts[list(BROAD)].sum(axis=1)
    counts.insert(0, "area_name", [f"Area {c[-4:]}" for c in codes])
    counts.insert(0, "area_code", codes)
    return counts.astype({c: "Int64" for c in counts.columns[2:]})


def _sum_to(counts: pd.DataFrame, parents: dict[str, str]) -> pd.DataFrame:
    numbers = counts.drop(columns=["area_code", "area_name"])
    summed = numbers.groupby(counts["area_code"].map(parents)).sum().reset_index(names="area_code")
    summed.insert(1, "area_name", summed["area_code"])
    return summed


def _iod(codes: list[str], seed: int, lads: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(codes)
    score = rng.uniform(5, 60, n).round(3)
    return pd.DataFrame({
        "area_code": codes, "area_name": codes, "lad_code": lads, "lad_name": lads,
        "imd_score": score,
        "imd_rank": pd.array(rng.choice(np.arange(1, 32_000), n, replace=False), "Int64"),
        "imd_decile": pd.array(rng.integers(1, 11, n), "Int64"),
        "income_score": rng.uniform(0, 0.4, n).round(3),
        "income_rank": pd.array(rng.choice(np.arange(1, 32_000), n, replace=False), "Int64"),
        "income_decile": pd.array(rng.integers(1, 11, n), "Int64"),
        "pop_total": pd.array(rng.integers(1_000, 2_500, n), "Int64"),
    })


def _police() -> pd.DataFrame:
    rows = []
    for i, lsoa in enumerate(list(LSOAS)[:4]):
        for j, month in enumerate(MONTHS):
            for category, base in (("public-order", 1), ("anti-social-behaviour", 3)):
                missing = lsoa == "E01000001" and month == "2022-12"
                rows.append({"lsoa21_code": lsoa, "month": month, "category": category,
                             "count": pd.NA if missing else base + i + j % 3,
                             "lad_code": "E06000001"})
    return pd.DataFrame(rows).astype({"count": "Int64"})


def agreement(lsoa: float, msoa: float, lad: float) -> pd.DataFrame:
    """A police_placement_agreement table as `police-agreement` stores it."""
    return pd.DataFrame({"level": ["lsoa", "msoa", "lad"], "crimes": 1000,
                         "agreeing": [round(1000 * s) for s in (lsoa, msoa, lad)],
                         "share": [lsoa, msoa, lad], "cells": [100, pd.NA, pd.NA],
                         "cells_differing": [1, pd.NA, pd.NA],
                         "boundaries": "Lower_layer_Super_Output_Areas_December_2021_"
                                       "Boundaries_EW_BGC_V5",
                         "resolution": "BGC, generalised (20 m), clipped",
                         "months": "2022-01 to 2022-12", "files": 12})


def tiny_inputs() -> Inputs:
    """Every input table for two districts, four MSOAs and eight LSOAs (invented values)."""
    lsoa21 = list(LSOAS)
    census21 = _census(lsoa21, DETAILED_2021, seed=1)
    lsoa11 = [*lsoa21, "E01000009"]
    census11 = _census(lsoa11, DETAILED_2011, seed=2)
    change = ["U"] * 7 + ["M", "M"]
    lookup11 = pd.DataFrame({
        "lsoa11_code": lsoa11, "lsoa11_name": lsoa11, "lsoa21_code": [*lsoa21, "E01000008"],
        "lsoa21_name": [*lsoa21, "E01000008"], "change": change,
        "lad22_code": [MSOAS[LSOAS[c]] for c in [*lsoa21, "E01000008"]], "lad22_name": "x"})
    lookup = pd.DataFrame({
        "lsoa21_code": lsoa21, "lsoa21_name": [f"LSOA {c[-1]}" for c in lsoa21],
        "msoa21_code": [LSOAS[c] for c in lsoa21], "msoa21_name": [f"MSOA {LSOAS[c][-1]}"
                                                                   for c in lsoa21],
        "lad22_code": [MSOAS[LSOAS[c]] for c in lsoa21],
        "lad22_name": [LADS[MSOAS[LSOAS[c]]] for c in lsoa21]})
    regions = pd.DataFrame({"lad22_code": list(LADS), "lad22_name": list(LADS.values()),
                            "region_code": "E12000001", "region_name": "North East"})
    iod19 = _iod(lsoa11, seed=3, lads=["E06000001"] * 4 + ["E06000099"] * 5)
    iod25 = _iod(lsoa21, seed=4, lads=[MSOAS[LSOAS[c]] for c in lsoa21])
    published = pd.DataFrame({"lad_code": ["E06000001", "E06000099"],
                              "lad_name": ["Townley", "Old Riverford"],
                              "imd_avg_score": [31.5, 20.25], "imd_avg_rank": [20_000.5, 9_000.0],
                              "imd_prop_most_deprived_10": [0.25, 0.0],
                              "imd_extent": [0.3, 0.0], "imd_local_concentration": [25_000.0, 1.0]})
    tables = {
        "lookup_lsoa21_msoa21_lad22": lookup.astype("string"),
        "lookup_lad22_region": regions.astype("string"),
        "lookup_lsoa11_lsoa21": lookup11.astype("string"),
        "census2021_ethnicity_lsoa": census21,
        "census2021_ethnicity_msoa": _sum_to(census21, LSOAS),
        "census2021_ethnicity_lad": _sum_to(census21, {c: MSOAS[m] for c, m in LSOAS.items()}),
        "census2011_ethnicity_lsoa": census11,
        "iod2019_lsoa": iod19, "iod2025_lsoa": iod25, "iod2019_lad_summary": published,
        "police_lsoa_month": _police(),
        "police_placement_agreement": agreement(0.995, 0.998, 1.0),
    }
    return Inputs(tables=tables, missing={"iod2025_lad_summary": "HTTP 404 at the mirror"})


def without(inputs: Inputs, *datasets: str) -> Inputs:
    tables = {k: v for k, v in inputs.tables.items() if k not in datasets}
    return Inputs(tables, {**inputs.missing, **{d: "not fetched" for d in datasets}})


def dissimilarity(g: np.ndarray, t: np.ndarray) -> float:
    """D written out directly: ½ Σ |gᵢ/G − (tᵢ−gᵢ)/(T−G)|."""
    return 0.5 * np.abs(g / g.sum() - (t - g) / (t.sum() - g.sum())).sum()


def by_code(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("area_code")


@pytest.fixture(scope="module")
def inputs() -> Inputs:
    return tiny_inputs()


@pytest.fixture(scope="module")
def area(inputs) -> pd.DataFrame:
    return build_area_indicators(inputs)


def test_one_row_per_area_with_keys(area):
    assert area["level"].value_counts().to_dict() == {"lsoa": 8, "msoa": 4, "lad": 2}
    assert area["area_code"].is_unique
    rows = by_code(area)
    assert rows.loc["E01000003", ["lad_code", "region_code"]].tolist() == ["E06000001",
                                                                         "E12000001"]
    assert rows.loc["E06000002", "area_name"] == "Riverford"
    assert list(area.columns[:9]) == ["area_code", "area_name", "level", "lad_code",
                                      "region_code", "local_name", "ward_name",
                                      "population_2021", "seg_unit"]


def test_every_column_is_in_the_catalogue_with_its_type(area, inputs):
    months = build_area_months(inputs)
    for table in (area, months):
        assert [c for c in table.columns if c not in CATALOGUE] == []
    assert area["imd_rank"].dtype == "Int64" and area["d_asian"].dtype == "Float64"
    assert area["seg_unit"].dtype == "string"


def test_population_from_census_totals(area, inputs):
    rows = by_code(area)["population_2021"]
    lsoa = inputs.get("census2021_ethnicity_lsoa").set_index("area_code")["total"]
    assert rows["E01000005"] == lsoa["E01000005"]
    assert rows["E02000001"] == lsoa[["E01000001", "E01000002"]].sum()
    assert rows["E06000002"] == lsoa[list(LSOAS)[4:]].sum()


def test_population_falls_back_and_says_why(inputs):
    table = build_area_indicators(without(inputs, "census2021_ethnicity_lsoa",
                                          "census2021_ethnicity_lad"))
    rows = by_code(table)["population_2021"]
    msoa = inputs.get("census2021_ethnicity_msoa").set_index("area_code")["total"]
    assert rows["E06000001"] == msoa[["E02000001", "E02000002"]].sum()
    assert rows[table["level"].eq("lsoa").to_numpy()].isna().all()
    reasons = reasons_by_column(table)
    assert "census2021_ethnicity_lsoa is not available (not fetched)" in reasons[
        "lsoa population_2021 and rates per 10,000"]
    assert any("sum of the Census 2021 msoa totals" in n for n in table.attrs["notes"])


@pytest.mark.parametrize("group", GROUPS)
def test_segregation_across_lsoas(area, inputs, group):
    counts = inputs.get("census2021_ethnicity_lsoa").set_index("area_code")
    lsoas = list(LSOAS)[:4]
    g, t = (counts.loc[lsoas, c].to_numpy(float) for c in (group, "total"))
    row = by_code(area).loc["E06000001"]
    assert row["seg_unit"] == "lsoa"
    assert row[f"d_{group}"] == pytest.approx(dissimilarity(g, t), abs=1e-12)
    assert row[f"isolation_{group}"] == pytest.approx((g / g.sum() * g / t).sum(), abs=1e-12)


def test_segregation_falls_back_to_msoas(inputs):
    table = by_code(build_area_indicators(without(inputs, "census2021_ethnicity_lsoa")))
    counts = inputs.get("census2021_ethnicity_msoa").set_index("area_code")
    g, t = (counts.loc[["E02000003", "E02000004"], c].to_numpy(float) for c in ("black", "total"))
    assert table.loc["E06000002", "seg_unit"] == "msoa"
    assert table.loc["E06000002", "d_black"] == pytest.approx(dissimilarity(g, t), abs=1e-12)
    # 2011 values are only given on the same kind of small area (no 2011 MSOA counts here)
    assert table.loc["E06000002", ["d_black_2011", "d_black_change"]].isna().all()
    assert table.loc["E01000001", ["simpson_diversity", "lq_asian"]].isna().all()


def test_2011_values_and_change(area, inputs):
    counts = inputs.get("census2011_ethnicity_lsoa").set_index("area_code")
    lsoas = ["E01000005", "E01000006", "E01000007", "E01000008", "E01000009"]  # 2011 areas
    g, t = (counts.loc[lsoas, c].to_numpy(float) for c in ("asian", "total"))
    row = by_code(area).loc["E06000002"]
    assert row["d_asian_2011"] == pytest.approx(dissimilarity(g, t), abs=1e-12)
    assert row["d_asian_change"] == pytest.approx(row["d_asian"] - row["d_asian_2011"])
    assert row["simpson_diversity_change"] == pytest.approx(
        row["simpson_diversity"] - row["simpson_diversity_2011"])


def test_small_area_diversity_and_location_quotients(area, inputs):
    counts = inputs.get("census2021_ethnicity_lsoa").set_index("area_code")
    share = counts.loc["E01000002", list(DETAILED_2021)].to_numpy(float)
    share = share / share.sum()
    rows = by_code(area)
    assert rows.loc["E01000002", "simpson_diversity"] == pytest.approx(1 - (share ** 2).sum())
    lad = counts.loc[list(LSOAS)[:4]]
    expected = (counts.loc["E01000002", "white"] / counts.loc["E01000002", "total"]) / (
        lad["white"].sum() / lad["total"].sum())
    assert rows.loc["E01000002", "lq_white"] == pytest.approx(expected)
    assert rows.loc[["E06000001", "E02000001"], "lq_white"].isna().tolist() == [True, False]


def test_deprivation_of_lsoas_2025_and_2019_mapped(area, inputs):
    rows = by_code(area)
    iod25 = inputs.get("iod2025_lsoa").set_index("area_code")
    iod19 = inputs.get("iod2019_lsoa").set_index("area_code")
    assert rows.loc["E01000003", "imd_score"] == pytest.approx(iod25.loc["E01000003", "imd_score"])
    assert rows.loc["E01000003", "imd_rank_2019"] == iod19.loc["E01000003", "imd_rank"]
    merged = iod19.loc[["E01000008", "E01000009"]]
    weighted = (merged["imd_score"] * merged["pop_total"]).sum() / merged["pop_total"].sum()
    assert rows.loc["E01000008", "imd_score_2019"] == pytest.approx(weighted)
    assert rows.loc["E01000008", "iod2019_fit"] == "merged"
    assert rows.loc["E01000008", "iod2019_lsoa11_codes"] == "E01000008;E01000009"
    assert "this copy of iod2025_lsoa does not hold these columns" in reasons_by_column(area)[
        "lsoa employment_score, employment_rank, employment_decile, education_score, "
        "education_rank, education_decile, health_score, health_rank, health_decile, "
        "crime_score, crime_rank, crime_decile, barriers_score, barriers_rank, "
        "barriers_decile, living_environment_score, living_environment_rank, "
        "living_environment_decile, idaci_score, idaci_rank, idaci_decile, idaopi_score, "
        "idaopi_rank, idaopi_decile"]


def test_deprivation_summaries_computed_and_published(area, inputs):
    rows = by_code(area)
    iod25 = inputs.get("iod2025_lsoa").set_index("area_code").loc[["E01000001", "E01000002"]]
    expected = (iod25["imd_score"] * iod25["pop_total"]).sum() / iod25["pop_total"].sum()
    assert rows.loc["E02000001", "imd_avg_score"] == pytest.approx(expected)
    # IoD 2019 districts from the native 2011 LSOAs (Riverford has five, one merged in 2021)
    iod19 = inputs.get("iod2019_lsoa").set_index("area_code").iloc[4:]
    expected = (iod19["imd_score"] * iod19["pop_total"]).sum() / iod19["pop_total"].sum()
    assert rows.loc["E06000002", "imd_avg_score_2019"] == pytest.approx(expected)
    assert rows.loc["E06000001", "imd_avg_score_2019_published"] == 31.5
    assert pd.isna(rows.loc["E06000002", "imd_avg_score_2019_published"])  # code changed
    assert rows.loc["E06000001", "imd_pct_most_deprived_10_2019_published"] == 0.25
    assert rows.loc["E06000001", "imd_avg_score_published"] is pd.NA
    assert "HTTP 404 at the mirror" in reasons_by_column(area)[
        "lad IMD summaries as published (IoD 2025)"]
    assert rows.loc["E01000001", ["imd_avg_score", "imd_avg_score_2019"]].isna().all()


def test_police_counts_and_rates_over_latest_12_months_with_data(area, inputs):
    rows = by_code(area)
    police = inputs.get("police_lsoa_month")
    order = police[police["category"] == "public-order"].set_index(["lsoa21_code", "month"])
    lsoa2 = order.loc["E01000002", "count"].loc[MONTHS[2:]].sum()
    assert rows.loc["E01000002", "public_order_count"] == lsoa2
    assert rows.loc["E01000002", "police_period"] == "2022-03 to 2023-02"
    population = rows.loc["E01000002", "population_2021"]
    assert rows.loc["E01000002", "public_order_per_10k"] == pytest.approx(
        lsoa2 / population * 10_000)
    lower, upper = (rows.loc["E01000002", f"public_order_per_10k_{e}"] for e in ("lower", "upper"))
    assert lower < rows.loc["E01000002", "public_order_per_10k"] < upper
    # 2022-12 is missing for LSOA 1, so its MSOA and district have 11 of the 12 months:
    # their counts cover those 11, and no annual rate is made up from them
    msoa_months = [m for m in MONTHS[2:] if m != "2022-12"]
    msoa = order.loc[["E01000001", "E01000002"], "count"]
    expected = msoa[msoa.index.get_level_values("month").isin(msoa_months)].sum()
    assert rows.loc["E02000001", "public_order_count"] == expected
    assert rows.loc["E02000001", "police_months"] == 11
    assert rows.loc["E02000001", "police_period"] == "2022-03 to 2023-02"
    assert pd.isna(rows.loc["E02000001", "public_order_per_10k"])
    assert pd.isna(rows.loc["E02000001", "public_order_per_10k_upper"])
    assert rows.loc[["E06000002", "E01000005"], "asb_per_10k"].isna().all()
    reasons = reasons_by_column(area)
    assert "E06000001 only" in reasons[
        "public_order*, asb* and police_* (police counts and rates) of other areas"]
    short = next(k for k in reasons if k.startswith("public_order_per_10k*, asb_per_10k* of"))
    assert "E02000001" in short and "never scaled up" in reasons[short]


def test_a_part_year_is_never_called_annual(inputs):
    """Issue 12, case 3: four months of police data used to be scaled up to a year."""
    police = inputs.get("police_lsoa_month")
    four = police[police["month"].isin(MONTHS[-4:])].reset_index(drop=True)
    rows = by_code(build_area_indicators(Inputs({**inputs.tables, "police_lsoa_month": four})))
    assert rows.loc["E01000002", "police_months"] == 4
    assert rows.loc["E01000002", "police_period"] == "2022-03 to 2023-02"
    part = four[(four["lsoa21_code"] == "E01000002") & (four["category"] == "public-order")]
    assert rows.loc["E01000002", "public_order_count"] == part["count"].sum()
    assert pd.isna(rows.loc["E01000002", "public_order_per_10k"])
    assert "public_order_12m" not in rows.columns
    assert CATALOGUE["public_order_per_10k"].unit == "per 10,000 residents a year"


def test_benchmarks_count_only_areas_with_data_and_comparisons_follow(inputs):
    """Issue 12, case 2: England's police rate is that of the districts with data, saying so."""
    area, benchmarks = build_area_tables(inputs)
    england = benchmarks[(benchmarks["area_code"] == "E92000001")
                         & (benchmarks["indicator"] == "public_order_per_10k")].iloc[0]
    assert (england["areas_with_data"], england["areas_total"]) == (0, 2)
    assert pd.isna(england["value"])  # Townley has 11 months only: no district qualifies
    assert coverage_label(england) == "the 0 of 2 districts with police data"
    rows = by_code(area)
    assert pd.isna(rows.loc["E01000002", "public_order_per_10k_vs_england"])
    share = benchmarks[(benchmarks["indicator"] == "imd_pct_most_deprived_10")
                       & (benchmarks["area_code"] == "E92000001")]
    assert len(share) == 1


@pytest.mark.parametrize(("shares", "levels"), [
    (None, {"lad"}),  # never checked: districts only
    ((0.841, 0.95, 0.9967), {"lad"}),  # super-generalised boundaries, as on the mirror
    ((0.97, 0.992, 1.0), {"msoa", "lad"}),
])
def test_police_figures_only_where_placement_agrees_with_police_uk(inputs, shares, levels):
    """Issue 12, case 4: crimes placed in super-generalised LSOAs disagree with police.uk's
    own LSOA code for a sixth of crimes; LSOA figures then are not published."""
    tables = dict(inputs.tables)
    if shares is None:
        del tables["police_placement_agreement"]
    else:
        tables["police_placement_agreement"] = agreement(*shares)
    area = build_area_indicators(Inputs(tables))
    counted = set(area.loc[area["public_order_count"].notna(), "level"])
    assert counted == levels
    months = build_area_months(Inputs(tables))
    assert set(months.loc[months["public_order"].notna(), "level"]) == levels
    withheld = [lv for lv in ("lsoa", "msoa") if lv not in levels]
    reason = reasons_by_column(area)[f"{' and '.join(withheld)} public_order*, asb* and "
                                     "police_* (police counts and rates)"]
    assert ("not been checked" in reason if shares is None
            else "84.1% at LSOA level" in reason or "97.0% at LSOA level" in reason)


def test_months_sum_up_and_keep_missing_months(inputs):
    months = build_area_months(inputs)
    rows = months.set_index(["area_code", "month"])
    assert set(months["level"]) == {"lsoa", "msoa", "lad"}
    assert len(months) == (4 + 2 + 1) * len(MONTHS)
    assert rows.loc[("E06000001", "2022-12"), "public_order"] is pd.NA
    lsoas = [rows.loc[(c, "2022-11"), "asb"] for c in list(LSOAS)[:4]]
    assert rows.loc[("E06000001", "2022-11"), "asb"] == sum(lsoas)
    population = by_code(build_area_indicators(inputs)).loc["E06000001", "population_2021"]
    assert rows.loc[("E06000001", "2022-11"), "asb_month_per_10k"] == pytest.approx(
        sum(lsoas) / population * 10_000)
    assert months["reports_total"].isna().all()


def report_aggregate() -> pd.DataFrame:
    """As reports.aggregate.public_table gives it (by all and by category), stacked."""
    rows = [
        ("E06000001", "lad", "2022-11", "all", 12, False),
        ("E06000001", "lad", "2022-11", "protest", 9, False),
        ("E06000001", "lad", "2022-11", "rumour", pd.NA, True),
        ("E02000001", "msoa", "2022-11", "all", pd.NA, True),
        ("E02000001", "msoa", "2022-11", "protest", pd.NA, True),
        ("E06000001", "lad", "2023-01", "all", 3, False),  # 1-4 but not flagged: still hidden
        ("E06000001", "lad", "2023-01", "dispute", 3, False),
    ]
    frame = pd.DataFrame(rows, columns=["area_code", "level", "period", "group", "count",
                                        "suppressed"])
    return frame.astype({"count": "Int64"})


def test_reports_keep_suppressed_counts_hidden(inputs):
    months = build_area_months(inputs, report_aggregate()).set_index(["area_code", "month"])
    lad = months.loc[("E06000001", "2022-11")]
    population = by_code(build_area_indicators(inputs)).loc["E06000001", "population_2021"]
    assert (lad["reports_total"], lad["reports_protest"]) == (12, 9)
    assert lad["reports_rumour"] is pd.NA and bool(lad["reports_suppressed"])
    assert lad["reports_hate_incident"] == 0  # absent from the aggregate: no reports
    assert lad["reports_per_10k"] == pytest.approx(12 / population * 10_000)
    msoa = months.loc[("E02000001", "2022-11")]
    assert msoa["reports_total"] is pd.NA and msoa["reports_per_10k"] is pd.NA
    small = months.loc[("E06000001", "2023-01")]
    assert small["reports_total"] is pd.NA and small["reports_dispute"] is pd.NA
    assert small["reports_per_10k"] is pd.NA and bool(small["reports_suppressed"])
    # no interval for a withheld count: its limits would give the count away
    for hidden in (msoa, small):
        assert hidden["reports_per_10k_lower"] is pd.NA
        assert hidden["reports_per_10k_upper"] is pd.NA
    assert lad["reports_per_10k_lower"] < lad["reports_per_10k"] < lad["reports_per_10k_upper"]
    quiet = months.loc[("E06000001", "2022-12")]  # inside the reports' months, no reports
    assert quiet["reports_total"] == 0 and not quiet["reports_suppressed"]
    assert months.loc[("E06000001", "2022-01"), "reports_total"] is pd.NA  # before reports
    # the MSOA total is never worked out from the district and its other MSOA
    assert months.loc[("E02000002", "2022-11"), "reports_total"] == 0


def test_build_joined_stores_both_tables_with_notes(tmp_path, inputs):
    cache = Cache(tmp_path)
    for dataset, frame in inputs.tables.items():
        cache.store_table(frame, Provenance(dataset, "test", dataset, "http://x/" + dataset,
                                            "v", "g", "OGL", "attr", sha256="ab" * 32))
    started = time.perf_counter()
    stored = build_joined(cache, reports=report_aggregate())
    assert time.perf_counter() - started < 30
    assert set(stored) == {AREA_TABLE, MONTH_TABLE, BENCHMARK_TABLE}
    area = cache.load_table(AREA_TABLE)
    assert len(area) == 14 and cache.provenance(AREA_TABLE).source == "derived"
    notes = cache.provenance(AREA_TABLE).notes
    assert f"input iod2025_lsoa: sha256 {'ab' * 32}, fetched at" in " ".join(notes)
    assert any(n.startswith("input census2011_ethnicity_msoa missing") for n in notes)
    assert any(n.startswith("NA: lad IMD summaries as published (IoD 2025)") for n in notes)
    assert any("built with the other joined tables in" in n for n in notes)
    months = cache.load_table(MONTH_TABLE)
    assert months.set_index(["area_code", "month"]).loc[("E06000001", "2022-11"),
                                                        "reports_total"] == 12


def test_missing_lookup_is_a_clear_error(inputs):
    with pytest.raises(ValueError, match="lookup_lad22_region"):
        build_area_indicators(without(inputs, "lookup_lad22_region"))


# ---------------------------------------------------------------- national, from the mirror
@pytest.mark.national
def test_national_build(national):
    national_cache = national.cache
    started = time.perf_counter()
    stored = build_joined(national_cache)
    seconds = time.perf_counter() - started
    print(f"joined dataset for England built in {seconds:.1f} s")
    area = national_cache.load_table(AREA_TABLE)
    assert area["level"].value_counts().to_dict() == {"lsoa": 33_755, "msoa": 6_856, "lad": 309}
    rows = by_code(area)
    for lad in ("E09000030", "E08000025"):
        d = rows.loc[lad, [f"d_{g}" for g in GROUPS]].astype(float)
        assert ((d > 0) & (d < 1)).all(), (lad, d)
    # the mirror has Census 2021 counts by MSOA only: MSOA units, no LSOA populations
    assert set(rows.loc[rows["level"] == "lad", "seg_unit"].dropna()) == {"msoa"}
    assert rows.loc[rows["level"] == "lsoa", "population_2021"].isna().all()
    # issue 12, case 5: computed IoD 2019 district averages reproduce File 10 for every
    # district whose code is unchanged, the four Hertfordshire districts included (East
    # Herts 002D and Welwyn Hatfield 014C used to count in Stevenage and St Albans)
    both = rows.dropna(subset=["imd_avg_score_2019_published"])
    gap = (both["imd_avg_score_2019"] - both["imd_avg_score_2019_published"]).abs()
    assert len(both) == 306
    assert gap.max() <= 0.001, gap.sort_values().tail()
    assert rows.loc["E07000243", "imd_avg_score_2019"] == pytest.approx(19.695, abs=0.001)
    assert stored[AREA_TABLE].rows == 40_920


def test_no_comparison_with_a_benchmark_that_is_the_area_s_own_district():
    from indicators.comparisons import compare_with_benchmarks

    table = pd.DataFrame({
        "area_code": ["E06000001", "E06000002", "E06000003", "E01000001"],
        "lad_code": [pd.NA, pd.NA, pd.NA, "E06000001"], "level": ["lad"] * 3 + ["lsoa"],
        "region_code": ["E12000001", "E12000002", "E12000002", "E12000001"],
        "public_order_per_10k": [50.0, 80.0, 120.0, 55.0],
        "public_order_per_10k_lower": [45.0, 75.0, 110.0, 40.0],
        "public_order_per_10k_upper": [55.0, 85.0, 130.0, 70.0]})
    benchmarks = pd.DataFrame({"area_code": ["E12000001", "E12000002", "E92000001"],
                               "indicator": "public_order_per_10k",
                               "value": [50.0, 100.0, 90.0]})
    rows = compare_with_benchmarks(table, benchmarks).set_index("area_code")
    assert rows["public_order_per_10k_vs_region"].isna()[["E06000001", "E01000001"]].all()
    assert rows.loc["E06000002", "public_order_per_10k_vs_region"] == "Significantly lower"
    assert rows.loc["E06000003", "public_order_per_10k_vs_region"] == "Significantly higher"
    assert rows.loc["E06000001", "public_order_per_10k_vs_england"] == "Significantly lower"
    assert rows.loc["E01000001", "public_order_per_10k_vs_england"] == "Significantly lower"
