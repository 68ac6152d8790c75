"""Bulk import of a member organisation's activities from a CSV file.

Works as the tension-report import (:mod:`reports.importer`): the whole file is checked
first, every bad row is listed with its line and reasons, nothing is stored unless every
row is valid or the member chooses to import only the valid ones, and importing a file
again adds no duplicates (each row's key is a hash of the organisation and its content).

Columns: title, kind, approaches (ids or labels separated by semicolons), service_area
(the name of one of the organisation's service areas), start_date (required) and
end_date, people_reached (optional); UTF-8 with a header row.
"""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy.exc import IntegrityError

from reports.activities import (
    ActivityInput,
    CleanActivity,
    add_activity,
    check_activity,
    service_area_names,
)
from reports.audit import Actor
from reports.importer import (
    ImportPlan,
    ImportResult,
    PlannedRow,
    check_importable,
    check_row_count,
    read_csv_rows,
    store_batch,
)
from reports.models import Activity
from reports.store import Store
from reports.validation import FieldError

REQUIRED_COLUMNS = ("title", "kind", "approaches", "service_area", "start_date")
OPTIONAL_COLUMNS = ("end_date", "people_reached")


def plan_activity_import(store: Store, content: bytes, file_name: str, actor: Actor, *,
                         today: date | None = None) -> ImportPlan:
    """Check a whole CSV file of activities without storing anything."""
    plan = ImportPlan(file_name, hashlib.sha256(content).hexdigest())
    table = read_csv_rows(content, plan, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    if table is None:
        return plan
    header, rows = table
    with store.read() as session:
        areas = service_area_names(session, actor.organisation_id)
    plan.rows = [_plan_row(line, header, cells, actor, areas, today) for line, cells in rows]
    check_row_count(plan, "activities")
    return plan


def _plan_row(line: int, header: list[str], cells: list[str], actor: Actor,
              areas: dict[str, int], today: date | None) -> PlannedRow:
    if len(cells) != len(header):
        return PlannedRow(line, None, [FieldError(
            "row", f"has {len(cells)} cells but the header has {len(header)} columns")])
    values = dict(zip(header, cells, strict=True))
    raw = ActivityInput(**{name: values.get(name)
                           for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS})
    clean, errors = check_activity(raw, areas, today=today)
    if clean is None:
        return PlannedRow(line, None, errors)
    return PlannedRow(line, clean, [], _row_key(actor, clean))


def _row_key(actor: Actor, clean: CleanActivity) -> str:
    parts = [str(actor.organisation_id), clean.title, clean.kind, ";".join(clean.approaches),
             str(clean.service_area_id), clean.start_date.isoformat(),
             "" if clean.end_date is None else clean.end_date.isoformat(),
             "" if clean.people_reached is None else str(clean.people_reached)]
    return "import:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def run_activity_import(store: Store, actor: Actor, plan: ImportPlan, *,
                        only_valid: bool = False) -> ImportResult:
    """Store the valid rows of a checked file as activities of the actor's organisation.

    Raises
    ------
    ImportRefused
        As :func:`reports.importer.run_import`; nothing is imported then.
    """
    check_importable(actor, plan, only_valid)
    try:
        return _store_rows(store, actor, plan)
    except IntegrityError:
        return _store_rows(store, actor, plan)  # imported concurrently: skip those now


def _store_rows(store: Store, actor: Actor, plan: ImportPlan) -> ImportResult:
    return store_batch(store, actor, plan, Activity, "activity", add_activity)
