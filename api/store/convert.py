"""Rows to domain objects (`triage.model`) and back: the only place the two meet. The solver sees only what
`scenario_from_rows` builds, checked by the core's own intake (`triage.intake.load_scenario`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.store.tables import AgentRow, DepartmentRow, OrganisationRow, RequestRow, SkillRow
from triage.intake import load_scenario
from triage.model import Agent, Calendar, Policy, Request, Scenario


def request_document(row: RequestRow) -> dict[str, Any]:
    """A request row as a scenario document's request record."""
    return {
        "id": row.id,
        "department": row.department_id,
        "requester": row.requester,
        "title": row.title,
        "impact": row.impact,
        "urgency": row.urgency,
        "priority_override": row.priority_override,
        "effort_minutes": row.effort_minutes,
        "required_skills": row.required_skills,
        "created_at": row.created_at.isoformat(),
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "owner": row.owner_id,
        "status": row.status,
        "department_rank": row.department_rank,
    }


def agent_document(row: AgentRow) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "skills": row.skills,
        "time_off": row.time_off,
        "target_load_pct": row.target_load_pct,
    }
    if row.working_hours is not None:
        body["working_hours"] = row.working_hours
    return body


def scenario_from_rows(
    *,
    now: datetime,
    organisation: OrganisationRow,
    skills: list[SkillRow],
    departments: list[DepartmentRow],
    agents: list[AgentRow],
    requests: list[RequestRow],
) -> Scenario:
    """The stored organisation as a Scenario, checked as a scenario file would be (ScenarioError if not)."""
    raw = {
        "now": now.isoformat(),
        "calendar": organisation.calendar,
        "policy": organisation.policy,
        "skills": [{"id": s.id, "name": s.name} for s in skills],
        "departments": [{"id": d.id, "name": d.name, "weight": d.weight} for d in departments],
        "agents": [agent_document(a) for a in agents],
        "requests": [request_document(r) for r in requests],
    }
    return load_scenario(raw)


def calendar_of(organisation: OrganisationRow) -> Calendar:
    return Calendar.model_validate(organisation.calendar)


def policy_of(organisation: OrganisationRow) -> Policy:
    return Policy.model_validate(organisation.policy)


def domain_request(row: RequestRow) -> Request:
    return Request.model_validate(request_document(row))


def domain_agent(row: AgentRow) -> Agent:
    return Agent.model_validate(agent_document(row))


def document_of(model: Calendar | Policy) -> dict[str, Any]:
    """A calendar or policy as the JSON stored in the organisation row."""
    dumped: dict[str, Any] = model.model_dump(mode="json")
    return dumped
