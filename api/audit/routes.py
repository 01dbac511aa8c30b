"""The audit log: decisions and overrides, who, what, when and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.answer import answer
from api.audit.schemas import AuditEntryRead, audit_read
from api.deps import Cursor, SessionDep, allowed, cursor
from api.roles import Operation, Principal
from api.schemas import Page
from api.store import audit

router = APIRouter(tags=["audit"])
Auditor = Annotated[Principal, allowed(Operation.READ_AUDIT)]


@router.get("/audit", response_model=Page[AuditEntryRead], summary="The audit log, oldest first, by page")
def read_audit(
    _: Auditor,
    session: SessionDep,
    subject_type: Annotated[str | None, Query(max_length=40, description="e.g. 'request', 'plan', 'policy'.")] = None,
    subject_id: Annotated[str | None, Query(max_length=64, description="e.g. 'REQ-12'.")] = None,
    action: Annotated[str | None, Query(max_length=40, description="e.g. 'request.overridden'.")] = None,
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Entries per page.")] = 100,
) -> Response:
    rows = audit.entries(
        session=session,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        after=cursor(after),
        limit=limit,
    )
    next_after = str(rows[-1].id) if len(rows) == limit else None
    return answer(Page[AuditEntryRead](items=[audit_read(r) for r in rows], next_after=next_after))
