"""Published report tables: the suppressed counts, rebuilt whenever a report changes state.

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
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(200), nullable=False),
        sa.Column("built_at", sa.DateTime, nullable=False),
        sa.Column("cells", sa.LargeBinary, nullable=False),
        sa.Column("unpublished", sa.Text, nullable=False),
    )
    op.create_index("ix_publications_fingerprint", "publications", ["fingerprint"])


def downgrade() -> None:
    op.drop_table("publications")
