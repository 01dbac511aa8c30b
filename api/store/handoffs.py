"""Hand-offs: the proposals of a request for help, and the peers' answers, audited.

Asking again replaces the agent's open proposals (and any open proposal for the same requests): they become
`superseded`. Accepting is one transaction, with the peer and the request locked
(`api.store.queue`): the request must still be open and at the version it had in the
plan the proposal came from (else 409 and nothing changes); the peer becomes its owner, the other open
proposals for it are superseded. Declined (request, peer) pairs are remembered and never proposed again.

A share (help's second pair of hands, `kind` share: the row's body a `Swarm`, `parts` its two parts) is stored,
superseded, answered and published the same way. Accepting it files the peer's part as a request of its own
(same department, requester, priority and creation time, so the same due time; effort the part's minutes, owner
the peer, `part_of` the shared request), pins that part to the peer (and the rest to its agent, unless it is in
progress and so theirs already), and takes the part's minutes off the shared request's effort: every later plan
places both parts, each with its agent, without knowing of shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from api.roles import Principal, Role
from api.store import audit, pins, queue, requests
from api.store.errors import StateConflict
from api.store.requests import OPEN_STATUSES
from api.store.tables import AgentRow, HandOffRow, PlanItemRow, RequestRow
from api.webhooks import EventType, publish
from triage.handoffs import room_left, room_left_for
from triage.help_text import render_note, render_swarm_note
from triage.names import HandOffState, Impact, PinKind, RequestStatus, Urgency
from triage.results import HandOff, Help, Swarm

PROPOSED = HandOffState.PROPOSED.value
WHOLE, SHARE = "whole", "share"


def get(*, session: Session, handoff_id: int) -> HandOffRow | None:
    return session.get(HandOffRow, handoff_id)


def domain(row: HandOffRow) -> HandOff:
    """The proposal as stored, in its current state, with its note for that state."""
    proposal = HandOff.model_validate_json(row.body)
    proposal.state = HandOffState(row.state)
    proposal.note = render_note(proposal)
    return proposal


def share(row: HandOffRow) -> Swarm:
    """A share as stored, in its current state, with its note for that state."""
    proposal = Swarm.model_validate_json(row.body)
    proposal.state = HandOffState(row.state)
    proposal.part_request_id = row.part_request_id
    proposal.note = render_swarm_note(proposal)
    return proposal


def visible(principal: Principal, row: HandOffRow) -> bool:
    """Requesters see their department's requests' hand-offs; agents those from or to them; leads, managers all."""
    if principal.role == Role.REQUESTER:
        return row.department_id == principal.department_id
    if principal.role == Role.AGENT:
        return principal.agent_id in (row.from_agent_id, row.to_agent_id)
    return True


def page(
    *,
    session: Session,
    principal: Principal,
    request_id: str | None,
    state: str | None,
    after: int,
    limit: int,
    kind: str = WHOLE,
) -> list[HandOffRow]:
    """Hand-offs (or shares) the principal may see, oldest first, after the cursor."""
    query = select(HandOffRow).where(HandOffRow.id > after, HandOffRow.kind == kind).order_by(HandOffRow.id)
    query = query.limit(limit)
    if principal.role == Role.REQUESTER:
        query = query.where(HandOffRow.department_id == principal.department_id)
    elif principal.role == Role.AGENT:
        mine = principal.agent_id or ""
        query = query.where(or_(HandOffRow.from_agent_id == mine, HandOffRow.to_agent_id == mine))
    if request_id is not None:
        query = query.where(HandOffRow.request_id == request_id)
    if state is not None:
        query = query.where(HandOffRow.state == state)
    return list(session.scalars(query))


def declined_pairs(*, session: Session) -> frozenset[tuple[str, str]]:
    """Every (request, peer) pair a peer declined, handed off whole or shared."""
    rows = session.execute(
        select(HandOffRow.request_id, HandOffRow.to_agent_id).where(HandOffRow.state == HandOffState.DECLINED.value)
    )
    return frozenset((r, a) for r, a in rows)


def save_help(
    *,
    session: Session,
    actor: Principal,
    help_: Help,
    ask_id: str,
    plan_id: int,
    versions: dict[str, int],
    reason: str | None,
    at: datetime,
) -> list[HandOffRow]:
    """Store the proposals (hand-offs, then shares) of a request for help, superseding the open ones they replace;
    refuse (409) when a proposed request changed since the plan (`versions`: each request's version in the plan)."""
    proposed = [p.request_id for p in help_.proposals] + [s.request_id for s in help_.swarms]
    current = dict(
        session.execute(
            select(RequestRow.id, RequestRow.version).where(
                RequestRow.id.in_(proposed), RequestRow.status.in_(OPEN_STATUSES)
            )
        ).all()
    )
    stale = sorted(r for r in proposed if current.get(r) != versions.get(r))
    if stale:
        raise StateConflict(f"{', '.join(stale)} changed since plan {plan_id} was computed; compute a new plan first.")
    replaced = or_(HandOffRow.from_agent_id == help_.agent_id, HandOffRow.request_id.in_(current))
    session.execute(
        update(HandOffRow)
        .where(HandOffRow.state == PROPOSED, replaced)
        .values(state=HandOffState.SUPERSEDED.value)
        .execution_options(synchronize_session=False)
    )

    def proposed(
        request_id: str, department_id: str, from_agent: str, to_agent: str, body: str, **share: Any
    ) -> HandOffRow:
        return HandOffRow(
            ask_id=ask_id,
            plan_id=plan_id,
            request_id=request_id,
            request_version=versions[request_id],
            department_id=department_id,
            from_agent_id=from_agent,
            to_agent_id=to_agent,
            state=PROPOSED,
            body=body,
            asked_by=actor.id,
            created_at=at,
            **share,
        )

    rows = [
        proposed(p.request_id, p.department_id, p.from_agent_id, p.to_agent_id, p.model_dump_json())
        for p in help_.proposals
    ] + [
        proposed(
            s.request_id,
            s.department_id,
            s.owner_id,
            s.peer_id,
            s.model_dump_json(),
            kind=SHARE,
            parts=[part.model_dump(mode="json") for part in s.parts],
        )
        for s in help_.swarms
    ]
    session.add_all(rows)
    changes = {
        "plan": plan_id,
        "outcome": help_.outcome.value,
        "planned_minutes": help_.planned_before,
        "target_minutes": help_.target_minutes,
        "proposals": [[p.request_id, p.to_agent_id] for p in help_.proposals],
        "shares": [[s.request_id, s.peer_id, s.parts[1].minutes] for s in help_.swarms],
    }
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="help.asked",
        subject_type="agent",
        subject_id=help_.agent_id,
        changes=changes,
        reason=reason,
    )
    session.flush()
    for row in rows:
        _publish(session, row, EventType.HANDOFF_PROPOSED, at)
    return rows


