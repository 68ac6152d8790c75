"""The report store on SQLite and PostgreSQL: schema, sign-in, visibility, moderation, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from reports import moderation
from reports.accounts import AccountError, add_organisation, add_user, set_role
from reports.audit import CLI_ACTOR
from reports.auth import (
    ACCOUNT_FREE_FAILURES,
    CLIENT_MAX_FAILURES,
    CLIENT_WINDOW,
    SIGN_IN_REFUSED,
    PermissionDenied,
    SignInError,
    sign_in,
)
from reports.models import AuditEntry, Base, Report, User
from reports.ratelimit import DEFAULT_PER_HOUR, RateLimited
from reports.store import database_url
from reports.submissions import InvalidReport, submit_report
from settings import PROJECT_ROOT, Settings
from tests.fixtures.reports.helpers import (
    PASSWORD,
    TODAY,
    report,
    tiny_directory,
)

DIRECTORY = tiny_directory()


def submit(store, actor, **changes) -> int:
    return submit_report(store, actor, report(**changes), directory=DIRECTORY, today=TODAY)


def test_default_database_is_sqlite_file_in_project():
    assert database_url(Settings()) == f"sqlite:///{PROJECT_ROOT / 'reports.db'}"
    assert database_url(Settings(database_url="postgresql+psycopg://x@h/db")).startswith(
        "postgresql")


def test_migrations_match_the_models(store):
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode(store):
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_passwords_are_stored_as_argon2_hashes(store, people):
    with store.read() as session:
        hashes = session.scalars(select(Base.metadata.tables["users"].c.password_hash)).all()
    assert all(value.startswith("$argon2id$") and PASSWORD not in value for value in hashes)
    assert sign_in(store, "ANA@thamesbury.example ", PASSWORD).role == "member"


OWNER, STRANGER, ELSEWHERE = "198.51.100.7", "203.0.113.9", "192.0.2.44"
START = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def refusal(store, email: str, password: str, client: str, now: datetime = START) -> str:
    with pytest.raises(SignInError) as refused:
        sign_in(store, email, password, client=client, now=now)
    return str(refused.value)


def test_one_message_for_an_unknown_account_a_wrong_password_and_a_throttled_attempt(
        store, people):
    answers = {refusal(store, "nobody@example.org", PASSWORD, STRANGER),
               refusal(store, "ana@thamesbury.example", "wrong password", STRANGER)}
    for n in range(ACCOUNT_FREE_FAILURES):
        refusal(store, "raj@riverbank.example", f"wrong {n}", f"192.0.2.{n}")
    answers.add(refusal(store, "raj@riverbank.example", PASSWORD, ELSEWHERE))  # slowed
    for n in range(CLIENT_MAX_FAILURES):
        refusal(store, f"guess{n}@example.org", PASSWORD, "192.0.2.200")
    answers.add(refusal(store, "ana@thamesbury.example", PASSWORD, "192.0.2.200"))  # client
    assert answers == {SIGN_IN_REFUSED}
    assert "locked" not in SIGN_IN_REFUSED and "exist" not in SIGN_IN_REFUSED


def test_a_stranger_cannot_lock_the_owner_out(store, people):
    email = "ana@thamesbury.example"
    assert sign_in(store, email, PASSWORD, client=OWNER, now=START).email == email
    for n in range(CLIENT_MAX_FAILURES + 5):  # the stranger keeps trying all day
        refusal(store, email, f"guess {n}", STRANGER, START + timedelta(minutes=n))
    # The owner's usual browser signs in at once, right password, with the account slowed.
    later = START + timedelta(minutes=CLIENT_MAX_FAILURES + 5)
    assert sign_in(store, email, PASSWORD, client=OWNER, now=later).email == email


def test_one_client_is_throttled_on_every_account_and_others_are_not(store, people):
    for n in range(CLIENT_MAX_FAILURES):  # one client tries many accounts
        refusal(store, f"guess{n}@example.org", "password123", STRANGER, START)
    refusal(store, "ana@thamesbury.example", PASSWORD, STRANGER, START)  # the right one, too
    assert sign_in(store, "ana@thamesbury.example", PASSWORD, client=OWNER, now=START)
    after = START + CLIENT_WINDOW + timedelta(seconds=1)
    assert sign_in(store, "raj@riverbank.example", PASSWORD, client=STRANGER, now=after)


def test_guessing_from_many_addresses_slows_the_account_for_new_clients_only(store, people):
    email = "raj@riverbank.example"
    assert sign_in(store, email, PASSWORD, client=OWNER, now=START)
    at, delays = START, []
    for n in range(ACCOUNT_FREE_FAILURES + 5):  # a new address for every guess
        refusal(store, email, f"guess {n}", f"192.0.2.{n}", at)
        with store.read() as session:
            until = session.scalars(select(User.locked_until).where(User.email == email)).one()
        if until is not None:
            delays.append(until - at)
            refusal(store, email, PASSWORD, ELSEWHERE, until - timedelta(seconds=1))
            at = until  # the next guess comes as soon as it may
    assert [d.total_seconds() for d in delays] == [30, 60, 120, 240, 480, 900]
    # Even the right password waits out the delay from a new client; the owner's does not.
    refusal(store, email, PASSWORD, ELSEWHERE, at - timedelta(minutes=1))
    assert sign_in(store, email, PASSWORD, client=OWNER, now=at - timedelta(minutes=1))
    assert sign_in(store, email, PASSWORD, client=ELSEWHERE, now=at).email == email


def test_only_admins_manage_accounts(store, people):
    with pytest.raises(PermissionDenied):
        add_organisation(store, people["moderator"], "New Group")
    with pytest.raises(PermissionDenied):
        set_role(store, people["thames"], "ana@thamesbury.example", "admin")
    with pytest.raises(AccountError, match="no organisation called"):
        add_user(store, people["admin"], "x@example.org", "Nowhere", "member", PASSWORD)
    with pytest.raises(AccountError, match="at least 10 characters"):
        add_user(store, people["admin"], "x@example.org", "Riverbank Voices", "member", "short")
    set_role(store, CLI_ACTOR, "raj@riverbank.example", "moderator")
    assert sign_in(store, "raj@riverbank.example", PASSWORD).role == "moderator"


def test_member_sees_only_own_organisation(store, people):
    mine = submit(store, people["thames"], description="Thamesbury only")
    theirs = submit(store, people["river"], area="E01016001", description="Riverbank only")
    seen = moderation.list_reports(store, people["thames"])
    assert [r.id for r in seen] == [mine]
    assert {r.id for r in moderation.list_reports(store, people["moderator"])} == {mine, theirs}
    with pytest.raises(LookupError):
        moderation.get_report(store, people["thames"], theirs)
    with pytest.raises(PermissionDenied):
        moderation.moderation_queue(store, people["thames"])


def test_moderation_flow_keeps_everything_and_audits(store, people):
    first = submit(store, people["thames"])
    second = submit(store, people["river"], area="E01016001")
    third = submit(store, people["thames"], category="protest")
    mod = people["moderator"]
    assert [r.id for r in moderation.moderation_queue(store, mod)] == [first, second, third]
    moderation.approve(store, mod, first)
    with pytest.raises(moderation.ModerationError, match="note"):
        moderation.reject(store, mod, second, " ")
    moderation.reject(store, mod, second, "Duplicate of a police report")
    moderation.edit(store, mod, third, {"tension_level": "high", "area": "E02000001"},
                    "Raised after phone call", directory=DIRECTORY)
    with pytest.raises(InvalidReport, match="category"):
        moderation.edit(store, mod, third, {"category": "weather"}, "typo", directory=DIRECTORY)
    with pytest.raises(PermissionDenied):
        moderation.withdraw(store, people["river"], third)
    moderation.withdraw(store, people["thames"], third, "Reported twice")
    with pytest.raises(moderation.ModerationError, match="withdrawn"):
        moderation.approve(store, mod, third)
    with store.read() as session:
        statuses = dict(session.execute(select(Report.id, Report.status)).all())
    assert statuses == {first: "approved", second: "rejected", third: "withdrawn"}
    trail = moderation.audit_trail(store, mod, third)
    assert [entry.action for entry in trail] == ["submit", "edit", "withdraw"]
    assert trail[1].actor == "mod@alliance.example"
    assert trail[1].changes == {"tension_level": ["moderate", "high"],
                                "area_code": ["E01000001", "E02000001"],
                                "area_level": ["lsoa", "msoa"]}
    assert trail[1].note == "Raised after phone call"
    assert moderation.get_report(store, mod, second).moderation_note == (
        "Duplicate of a police report")


def test_markup_is_stored_verbatim(store, people):
    text = "<script>alert('x')</script> **bold** [link](http://x) =HYPERLINK(\"x\") & <b>"
    report_id = submit(store, people["thames"], description=text, source="<i>leaflet</i>")
    stored = moderation.get_report(store, people["moderator"], report_id)
    assert stored.description == text
    assert stored.source == "<i>leaflet</i>"


def test_text_that_reads_differently_from_what_is_stored_is_refused(store, people):
    flipped = "approved \u202ecod.etadpu"  # shows as "approved update.doc"
    with pytest.raises(InvalidReport, match="U\\+202E"):
        submit(store, people["thames"], description=flipped)
    report_id = submit(store, people["thames"])
    with pytest.raises(moderation.ModerationError, match="note: .*changes the direction"):
        moderation.reject(store, people["moderator"], report_id, flipped)
    with pytest.raises(moderation.ModerationError, match="U\\+2066"):
        moderation.approve(store, people["moderator"], report_id, "ok \u2066x")
    with pytest.raises(AccountError, match="organisation name"):
        add_organisation(store, CLI_ACTOR, "Friends \u202eof")
    with pytest.raises(AccountError, match="not an email"):
        add_user(store, CLI_ACTOR, "ana\u202e@example.org", "Thamesbury Together", "member",
                 PASSWORD)
    assert moderation.get_report(store, people["moderator"], report_id).status == "pending"


def test_rate_limit_per_account(store, people):
    now = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    for i in range(DEFAULT_PER_HOUR):
        submit_report(store, people["thames"], report(description=f"report {i}"),
                      directory=DIRECTORY, today=TODAY, now=now)
    with pytest.raises(RateLimited, match="last hour"):
        submit_report(store, people["thames"], report(), directory=DIRECTORY, today=TODAY,
                      now=now)
    # another account is not affected, and the first may submit again an hour later
    submit_report(store, people["river"], report(), directory=DIRECTORY, today=TODAY, now=now)
    submit_report(store, people["thames"], report(), directory=DIRECTORY, today=TODAY,
                  now=now + timedelta(hours=1, seconds=1))


def test_same_submission_key_stores_once(store, people):
    first = submit_report(store, people["thames"], report(), directory=DIRECTORY, today=TODAY,
                          submission_key="form-123")
    again = submit_report(store, people["thames"], report(), directory=DIRECTORY, today=TODAY,
                          submission_key="form-123")
    assert first == again
    with store.read() as session:
        assert session.scalar(select(func.count(Report.id))) == 1


def test_invalid_report_is_not_stored(store, people):
    with pytest.raises(InvalidReport) as caught:
        submit(store, people["thames"], area="E01999999", incident_date="2031-01-01")
    assert {error.field for error in caught.value.errors} == {"area", "incident_date"}
    with store.read() as session:
        assert session.scalar(select(func.count(Report.id))) == 0
        assert session.scalar(select(func.count(AuditEntry.id))) > 0  # bootstrap only
