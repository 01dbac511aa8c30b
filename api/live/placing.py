"""Instant placement: a write that changes the queue gives the requests it touches a tentative place at once,
with the insertion heuristic (`solver.search.insert.Placer`) on top of the current plan and the tentative places
given since, and stores it in the writer's transaction (the place commits with the change, or neither does).

What each change touches: a filed or changed request (placed again: on its pinned agent when it has an
assign pin, else on its owner when the owner has room, else where it finishes first), a closed one (its time
freed), an agent whose hours, time off or skills changed (every request booked on them, placed again in
priority order). Requests not touched keep their place: the heuristic never moves them; the debounced
re-plan that follows may.

A `Placer` is built once per (plan, agents' versions) and kept in the process (building compiles the whole
scenario: the costly part); each write works on a fork of it, so processes sharing a database agree: every
fork books the stored tentative places first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.live import marks
from api.store import plans
from api.store.convert import domain_agent, domain_request
from api.store.requests import OPEN_STATUSES
from api.store.tables import AgentRow, DepartmentRow, PinRow, PlanRow, RequestRow, TentativePlaceRow
from api.webhooks import EventType, publish
from solver.search.insert import Placer
from triage.errors import ScenarioError
from triage.move_text import placed_sentence, requester_subject

LABEL = "tentative: placed at once, the full re-plan follows"
NO_ROOM = "no qualified agent has room for it within the horizon"
_CACHED = 4
_placers: OrderedDict[tuple[object, ...], Placer] = OrderedDict()
_lock = threading.Lock()


def after_change(
    *,
    session: Session,
    kind: str,
    subject_id: str,
    request_ids: Iterable[str] = (),
    agent_ids: Iterable[str] = (),
    at: datetime,
) -> int:
    """Number the change and place what it touches (each open request's place published as
    `request.placed`, in the same transaction); return the change's number."""
    seq = marks.record_change(session=session, kind=kind, subject_id=subject_id)
    base = marks.current_plan_id(session=session)
    if base is None:  # no plan yet: the first re-plan places everything
        return seq
    placer = _working_placer(session, base)
    touched = set(request_ids)
    agents = set(agent_ids)
    if agents:
        touched |= {rid for rid, (a, _, _) in placer.booked.items() if placer.compiled.agents[a].agent.id in agents}
    rows = list(session.scalars(select(RequestRow).where(RequestRow.id.in_(sorted(touched)))))
    if len(rows) > 1:  # the most urgent first, as the routing heuristic does (priority, then filing order)
        index, jobs = placer.compiled.job_index(), placer.compiled.jobs
        rows.sort(key=lambda r: (jobs[index[r.id]].triage.priority.value if r.id in index else "P9", r.pk))
    for row in rows:
        _place_one(session, placer, base, row, seq)
        if row.status in OPEN_STATUSES:
            _publish_place(session, placer, row, at)
    session.flush()
    return seq


def _publish_place(session: Session, placer: Placer, row: RequestRow, at: datetime) -> None:
    """Tell the requester the request's tentative place: who and when, or why it has none yet."""
    place = session.get(TentativePlaceRow, str(row.id))
    assert place is not None  # _place_one has just stored it
    department = session.get(DepartmentRow, row.department_id)
    names = {a.agent.id: a.agent.name for a in placer.compiled.agents}
    subject = requester_subject(department.name if department else row.department_id, row.title, str(row.id))
    agent_name = names.get(place.agent_id, place.agent_id) if place.agent_id else None
    text = placed_sentence(subject, agent_name, place.start, place.end, place.note, placer.compiled.axis.zone, at)
    data = {
        "request_id": str(row.id),
        "title": row.title,
        "agent_id": place.agent_id,
        "agent_name": agent_name,
        "start": place.start,
        "end": place.end,
        "priority": place.priority,
        "tentative": True,
        "label": LABEL,
        "note": place.note,
    }
    publish(
        session=session,
        event_type=EventType.REQUEST_PLACED,
        department_id=row.department_id,
        request_id=str(row.id),
        data=data,
        text=text,
        at=at,
    )