def _publish(session: Session, row: HandOffRow, event_type: EventType, at: datetime) -> None:
    """Tell the request's department (webhook `handoff.*`, `kind` whole or share): the proposal's facts and the
    note for its state."""
    proposal = domain(row) if row.kind == WHOLE else share(row)
    data = {
        "handoff_id": row.id,
        "kind": row.kind,
        **proposal.model_dump(mode="json", exclude={"note"}),
        "plan_id": row.plan_id,
        "answered_by": row.answered_by,
        "answer_reason": row.answer_reason,
    }
    publish(
        session=session,
        event_type=event_type,
        department_id=row.department_id,
        request_id=row.request_id,
        data=data,
        text=proposal.note,
        at=at,
    )


def _not_proposed(row: HandOffRow) -> StateConflict:
    """The refusal of an answer to a proposal that is no longer open: answered, superseded or withdrawn."""
    if row.state == HandOffState.WITHDRAWN.value:
        return StateConflict(
            f"Hand-off {row.id} is withdrawn: {row.request_id} was closed before an answer, so it is no longer open."
        )
    return StateConflict(f"Hand-off {row.id} is {row.state} already.")


def _claim(
    session: Session, row: HandOffRow, state: HandOffState, actor: Principal, reason: str | None, at: datetime
) -> None:
    """Move a proposed hand-off to its answer; 409 when it was answered or superseded already (even concurrently)."""
    if row.state != PROPOSED:
        raise _not_proposed(row)
    claimed = session.execute(
        update(HandOffRow)
        .where(HandOffRow.id == row.id, HandOffRow.state == PROPOSED)
        .values(state=state.value, answered_by=actor.id, answered_at=at, answer_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise StateConflict(f"Hand-off {row.id} was answered already.")


def accept(*, session: Session, actor: Principal, row: HandOffRow, reason: str | None, at: datetime) -> None:
    """The peer takes the request: it becomes its owner, if the request is as it was when proposed."""
    if row.state != PROPOSED:
        raise _not_proposed(row)
    # Lock the peer, then the request (the order plans.apply takes them): two accepts to one peer run one
    # after the other, so the second one's room check counts the first one's request.
    queue.lock_agents(session=session, agent_ids=[row.to_agent_id])
    request = queue.lock_requests(session=session, request_ids=[row.request_id], with_open=False).get(row.request_id)
    if request is None or request.status not in OPEN_STATUSES:
        raise StateConflict(f"{row.request_id} is no longer open; nothing was handed off.")
    if request.version != row.request_version:
        raise StateConflict(
            f"{row.request_id} changed since this hand-off was proposed (version {row.request_version}, now "
            f"{request.version}); nothing was handed off: ask for help again."
        )
    peer = session.get(AgentRow, row.to_agent_id)
    if peer is None or not peer.active:
        raise StateConflict(f"{row.to_agent_id} is no longer an active agent; nothing was handed off.")
    _check_room(session, row)
    _claim(session, row, HandOffState.ACCEPTED, actor, reason, at)
    if row.kind == SHARE:
        _accept_share(session, actor, row, request, reason, at)
        return
    before = request.owner_id
    request.owner_id, request.updated_at = row.to_agent_id, at
    try:
        session.flush()
    except StaleDataError as exc:  # the request changed while this was being accepted
        raise StateConflict(f"{row.request_id} changed meanwhile; nothing was handed off: ask for help again.") from exc
    _supersede_others(session, row)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="handoff.accepted",
        subject_type="handoff",
        subject_id=str(row.id),
        changes={"request": row.request_id, "to": row.to_agent_id},
        reason=reason,
    )
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="request.handed_off",
        subject_type="request",
        subject_id=row.request_id,
        changes={"owner": [before, row.to_agent_id], "handoff": row.id},
        reason=reason,
    )
    _publish(session, row, EventType.HANDOFF_ACCEPTED, at)
    session.flush()


