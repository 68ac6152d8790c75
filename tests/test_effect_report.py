"""An activity's effect section: its measures, tables and the bid PDF's section, on the
invented England of tests/fixtures/service_areas.py (INVENTED DATA, not real)."""

from __future__ import annotations

import io
from functools import partial

import pandas as pd
import pytest
from pypdf import PdfReader

from indicators.custom_area import (
    CustomArea,
    build_custom_profile,
    compute_custom_row,
    sum_lsoa_months,
)
from indicators.effect_export import SECTION, render_effect_charts, write_effect_section
from indicators.effect_report import build_effect, estimates_table, series_table
from indicators.profile_export import render_pdf
from tests.fixtures import service_areas as invented

START = "2024-07"


@pytest.fixture(scope="module")
def setting():
    rows = invented.joined_rows()
    lsoas = rows[rows["level"] == "lsoa"].reset_index(drop=True)
    msoas = rows[rows["level"] == "msoa"].reset_index(drop=True)
    area = CustomArea("SA-9", "Eastgate Bridges' area", tuple(lsoas["area_code"][16:22]))
    row = compute_custom_row(area, "msoa", lsoas, invented.census_lsoa())
    profile = build_custom_profile(row, msoas, invented.REGIONS, k=4)
    similar = profile.similar  # has population_2021, a matching feature
    return area, row, profile, similar


def police(area: CustomArea, extra_public_order: int = 0) -> pd.DataFrame:
    months = invented.police_months()
    mine = sum_lsoa_months(area, months[months["level"] == "lsoa"])
    after = mine["month"] >= START
    mine.loc[after, "public_order"] = mine.loc[after, "public_order"] + extra_public_order
    return pd.concat([mine, months[months["level"] == "msoa"]], ignore_index=True)


def reports(codes: list[str], per_month: int, small: str | None = None) -> pd.DataFrame:
    """Invented suppressed report counts, as the aggregation API publishes them."""
    rows = [{"area_code": c, "period": m, "count": per_month, "shown": str(per_month)}
            for c in codes for m in invented.MONTHS]
    table = pd.DataFrame(rows).astype({"count": "Int64"})
    if small:
        hit = (table["area_code"] == codes[0]) & (table["period"] == small)
        table.loc[hit, "count"] = pd.NA
        table.loc[hit, "shown"] = "<5"
    return table


def test_a_rise_in_public_order_offences_is_found_and_not_called_caused(setting):
    area, row, _, similar = setting
    effect = build_effect(area.code, area.name, row["population_2021"], "Street dialogue",
                          "Tackling tensions directly", START, similar,
                          police=police(area, extra_public_order=15))
    measures = {m.id: m for m in effect.measures}
    rise = measures["public_order"].estimate
    assert rise.status == "estimate" and rise.lower > 0
    expected = 15 / row["population_2021"] * 10_000
    assert rise.lower < expected < rise.upper
    assert measures["reports"].estimate.status == "no_data"
    table = series_table(measures["public_order"], area.name)
    assert len(table) == 24 and table["Before or after the start"].iloc[12] == "after"
    assert "caused" not in " ".join(m.estimate.message for m in effect.measures)


def test_reports_with_a_small_month_give_no_estimate(setting):
    area, row, _, similar = setting
    codes = [area.code, *similar["area_code"]]
    effect = build_effect(area.code, area.name, row["population_2021"], "Youth football",
                          "Bringing people together", START, similar,
                          reports=reports(codes, 6, small="2024-09"),
                          report_months=(invented.MONTHS[0], invented.MONTHS[-1]))
    estimate = {m.id: m for m in effect.measures}["reports"].estimate
    assert estimate.status == "too_few_reports" and "<5" in estimate.message
    shown = series_table({m.id: m for m in effect.measures}["reports"], area.name)
    assert "<5" in set(shown[f"{area.name}: count"])


def test_months_before_the_report_store_began_are_no_data(setting):
    area, row, _, similar = setting
    codes = [area.code, *similar["area_code"]]
    effect = build_effect(area.code, area.name, row["population_2021"], "Youth football",
                          "Bringing people together", START, similar,
                          reports=reports(codes, 6), report_months=("2024-03", "2025-06"))
    estimate = {m.id: m for m in effect.measures}["reports"].estimate
    assert estimate.status == "too_few_months" and estimate.months_before == 4


def test_bid_pdf_has_the_section_in_words(setting):
    area, row, profile, similar = setting
    codes = [area.code, *similar["area_code"]]
    effect = build_effect(area.code, area.name, row["population_2021"], "Street dialogue",
                          "Tackling tensions directly", START, similar,
                          police=police(area, extra_public_order=15),
                          reports=reports(codes, 8),
                          report_months=(invented.MONTHS[0], invented.MONTHS[-1]))
    charts = render_effect_charts(effect)
    assert len(charts) == 3
    pdf = render_pdf(profile, [], [], sections=[partial(write_effect_section, report=effect,
                                                        charts=charts)])
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert SECTION in text
    assert "Street dialogue (Tackling tensions directly) in Eastgate Bridges' area" in text
    assert "does not show that the activity caused any change" in text
    assert "Welch" in text and "95% interval" in text
    assert estimates_table(effect)["Difference in differences"].ne("").all()


def test_each_similar_area_has_its_own_column_and_no_similar_areas_is_said(setting):
    area, row, _, similar = setting
    effect = build_effect(area.code, area.name, row["population_2021"], "Street dialogue",
                          "Tackling tensions directly", START, similar, police=police(area))
    table = series_table(effect.measures[0], area.name, effect.similar)
    for name in similar["area_name"]:
        assert f"{name}: per 10,000" in table.columns
    alone = build_effect(area.code, area.name, row["population_2021"], "Street dialogue",
                         "Tackling tensions directly", START, similar.iloc[0:0],
                         police=police(area))
    assert all(m.estimate.status == "no_data" and "No similar areas" in m.estimate.message
               for m in alone.measures)
