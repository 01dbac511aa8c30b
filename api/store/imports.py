"""Writing an import into the store: the team calendar, skills, departments, agents and requests of an
imported scenario, inserted or updated in the caller's transaction (the caller commits: all or nothing).

Re-importing updates by the source's id (`source_id`, unique) instead of adding a second row: the request's
fields become the export's, its Tandem id and key stay. Skills, departments and agents are matched by id;
their names, skills and hours become the export's, a department's weight stays the lead's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from api.roles import Principal
from api.store import audit
from api.store.convert import document_of
from api.store.organisation import ensure
from api.store.organisation import get as get_organisation
from api.store.tables import AgentRow, DepartmentRow, RequestRow, SkillRow
from triage.errors import Problem, ScenarioError
from triage.model import Request, Scenario


@dataclass(frozen=True)
class Written:
    """What an import changed in the store."""

    requests_added: int
    requests_updated: int
    agents: int
    departments: int
    skills: int


def request_columns(request: Request) -> dict[str, Any]:
    """The row's columns for a domain request (ids and bookkeeping columns excluded)."""
    document = request.model_dump(mode="json")
    return {
        "department_id": request.department,
        "requester": request.requester,
        "title": request.title,
        "impact": request.impact.value,
        "urgency": request.urgency.value,
        "priority_override": request.priority_override.value if request.priority_override else None,
        "effort_minutes": request.effort_minutes,
        "required_skills": dict(request.required_skills),
        "created_at": request.created_at,
        "deadline": request.deadline,
        "owner_id": request.owner,
        "status": request.status.value,
        "department_rank": request.department_rank,
        "source_id": request.source_id,
        "waiting": document["waiting"],
        "pauses": document["pauses"],
        "reopen_count": request.reopen_count,
        "effort_estimate": document["effort_estimate"],
    }


def store_import(
    *, session: Session, actor: Principal, scenario: Scenario, source: str, at: datetime, progress: Any = None
) -> Written:
    """Insert or update everything the scenario holds; `progress(n)` is called as requests are written."""
    ensure(session=session)
    session.flush()
    get_organisation(session=session).calendar = document_of(scenario.calendar)
    _upsert(session, SkillRow, {s.id: {"name": s.name} for s in scenario.skills})
    _upsert(session, DepartmentRow, {d.id: {"name": d.name} for d in scenario.departments}, new={"weight": 1})
    agents = {}
    for agent in scenario.agents:
        document = agent.model_dump(mode="json")
        agents[agent.id] = {
            "name": agent.name,
            "skills": document["skills"],
            "working_hours": document["working_hours"],
            "time_off": document["time_off"],
        }
    _upsert(session, AgentRow, agents, new={"target_load_pct": 85, "active": True})
    session.flush()
    added, updated = _requests(session, scenario, at, progress)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="import",
        subject_type="import",
        subject_id=source,
        changes={"requests_added": [None, added], "requests_updated": [None, updated]},
    )
    session.flush()
    return Written(added, updated, len(scenario.agents), len(scenario.departments), len(scenario.skills))


def _upsert(session: Session, table: Any, values: dict[str, dict[str, Any]], new: dict[str, Any] | None = None) -> None:
    existing = {row.id: row for row in session.scalars(select(table))}
    for key, fields in values.items():
        row = existing.get(key)
        if row is None:
            session.add(table(id=key, **fields, **(new or {})))
            continue
        for name, value in fields.items():
            if getattr(row, name) != value:
                setattr(row, name, value)


INSERT_CHUNK = 2_000  # new requests per multi-row INSERT (and per progress call)


def _requests(session: Session, scenario: Scenario, at: datetime, progress: Any) -> tuple[int, int]:
    """New requests are inserted in chunks by Core's executemany (no ORM object per row: for 14,000 requests
    the ORM's objects and their flush were most of the write); known ones (by source id) are updated through
    the ORM, only where a field changed."""
    by_source = {
        row.source_id: row for row in session.scalars(select(RequestRow).where(RequestRow.source_id.is_not(None)))
    }
    taken = set(session.scalars(select(RequestRow.id)))
    fresh: list[dict[str, Any]] = []
    updated = 0
    for n, request in enumerate(scenario.requests, start=1):
        columns = request_columns(request)
        row = by_source.get(request.source_id)
        if row is None:
            if request.id in taken:
                raise ScenarioError(
                    [
                        Problem(
                            record=f"requests[{request.id}]",
                            field="id",
                            message=(f"the store already holds a request {request.id} from another source"),
                        )
                    ]
                )
            taken.add(request.id)
            fresh.append(
                {
                    "id": request.id,
                    "filed_by": None,
                    "updated_at": at,
                    "closed_at": None,
                    "version": 1,
                    "pausable": request.pausable,
                    **columns,
                }
            )
        else:
            if request.pausable is not None:  # a source that says nothing keeps the lead's choice
                columns["pausable"] = request.pausable
            changed = {k: v for k, v in columns.items() if getattr(row, k) != v}
            for name, value in changed.items():
                setattr(row, name, value)
            if changed:
                row.updated_at = at
                updated += 1
        if progress is not None and n % 500 == 0 and not fresh:
            progress(n)
    session.flush()
    table = RequestRow.__table__
    for k in range(0, len(fresh), INSERT_CHUNK):
        session.execute(insert(table), fresh[k : k + INSERT_CHUNK])
        if progress is not None:
            progress(len(scenario.requests) - len(fresh) + k + len(fresh[k : k + INSERT_CHUNK]))
    return len(fresh), updated
