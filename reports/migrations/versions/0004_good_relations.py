"""Good relations work: service areas and their LSOAs, activities, stories; the kind of
record an import batch held.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_batches") as batch:
        batch.add_column(sa.Column("record_kind", sa.String(20), nullable=False,
                                   server_default="report"))
    op.create_table(
        "service_areas",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"),
                  nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("list_in_directory", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("retired_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("organisation_id", "name",
                            name="uq_service_areas_organisation_name"),
    )
    op.create_table(
        "service_area_lsoas",
        sa.Column("service_area_id", sa.Integer, sa.ForeignKey("service_areas.id"),
                  primary_key=True),
        sa.Column("lsoa_code", sa.String(9), primary_key=True),
    )
    op.create_index("ix_service_area_lsoas_lsoa", "service_area_lsoas", ["lsoa_code"])
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"),
                  nullable=False),
        sa.Column("service_area_id", sa.Integer, sa.ForeignKey("service_areas.id"),
                  nullable=False),
        sa.Column("submitted_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=True),
        sa.Column("people_reached", sa.Integer, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("import_batch_id", sa.Integer, sa.ForeignKey("import_batches.id"),
                  nullable=True),
        sa.Column("dedupe_key", sa.String(100), nullable=True, unique=True),
    )
    op.create_index("ix_activities_organisation", "activities", ["organisation_id"])
    op.create_index("ix_activities_service_area", "activities", ["service_area_id"])
    op.create_table(
        "activity_approaches",
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id"), primary_key=True),
        sa.Column("approach", sa.String(40), primary_key=True),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id"), nullable=False),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"),
                  nullable=False),
        sa.Column("submitted_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("quote", sa.Text, nullable=True),
        sa.Column("consent_publish", sa.Boolean, nullable=False),
        sa.Column("name_organisation", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("moderated_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("moderated_at", sa.DateTime, nullable=True),
        sa.Column("moderation_note", sa.Text, nullable=True),
        sa.Column("published_at", sa.DateTime, nullable=True),
        sa.Column("dedupe_key", sa.String(100), nullable=True, unique=True),
    )
    op.create_index("ix_stories_status", "stories", ["status", "published_at"])
    op.create_index("ix_stories_activity", "stories", ["activity_id"])


def downgrade() -> None:
    op.drop_table("stories")
    op.drop_table("activity_approaches")
    op.drop_table("activities")
    op.drop_table("service_area_lsoas")
    op.drop_table("service_areas")
    with op.batch_alter_table("import_batches") as batch:
        batch.drop_column("record_kind")
