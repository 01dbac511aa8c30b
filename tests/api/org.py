"""The test organisation: two departments, two agents, four requests, and a principal with a token for each
role (two requesters and two agents, to test the scopes). Explicit values, no randomness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.principals.schemas import PrincipalCreate
from api.roles import Role
from api.store import principals
from api.store.scenarios import import_scenario
from api.store.session import Database
from triage.intake import load_scenario

NOW = datetime.fromisoformat("2026-11-23T09:00:00+01:00")  # a Monday, 09:00 in Berlin

ORGANISATION: dict[str, Any] = {
    "now": "2026-11-23T09:00:00",
    "calendar": {"timezone": "Europe/Berlin"},
    "skills": [{"id": "net", "name": "Networking"}, {"id": "pay", "name": "Payroll"}],
    "departments": [{"id": "sales", "name": "Sales", "weight": 2}, {"id": "people", "name": "People", "weight": 1}],
    "agents": [
        {"id": "ana", "name": "Ana Costa", "skills": {"net": 3}},
        {"id": "ben", "name": "Ben Okafor", "skills": {"net": 1, "pay": 2}},
    ],
    "requests": [
        {"id": "REQ-1", "department": "sales", "requester": "Sam Reyes", "title": "VPN drops every hour",
         "impact": "department", "urgency": "work_stopped", "effort_minutes": 90, "required_skills": {"net": 2},
         "created_at": "2026-11-23T08:10:00"},
        {"id": "REQ-2", "department": "people", "requester": "Pia Lang", "title": "Payroll export fails",
         "impact": "company", "urgency": "degraded", "effort_minutes": 240, "required_skills": {"pay": 1},
         "created_at": "2026-11-20T10:00:00"},
        {"id": "REQ-3", "department": "sales", "requester": "Sam Reyes", "title": "New laptop",
         "impact": "person", "urgency": "can_wait", "effort_minutes": 60, "created_at": "2026-11-23T08:30:00"},
        {"id": "REQ-4", "department": "people", "requester": "Pia Lang", "title": "Badge reader",
         "impact": "team", "urgency": "inconvenient", "effort_minutes": 30, "required_skills": {"net": 1},
         "created_at": "2026-11-23T08:45:00", "owner": "ben", "status": "in_progress"},
    ],
}  # fmt: skip

PRINCIPALS = [
    PrincipalCreate(id="admin", name="Alex Admin", role=Role.ADMIN),
    PrincipalCreate(id="lead", name="Lee Lead", role=Role.LEAD),
    PrincipalCreate(id="lead2", name="Lou Lead", role=Role.LEAD),
    PrincipalCreate(id="manager", name="Mo Manager", role=Role.MANAGER),
    PrincipalCreate(id="sales", name="Sales desk", role=Role.REQUESTER, department_id="sales"),
    PrincipalCreate(id="people", name="People desk", role=Role.REQUESTER, department_id="people"),
    PrincipalCreate(id="ana", name="Ana Costa", role=Role.AGENT, agent_id="ana"),
    PrincipalCreate(id="ben", name="Ben Okafor", role=Role.AGENT, agent_id="ben"),
    PrincipalCreate(id="snow", name="ServiceNow sync", role=Role.INTEGRATION),
]
"""Principal ids double as the names tests use: api.get(path, "sales")."""

ROLE_OF = {p.id: p.role for p in PRINCIPALS}


@dataclass(frozen=True)
class Seeded:
    tokens: dict[str, str]


def seed(database_url: str, organisation: dict[str, Any] | None = None) -> Seeded:
    """Import the organisation and create the principals, each with one token."""
    scenario = load_scenario(organisation or ORGANISATION)
    database = Database(database_url)
    tokens = {}
    try:
        with database.writing() as session:
            import_scenario(session=session, scenario=scenario, at=NOW)
            for person in PRINCIPALS:
                principals.create(session=session, actor=None, data=person, at=NOW)
                _, tokens[person.id] = principals.issue_token(session=session, actor=None, principal_id=person.id,
                                                              label="test", at=NOW)  # fmt: skip
            session.commit()
    finally:
        database.dispose()
    return Seeded(tokens=tokens)


def new_request(**fields: Any) -> dict[str, Any]:
    body = {"requester": "Sam Reyes", "title": "Printer jams", "impact": "team", "urgency": "degraded",
            "effort_minutes": 30}  # fmt: skip
    return {**body, **fields}
