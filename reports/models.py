"""The tables of the report store, as typed SQLAlchemy 2 ORM classes.

The schema itself is created and changed only by the Alembic migrations in
``reports/migrations``; these classes must match them (a test checks that).
Timestamps are stored as UTC and read back as timezone-aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """A datetime stored as naive UTC (the same on SQLite and PostgreSQL), read as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Base of every table of the report store."""


class Organisation(Base):
    """A member organisation of the alliance."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class User(Base):
    """An account: belongs to one organisation, has one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_signins: Mapped[int] = mapped_column(Integer, default=0)
    # Until when sign-ins from clients the account does not know wait (reports.auth).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submissions_per_hour: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ImportBatch(Base):
    """One CSV file of tension reports or activities imported by one account."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    imported_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    rows_in_file: Mapped[int] = mapped_column(Integer)
    rows_imported: Mapped[int] = mapped_column(Integer)
    rows_duplicate: Mapped[int] = mapped_column(Integer)
    rows_invalid: Mapped[int] = mapped_column(Integer)
    # What the file held: "report" (tension reports) or "activity".
    record_kind: Mapped[str] = mapped_column(String(20), default="report",
                                             server_default="report")


class Report(Base):
    """One tension report. Never deleted: rejection and withdrawal are statuses."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_status_date", "status", "incident_date"),
        Index("ix_reports_counted", "status", "area_code", "incident_date", "category",
              "tension_level"),
        Index("ix_reports_organisation", "organisation_id"),
        Index("ix_reports_submitter_time", "submitted_by", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    incident_date: Mapped[date] = mapped_column(Date)
    incident_time: Mapped[time | None] = mapped_column(Time)
    area_code: Mapped[str] = mapped_column(String(9))
    area_level: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(40))
    tension_level: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20))
    moderated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    moderation_note: Mapped[str | None] = mapped_column(Text)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)


class WebSession(Base):
    """One browser sign-in: the sha256 of its cookie token, whose it is, until when.

    The token itself is never stored; signing out sets ``revoked_at``.
    """

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SigninAttempt(Base):
    """One sign-in attempt: when, from which client, for which account, and whether it
    succeeded. Client and account are kept only as sha256 digests (of the address and of
    the typed email), enough to count attempts and to recognise a client seen before."""

    __tablename__ = "signin_attempts"
    __table_args__ = (Index("ix_signin_attempts_client", "client", "at"),
                      Index("ix_signin_attempts_account", "account", "client"),
                      Index("ix_signin_attempts_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    client: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)


class AuditEntry(Base):
    """One change to a report, an account or an organisation: who, when, what."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    changes: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class Publication(Base):
    """The published (suppressed) report tables for one state of the store and the areas.

    ``cells`` is a Parquet file of the published cells (no suppressed count), ``unpublished``
    the JSON list of the tables left out; see :mod:`reports.publication`.
    """

    __tablename__ = "publications"
    __table_args__ = (Index("ix_publications_fingerprint", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(200))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cells: Mapped[bytes] = mapped_column(LargeBinary)
    unpublished: Mapped[str] = mapped_column(Text)


# ---------------------------------------------------------------- good relations work


class ServiceArea(Base):
    """Where a member organisation works: a named set of 2021 LSOAs (``service_area_lsoas``).

    ``list_in_directory`` is the organisation's consent to show this area, with its name,
    in the public "Who works where" directory. Retired areas keep their rows (activities
    point at them) but are no longer offered or listed.
    """

    __tablename__ = "service_areas"
    __table_args__ = (UniqueConstraint("organisation_id", "name",
                                       name="uq_service_areas_organisation_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    list_in_directory: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ServiceAreaLsoa(Base):
    """One LSOA 2021 of a service area."""

    __tablename__ = "service_area_lsoas"
    __table_args__ = (Index("ix_service_area_lsoas_lsoa", "lsoa_code"),)

    service_area_id: Mapped[int] = mapped_column(ForeignKey("service_areas.id"),
                                                 primary_key=True)
    lsoa_code: Mapped[str] = mapped_column(String(9), primary_key=True)


class Activity(Base):
    """One piece of good relations work recorded by a member organisation.

    Counted in public aggregates (suppressed like tension reports) unless withdrawn.
    """

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_organisation", "organisation_id"),
                      Index("ix_activities_service_area", "service_area_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    service_area_id: Mapped[int] = mapped_column(ForeignKey("service_areas.id"))
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    people_reached: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)


class ActivityApproach(Base):
    """One approach (arts, sport, …) an activity uses; an activity has one or more."""

    __tablename__ = "activity_approaches"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), primary_key=True)
    approach: Mapped[str] = mapped_column(String(40), primary_key=True)


class Story(Base):
    """A member's story of one activity, public once a moderator approves it.

    ``consent_publish`` must be given to submit; ``name_organisation`` is the separate
    consent to show the organisation's name beside the story. Stories never name people.
    """

    __tablename__ = "stories"
    __table_args__ = (Index("ix_stories_status", "status", "published_at"),
                      Index("ix_stories_activity", "activity_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    quote: Mapped[str | None] = mapped_column(Text)
    consent_publish: Mapped[bool] = mapped_column(Boolean)
    name_organisation: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    moderated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    moderation_note: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)
