"""The live queue: every change to the queue is numbered (queue_changes), requests get a tentative place at
once (tentative_places), plans record the last change they saw (plan_marks), and jobs keep their inputs,
their queue, the worker holding them and a cancel request (so a worker process, not the API, runs them).

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_changes",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "tentative_places",
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("base_plan_id", sa.Integer(), sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("request_version", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=True),
        sa.Column("start", sa.DateTime(), nullable=True),
        sa.Column("end", sa.DateTime(), nullable=True),
        sa.Column("effort_minutes", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(2), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_tentative_places_seq", "tentative_places", ["seq"])
    op.create_table(
        "plan_marks",
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("seen_seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
    )
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("queue", sa.String(20), nullable=False, server_default="solver"))
        batch.add_column(sa.Column("inputs", sa.Text(), nullable=True))
        batch.add_column(sa.Column("worker", sa.String(200), nullable=True))
        batch.add_column(sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        for column in ("cancel_requested", "worker", "inputs", "queue"):
            batch.drop_column(column)
    op.drop_table("plan_marks")
    op.drop_index("ix_tentative_places_seq", "tentative_places")
    op.drop_table("tentative_places")
    op.drop_table("queue_changes")
