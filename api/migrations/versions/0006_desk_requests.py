"""Requests of a real desk: the source system's id (unique, for re-imports), the current wait, past pauses,
the reopen count and where an estimated effort comes from.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("source_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("waiting", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("pauses", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("reopen_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("effort_estimate", sa.JSON(), nullable=True))
        batch.create_unique_constraint("uq_requests_source_id", ["source_id"])


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_constraint("uq_requests_source_id", type_="unique")
        for column in ("effort_estimate", "reopen_count", "pauses", "waiting", "source_id"):
            batch.drop_column(column)
