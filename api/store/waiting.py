"""A request waits (on the requester, a vendor, a change) and comes back: its status, its current wait and
its past pauses, as `triage.desk` rules them (a waiting request is not planned; its SLA clock is paused).
The domain's transitions are applied to the row's document and the result is checked before it is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from api.problems import Conflict
from api.roles import Principal
from api.store import audit
from api.store.convert import request_document
from api.store.tables import RequestRow
from triage import desk
from triage.errors import ScenarioError
from triage.model import Request
from triage.names import RequestStatus, WaitingReason


def _domain(row: RequestRow) -> Request:
    return Request.model_validate({**request_document(row), "id": row.id})


def _keep(row: RequestRow, changed: Request, at: datetime) -> None:
    document = changed.model_dump(mode="json")
    row.status, row.waiting, row.pauses, row.updated_at = (
        changed.status.value,
        document["waiting"],
        document["pauses"],
        at,
    )


def wait(*, session: Session, actor: Principal, row: RequestRow, reason: WaitingReason, until: datetime | None,
         note: str | None, at: datetime) -> None:  # fmt: skip
    """The request waits from `at`: not planned, its clock paused. 409 when it is done or waiting already."""
    try:
        changed = desk.wait(_domain(row), reason, at, until)
    except ScenarioError as exc:
        raise Conflict(f"{row.id} cannot wait: {exc.problems[0].message}.") from exc
    before = row.status
    _keep(row, changed, at)
    audit.record(session=session, actor=actor, at=at, action="request.waiting", subject_type="request",
                 subject_id=str(row.id), changes={"status": [before, row.status], "reason": [None, reason.value]},
                 reason=note)  # fmt: skip


def resume(*, session: Session, actor: Principal, row: RequestRow, note: str | None, at: datetime) -> None:
    """The waiting request back in the queue at `at`: open, its wait kept as a pause. 409 if it is not waiting."""
    if row.status != RequestStatus.WAITING:
        raise Conflict(f"{row.id} is not waiting.")
    changed = desk.resume(_domain(row), at)
    _keep(row, changed, at)
    audit.record(session=session, actor=actor, at=at, action="request.resumed", subject_type="request",
                 subject_id=str(row.id), changes={"status": [RequestStatus.WAITING.value, row.status]},
                 reason=note)  # fmt: skip
