"""Re-planning: the previous plan as the warm start, and what moved since, with reasons computed from data.

The previous plan's assignments are carried to the new axis (same agents, same order, each as early as
its old start allows); requests it did not have are inserted in the earliest gap. The result is a valid
plan to hint CP-SAT with, so a re-plan starts where the last one ended.
"""

from __future__ import annotations

from solver.compile import Compiled
from solver.evaluate import Placements, total_cost
from solver.search.insert import Timelines, best_slot
from triage.move_text import move_reason_text
from triage.names import MoveReasonKind, PinKind, Priority
from triage.results import Assignment, Move, MoveReason, Plan


def placements_from(compiled: Compiled, previous: Plan, *, fallback: Placements) -> dict[int, tuple[int, int]]:
    """The previous plan on this scenario: kept where still valid, new requests inserted where they fit
    (or as the fallback places them when nothing fits)."""
    jobs, agents = compiled.job_index(), compiled.agent_index()
    kept: dict[int, tuple[int, int]] = {}
    wanted = sorted(
        (a.own_span()[0], jobs[a.request_id], agents[a.agent_id])
        for a in previous.assignments
        if a.request_id in jobs and a.agent_id in agents
    )
    free = [0] * len(compiled.agents)
    for old_start, j, a in wanted:
        candidate = next((c for c in compiled.jobs[j].candidates if c.agent == a), None)
        if candidate is None:
            continue
        own = candidate.fit(max(compiled.agents[a].own_minute(max(old_start, 0)), free[a]))
        if own is not None:
            kept[j] = (a, own)
            free[a] = own + compiled.jobs[j].effort
    timelines = Timelines(compiled, kept)
    for j in sorted(set(range(len(compiled.jobs))) - set(kept), key=lambda k: compiled.jobs[k].sort_key()):
        job = compiled.jobs[j]
        slot = best_slot(compiled.agents, timelines, job.candidates, job.effort)
        if slot is not None:
            kept[j] = (slot.agent, slot.own_start)
            timelines.book(slot.agent, slot.own_start, job.effort)
    return kept if total_cost(compiled, kept) <= total_cost(compiled, fallback) else dict(fallback)


def changes_since(compiled: Compiled, previous: Plan, result: Plan, threshold_minutes: int = 30) -> list[Move]:
    """Every request that changed agent, entered or left the plan, or whose finish moved by more than
    `threshold_minutes` business minutes on the same agent, with the facts the data shows."""
    before = {a.request_id: a for a in previous.assignments}
    after = {a.request_id: a for a in result.assignments}
    was_planned = before.keys() | {u.request_id for u in previous.unassigned}
    names = {a.agent.id: a.agent.name for a in compiled.agents}
    moves = []
    for job in compiled.jobs:
        rid = job.request.id
        old, new = before.get(rid), after.get(rid)
        if old is None and new is None:
            continue
        if old is not None and new is not None and old.agent_id == new.agent_id:
            shift = abs(new.end_minute - compiled.axis.minute_of(old.end))
            if shift <= threshold_minutes:
                continue  # a small shift on the same agent is not a move
        facts = _facts(compiled, job.triage.priority, rid, old, new, before, after, rid in was_planned)
        moves.append(
            Move(
                request_id=rid,
                from_agent=old.agent_id if old else None,
                to_agent=new.agent_id if new else None,
                from_start=old.start if old else None,
                to_start=new.start if new else None,
                reasons=[move_reason_text(f, names) for f in facts],
                facts=facts,
            )
        )
    return moves


def _facts(
    compiled: Compiled,
    priority: Priority,
    rid: str,
    old: Assignment | None,
    new: Assignment | None,
    before: dict[str, Assignment],
    after: dict[str, Assignment],
    was_planned: bool,
) -> list[MoveReason]:
    if old is None:
        return [MoveReason(kind=MoveReasonKind.NOT_PLANNED_BEFORE if was_planned else MoveReasonKind.NEW)]
    facts: list[MoveReason] = []
    if new is None:
        facts.append(MoveReason(kind=MoveReasonKind.LEFT_PLAN))
    if old.priority != priority:
        facts.append(MoveReason(kind=MoveReasonKind.PRIORITY_CHANGED, before=old.priority.value, after=priority.value))
    facts += _agent_facts(compiled, old)
    facts += [
        MoveReason(kind=MoveReasonKind.PINNED, agent_id=pin.agent, after=pin.kind.value)
        for pin in compiled.scenario.pins
        if pin.request == rid and pin.kind != PinKind.UNFREEZE
    ]
    if new is not None:
        facts += _queue_facts(compiled, old, new, before, after)
    return facts


