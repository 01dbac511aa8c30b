"""Requests: filed, read, changed and closed. Every change is checked against the domain's own rules
(`triage.model.Request`) and the stored references before it is written, and is audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Row, bindparam, func, insert, select, text
from sqlalchemy import update as update_rows
from sqlalchemy.orm import Session

from api.roles import OVERRIDES, Principal
from api.store import audit
from api.store.convert import calendar_of, request_document
from api.store.errors import StateConflict, from_validation_error, invalid, invalid_fields
from api.store.inputs import NewRequest, RequestChanges
from api.store.organisation import get as get_organisation
from api.store.organisation import skill_ids
from api.store.tables import AgentRow, DepartmentRow, HandOffRow, RequestRow
from triage.model import Request
from triage.names import HandOffState, RequestStatus

OPEN_STATUSES = (RequestStatus.OPEN.value, RequestStatus.IN_PROGRESS.value)
NULLABLE = frozenset({"deadline", "department_rank", "priority_override", "owner", "pausable"})
_COLUMN = {"owner": "owner_id"}
_REQUESTS = RequestRow.__table__
# The filing path's statements, built once with parameters: SQLAlchemy compiles each once and then only binds
# values (building them per request, with the values inside, cost as much CPU as running them).
_INSERT = insert(_REQUESTS)
_LARGEST_PK = select(func.coalesce(func.max(_REQUESTS.c.pk), 0))
_NEXT_PK_POSTGRES = text("SELECT nextval(pg_get_serial_sequence('requests', 'pk'))")
_EXISTS = {
    row: select(row.__table__.c.id).where(row.__table__.c.id == bindparam("id")) for row in (DepartmentRow, AgentRow)
}


def get(*, session: Session, request_id: str) -> RequestRow | None:
    return session.scalar(select(RequestRow).where(RequestRow.id == request_id))


def page(
    *, session: Session, department: str | None, statuses: Iterable[str], owner: str | None, after: int, limit: int
) -> list[Row[Any]]:
    """Requests filed after cursor `after`, oldest first, filtered: plain rows (a page can hold 2,000; ORM
    objects would triple the time to read it), with the columns of `RequestRow` by name."""
    table = RequestRow.__table__
    query = select(table).where(table.c.pk > after).order_by(table.c.pk).limit(limit)
    statuses = list(statuses)
    if statuses:
        query = query.where(table.c.status.in_(statuses))
    if department:
        query = query.where(table.c.department_id == department)
    if owner:
        query = query.where(table.c.owner_id == owner)
    return list(session.execute(query))


def parts_of(*, session: Session, request_id: str) -> list[RequestRow]:
    """The requests filed as a peer's part of this one (accepted shares), oldest first."""
    return list(session.scalars(select(RequestRow).where(RequestRow.part_of == request_id).order_by(RequestRow.pk)))


def open_requests(*, session: Session) -> list[RequestRow]:
    return list(session.scalars(select(RequestRow).where(RequestRow.status.in_(OPEN_STATUSES)).order_by(RequestRow.pk)))


def count_open(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).where(RequestRow.status.in_(OPEN_STATUSES))) or 0)


def file(*, session: Session, actor: Principal, data: NewRequest, department_id: str, at: datetime) -> RequestRow:
    """Store a new request as `REQ-<n>`, filed now by `actor` (n: the next key, taken inside the write
    transaction, so that the row is written once, with its id).

    The row returned is not in the session: it is checked and answered from, and written with one INSERT (the
    ORM's unit of work cost more CPU than the rest of filing; nothing reads the row back before the commit)."""
    zone = calendar_of(get_organisation(session=session)).zone
    deadline = data.deadline
    if deadline is not None and deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=zone)
    created = data.created_at or at
    created = created.replace(tzinfo=zone) if created.tzinfo is None else created
    if created > at:
        raise invalid("created_at", "is in the future")
    status = data.status or RequestStatus.OPEN
    if status == RequestStatus.WAITING:
        raise invalid("status", "a request waits with a reason and a start; file it open, in progress or done")
    if data.source_id is not None and (known := _by_source(session, data.source_id)) is not None:
        raise StateConflict(f"source_id {data.source_id!r} is already request {known}.")
    number = _next_number(session)
    row = RequestRow(
        pk=number,
        id=f"REQ-{number}",
        department_id=department_id,
        requester=data.requester,
        title=data.title,
        impact=data.impact.value,
        urgency=data.urgency.value,
        priority_override=None,
        effort_minutes=data.effort_minutes,
        required_skills=dict(data.required_skills),
        created_at=created,
        deadline=deadline,
        owner_id=data.owner,
        status=status.value,
        department_rank=data.department_rank,
        filed_by=actor.id,
        updated_at=at,
        closed_at=at if status == RequestStatus.DONE else None,
        source_id=data.source_id,
        waiting=None,
        pauses=[],
        reopen_count=0,
        effort_estimate=None,
        pausable=data.pausable,
        version=1,
    )
    _check(session, row, fields={"department", "required_skills", "deadline", "owner"})
    session.execute(_INSERT, {column.key: getattr(row, column.key) for column in _REQUESTS.c})
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="request.filed",
        subject_type="request",
        subject_id=row.id,
        changes={"title": [None, row.title], "department": [None, department_id]},
    )
    return row