def _accept_share(
    session: Session, actor: Principal, row: HandOffRow, request: RequestRow, reason: str | None, at: datetime
) -> None:
    """The peer takes their part: it is filed as a request of its own, pinned to them, and its minutes leave the
    shared request, which stays with its agent (pinned to them unless in progress)."""
    proposal = Swarm.model_validate_json(row.body)
    minutes = proposal.parts[1].minutes  # the request is at its proposed version: its effort is the proposal's
    part = requests.file(
        session=session,
        actor=actor,
        data=_Part(
            requester=request.requester,
            title=f"Part of {request.id}: {request.title}",
            impact=Impact(request.impact),
            urgency=Urgency(request.urgency),
            effort_minutes=minutes,
            required_skills=dict(request.required_skills),
            deadline=request.deadline,
            created_at=request.created_at,
            owner=row.to_agent_id,
        ),
        department_id=request.department_id,
        at=at,
    )
    session.execute(
        update(RequestRow)
        .where(RequestRow.id == part.id)
        .values(part_of=request.id, priority_override=request.priority_override, pausable=request.pausable)
        .execution_options(synchronize_session=False)
    )
    effort = request.effort_minutes
    request.effort_minutes, request.updated_at = effort - minutes, at
    row.part_request_id = part.id
    try:
        session.flush()
    except StaleDataError as exc:  # the request changed while this was being accepted
        raise StateConflict(f"{row.request_id} changed meanwhile; nothing was shared: ask for help again.") from exc
    pins.create(
        session=session,
        actor=actor,
        data=_PartPin(
            id=f"share-{row.id}",
            request=str(part.id),
            agent=row.to_agent_id,
            reason=f"{proposal.peer_name} accepted to take this part of {request.id}",
        ),
        at=at,
    )
    if request.status != RequestStatus.IN_PROGRESS.value:  # work in progress stays with its agent anyway
        pins.create(
            session=session,
            actor=actor,
            data=_PartPin(
                id=f"share-{row.id}-own",
                request=str(request.id),
                agent=row.from_agent_id,
                reason=f"{proposal.owner_name} keeps this part; {proposal.peer_name} takes {part.id}",
            ),
            at=at,
        )
    _supersede_others(session, row)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="handoff.accepted",
        subject_type="handoff",
        subject_id=str(row.id),
        changes={"request": row.request_id, "to": row.to_agent_id, "kind": SHARE, "part": part.id, "minutes": minutes},
        reason=reason,
    )
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="request.shared",
        subject_type="request",
        subject_id=row.request_id,
        changes={"effort_minutes": [effort, effort - minutes], "part": part.id, "handoff": row.id},
        reason=reason,
    )
    _publish(session, row, EventType.HANDOFF_ACCEPTED, at)
    session.flush()


