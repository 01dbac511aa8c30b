"""The audit log: every decision and override, with who, what, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from api.roles import Principal
from api.store.tables import AuditRow

_INSERT = insert(AuditRow.__table__)  # built once: its SQL is compiled once, the values are parameters


def record(
    *,
    session: Session,
    actor: Principal,
    at: datetime,
    action: str,
    subject_type: str,
    subject_id: str,
    changes: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Write the entry now, in the session's transaction (one INSERT: no ORM object, as nothing reads it back
    in the same transaction; it commits or rolls back with the change it records)."""
    session.execute(
        _INSERT,
        {
            "at": at,
            "principal_id": actor.id,
            "principal_name": actor.name,
            "role": actor.role.value,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "changes": changes or {},
            "reason": reason,
        },
    )


def entries(
    *, session: Session, subject_type: str | None, subject_id: str | None, action: str | None, after: int, limit: int
) -> list[AuditRow]:
    query = select(AuditRow).where(AuditRow.id > after).order_by(AuditRow.id).limit(limit)
    if subject_type:
        query = query.where(AuditRow.subject_type == subject_type)
    if subject_id:
        query = query.where(AuditRow.subject_id == subject_id)
    if action:
        query = query.where(AuditRow.action == action)
    return list(session.scalars(query))
