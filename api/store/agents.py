"""Agents (teammates): created and changed by admins, checked by the domain's own rules before storing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.roles import Principal
from api.store import audit
from api.store.convert import agent_document, calendar_of
from api.store.errors import StateConflict, from_validation_error, invalid
from api.store.inputs import Given, NewAgent
from api.store.organisation import get as get_organisation
from api.store.organisation import skill_ids
from api.store.tables import AgentRow
from triage.calendar import intersect
from triage.model import Agent
from triage.names import WEEKDAYS


def all_agents(*, session: Session, active_only: bool = False) -> list[AgentRow]:
    query = select(AgentRow).order_by(AgentRow.id)
    if active_only:
        query = query.where(AgentRow.active.is_(True))
    return list(session.scalars(query))


def get(*, session: Session, agent_id: str) -> AgentRow | None:
    return session.get(AgentRow, agent_id)


def create(*, session: Session, actor: Principal, data: NewAgent, at: datetime) -> AgentRow:
    if session.get(AgentRow, data.id) is not None:
        raise StateConflict(f"An agent with id {data.id!r} exists already.")
    document = data.model_dump(mode="json", exclude_none=True)
    _check(session, document)
    row = AgentRow(
        id=data.id,
        name=data.name,
        skills=document["skills"],
        working_hours=document.get("working_hours"),
        time_off=document["time_off"],
        target_load_pct=data.target_load_pct,
        active=True,
    )
    session.add(row)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="agent.created",
        subject_type="agent",
        subject_id=data.id,
        changes={k: [None, v] for k, v in document.items() if k != "id"},
    )
    session.flush()
    return row


def update(*, session: Session, actor: Principal, row: AgentRow, data: Given, at: datetime) -> None:
    given = data.model_dump(mode="json", include=data.model_fields_set)
    given = {k: v for k, v in given.items() if v is not None or k == "working_hours"}
    document = {**agent_document(row), **{k: v for k, v in given.items() if k != "active"}}
    if document.get("working_hours") is None:
        document.pop("working_hours", None)
    _check(session, document)
    changes = {k: [getattr(row, k), v] for k, v in given.items() if getattr(row, k) != v}
    for field, (_, value) in changes.items():
        setattr(row, field, value)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="agent.updated",
        subject_type="agent",
        subject_id=row.id,
        changes=changes,
    )
    session.flush()


def _check(session: Session, document: dict[str, Any]) -> None:
    """The domain's rules (hours that do not overlap, time off in order), known skills, and working time
    that meets the team's."""
    try:
        agent = Agent.model_validate(document)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    unknown = sorted(set(agent.skills) - skill_ids(session=session))
    if unknown:
        raise invalid(f"skills.{unknown[0]}", f"unknown skill {unknown[0]!r}")
    if agent.working_hours is not None:
        team = calendar_of(get_organisation(session=session)).working_hours
        if not any(intersect(sorted(team.get(d, [])), sorted(agent.working_hours.get(d, []))) for d in WEEKDAYS):
            raise invalid("working_hours", "none of these hours falls within the team's working hours")
