"""Command line of the report store: bootstrap an alliance, import reports, export aggregates.

    python -m reports add-org "Thamesbury Together"
    python -m reports add-user ana@example.org --org "Thamesbury Together" --role member
    python -m reports set-role ana@example.org moderator
    python -m reports set-limit ana@example.org 60
    python -m reports import reports.csv --as ana@example.org [--only-valid]
    python -m reports import-activities activities.csv --as ana@example.org [--only-valid]
    python -m reports submit --as ana@example.org --date 2026-11-20 --area E01000001 \
        --category rumour_misinformation --level moderate --description "..."
    python -m reports list --as ana@example.org [--status pending]
    python -m reports queue --as mo@example.org
    python -m reports approve 12 --as mo@example.org [--note "checked with the council"]
    python -m reports reject 13 --as mo@example.org --note "duplicate of 12"
    python -m reports withdraw 14 --as ana@example.org
    python -m reports export --level lad --by category --period month -o counts.csv
    python -m reports backup --out backups/reports-2026-11-20.db
    python -m reports restore backups/reports-2026-11-20.db    # into an empty database

The database is the one of GRA_DATABASE_URL (default: reports.db in the project folder).
Whoever can run these commands can change the database, so they act as administrator.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from data_sources.errors import DataSourceError
from reports.accounts import (
    AccountError,
    add_organisation,
    add_user,
    set_role,
    set_submission_limit,
)
from reports.activity_import import plan_activity_import, run_activity_import
from reports.aggregate import load_report_counts
from reports.areas import (
    AGGREGATE_LEVELS,
    AreaDirectory,
    bulk_resolver_from_postcodes_io,
    resolver_from_postcodes_io,
)
from reports.audit import CLI_ACTOR
from reports.auth import PermissionDenied, actor_for_email
from reports.backup import BackupError, backup_store, restore_store, safe_url
from reports.export import public_table
from reports.importer import ImportRefused, plan_import, run_import
from reports.moderation import (
    ReportView,
    approve,
    list_reports,
    moderation_queue,
    reject,
    withdraw,
)
from reports.ratelimit import RateLimited
from reports.store import Store, database_url, open_store
from reports.submissions import InvalidReport, submit_report
from reports.taxonomy import ROLE_IDS
from reports.validation import ReportInput


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m reports``."""
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    org = commands.add_parser("add-org", help="create a member organisation")
    org.add_argument("name")
    user = commands.add_parser("add-user", help="create an account")
    user.add_argument("email")
    user.add_argument("--org", required=True, help="the organisation's exact name")
    user.add_argument("--role", required=True, choices=ROLE_IDS)
    user.add_argument("--password-stdin", action="store_true",
                      help="read the password from the first line of standard input")
    role = commands.add_parser("set-role", help="change an account's role")
    role.add_argument("email")
    role.add_argument("role", choices=ROLE_IDS)
    limit = commands.add_parser("set-limit", help="reports an account may submit an hour")
    limit.add_argument("email")
    limit.add_argument("per_hour", type=int)
    imp = commands.add_parser("import", help="import reports from a CSV file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--as", dest="email", required=True,
                     help="the account importing; reports belong to its organisation")
    imp.add_argument("--only-valid", action="store_true",
                     help="import the valid rows even when other rows have problems")
    acts = commands.add_parser("import-activities",
                               help="import good relations activities from a CSV file")
    acts.add_argument("file", type=Path)
    acts.add_argument("--as", dest="email", required=True,
                      help="the account importing; activities belong to its organisation")
    acts.add_argument("--only-valid", action="store_true",
                      help="import the valid rows even when other rows have problems")
    sub = commands.add_parser("submit", help="submit one report as a member")
    _as(sub)
    sub.add_argument("--date", required=True, help="incident date, YYYY-MM-DD")
    sub.add_argument("--time", help="incident time, HH:MM (optional)")
    sub.add_argument("--area", required=True,
                     help="LSOA, MSOA or district code (2021), or a postcode")
    sub.add_argument("--category", required=True, help="a category id (see the README)")
    sub.add_argument("--level", required=True, help="tension level: low|moderate|high|critical")
    sub.add_argument("--description", required=True, help="what happened, briefly")
    sub.add_argument("--source", help="how you know (optional)")
    listing = commands.add_parser("list", help="the reports an account may see")
    _as(listing)
    listing.add_argument("--status", choices=("pending", "approved", "rejected", "withdrawn"))
    queue = commands.add_parser("queue", help="pending reports awaiting a moderator")
    _as(queue)
    for action, note_help in (("approve", "why (optional)"), ("reject", "why (required)"),
                              ("withdraw", "why (optional)")):
        decide = commands.add_parser(action, help=f"{action} a report")
        decide.add_argument("report_id", type=int)
        _as(decide)
        decide.add_argument("--note", required=action == "reject", help=note_help)
    exp = commands.add_parser("export", help="public aggregate counts as CSV")
    exp.add_argument("--level", default="lad", choices=AGGREGATE_LEVELS)
    exp.add_argument("--by", default="category", choices=("category", "tension_level", "all"))
    exp.add_argument("--period", default="month", choices=("month", "year"))
    exp.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    backup = commands.add_parser("backup", help="copy the whole report store into one file "
                                                "(SQLite: online backup; PostgreSQL: pg_dump)")
    backup.add_argument("--out", required=True, type=Path, metavar="PATH")
    restore = commands.add_parser("restore", help="restore a backup file into an empty "
                                                  "report store")
    restore.add_argument("file", type=Path)
    return parser


