"""The demo organisation: a fresh database holding a scenario document, and one principal and token per role,
so that a new user can try every endpoint at once (`tandem serve --demo`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from api.principals.schemas import PrincipalCreate
from api.roles import Role
from api.store import principals
from api.store.scenarios import import_scenario
from api.store.session import Database, upgrade
from triage.intake import load_scenario_json
from triage.model import Scenario

DEMO_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "demo.json"
PREFERRED_DEPARTMENT = "sales"


@dataclass(frozen=True)
class DemoToken:
    role: Role
    principal_id: str
    name: str
    token: str


def read_scenario(path: Path) -> Scenario:
    return load_scenario_json(path.read_bytes())


def seed(*, database_url: str, scenario: Scenario, at: datetime) -> list[DemoToken]:
    """Migrate, import the scenario, and create a principal and token per role (the requester is for Sales if
    there is such a department, else the first one; the agent is the first agent)."""
    upgrade(database_url)
    database = Database(database_url)
    try:
        with database.writing() as session:
            import_scenario(session=session, scenario=scenario, at=at)
            department = next(
                (d for d in scenario.departments if d.id == PREFERRED_DEPARTMENT), scenario.departments[0]
            )
            agent = scenario.agents[0]
            people = [
                PrincipalCreate(id="admin", name="Alex Admin", role=Role.ADMIN),
                PrincipalCreate(id="lead", name="Lee Lead", role=Role.LEAD),
                PrincipalCreate(id="manager", name="Mo Manager", role=Role.MANAGER),
                PrincipalCreate(
                    id=f"{department.id}-desk",
                    name=f"{department.name} desk",
                    role=Role.REQUESTER,
                    department_id=department.id,
                ),
                PrincipalCreate(id=f"agent-{agent.id}", name=agent.name, role=Role.AGENT, agent_id=agent.id),
            ]
            tokens = []
            for person in people:
                principals.create(session=session, actor=None, data=person, at=at)
                _, secret = principals.issue_token(
                    session=session, actor=None, principal_id=person.id, label="demo", at=at
                )
                tokens.append(DemoToken(role=person.role, principal_id=person.id, name=person.name, token=secret))
            session.commit()
    finally:
        database.dispose()
    return tokens
