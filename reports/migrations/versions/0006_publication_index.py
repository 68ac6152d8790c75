"""A covering index for publishing: the approved reports' counted fields read from the
index alone, without the rows' free text.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = ["status", "area_code", "incident_date", "category", "tension_level"]


def upgrade() -> None:
    op.create_index("ix_reports_counted", "reports", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_reports_counted", table_name="reports")