def _agent_facts(compiled: Compiled, old: Assignment) -> list[MoveReason]:
    """Its previous agent left the team, or no longer works at its previous start."""
    agent = next((a for a in compiled.agents if a.agent.id == old.agent_id), None)
    if agent is None:
        return [MoveReason(kind=MoveReasonKind.AGENT_GONE, agent_id=old.agent_id)]
    minute = compiled.axis.minute_of(old.start)
    if minute >= 0 and not any(start <= minute < end for start, end in agent.windows):
        return [MoveReason(kind=MoveReasonKind.AGENT_AWAY, agent_id=old.agent_id)]
    return []


def _queue_facts(
    compiled: Compiled, old: Assignment, new: Assignment, before: dict[str, Assignment], after: dict[str, Assignment]
) -> list[MoveReason]:
    """What changed ahead of it on its (new) agent; else how much earlier its new agent finishes it, or how
    much longer the work ahead of it takes."""
    ahead_now = _ahead(after, new)
    ahead_then = _ahead(before, old) if old.agent_id == new.agent_id else {}
    fresh = [r for r in ahead_now if r not in before]
    moved_in = [r for r in ahead_now if r in before and r not in ahead_then]
    gone = [r for r in ahead_then if r not in ahead_now]
    facts = [
        _listing(kind, new.agent_id, rids, source)
        for kind, rids, source in (
            (MoveReasonKind.NEW_WORK_AHEAD, fresh, after),
            (MoveReasonKind.WORK_MOVED_AHEAD, moved_in, after),
            (MoveReasonKind.WORK_AHEAD_GONE, gone, before),
        )
        if rids
    ]
    if facts:
        return facts
    ranked = _ranked_ahead(compiled, old, new, before, after)
    if ranked:
        return [_listing(MoveReasonKind.RANKED_AHEAD, new.agent_id, ranked, after)]
    if old.agent_id != new.agent_id:
        earlier = compiled.axis.minute_of(old.end) - new.end_minute
        if earlier > 0:
            return [MoveReason(kind=MoveReasonKind.EARLIER_ELSEWHERE, agent_id=new.agent_id, minutes=earlier)]
    efforts = {job.request.id: job.effort for job in compiled.jobs}
    return [
        MoveReason(
            kind=MoveReasonKind.WORK_AHEAD_LONGER,
            agent_id=new.agent_id,
            minutes=sum(efforts.get(r, 0) for r in ahead_now),
            minutes_before=sum(efforts.get(r, 0) for r in _ahead(before, old)),
        )
    ]


def _ranked_ahead(
    compiled: Compiled, old: Assignment, new: Assignment, before: dict[str, Assignment], after: dict[str, Assignment]
) -> list[str]:
    """When it finishes later: the requests its department ranks next ahead of it (same priority,
    `Compiled.rank_pairs`) that finished after it in the previous plan and still are in the plan."""
    old_end = compiled.axis.minute_of(old.end)
    if new.end_minute <= old_end:
        return []
    index = compiled.job_index()
    me = index.get(new.request_id)
    ahead = [compiled.jobs[hi].request.id for hi, lo in compiled.rank_pairs if lo == me]
    return [r for r in ahead if r in before and r in after and compiled.axis.minute_of(before[r].end) > old_end]


def _ahead(plan: dict[str, Assignment], of: Assignment) -> dict[str, Assignment]:
    """The requests before `of` on its agent in a plan, in start order."""
    found = [a for a in plan.values() if a.agent_id == of.agent_id and a.start < of.start]
    return {a.request_id: a for a in sorted(found, key=lambda a: a.start)}


def _listing(kind: MoveReasonKind, agent_id: str, rids: list[str], plan: dict[str, Assignment]) -> MoveReason:
    return MoveReason(kind=kind, agent_id=agent_id, request_ids=rids, priorities=[plan[r].priority for r in rids])
