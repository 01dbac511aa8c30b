"""A hand-off proposal may be a share (help's second pair of hands): `kind` says whole or share, `parts` holds a
share's two parts; accepting a share files the peer's part as a request of its own, linked by `part_of` to the
request it is part of (and the share names it in `part_request_id`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=10), nullable=False, server_default="whole"))
        batch.add_column(sa.Column("parts", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("part_request_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("part_of", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("part_of")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("part_request_id")
        batch.drop_column("parts")
        batch.drop_column("kind")
