"""Pins: the queue lead's hard rules (this request to this agent, first, before that one), each with a reason,
audited when made and when removed. A plan keeps the pins whose requests and agent are still in play."""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.roles import Principal
from api.store import audit
from api.store.convert import domain_agent, domain_request
from api.store.errors import StateConflict, from_validation_error, invalid, invalid_fields
from api.store.inputs import NewPin
from api.store.requests import OPEN_STATUSES
from api.store.tables import AgentRow, DepartmentRow, PinRow, RequestRow
from api.webhooks import EventType, publish
from solver.compile import missing_skills
from triage.model import Pin
from triage.names import PinKind
from triage.pin_text import render_pin


def all_pins(*, session: Session) -> list[PinRow]:
    return list(session.scalars(select(PinRow).order_by(PinRow.created_at, PinRow.id)))


def get(*, session: Session, pin_id: str) -> PinRow | None:
    return session.get(PinRow, pin_id)


def domain_pin(row: PinRow) -> Pin:
    return Pin(
        id=row.id,
        kind=row.kind,
        request=row.request_id,
        agent=row.agent_id,
        other=row.other_id,
        reason=row.reason,
        by=row.created_by,
    )


def in_play(rows: list[PinRow], open_requests: set[str], active_agents: set[str]) -> list[Pin]:
    """The pins a plan keeps now: those whose requests are open and whose agent is active."""
    return [
        domain_pin(r)
        for r in rows
        if r.request_id in open_requests
        and (r.other_id is None or r.other_id in open_requests)
        and (r.agent_id is None or r.agent_id in active_agents)
    ]


def create(*, session: Session, actor: Principal, data: NewPin, at: datetime) -> PinRow:
    if session.get(PinRow, data.id) is not None:
        raise StateConflict(f"A pin with id {data.id!r} exists already.")
    try:
        Pin(id=data.id, kind=data.kind, request=data.request, agent=data.agent, other=data.other, reason=data.reason)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    errors = []
    for field, value in (("request", data.request), ("other", data.other)):
        if value is not None:
            status = session.scalar(select(RequestRow.status).where(RequestRow.id == value))
            if status not in OPEN_STATUSES:
                errors += invalid(field, f"no open request {value!r}").errors
    agent = session.get(AgentRow, data.agent) if data.agent is not None else None
    if data.agent is not None and agent is None:
        errors += invalid("agent", f"unknown agent {data.agent!r}").errors
    request = session.scalar(select(RequestRow).where(RequestRow.id == data.request))
    if data.kind == PinKind.ASSIGN and agent is not None and request is not None and not errors:
        lacking = ", ".join(
            f"{skill} at level {level}"
            for skill, level in sorted(missing_skills(domain_request(request), [domain_agent(agent)]).items())
        )
        if lacking:
            errors += invalid(
                "agent", f"{agent.name} lacks {lacking}, which {request.id} needs: the pin could not hold"
            ).errors
    if errors:
        raise invalid_fields(errors)
    row = PinRow(
        id=data.id,
        kind=data.kind.value,
        request_id=data.request,
        agent_id=data.agent,
        other_id=data.other,
        reason=data.reason,
        created_by=actor.id,
        created_at=at,
    )
    session.add(row)
    changes = {"kind": data.kind.value, "request": data.request, "agent": data.agent, "other": data.other}
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="pin.created",
        subject_type="pin",
        subject_id=data.id,
        changes={k: v for k, v in changes.items() if v is not None},
        reason=data.reason,
    )
    _publish_created(session, row, actor, at)
    session.flush()
    return row


def _publish_created(session: Session, row: PinRow, actor: Principal, at: datetime) -> None:
    """Tell the pinned request's department (webhook `pin.created`): the pin, its reason, and the sentence."""
    request = session.scalar(select(RequestRow).where(RequestRow.id == row.request_id))
    assert request is not None  # create checked it is open
    department = session.get(DepartmentRow, request.department_id)
    agent = session.get(AgentRow, row.agent_id) if row.agent_id else None
    other = session.scalar(select(RequestRow.title).where(RequestRow.id == row.other_id)) if row.other_id else None
    pin = Pin(
        id=row.id,
        kind=row.kind,
        request=row.request_id,
        agent=row.agent_id,
        other=row.other_id,
        reason=row.reason,
        by=actor.name,
    )
    department_name = department.name if department else request.department_id
    text = render_pin(
        pin,
        department_name=department_name,
        title=request.title,
        agent_name=agent.name if agent else None,
        other_title=other,
    )
    data = {
        "pin_id": row.id,
        "kind": row.kind,
        "request_id": row.request_id,
        "title": request.title,
        "department_id": request.department_id,
        "department_name": department_name,
        "agent_id": row.agent_id,
        "agent_name": agent.name if agent else None,
        "other_id": row.other_id,
        "other_title": other,
        "reason": row.reason,
        "by_id": actor.id,
        "by_name": actor.name,
        "created_at": at,
    }
    publish(
        session=session,
        event_type=EventType.PIN_CREATED,
        department_id=request.department_id,
        request_id=row.request_id,
        data=data,
        text=text,
        at=at,
    )


def remove(*, session: Session, actor: Principal, row: PinRow, reason: str | None, at: datetime) -> None:
    session.delete(row)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="pin.removed",
        subject_type="pin",
        subject_id=row.id,
        changes={"kind": row.kind, "request": row.request_id},
        reason=reason,
    )
    session.flush()
