"""Bulk import of reports from a CSV file: check everything first, then import.

The whole file is checked before anything is stored. Every bad row is reported with its
line number (as a spreadsheet shows it, the header being line 1) and its reasons, and
nothing is imported unless the person importing chooses to import only the valid rows.
Re-importing a file creates no duplicates: each row gets a key, a hash of the
organisation and the row's normalised content, stored with the report (unique).

File format: UTF-8 CSV (a BOM is fine) with a header row; columns incident_date,
area, category, tension_level, description (required) and incident_time, source
(optional); see README "Tension reports".
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from reports.activities import CleanActivity
from reports.areas import AreaDirectory, PostcodeBatchResolver, PostcodeResolver
from reports.audit import Actor, record
from reports.auth import PermissionDenied, require_role
from reports.models import ImportBatch, Report
from reports.publication import after_change
from reports.store import Store
from reports.submissions import add_report
from reports.validation import (
    MAX_DESCRIPTION,
    POSTCODE_SHAPE,
    CleanReport,
    FieldError,
    ReportInput,
    check_report,
)

REQUIRED_COLUMNS = ("incident_date", "area", "category", "tension_level", "description")
OPTIONAL_COLUMNS = ("incident_time", "source")
MAX_ROWS = 5000


class ImportRefused(ValueError):
    """Nothing was imported; the message (and the plan) say why."""


@dataclass(frozen=True)
class PlannedRow:
    """One data row of the file: its line number, and the clean report (or activity, in
    an activity import) or its problems."""

    line: int
    report: CleanReport | CleanActivity | None
    errors: list[FieldError]
    key: str = ""


@dataclass
class ImportPlan:
    """The checked file: problems with the file as a whole, and every row."""

    file_name: str
    sha256: str
    problems: list[str] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)

    @property
    def valid(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.report is not None]

    @property
    def invalid(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.report is None]

    def describe_problems(self) -> list[str]:
        """One line per problem: file problems, then ``line N: field: reason`` per bad row."""
        lines = list(self.problems)
        for row in self.invalid:
            lines.extend(f"line {row.line}: {error}" for error in row.errors)
        return lines


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    batch_id: int
    imported: int
    duplicates: int
    invalid: int


def plan_import(
    content: bytes,
    file_name: str,
    actor: Actor,
    *,
    directory: AreaDirectory,
    resolve_postcodes: PostcodeBatchResolver | None = None,
    today: date | None = None,
) -> ImportPlan:
    """Check a whole CSV file without storing anything.

    Parameters
    ----------
    content
        The file's bytes.
    actor
        Who will import it (the reports belong to their organisation).
    resolve_postcodes
        Given every postcode-shaped area of the file, looks them all up at once (in bulk,
        within a time budget) and returns the resolver the rows are checked with; without
        it postcodes are refused with a message asking for an area code.

    Returns
    -------
    ImportPlan
        File-level problems (encoding, columns, size) and every row, checked.
    """
    plan = ImportPlan(file_name, hashlib.sha256(content).hexdigest())
    table = read_csv_rows(content, plan, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    if table is None:
        return plan
    header, rows = table
    resolve = None if resolve_postcodes is None else resolve_postcodes(
        _postcodes(header, rows))
    plan.rows = [_plan_row(line, header, cells, actor, directory, resolve, today)
                 for line, cells in rows]
    check_row_count(plan, "reports")
    return plan


Rows = list[tuple[int, list[str]]]
"""Data rows of a CSV file, each with the line it starts on."""


def read_csv_rows(content: bytes, plan: ImportPlan, required: tuple[str, ...],
                  optional: tuple[str, ...]) -> tuple[list[str], Rows] | None:
    """The header and non-blank rows of a UTF-8 CSV file; None (with the reasons added to
    ``plan.problems``) when it cannot be read or its columns are wrong."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        plan.problems.append(f"the file is not UTF-8 text (byte {exc.start}); save it from "
                             "your spreadsheet as 'CSV UTF-8'")
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        _check_header(header, plan, required, optional)
        if plan.problems:
            return None
        return header, _read_rows(reader)
    except csv.Error as exc:
        plan.problems.append(_unreadable(reader.line_num, exc))
        return None


def check_row_count(plan: ImportPlan, noun: str) -> None:
    """Add a file problem when the file holds no rows or more than :data:`MAX_ROWS`."""
    if len(plan.rows) > MAX_ROWS:
        plan.problems.append(f"the file has {len(plan.rows)} {noun}; import at most "
                             f"{MAX_ROWS} at a time")
    if not plan.rows and not plan.problems:
        plan.problems.append(f"the file has a header but no {noun}")


def _read_rows(reader) -> list[tuple[int, list[str]]]:
    """Every non-blank data row with the line it starts on (a quoted cell may span lines)."""
    rows = []
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if any(cell.strip() for cell in cells):
            rows.append((start, cells))
    return rows


def _postcodes(header: list[str], rows: list[tuple[int, list[str]]]) -> list[str]:
    """The distinct postcode-shaped areas of the rows, to be looked up at once."""
    column = header.index("area")
    found = {" ".join(cells[column].upper().split()) for _, cells in rows
             if len(cells) == len(header) and POSTCODE_SHAPE.match(cells[column].strip().upper())}
    return sorted(found)