def _as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="email", required=True, help="the account acting")


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0 on success, 1 when it was refused (the reason is printed)."""
    args = build_parser().parse_args(argv)
    if args.command in ("backup", "restore"):
        return _backup_or_restore(args)
    try:
        store = open_store()
        store.area_directory = AreaDirectory.from_cache  # to republish after a change
    except SQLAlchemyError as exc:
        print(f"error: the report database {safe_url(database_url())} cannot be opened: "
              f"{exc.__cause__ or exc}", file=sys.stderr)
        return 1
    try:
        return COMMANDS[args.command](store, args)
    except InvalidReport as exc:
        print("error: the report was not stored:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    except (AccountError, ImportRefused, LookupError, ValueError, PermissionDenied,
            DataSourceError, RateLimited) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {_os_problem(exc)}", file=sys.stderr)
        return 1
    finally:
        store.dispose()


def _backup_or_restore(args: argparse.Namespace) -> int:
    """Back up or restore the store: these work on the database file or server itself."""
    url = database_url()
    try:
        if args.command == "backup":
            summary = backup_store(url, args.out)
            print(f"backed up {safe_url(url)} to {summary.describe()}")
        else:
            summary = restore_store(url, args.file)
            print(f"restored {summary.describe()} into {safe_url(url)}")
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: the {args.command} could not be made: {_os_problem(exc)}",
              file=sys.stderr)
        return 1
    return 0


def _os_problem(exc: OSError) -> str:
    return f"{exc.strerror or exc} ({exc.filename})" if exc.filename else str(exc)


def _add_org(store: Store, args: argparse.Namespace) -> int:
    add_organisation(store, CLI_ACTOR, args.name)
    print(f"created organisation {args.name!r}")
    return 0


def _add_user(store: Store, args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    add_user(store, CLI_ACTOR, args.email, args.org, args.role, password)
    print(f"created {args.role} {args.email.strip().lower()} in {args.org!r}")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise ValueError("the two passwords differ")
    return first


def _set_role(store: Store, args: argparse.Namespace) -> int:
    set_role(store, CLI_ACTOR, args.email, args.role)
    print(f"{args.email} is now a {args.role}")
    return 0


def _set_limit(store: Store, args: argparse.Namespace) -> int:
    set_submission_limit(store, CLI_ACTOR, args.email, args.per_hour)
    print(f"{args.email} may submit {args.per_hour} reports an hour")
    return 0


def _import(store: Store, args: argparse.Namespace) -> int:
    actor = actor_for_email(store, args.email)
    plan = plan_import(args.file.read_bytes(), args.file.name, actor,
                       directory=AreaDirectory.from_cache(),
                       resolve_postcodes=bulk_resolver_from_postcodes_io())
    return _run_import(plan, lambda: run_import(store, actor, plan,
                                                only_valid=args.only_valid), "report(s) as pending")


def _import_activities(store: Store, args: argparse.Namespace) -> int:
    actor = actor_for_email(store, args.email)
    plan = plan_activity_import(store, args.file.read_bytes(), args.file.name, actor)
    return _run_import(plan, lambda: run_activity_import(store, actor, plan,
                                                         only_valid=args.only_valid),
                       "activities")


def _run_import(plan, run, what: str) -> int:
    """Print a planned import's problems, run it and say what it did (1 when refused)."""
    for line in plan.describe_problems():
        print(line, file=sys.stderr)
    try:
        result = run()
    except ImportRefused as exc:
        print(f"nothing imported: {exc}", file=sys.stderr)
        return 1
    print(f"imported {result.imported} {what}; {result.duplicates} already imported "
          f"before; {result.invalid} row(s) with problems skipped")
    return 0


def _export(store: Store, args: argparse.Namespace) -> int:
    # The project's one CSV writer, which neutralises formulas; imported here because the
    # report store itself never depends on indicators/ (the command line is an edge).
    from indicators.writers import csv_text

    table = load_report_counts(store, AreaDirectory.from_cache(), level=args.level,
                               by=args.by, period=args.period)
    text = csv_text(public_table(table))
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {len(table)} rows to {args.output}")
    return 0


def _submit(store: Store, args: argparse.Namespace) -> int:
    actor = actor_for_email(store, args.email)
    raw = ReportInput(incident_date=args.date, incident_time=args.time, area=args.area,
                      category=args.category, tension_level=args.level,
                      description=args.description, source=args.source)
    report_id = submit_report(store, actor, raw, directory=AreaDirectory.from_cache(),
                              resolve_postcode=resolver_from_postcodes_io())
    print(f"stored report {report_id} as pending; a moderator will review it")
    return 0


def _list(store: Store, args: argparse.Namespace) -> int:
    _print_reports(list_reports(store, actor_for_email(store, args.email), args.status))
    return 0


def _queue(store: Store, args: argparse.Namespace) -> int:
    _print_reports(moderation_queue(store, actor_for_email(store, args.email)))
    return 0


def _print_reports(reports: list[ReportView]) -> None:
    for r in reports:
        print(f"{r.id:>6}  {r.status:9}  {r.incident_date}  {r.area_code}  {r.category}  "
              f"{r.tension_level}  {r.organisation}: {r.description[:60]!r}")
    print(f"{len(reports)} report(s)")


def _decide(store: Store, args: argparse.Namespace) -> int:
    actor = actor_for_email(store, args.email)
    action = {"approve": approve, "reject": reject, "withdraw": withdraw}[args.command]
    action(store, actor, args.report_id, args.note)
    done = {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"}[args.command]
    print(f"report {args.report_id} {done}")
    return 0


COMMANDS = {"add-org": _add_org, "add-user": _add_user, "set-role": _set_role,
            "set-limit": _set_limit, "import": _import,
            "import-activities": _import_activities, "export": _export,
            "submit": _submit, "list": _list, "queue": _queue,
            "approve": _decide, "reject": _decide, "withdraw": _decide}
