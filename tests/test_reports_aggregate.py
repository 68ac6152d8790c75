"""Public aggregates: only approved reports, counts and rates, suppressed, no free text."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators.writers import csv_text
from reports import moderation
from reports.aggregate import load_report_counts
from reports.export import public_table
from reports.submissions import submit_report
from tests.fixtures.reports.helpers import (
    DATABASES,
    TODAY,
    bootstrap,
    fresh_store,
    report,
    tiny_directory,
)

DIRECTORY = tiny_directory()
SECRET = "<script>alert(1)</script> =SUM(A1) Mrs Jones at number 4 was targeted"


@pytest.fixture(params=DATABASES)
def filled(request, tmp_path):
    """12 approved reports in one Thamesbury LSOA, 3 in another, 1 rejected, 1 pending."""
    with fresh_store(request.param, tmp_path) as store:
        people = bootstrap(store)
        ids = []
        for i in range(15):
            area = "E01000001" if i < 12 else "E01000002"
            category = "rumour" if i % 2 else "protest"
            ids.append(submit_report(
                store, people["thames"], report(area=area, category=category,
                                                description=f"{SECRET} {i}", source=SECRET),
                directory=DIRECTORY, today=TODAY))
        for report_id in ids:
            moderation.approve(store, people["moderator"], report_id)
        rejected = submit_report(store, people["river"], report(area="E01016001"),
                                 directory=DIRECTORY, today=TODAY)
        moderation.reject(store, people["moderator"], rejected, "Not a tension")
        submit_report(store, people["river"], report(area="E01016002"), directory=DIRECTORY,
                      today=TODAY)
        yield store


def test_counts_rates_and_suppression_at_every_level(filled):
    lad = load_report_counts(filled, DIRECTORY, level="lad", by="all", period="month")
    assert lad[["area_code", "period", "group", "shown"]].values.tolist() == [
        ["E09000001", "2025-03", "all", "15"]]
    assert lad.loc[0, "count"] == 15 and lad.loc[0, "residents"] == 7900
    assert lad.loc[0, "rate_per_10k"] == pytest.approx(15 / 7900 * 10_000)
    lsoa = load_report_counts(filled, DIRECTORY, level="lsoa", by="all", period="month")
    shown = dict(zip(lsoa["area_code"], lsoa["shown"], strict=True))
    assert shown == {"E01000001": "[c]", "E01000002": "<5"}
    assert lsoa["count"].isna().all() and lsoa["rate_per_10k"].isna().all()
    assert lsoa["suppressed"].all()
    england = load_report_counts(filled, DIRECTORY, level="country", by="category",
                                 period="year")
    assert dict(zip(england["group"], england["shown"], strict=True)) == {
        "protest": "8", "rumour": "7"}


def test_free_text_never_appears_in_aggregates_or_exports(filled):
    for level in ("lsoa", "msoa", "lad", "region", "country"):
        for by in ("category", "tension_level", "all"):
            table = load_report_counts(filled, DIRECTORY, level=level, by=by)
            text = table.to_csv() + csv_text(public_table(table))
            assert "Jones" not in text and "script" not in text and "SUM" not in text
            assert "Thamesbury Together" not in text and "@" not in text


def test_export_of_a_hostile_area_name_is_neutralised():
    table = pd.DataFrame({"area_code": ["E09000001"], "area_name": ["=cmd|' /C calc'!A0"],
                          "level": ["lad"], "period": ["2025-03"], "group": ["all"],
                          "shown": ["15"], "residents": [7900], "rate_per_10k": [18.987]})
    assert csv_text(public_table(table)).splitlines()[1] == (
        "E09000001,'=cmd|' /C calc'!A0,lad,2025-03,all,15,7900,18.99")
