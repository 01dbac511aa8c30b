"""Rows to domain objects (`triage.model`) and back: the only place the two meet. The solver sees only what
`scenario_from_rows` builds, checked by the core's own intake (`triage.intake.load_scenario`)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, TypeVar

from api.store.tables import AgentRow, DepartmentRow, OrganisationRow, RequestRow, SkillRow
from triage.intake import load_scenario
from triage.model import Agent, Calendar, Pin, Policy, Request, Scenario

T = TypeVar("T", Calendar, Policy)


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
        "source_id": row.source_id,
        "waiting": row.waiting,
        "pauses": row.pauses or [],
        "reopen_count": row.reopen_count or 0,
        "effort_estimate": row.effort_estimate,
        "pausable": row.pausable,
        "part_of": row.part_of,
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
    pins: list[Pin] | None = None,
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
        "pins": [p.model_dump(mode="json") for p in pins or []],
    }
    return load_scenario(raw)


def calendar_of(organisation: OrganisationRow) -> Calendar:
    return _parsed(Calendar, organisation.calendar_version, organisation.calendar)


def policy_of(organisation: OrganisationRow) -> Policy:
    """The stored policy (parsed once per version: every filed request needs its matrix)."""
    return stored_policy(organisation.policy_version, organisation.policy)


def stored_policy(version: int, document: dict[str, Any]) -> Policy:
    """The policy from the organisation row's columns, parsed once per version."""
    return _parsed(Policy, version, document)


_PARSED: dict[tuple[type, int], tuple[dict[str, Any], Any]] = {}


def _parsed(model: type[T], version: int, document: dict[str, Any]) -> T:
    """`model` parsed from `document`, once per version. The document is compared too, since versions restart
    in every database (tests use many in one process): comparing two small dicts costs a few percent of
    serialising one, which this cache used to do for its key on every filed request."""
    found = _PARSED.get((model, version))
    if found is None or found[0] != document:
        if len(_PARSED) > 64:
            _PARSED.clear()
        found = _PARSED[model, version] = (copy.deepcopy(document), model.model_validate(document))
    parsed = found[1]
    assert isinstance(parsed, model)
    return parsed


def domain_request(row: RequestRow) -> Request:
    return Request.model_validate(request_document(row))


def domain_agent(row: AgentRow) -> Agent:
    return Agent.model_validate(agent_document(row))


def document_of(model: Calendar | Policy) -> dict[str, Any]:
    """A calendar or policy as the JSON stored in the organisation row."""
    dumped: dict[str, Any] = model.model_dump(mode="json")
    return dumped