def _by_source(session: Session, source_id: str) -> str | None:
    """The id of the request filed with this source id, if any."""
    return session.scalar(select(RequestRow.id).where(RequestRow.source_id == source_id))


def _next_number(session: Session) -> int:
    """The next request key: PostgreSQL's sequence, or on SQLite one more than the largest (safe: the writer
    holds the database's write lock from BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        return int(session.scalar(_NEXT_PK_POSTGRES))
    return int(session.scalar(_LARGEST_PK) or 0) + 1


def update(*, session: Session, actor: Principal, row: RequestRow, data: RequestChanges, at: datetime) -> None:
    """Apply the given fields; a priority override or an owner change must carry a reason."""
    given = {f: getattr(data, f) for f in data.model_fields_set if f != "reason"}
    for field, value in given.items():
        if value is None and field not in NULLABLE:
            raise invalid(field, "cannot be null")
    if given.get("status") == RequestStatus.DONE:
        raise invalid("status", "close a request with POST /requests/{id}/close")
    if given.get("status") == RequestStatus.WAITING:
        raise invalid("status", "a request waits with a reason and a start; this operation cannot set it")
    changes: dict[str, list[Any]] = {}
    for field, value in given.items():
        column = _COLUMN.get(field, field)
        value = _stored(session, field, value)
        before = getattr(row, column)
        if before != value:
            changes[field] = [_plain(before), _plain(value)]
            setattr(row, column, value)
    if changes.keys() & OVERRIDES and not data.reason:
        raise invalid("reason", "a priority override or a change of owner needs a reason")
    if given.get("status") == RequestStatus.OPEN and row.closed_at is not None:
        row.closed_at = None
        row.reopen_count = (row.reopen_count or 0) + 1  # back from done: reopened, created_at kept
    with session.no_autoflush:  # check before the changed row is written
        _check(session, row, fields=set(changes))
    if changes:
        row.updated_at = at
    action = "request.overridden" if changes.keys() & OVERRIDES else "request.updated"
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action=action,
        subject_type="request",
        subject_id=str(row.id),
        changes=changes,
        reason=data.reason,
    )
    session.flush()


def close(*, session: Session, actor: Principal, row: RequestRow, reason: str | None, at: datetime) -> list[str]:
    """Close the request, and with it every part of it not done yet (a peer's part filed by an accepted share,
    `part_of` it: the request is resolved or withdrawn, so its parts are too), each audited as a close of its own
    in the same transaction; hand-offs and shares proposed for them and not answered are withdrawn. The ids of
    the parts closed, oldest first."""
    if row.status == RequestStatus.DONE:
        raise StateConflict(f"{row.id} is closed already.")
    _close_one(session, actor, row, reason, at, {})
    closed = []
    for part in parts_of(session=session, request_id=str(row.id)):
        if part.status != RequestStatus.DONE.value:
            _close_one(session, actor, part, reason or f"closed with {row.id}", at, {"with": str(row.id)})
            closed.append(str(part.id))
    session.execute(  # a proposal nobody answered cannot be accepted any more: withdrawn, its note says why
        update_rows(HandOffRow)
        .where(HandOffRow.request_id.in_([str(row.id), *closed]), HandOffRow.state == HandOffState.PROPOSED.value)
        .values(state=HandOffState.WITHDRAWN.value)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return closed


def _close_one(
    session: Session, actor: Principal, row: RequestRow, reason: str | None, at: datetime, more: dict[str, Any]
) -> None:
    before = row.status
    row.status, row.closed_at, row.updated_at = RequestStatus.DONE.value, at, at
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="request.closed",
        subject_type="request",
        subject_id=str(row.id),
        changes={"status": [before, row.status], **more},
        reason=reason,
    )


def _stored(session: Session, field: str, value: Any) -> Any:
    if field == "deadline" and value is not None and value.tzinfo is None:
        return value.replace(tzinfo=calendar_of(get_organisation(session=session)).zone)
    if field == "required_skills":
        return dict(value)
    return value.value if hasattr(value, "value") else value


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _check(session: Session, row: RequestRow, *, fields: set[str]) -> None:
    """The domain's field rules, then the references the changed fields make."""
    document = request_document(row)
    document["id"] = row.id or "REQ-0"
    try:
        Request.model_validate(document)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    errors = []
    if "department" in fields and not _exists(session, DepartmentRow, row.department_id):
        errors.append(invalid("department", f"unknown department {row.department_id!r}"))
    if "required_skills" in fields and row.required_skills:
        known = skill_ids(session=session)
        errors += [
            invalid(f"required_skills.{s}", f"unknown skill {s!r}") for s in row.required_skills if s not in known
        ]
    if "owner" in fields and row.owner_id is not None and not _exists(session, AgentRow, row.owner_id):
        errors.append(invalid("owner", f"unknown agent {row.owner_id!r}"))
    if errors:
        merged = [e for error in errors for e in error.errors]
        raise invalid_fields(merged)


def _exists(session: Session, table: type[DepartmentRow | AgentRow], key: str) -> bool:
    """Whether a department or agent with this id is stored (one indexed query, no ORM object)."""
    return session.execute(_EXISTS[table], {"id": key}).first() is not None
