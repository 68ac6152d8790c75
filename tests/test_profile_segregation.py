"""The Area profile's segregation against random placement: table, sentences, marks, and
the same in the PDF and the HTML export."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from pypdf import PdfReader

from indicators.profile import RANDOM_MARK, build_profile, comparison_table
from indicators.profile_export import render_html, render_pdf
from indicators.profile_segregation import random_placement_display

N = 12


def districts() -> pd.DataFrame:
    """Invented districts; the first has 76 Black residents spread about at random."""
    rows = pd.DataFrame({
        "area_code": [f"E0700{i:04d}" for i in range(N)],
        "area_name": ["Mockford"] + [f"District {i}" for i in range(1, N)],
        "level": "lad", "lad_code": [f"E0700{i:04d}" for i in range(N)],
        "region_code": "E12000009", "seg_unit": "msoa",
        "population_2021": [68_000 + 1000 * i for i in range(N)],
        "d_black": [0.156] + [0.2 + 0.01 * i for i in range(1, N)],
        "d_asian": [0.144] + [0.3] * (N - 1),
        "isolation_black": [0.0012] + [0.05] * (N - 1),
        "residents_black": [76] + [5000] * (N - 1), "residents_asian": [358] + [9000] * (N - 1),
    })
    for group, expected, low, high in (("black", 0.128, 0.067, 0.2), ("asian", 0.06, 0.04,
                                                                       0.093)):
        rows[f"d_{group}_expected"] = [expected] + [0.02] * (N - 1)
        rows[f"d_{group}_low"] = [low] + [0.01] * (N - 1)
        rows[f"d_{group}_high"] = [high] + [0.03] * (N - 1)
        rows[f"d_{group}_random"] = pd.array([low <= rows.loc[0, f"d_{group}"] <= high]
                                             + [False] * (N - 1), dtype="boolean")
    rows["isolation_black_expected"] = [0.00123] + [0.04] * (N - 1)
    rows["isolation_black_low"] = [0.00115] + [0.039] * (N - 1)
    rows["isolation_black_high"] = [0.00137] + [0.041] * (N - 1)
    rows["isolation_black_random"] = pd.array([True] + [False] * (N - 1), dtype="boolean")
    return rows


@pytest.fixture(scope="module")
def profile():
    return build_profile(districts(), "E07000000", {"E12000009": "South West"})


def test_table_of_values_against_random_placement(profile):
    shown = random_placement_display(profile.random_placement).set_index(["Group", "Measure"])
    black = shown.loc[("Black", "Dissimilarity (D)")]
    assert (black["Residents"], black["Value"], black["If spread at random"],
            black["95% range if random"]) == ("76", "0.156", "0.128", "0.067–0.200")
    assert black["Against random placement"] == ("not clearly different from random; small "
                                                 "group (76 residents)")
    asian = shown.loc[("Asian", "Dissimilarity (D)")]
    assert asian["Against random placement"] == ("higher than random placement gives; small "
                                                 "group (358 residents)")
    # isolation of a small group: more decimals, so the range does not read 0.001–0.001
    isolation = shown.loc[("Black", "Isolation")]
    assert (isolation["Value"], isolation["95% range if random"]) == ("0.0012", "0.0011–0.0014")


def test_key_indicators_mark_random_values_and_name_the_small_areas(profile):
    table = comparison_table(profile).set_index("Indicator")
    assert table.loc["Dissimilarity, Black", "Mockford"] == "0.156" + RANDOM_MARK
    assert table.loc["Dissimilarity, Asian", "Mockford"] == "0.144"
    assert table.loc["Dissimilarity, Black", "Vintage"] == "Census 2021, across MSOAs"
    assert table.loc["Residents (Census 2021)", "Vintage"] == "Census 2021"


def test_sentences_do_not_call_a_random_spread_uneven(profile):
    text = " ".join(profile.sentences)
    assert "Of the ethnic groups, Asian residents are the most unevenly spread" in text
    assert ("Black residents of Mockford, index of dissimilarity 0.156: Not clearly different "
            "from a random spread: random placement of the same people gives 0.128 (95% "
            "range 0.067–0.200). Small group (76 Black residents, fewer than 500)") in text


def test_pdf_and_html_show_the_table(profile):
    text = " ".join(page.extract_text() for page in
                    PdfReader(io.BytesIO(render_pdf(profile, [], []))).pages)
    flat = " ".join(text.split())
    assert "Segregation against random placement" in flat
    assert "placed at random across the district's MSOAs" in flat
    assert "0.067–0.200" in flat and "not clearly different from random" in flat
    page = render_html(profile, [], [])
    assert "<h2>Segregation against random placement</h2>" in page
    assert "<td>0.128</td>" in page


def test_small_areas_have_no_such_table():
    rows = districts().assign(level="lsoa")
    assert build_profile(rows, "E07000001").random_placement.empty
