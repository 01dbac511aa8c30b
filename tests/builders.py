"""Explicit factories for test scenarios: every value visible at the call site, no randomness.

The default organisation is a Monday 09:00 in Europe/Berlin, Mon-Fri 09:00-17:00, a five-day horizon
(2,400 working minutes), one department of weight 1 and the policy's defaults unless a test says otherwise.
"""

from __future__ import annotations

from typing import Any

from triage.model import Scenario

NOW = "2026-11-23T09:00:00"  # a Monday
SKILLS = [{"id": "net", "name": "Networking"}, {"id": "pay", "name": "Payroll"}, {"id": "db", "name": "Databases"}]


def agent(agent_id: str, skills: dict[str, int] | None = None, **fields: Any) -> dict[str, Any]:
    return {"id": agent_id, "name": agent_id.capitalize(), "skills": skills or {"net": 1}, **fields}


def request(request_id: str, effort: int = 60, **fields: Any) -> dict[str, Any]:
    body = {
        "id": request_id,
        "department": "ops",
        "requester": "Robin",
        "title": f"Request {request_id}",
        "impact": "team",
        "urgency": "degraded",
        "effort_minutes": effort,
        "required_skills": {"net": 1},
        "created_at": NOW,
    }
    body.update(fields)
    return body


def scenario_dict(agents: list[dict[str, Any]], requests: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "now": NOW,
        "calendar": {"timezone": "Europe/Berlin"},
        "skills": SKILLS,
        "departments": [{"id": "ops", "name": "Operations", "weight": 1}],
        "agents": agents,
        "requests": requests,
    }
    body.update(fields)
    return body


def scenario(agents: list[dict[str, Any]], requests: list[dict[str, Any]], **fields: Any) -> Scenario:
    return Scenario.model_validate(scenario_dict(agents, requests, **fields))


def flat_policy(target_minutes: int = 60, **fields: Any) -> dict[str, Any]:
    """A policy where every priority is due `target_minutes` after creation, and every urgency mark counts
    (the urgency-inflation rule off, so tests of other rules read the matrix as written)."""
    return {"target_minutes": {p: target_minutes for p in ("P1", "P2", "P3", "P4")}, "urgent_share_pct": 100, **fields}
