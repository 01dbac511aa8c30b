"""Re-planning: the previous plan as the warm start, and what moved since, with reasons computed from data.

The previous plan's assignments are carried to the new axis (same agents, same order, each as early as
its old start allows); requests it did not have are inserted in the earliest gap. The result is a valid
plan to hint CP-SAT with, so a re-plan starts where the last one ended.
"""

from __future__ import annotations

from solver.compile import Compiled
from solver.evaluate import Placements, total_cost
from solver.insert import Timelines, best_slot
from triage.results import Assignment, Move, Plan


def placements_from(compiled: Compiled, previous: Plan, *, fallback: Placements) -> dict[int, tuple[int, int]]:
    """The previous plan on this scenario: kept where still valid, new requests inserted where they fit
    (or as the fallback places them when nothing fits)."""
    jobs, agents = compiled.job_index(), compiled.agent_index()
    kept: dict[int, tuple[int, int]] = {}
    wanted = sorted(
        (a.start_minute, jobs[a.request_id], agents[a.agent_id])
        for a in previous.assignments
        if a.request_id in jobs and a.agent_id in agents
    )
    free = [0] * len(compiled.agents)
    for old_start, j, a in wanted:
        candidate = next((c for c in compiled.jobs[j].candidates if c.agent == a), None)
        if candidate is None:
            continue
        own = max(compiled.agents[a].own_minute(max(old_start, 0)), candidate.earliest_start, free[a])
        if own <= candidate.latest_start:
            kept[j] = (a, own)
            free[a] = own + compiled.jobs[j].effort
    timelines = Timelines(compiled, kept)
    for j in sorted(set(range(len(compiled.jobs))) - set(kept), key=lambda k: compiled.jobs[k].sort_key()):
        job = compiled.jobs[j]
        options = [(c.agent, c.earliest_start, c.latest_start) for c in job.candidates]
        slot = best_slot(compiled.agents, timelines, options, job.effort)
        if slot is not None:
            kept[j] = (slot.agent, slot.own_start)
            timelines.book(slot.agent, slot.own_start, job.effort)
    return kept if total_cost(compiled, kept) <= total_cost(compiled, fallback) else dict(fallback)


def changes_since(compiled: Compiled, previous: Plan, result: Plan) -> list[Move]:
    """Every request whose agent or start changed, with the reasons the data shows."""
    before = {a.request_id: a for a in previous.assignments}
    after = {a.request_id: a for a in result.assignments}
    names = {a.agent.id: a.agent.name for a in compiled.agents}
    moves = []
    for job in compiled.jobs:
        rid = job.request.id
        old, new = before.get(rid), after.get(rid)
        if old is not None and new is not None and (old.agent_id, old.start) == (new.agent_id, new.start):
            continue
        if old is None and new is None:
            continue
        reasons = _reasons(compiled, rid, old.agent_id if old else None, new, before, after, names)
        if old is not None and old.priority != job.triage.priority:
            reasons.append(f"its priority changed from {old.priority.value} to {job.triage.priority.value}")
        if not reasons:
            reasons.append(f"the re-plan, at a total cost of {result.objective}, arranges its agent's work this way")
        moves.append(
            Move(request_id=rid, from_agent=old.agent_id if old else None, to_agent=new.agent_id if new else None,
                 from_start=old.start if old else None, to_start=new.start if new else None, reasons=reasons)
        )  # fmt: skip
    return moves


def _reasons(
    compiled: Compiled,
    rid: str,
    old_agent: str | None,
    new: Assignment | None,
    before: dict[str, Assignment],
    after: dict[str, Assignment],
    names: dict[str, str],
) -> list[str]:
    reasons: list[str] = []
    if old_agent is None:
        reasons.append("it is new since the last plan" if rid not in before else "it was not planned before")
        return reasons
    if old_agent not in names:
        reasons.append("its previous agent is no longer on the team")
    if new is not None:
        ahead = [
            other
            for other in after.values()
            if other.agent_id == new.agent_id and other.request_id not in before
            and other.start_minute < new.start_minute
        ]  # fmt: skip
        if ahead:
            listed = ", ".join(f"{o.request_id} ({o.priority.value})" for o in ahead[:3])
            reasons.append(f"new work ahead of it on {names.get(new.agent_id, new.agent_id)}: {listed}")
    return reasons
