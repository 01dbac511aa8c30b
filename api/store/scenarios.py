"""Loading a whole scenario document (the demo organisation, a test's organisation) into an empty database."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from api.store.convert import document_of
from api.store.errors import StateConflict
from api.store.organisation import ensure
from api.store.organisation import get as get_organisation
from api.store.tables import AgentRow, DepartmentRow, RequestRow, SkillRow
from triage.model import Scenario

_NUMBERED = re.compile(r"^REQ-(\d{1,9})$")


def import_scenario(*, session: Session, scenario: Scenario, at: datetime) -> None:
    """Store the scenario's calendar, policy, skills, departments, agents and requests (ids kept: a request
    "REQ-7" keeps number 7, so requests filed later continue the numbering without clashing)."""
    if session.scalar(select(func.count()).select_from(DepartmentRow)):
        raise StateConflict("The database already holds an organisation; import into an empty one.")
    ensure(session=session)
    session.flush()
    organisation = get_organisation(session=session)
    organisation.calendar, organisation.policy = document_of(scenario.calendar), document_of(scenario.policy)
    session.add_all(SkillRow(id=s.id, name=s.name) for s in scenario.skills)
    session.add_all(DepartmentRow(id=d.id, name=d.name, weight=d.weight) for d in scenario.departments)
    for agent in scenario.agents:
        document = agent.model_dump(mode="json", exclude_none=True)
        session.add(
            AgentRow(
                id=agent.id,
                name=agent.name,
                skills=document["skills"],
                working_hours=document.get("working_hours"),
                time_off=document["time_off"],
                target_load_pct=agent.target_load_pct,
                active=True,
            )
        )
    session.flush()
    for request in sorted(scenario.requests, key=lambda r: (_number(r.id) is None, _number(r.id) or 0)):
        session.add(
            RequestRow(
                pk=_number(request.id),
                id=request.id,
                department_id=request.department,
                requester=request.requester,
                title=request.title,
                impact=request.impact.value,
                urgency=request.urgency.value,
                priority_override=request.priority_override.value if request.priority_override else None,
                effort_minutes=request.effort_minutes,
                required_skills=dict(request.required_skills),
                created_at=request.created_at,
                deadline=request.deadline,
                owner_id=request.owner,
                status=request.status.value,
                department_rank=request.department_rank,
                pausable=request.pausable,
                filed_by=None,
                updated_at=at,
                closed_at=None,
            )
        )
        session.flush()
    if session.get_bind().dialect.name == "postgresql":  # explicit keys do not move the sequence
        session.execute(
            text("SELECT setval(pg_get_serial_sequence('requests', 'pk'), COALESCE(MAX(pk), 1)) FROM requests")
        )


def _number(request_id: str) -> int | None:
    match = _NUMBERED.match(request_id)
    return int(match.group(1)) if match else None