def _unreadable(line: int, exc: csv.Error) -> str:
    """The file problem of a CSV the reader gave up on, for a person with a spreadsheet."""
    if "field larger than field limit" in str(exc):
        return (f"line {line}: a cell is longer than {csv.field_size_limit():,} characters "
                f"(a description may have {MAX_DESCRIPTION:,}); a quote mark left open makes "
                "the rest of the file one cell: check the quotes around that line")
    return f"line {line}: the file cannot be read as CSV ({exc}); save it again as 'CSV UTF-8'"


def _check_header(header: list[str], plan: ImportPlan, required: tuple[str, ...],
                  optional: tuple[str, ...]) -> None:
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in required + optional]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if missing:
        plan.problems.append(f"line 1: missing column(s) {', '.join(missing)}")
    if unknown:
        plan.problems.append(f"line 1: unknown column(s) {', '.join(unknown)}; the columns "
                             f"are {', '.join(required + optional)}")
    if repeated:
        plan.problems.append(f"line 1: column(s) {', '.join(repeated)} appear more than once")


def _plan_row(line: int, header: list[str], cells: list[str], actor: Actor,
              directory: AreaDirectory, resolve_postcode: PostcodeResolver | None,
              today: date | None) -> PlannedRow:
    if len(cells) != len(header):
        return PlannedRow(line, None, [FieldError(
            "row", f"has {len(cells)} cells but the header has {len(header)} columns")])
    values = dict(zip(header, cells, strict=True))
    raw = ReportInput(**{name: values.get(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS})
    check = check_report(raw, directory=directory, resolve_postcode=resolve_postcode,
                         today=today)
    if check.report is None:
        return PlannedRow(line, None, check.errors)
    return PlannedRow(line, check.report, [], _row_key(actor, raw, check.report))


def _row_key(actor: Actor, raw: ReportInput, clean: CleanReport) -> str:
    area_given = " ".join(str(raw.area).upper().split())
    parts = [str(actor.organisation_id), clean.incident_date.isoformat(),
             "" if clean.incident_time is None else clean.incident_time.isoformat(),
             area_given, clean.category, clean.tension_level, clean.description,
             clean.source or ""]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"import:{digest}"


def run_import(store: Store, actor: Actor, plan: ImportPlan, *,
               only_valid: bool = False) -> ImportResult:
    """Store the valid rows of a checked file as pending reports of the actor's organisation.

    Raises
    ------
    ImportRefused
        When the file has problems, or some rows are invalid and ``only_valid`` is False.
        Nothing is imported then.
    """
    check_importable(actor, plan, only_valid)
    try:
        result = _store_rows(store, actor, plan)
    except IntegrityError:
        # The same rows were imported concurrently; run again to skip them.
        result = _store_rows(store, actor, plan)
    after_change(store)
    return result


def check_importable(actor: Actor, plan: ImportPlan, only_valid: bool) -> None:
    """Raise unless ``actor`` may import the checked file now (see :func:`run_import`)."""
    require_role(actor, "member")
    if actor.user_id is None or actor.organisation_id is None:
        raise PermissionDenied("imports are made by an account of an organisation")
    if plan.problems:
        raise ImportRefused("the file cannot be imported: " + "; ".join(plan.problems))
    if plan.invalid and not only_valid:
        raise ImportRefused(
            f"{len(plan.invalid)} of {len(plan.rows)} rows have problems, so nothing was "
            "imported. Correct them, or choose to import only the valid rows.")


def _store_rows(store: Store, actor: Actor, plan: ImportPlan) -> ImportResult:
    return store_batch(store, actor, plan, Report, "report", add_report)


AddRow = Callable[..., int]
"""Inserts one clean row (``session, actor, clean, now, dedupe_key=, import_batch_id=``)."""


def store_batch(store: Store, actor: Actor, plan: ImportPlan, model: type, record_kind: str,
                add: AddRow) -> ImportResult:
    """Store the valid rows of ``plan`` not stored before (by their key in ``model``'s
    ``dedupe_key``) in one transaction, with their import batch and its audit entry."""
    now = datetime.now(UTC)
    with store.write() as session:
        keys = [row.key for row in plan.valid]
        known = set(session.scalars(select(model.dedupe_key)
                                    .where(model.dedupe_key.in_(keys))))
        batch = ImportBatch(organisation_id=actor.organisation_id, imported_by=actor.user_id,
                            imported_at=now, file_name=plan.file_name[:255],
                            file_sha256=plan.sha256, rows_in_file=len(plan.rows),
                            rows_imported=0, rows_duplicate=0, rows_invalid=len(plan.invalid),
                            record_kind=record_kind)
        session.add(batch)
        session.flush()
        for row in plan.valid:
            if row.key in known:
                batch.rows_duplicate += 1
                continue
            known.add(row.key)
            add(session, actor, row.report, now, dedupe_key=row.key, import_batch_id=batch.id)
            batch.rows_imported += 1
        record(session, actor, "import", "import_batch", batch.id,
               {"rows_imported": (None, batch.rows_imported),
                "rows_duplicate": (None, batch.rows_duplicate),
                "rows_invalid": (None, batch.rows_invalid)}, now, plan.file_name)
        return ImportResult(batch.id, batch.rows_imported, batch.rows_duplicate,
                            batch.rows_invalid)
