"""The area profile as data (indicators.profile) and its PDF / HTML exports."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators.benchmarks import compute_benchmarks
from indicators.profile import (
    build_profile,
    comparison_table,
    compose_sentences,
    decile_of,
    find_similar,
)
from indicators.profile_export import Source, render_charts, render_html, render_pdf


def districts(n: int = 20) -> pd.DataFrame:
    """n invented districts in two regions; the first is named with accents."""
    return pd.DataFrame({
        "area_code": [f"E0600{i:04d}" for i in range(n)],
        "area_name": ["Ménage-sur-Łódź"] + [f"District {i}" for i in range(1, n)],
        "level": "lad", "lad_code": [f"E0600{i:04d}" for i in range(n)],
        "region_code": ["E12000001" if i % 2 == 0 else "E12000002" for i in range(n)],
        "population_2021": [100_000 + 1000 * i for i in range(n)],
        "imd_avg_score": [40.0 - i for i in range(n)],
        "simpson_diversity": [0.1 + 0.03 * i for i in range(n)],
        "d_asian": [0.5 - 0.01 * i for i in range(n)],
        "public_order_per_10k": [50.0] + [None] * (n - 1),
        "public_order_per_10k_lower": [45.7] + [None] * (n - 1),
        "public_order_per_10k_upper": [54.6] + [None] * (n - 1),
        "public_order_per_10k_vs_england": ["Similar"] + [None] * (n - 1),
        "police_period": ["2021-11 to 2022-10"] + [None] * (n - 1),
    })


def benchmarks() -> pd.DataFrame:
    """Region and England figures as the build computes them (indicators.benchmarks)."""
    rows = districts().assign(level="lad", public_order_count=[500] + [None] * 19,
                              police_period="2021-11 to 2022-10")
    return compute_benchmarks(rows, pd.DataFrame(index=["E12000001", "E92000001"]),
                              pd.DataFrame({"region_code": ["E12000001", "E12000002"],
                                            "region_name": ["North East", "North West"]}))


def test_rank_decile_region_and_england():
    profile = build_profile(districts(), "E06000000", {"E12000001": "North East"},
                            benchmarks=benchmarks())
    table = profile.indicators.set_index("id")
    assert table.loc["imd_avg_score", "rank"] == 1 and table.loc["imd_avg_score", "of"] == 20
    assert table.loc["imd_avg_score", "decile"] == 1
    assert table.loc["population_2021", "england"] == sum(100_000 + 1000 * i for i in range(20))
    # one district of 20 has police data: no rank; England is that district, and says so
    assert pd.isna(table.loc["public_order_per_10k", "rank"])
    assert "only 1 of 20" in table.loc["public_order_per_10k", "coverage"]
    assert table.loc["public_order_per_10k", "england_note"] == (
        "the 1 of 20 districts with police data")
    assert table.loc["public_order_per_10k", "england"] == pytest.approx(50.0)
    assert table.loc["public_order_per_10k", "period"] == "2021-11 to 2022-10"
    shown = comparison_table(profile).set_index("Indicator")
    row = shown.loc["Public-order offences per 10,000 residents a year (2021-11 to 2022-10)"]
    assert row["England"] == "50.0 (the 1 of 20 districts with police data)"
    assert row["95% CI"] == "45.7 to 54.6"
    assert row["Compared with England"] == "Similar"
    assert profile.region_name == "North East"
    assert decile_of(31, 309) == 2 and decile_of(309, 309) == 10


def test_similar_areas_are_nearest_on_standardised_features():
    similar = find_similar(districts(), "E06000005", k=2)
    assert set(similar["area_code"]) == {"E06000004", "E06000006"}
    rows = districts()
    rows.loc[0, "simpson_diversity"] = None
    assert find_similar(rows, "E06000000").empty


def test_sentences_only_from_real_values():
    profile = build_profile(districts(), "E06000000")
    text = " ".join(profile.sentences)
    assert "among the 10% most deprived districts in England (rank 1 of 20" in text
    assert ("Police recorded 50.0 public-order offences per 10,000 residents a year in "
            "Ménage-sur-Łódź over 2021-11 to 2022-10 (95% CI 45.7 to 54.6)") in text
    empty = profile.indicators.assign(value=None)
    assert compose_sentences("X", "lad", empty) == []


@pytest.fixture
def exported():
    profile = build_profile(districts(), "E06000000", {"E12000001": "North East"})
    sources = [Source("census2021_ethnicity_lad", "Census <TS021>", "Census 2021", "OGL",
                      "ONS.", "2026-01-01T00:00:00Z")]
    return profile, sources, render_charts(profile)


def test_pdf_renders_non_latin1(exported):
    pdf = render_pdf(*exported)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_html_is_self_contained_and_escaped(exported):
    page = render_html(*exported)
    assert "Ménage-sur-Łódź" in page and "data:image/png;base64," in page
    assert "Census &lt;TS021&gt;" in page and "<TS021>" not in page


def test_city_of_london_rates_carry_the_residents_note():
    """Issue 12, case 8: the City's 500 offences per 10,000 residents rest on 8,584
    residents and several hundred thousand workers; the note says so beside the rate."""
    from indicators.denominators import compute_denominator_flags

    areas = pd.DataFrame({"area_code": ["E09000001", "E02000001", "E01000001", "E06000016"],
                          "lad_code": ["E09000001"] * 3 + ["E06000016"]})
    flags = compute_denominator_flags(areas)
    assert flags.iloc[:3].str.startswith("City of London: about 360,000 people").all()
    assert pd.isna(flags.iloc[3])
    rows = districts().assign(denominator_flag=[flags.iloc[0]] + [None] * 19)
    profile = build_profile(rows, "E06000000", benchmarks=benchmarks())
    police = comparison_table(profile).set_index("Indicator").filter(like="Public-order",
                                                                     axis=0).iloc[0]
    assert police["Note"].startswith("City of London")
    assert "Note: City of London" in " ".join(profile.sentences)
    shown = comparison_table(profile).set_index("Indicator")
    assert shown.loc["Residents (Census 2021)", "Note"] == ""
