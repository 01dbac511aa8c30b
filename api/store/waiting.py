"""A request waits (on the requester, a vendor, a change) and comes back: its status, its current wait and
its past pauses, as `triage.desk` rules them (a waiting request is not planned; its SLA clock is paused).
The domain's transitions are applied to the row's document and the result is checked before it is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from api.roles import Principal
from api.store import audit, organisation
from api.store.convert import calendar_of, request_document
from api.store.errors import StateConflict
from api.store.tables import DepartmentRow, RequestRow
from api.webhooks import EventType, publish
from triage import desk
from triage.calendar import BusinessAxis
from triage.desk_text import waiting_explanation
from triage.errors import ScenarioError
from triage.model import Request
from triage.move_text import requester_subject
from triage.names import RequestStatus, WaitingReason
from triage.results import Explanation


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


def wait(
    *,
    session: Session,
    actor: Principal,
    row: RequestRow,
    reason: WaitingReason,
    until: datetime | None,
    note: str | None,
    at: datetime,
) -> None:
    """The request waits from `at`: not planned, its clock paused. 409 when it is done or waiting already."""
    try:
        changed = desk.wait(_domain(row), reason, at, until)
    except ScenarioError as exc:
        raise StateConflict(f"{row.id} cannot wait: {exc.problems[0].message}.") from exc
    before = row.status
    _keep(row, changed, at)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="request.waiting",
        subject_type="request",
        subject_id=str(row.id),
        changes={"status": [before, row.status], "reason": [None, reason.value]},
        reason=note,
    )
    _tell(session, row, changed, EventType.REQUEST_WAITING, at)


def resume(*, session: Session, actor: Principal, row: RequestRow, note: str | None, at: datetime) -> None:
    """The waiting request back in the queue at `at`: open, its wait kept as a pause. 409 if it is not waiting."""
    if row.status != RequestStatus.WAITING:
        raise StateConflict(f"{row.id} is not waiting.")
    changed = desk.resume(_domain(row), at)
    _keep(row, changed, at)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="request.resumed",
        subject_type="request",
        subject_id=str(row.id),
        changes={"status": [RequestStatus.WAITING.value, row.status]},
        reason=note,
    )
    _tell(session, row, changed, EventType.REQUEST_BACK, at)


def explanation(*, session: Session, row: RequestRow, at: datetime) -> Explanation | None:
    """Why the request waits, as of `at` (on whom, since when, the clock paused): `triage.desk_text`'s facts and
    sentence; None when it does not wait. The console shows it; the `request.waiting` event carries it."""
    axis = BusinessAxis(calendar_of(organisation.get(session=session)), at, 1)
    return waiting_explanation(_domain(row), axis, at)


def _tell(session: Session, row: RequestRow, changed: Request, event_type: EventType, at: datetime) -> None:
    """Publish the wait or the return for the requester: the waiting explanation's facts and sentence, or
    the request back in the queue with the working minutes its clock was paused in all."""
    department = session.get(DepartmentRow, row.department_id)
    who = requester_subject(department.name if department else row.department_id, row.title, str(row.id))
    data: dict[str, object] = {"request_id": row.id, "title": row.title, "status": changed.status.value}
    if event_type == EventType.REQUEST_WAITING:
        explained = explanation(session=session, row=row, at=at)
        assert explained is not None  # it waits: the wait has just been kept on the row
        data |= {fact.name: fact.value for fact in explained.facts}
        text = f"{who}: {explained.text}"
    else:
        axis = BusinessAxis(calendar_of(organisation.get(session=session)), at, 1)
        data["paused_minutes"] = desk.paused_minutes(changed, axis)
        text = f"{who} is back in the queue; it is planned again."
    publish(
        session=session,
        event_type=event_type,
        department_id=row.department_id,
        request_id=str(row.id),
        data=data,
        text=text,
        at=at,
    )
