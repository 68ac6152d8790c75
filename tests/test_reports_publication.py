"""The published tables are rebuilt and stored when a report changes state, on both databases."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import select

from reports import moderation
from reports.aggregate import load_report_counts
from reports.models import Publication
from reports.publication import set_directory_provider, stored_cube
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


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    with fresh_store(request.param, tmp_path) as opened:
        set_directory_provider(opened, lambda: DIRECTORY)
        yield opened


def stored_rows(store) -> list[Publication]:
    with store.read() as session:
        return list(session.scalars(select(Publication)))


def test_every_change_of_state_republishes_before_anyone_reads(store):
    people = bootstrap(store)
    ids = [submit_report(store, people["thames"], report(area="E01000001"),
                         directory=DIRECTORY, today=TODAY) for _ in range(7)]
    ids.append(submit_report(store, people["thames"], report(area="E01000002"),
                             directory=DIRECTORY, today=TODAY))
    for report_id in ids:
        moderation.approve(store, people["moderator"], report_id)
    assert stored_cube(store, DIRECTORY) is not None  # up to date without a reader
    (row,) = stored_rows(store)
    cells = pd.read_parquet(io.BytesIO(row.cells))
    # the stored publication never holds a suppressed count
    assert (cells.loc[cells["status"] != 0, "count"] == -1).all()
    lsoa = load_report_counts(store, DIRECTORY, level="lsoa", by="all", period="year")
    assert dict(zip(lsoa["area_code"], lsoa["shown"], strict=True)) == {
        "E01000001": "[c]", "E01000002": "<5"}

    moderation.reject(store, people["moderator"], ids[-1], "Not a tension")
    assert stored_cube(store, DIRECTORY) is not None
    assert len(stored_rows(store)) == 1
    lsoa = load_report_counts(store, DIRECTORY, level="lsoa", by="all", period="year")
    assert dict(zip(lsoa["area_code"], lsoa["shown"], strict=True)) == {"E01000001": "7"}


def test_a_stale_publication_is_rebuilt_by_the_first_reader(store):
    people = bootstrap(store)
    set_directory_provider(store, None)
    report_id = submit_report(store, people["thames"], report(area="E01000001"),
                              directory=DIRECTORY, today=TODAY)
    moderation.approve(store, people["moderator"], report_id)
    assert stored_cube(store, DIRECTORY) is None
    lad = load_report_counts(store, DIRECTORY, level="lad", by="all", period="year")
    assert lad["shown"].tolist() == ["<5"]
    assert stored_cube(store, DIRECTORY) is not None