@dataclass(frozen=True)
class _Part:
    """The peer's part of a shared request, filed (`api.store.inputs.NewRequest`)."""

    requester: str
    title: str
    impact: Impact
    urgency: Urgency
    effort_minutes: int
    required_skills: dict[str, int]
    deadline: datetime | None
    created_at: datetime
    owner: str
    department_rank: int | None = None
    status: RequestStatus | None = RequestStatus.OPEN
    source_id: str | None = None
    pausable: bool | None = None


@dataclass(frozen=True)
class _PartPin:
    """The pin of the peer's part to the peer (`api.store.inputs.NewPin`)."""

    id: str
    request: str
    agent: str
    reason: str
    kind: PinKind = PinKind.ASSIGN
    other: str | None = None


def _supersede_others(session: Session, row: HandOffRow) -> None:
    """The other open proposals for the request are superseded."""
    session.execute(
        update(HandOffRow)
        .where(HandOffRow.request_id == row.request_id, HandOffRow.state == PROPOSED, HandOffRow.id != row.id)
        .values(state=HandOffState.SUPERSEDED.value)
        .execution_options(synchronize_session=False)
    )


def _check_room(session: Session, row: HandOffRow) -> None:
    """The peer still has the room the proposal counted on (`triage.handoffs.room_left`), reading the work
    given to them since its plan: requests they own now that the plan neither gives them nor had as they are
    (a request of the plan unchanged since, which the plan gives to someone else, was theirs when the plan was
    computed: the plan, applied or not, already counts it off them)."""
    owned = session.scalars(
        select(RequestRow).where(
            RequestRow.owner_id == row.to_agent_id,
            RequestRow.status.in_(OPEN_STATUSES),
            RequestRow.id != row.request_id,
        )
    ).all()
    in_plan = {
        request_id: (agent_id, version)
        for request_id, agent_id, version in session.execute(
            select(PlanItemRow.request_id, PlanItemRow.agent_id, PlanItemRow.request_version).where(
                PlanItemRow.plan_id == row.plan_id, PlanItemRow.request_id.in_([r.id for r in owned])
            )
        )
    }

    def given_since(request: RequestRow) -> bool:
        if request.id not in in_plan:
            return True  # filed since the plan
        agent_id, version = in_plan[request.id]
        return agent_id != row.to_agent_id and version != request.version

    given = sum(r.effort_minutes for r in owned if given_since(r))
    if row.kind == SHARE:
        part = Swarm.model_validate_json(row.body)
        over = room_left_for(part.peer_name, part.request_id, part.peer_planned_after, part.peer_target_minutes, given)
    else:
        over = room_left(HandOff.model_validate_json(row.body), given)
    if over is not None:
        raise StateConflict(f"{over.sentence()}; nothing was handed off: compute a new plan and ask for help again.")


def decline(*, session: Session, actor: Principal, row: HandOffRow, reason: str | None, at: datetime) -> None:
    """The peer does not take the request (or their part of it); the pair is remembered and not proposed again."""
    _claim(session, row, HandOffState.DECLINED, actor, reason, at)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="handoff.declined",
        subject_type="handoff",
        subject_id=str(row.id),
        changes={"request": row.request_id, "to": row.to_agent_id, "kind": row.kind},
        reason=reason,
    )
    _publish(session, row, EventType.HANDOFF_DECLINED, at)
    session.flush()
