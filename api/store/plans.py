"""Plans: stored whole (the domain Plan as JSON) with one item per request for placements and applying.

Applying is one transaction, under locks (`api.store.queue`): every request the plan assigns must still be at
the version it had when planned, and the rest of the queue as it was unless the lead forces it (else 409
saying what changed, and nothing changes); then each gets the plan's agent as owner. A plan is applied at most
once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.roles import Principal
from api.store import audit, queue
from api.store.errors import StateConflict
from api.store.tables import PlanItemRow, PlanRow
from triage.model import Scenario
from triage.results import Plan


def save(
    *,
    session: Session,
    actor: Principal,
    plan: Plan,
    scenario: Scenario,
    versions: dict[str, int],
    at: datetime,
    reason: str | None,
) -> PlanRow:
    """Store a computed plan and the scenario it was computed from; `versions` maps each planned request to the
    version it was planned at."""
    row = PlanRow(
        created_at=at,
        created_by=actor.id,
        now=scenario.now,
        status=plan.status.value,
        objective=plan.objective,
        request_count=len(versions),
        body=plan.model_dump_json(),
        scenario=scenario.model_dump_json(),
        applied_at=None,
        applied_by=None,
    )
    session.add(row)
    session.flush()
    ordered = sorted(plan.assignments, key=lambda a: (a.start_minute, a.agent_id, a.request_id))
    for position, a in enumerate(ordered, start=1):
        session.add(
            PlanItemRow(
                plan_id=row.id,
                request_id=a.request_id,
                request_version=versions[a.request_id],
                agent_id=a.agent_id,
                position=position,
                start=a.start,
                end=a.end,
            )
        )
    for u in plan.unassigned:
        session.add(
            PlanItemRow(
                plan_id=row.id,
                request_id=u.request_id,
                request_version=versions[u.request_id],
                unassigned_reason=u.reason,
            )
        )
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="plan.computed",
        subject_type="plan",
        subject_id=str(row.id),
        reason=reason,
        changes={"status": plan.status.value, "objective": plan.objective, "requests": len(versions)},
    )
    session.flush()
    return row


def get(*, session: Session, plan_id: int) -> PlanRow | None:
    return session.get(PlanRow, plan_id)


def page(*, session: Session, after: int, limit: int) -> list[PlanRow]:
    return list(session.scalars(select(PlanRow).where(PlanRow.id > after).order_by(PlanRow.id).limit(limit)))


def body(row: PlanRow) -> Plan:
    return Plan.model_validate_json(row.body)


def scenario_of(row: PlanRow) -> Scenario | None:
    """The scenario the plan was computed from (None for plans stored before it was kept)."""
    return None if row.scenario is None else Scenario.model_validate_json(row.scenario)


def latest_with_scenario(*, session: Session) -> PlanRow | None:
    """The newest plan that kept the scenario it was computed from."""
    return session.scalars(
        select(PlanRow).where(PlanRow.scenario.is_not(None)).order_by(PlanRow.id.desc()).limit(1)
    ).first()


def latest_item(*, session: Session, request_id: str) -> tuple[PlanRow, PlanItemRow] | None:
    """The newest plan that includes the request, and the request's item in it."""
    found = session.execute(
        select(PlanRow, PlanItemRow)
        .join(PlanItemRow, PlanItemRow.plan_id == PlanRow.id)
        .where(PlanItemRow.request_id == request_id)
        .order_by(PlanRow.id.desc())
        .limit(1)
    ).first()
    return None if found is None else (found[0], found[1])


def scheduled_count(*, session: Session, plan_id: int) -> int:
    items = session.scalars(select(PlanItemRow.position).where(PlanItemRow.plan_id == plan_id))
    return sum(1 for position in items if position is not None)


def apply(
    *, session: Session, actor: Principal, plan_row: PlanRow, at: datetime, reason: str | None, force: bool = False
) -> list[tuple[str, str | None, str]]:
    """Make the plan's agents the owners of its requests, all or nothing; return (request, before, after).

    Locks the plan's agents and every open or planned request first (`api.store.queue`). Refused (409, saying
    what changed) when a request the plan assigns changed or closed since, always; and when the rest of the
    queue moved on (requests filed, changed or closed, pins added or removed), unless `force`, which is
    audited with what it was forced over."""
    items = list(
        session.scalars(
            select(PlanItemRow).where(PlanItemRow.plan_id == plan_row.id, PlanItemRow.agent_id.is_not(None))
        )
    )
    queue.lock_agents(session=session, agent_ids=[i.agent_id for i in items if i.agent_id is not None])
    requests = queue.lock_requests(session=session, request_ids=[i.request_id for i in items], with_open=True)
    changes_seen = queue.changes_since(session=session, plan_row=plan_row, current=requests)
    if changes_seen.covered or (changes_seen.any() and not force):
        then = "compute a new plan" if changes_seen.covered else "compute a new plan, or apply it with force"
        raise StateConflict(
            f"The queue changed since plan {plan_row.id} was computed: {changes_seen.sentence()}; {then}."
        )
    claimed = session.execute(
        update(PlanRow)
        .where(PlanRow.id == plan_row.id, PlanRow.applied_at.is_(None))
        .values(applied_at=at, applied_by=actor.id)
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise StateConflict(f"Plan {plan_row.id} was applied already.")
    changes = []
    for item in items:
        request = requests[item.request_id]
        if request.owner_id != item.agent_id:
            assert item.agent_id is not None
            changes.append((item.request_id, request.owner_id, item.agent_id))
            request.owner_id, request.updated_at = item.agent_id, at
    facts: dict[str, Any] = {"owners": {r: [before, after] for r, before, after in changes}}
    if changes_seen.any():
        facts["forced_over"] = changes_seen.facts()
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="plan.applied",
        subject_type="plan",
        subject_id=str(plan_row.id),
        reason=reason,
        changes=facts,
    )
    session.flush()
    return changes


def item_versions(*, session: Session, plan_id: int) -> dict[str, int]:
    """Each request of a plan and its version when planned."""
    rows = session.execute(
        select(PlanItemRow.request_id, PlanItemRow.request_version).where(PlanItemRow.plan_id == plan_id)
    )
    return {request_id: version for request_id, version in rows}
