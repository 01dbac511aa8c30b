"""A plan's objective as a 64-bit integer: with `protect_priorities` (the default) the core terms' weights are
multiplied by the protection factor, and a plan's cost passes 2^31 at the demo's size already.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.alter_column("objective", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.alter_column("objective", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False)