def _place_one(session: Session, placer: Placer, base: int, row: RequestRow, seq: int) -> None:
    rid = str(row.id)
    values: dict[str, object] = {
        "seq": seq,
        "base_plan_id": base,
        "request_version": row.version,
        "effort_minutes": row.effort_minutes,
        "agent_id": None,
        "start": None,
        "end": None,
        "priority": None,
        "note": None,
    }
    if row.status not in OPEN_STATUSES:
        placer.remove(rid)
        values["note"] = f"the request is {row.status.replace('_', ' ')}: it is not planned"
    else:
        try:
            request, pinned = domain_request(row), _pinned_agent(session, row)
            if pinned is not None:
                placed = placer.place(request, frozenset({pinned}))
            else:  # its owner if the owner has room for it, else whoever has
                owned = placer.place(request, frozenset({row.owner_id})) if row.owner_id else None
                placed = owned or placer.place(request)
        except (ScenarioError, KeyError, ValueError) as exc:  # a department or skill newer than the plan
            placed, values["note"] = None, f"placed by the next re-plan ({exc})"
        if placed is not None:
            values.update(agent_id=placed.agent_id, start=placed.start, end=placed.end, priority=placed.priority.value)
        elif values["note"] is None:
            values["note"] = NO_ROOM
    stored = session.get(TentativePlaceRow, rid)
    if stored is None:
        session.add(TentativePlaceRow(request_id=rid, **values))
    else:
        for key, value in values.items():
            setattr(stored, key, value)


def _pinned_agent(session: Session, row: RequestRow) -> str | None:
    """The agent of the request's assign pin, if it has one (a hard rule: the request goes there or nowhere)."""
    return session.scalar(select(PinRow.agent_id).where(PinRow.request_id == row.id, PinRow.agent_id.is_not(None)))


def _working_placer(session: Session, base: int) -> Placer:
    """A fork of the cached placer for the current plan and agents, with the tentative places since booked."""
    found = session.execute(
        select(AgentRow.id, AgentRow.version).where(AgentRow.active.is_(True)).order_by(AgentRow.id)
    )
    versions = tuple((str(agent), int(version)) for agent, version in found)
    key = (str(session.get_bind().url), *_identity(session, base), versions)
    with _lock:
        cached = _placers.get(key)
        if cached is not None:
            _placers.move_to_end(key)
    if cached is None:
        plan_row = plans.get(session=session, plan_id=base)
        assert plan_row is not None
        agents = list(session.scalars(select(AgentRow).where(AgentRow.active.is_(True)).order_by(AgentRow.id)))
        cached = build_placer(plan_row, agents)
        with _lock:
            _placers[key] = cached
            while len(_placers) > _CACHED:
                _placers.popitem(last=False)
    placer = cached.fork()
    for tentative in marks.tentative_since(session=session, seq=marks.seen_seq(session=session, plan_id=base)):
        if tentative.agent_id is not None and tentative.start is not None:
            placer.book(tentative.request_id, tentative.agent_id, tentative.start, tentative.effort_minutes)
        else:
            placer.remove(tentative.request_id)
    return placer


def _identity(session: Session, plan_id: int) -> tuple[int, str, int]:
    """What tells a stored plan apart from another with the same id (a database emptied and filled again)."""
    query = select(PlanRow.created_at, PlanRow.objective).where(PlanRow.id == plan_id)
    created_at, objective = session.execute(query).one()
    return plan_id, created_at.isoformat(), int(objective)


def build_placer(base: PlanRow, agents: list[AgentRow]) -> Placer:
    """A placer over plan `base` as computed, with the team as it is now (hours, time off, skills)."""
    scenario = plans.scenario_of(base)
    assert scenario is not None  # the current plan is chosen among those stored with their scenario
    scenario = scenario.model_copy(update={"agents": [domain_agent(a) for a in agents]})
    return Placer(scenario, plans.body(base))


def warm(base: PlanRow, agents: list[AgentRow], database_url: str) -> None:
    """Build and keep the placer for a new current plan (the process that computed it, after storing it)."""
    identity = (base.id, base.created_at.isoformat(), base.objective)
    key = (database_url, *identity, tuple((a.id, a.version) for a in agents))
    placer = build_placer(base, agents)
    with _lock:
        _placers[key] = placer
        while len(_placers) > _CACHED:
            _placers.popitem(last=False)
