"""HTTP schema of the audit log's entries, and an audit row shaped as it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from api.schemas import Out
from api.store.tables import (
    AuditRow,
)


class AuditEntryRead(Out):
    id: int = Field(description="Entry number, increasing.")
    at: datetime = Field(description="When it happened.")
    principal_id: str = Field(description="Who did it.")
    principal_name: str = Field(description="Their name at the time.")
    role: str = Field(description="Their role at the time.")
    action: str = Field(description="What was done, e.g. 'request.updated', 'plan.applied'.")
    subject_type: str = Field(description="The kind of thing acted on, e.g. 'request'.")
    subject_id: str = Field(description="Its id.")
    changes: dict[str, Any] = Field(description="Field to [before, after], or the facts of the decision.")
    reason: str | None = Field(description="Why, as given.")


def audit_read(row: AuditRow) -> AuditEntryRead:
    return AuditEntryRead(
        id=row.id,
        at=row.at,
        principal_id=row.principal_id,
        principal_name=row.principal_name,
        role=row.role,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        changes=row.changes,
        reason=row.reason,
    )
