"""Help between peers: the hand-off proposals an agent's request for help made, and the peers' answers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
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
        "handoffs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ask_id", sa.String(length=32), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("request_version", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.String(length=64), nullable=False),
        sa.Column("from_agent_id", sa.String(length=64), nullable=False),
        sa.Column("to_agent_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("asked_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answer_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handoffs_request", "handoffs", ["request_id", "id"])
    op.create_index("ix_handoffs_department", "handoffs", ["department_id", "id"])
    op.create_index("ix_handoffs_to_agent_state", "handoffs", ["to_agent_id", "state"])
    op.create_index("ix_handoffs_from_agent_state", "handoffs", ["from_agent_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_handoffs_from_agent_state", table_name="handoffs")
    op.drop_index("ix_handoffs_to_agent_state", table_name="handoffs")
    op.drop_index("ix_handoffs_department", table_name="handoffs")
    op.drop_index("ix_handoffs_request", table_name="handoffs")
    op.drop_table("handoffs")
