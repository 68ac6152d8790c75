"""Eight processes submitting 500 reports each: every report is stored exactly once."""

from __future__ import annotations

import multiprocessing
import sys
import types

import pytest
from sqlalchemy import func, select

from reports.accounts import add_organisation, add_user, set_submission_limit
from reports.audit import CLI_ACTOR
from reports.auth import actor_for_email
from reports.models import AuditEntry, Report
from reports.store import Store, make_engine
from reports.submissions import submit_report
from tests.fixtures.reports.helpers import (
    DATABASES,
    PASSWORD,
    TODAY,
    fresh_store,
    report,
    tiny_directory,
)

PROCESSES = 8
PER_PROCESS = 500


def submit_many(url: str, email: str, worker: int) -> list[int]:
    """Run in a child process: submit PER_PROCESS distinct reports from one account."""
    store = Store(make_engine(url))
    directory = tiny_directory()
    actor = actor_for_email(store, email)
    ids = []
    try:
        for i in range(PER_PROCESS):
            ids.append(submit_report(
                store, actor, report(description=f"worker {worker} report {i}"),
                directory=directory, today=TODAY, submission_key=f"{worker}-{i}"))
    finally:
        store.dispose()
    return ids


@pytest.mark.timeout(300)
@pytest.mark.parametrize("kind", DATABASES)
def test_concurrent_submissions_are_stored_exactly_once(kind, tmp_path, monkeypatch):
    # Spawned workers re-run the parent's __main__ file; after an AppTest in this process
    # that file is dashboard.py, which must not run in a worker. Workers import this module.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    with fresh_store(kind, tmp_path) as store:
        add_organisation(store, CLI_ACTOR, "Thamesbury Together")
        emails = [f"worker{n}@thamesbury.example" for n in range(PROCESSES)]
        for email in emails:
            add_user(store, CLI_ACTOR, email, "Thamesbury Together", "member", PASSWORD)
            set_submission_limit(store, CLI_ACTOR, email, PER_PROCESS)
        url = store.engine.url.render_as_string(hide_password=False)
        with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
            results = pool.starmap(submit_many, [(url, email, n)
                                                 for n, email in enumerate(emails)])
        ids = [report_id for batch in results for report_id in batch]
        with store.read() as session:
            stored = session.scalar(select(func.count(Report.id)))
            distinct = session.scalar(select(func.count(func.distinct(Report.description))))
            audited = session.scalar(select(func.count(AuditEntry.id))
                                     .where(AuditEntry.action == "submit"))
    total = PROCESSES * PER_PROCESS
    assert len(set(ids)) == len(ids) == total
    assert stored == distinct == audited == total
