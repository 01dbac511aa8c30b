"""The live re-plan that moves only the neighbourhood of the changes.

Rule: after changes to the queue, only these requests may move: the changed ones (filed, updated, pinned or
unpinned, or whose previous place can no longer be kept) and, up to `LOCAL_REQUESTS` in all, the requests
nearest in time to them held by, or waiting for, an agent in the neighbourhood: the agents qualified for a
changed request, and the agents who held a changed or closed request in the previous plan (their time was
freed or taken). Every other request keeps its place from the previous plan (carried to the new axis by
`solver.replan.placements_from`, each as early as its old start allows). The neighbourhood is solved as one
CP-SAT scope (`solver.build.Scope`, as the large-neighbourhood search does), from the tentative plan (the
previous plan with the new requests inserted); its answer is kept only if it costs less, so the re-plan never
costs more than the tentative plan.

Changed agents (added, removed, or with other hours, time off or skills) are in the neighbourhood, and the
requests they held are changed. When the change is not local (the policy, the calendar, the departments or
the skill catalogue changed), or the held places break a pin, the whole plan is re-planned
(`solver.run.plan`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.bound import per_request_bound
from solver.budget import Budget
from solver.build import Scope, build_model
from solver.compile import Compiled, compile_scenario
from solver.cpsat import add_hint, new_solver, read_placements
from solver.evaluate import Placements, pins_hold, total_cost
from solver.params import SolveParams
from solver.replan import changes_since, placements_from
from solver.run import extract_plan, plan
from triage.explain import explain_plan
from triage.model import Agent, Request, Scenario
from triage.names import PlanStatus
from triage.report import department_shares
from triage.results import Plan

# Requests one live re-plan may move at most: one CP-SAT solve of about this many finds a solution within the
# live re-plan's limits at M; at 183 (every request of the 15 agents qualified for one new request) CP-SAT
# found none in its time (benchmarks/RESULTS.md), and the tentative plan stood unimproved.
LOCAL_REQUESTS = 40


@dataclass(frozen=True)
class Changed:
    """What changed between two scenarios: request ids (new, changed, closed, or named by a pin added or
    removed) and agent ids (added, removed, or with other hours, time off or skills)."""

    requests: frozenset[str]
    agents: frozenset[str]


def changed_between(before: Scenario, after: Scenario) -> Changed | None:
    """The requests and agents that changed between two scenarios; None when something else changed (the
    policy, the calendar, the departments, the skill catalogue), which puts every request's place in question."""
    if any(getattr(before, name) != getattr(after, name) for name in ("policy", "calendar", "departments", "skills")):
        return None
    return Changed(requests=frozenset(_differing(before.requests, after.requests) | _pinned(before, after)),
                   agents=frozenset(_differing(before.agents, after.agents)))  # fmt: skip


def _differing(old: Sequence[Request | Agent], new: Sequence[Request | Agent]) -> set[str]:
    then, now = {x.id: x for x in old}, {x.id: x for x in new}
    return {i for i in then.keys() | now.keys() if then.get(i) != now.get(i)}


def _pinned(before: Scenario, after: Scenario) -> set[str]:
    """The requests named by a pin added, removed or changed."""
    then = {p.model_dump_json(): p for p in before.pins}
    now = {p.model_dump_json(): p for p in after.pins}
    differing = [then.get(k) or now[k] for k in then.keys() ^ now.keys()]
    return {rid for pin in differing for rid in (pin.request, pin.other) if rid}


def neighbourhood(
    compiled: Compiled, previous: Plan, start: Placements, changed: Changed, size: int = LOCAL_REQUESTS
) -> Scope:
    """The scope of the rule above: free the changed requests and, up to `size` requests in all, the requests
    on (or waiting for) an agent of the neighbourhood nearest in time to the changed ones; hold every other
    placed request at its place in `start`."""
    jobs, agent_of = compiled.job_index(), compiled.agent_index()
    held_before = {a.request_id: a.agent_id for a in previous.assignments}
    known = held_before.keys() | {u.request_id for u in previous.unassigned}
    touched = {jobs[r] for r in changed.requests if r in jobs}
    touched |= {jobs[r] for r, a in held_before.items() if a in changed.agents and r in jobs}
    touched |= {j for j, job in enumerate(compiled.jobs) if job.request.id not in known}  # new since
    touched |= {jobs[r] for r in held_before if r in jobs and jobs[r] not in start}  # its place is gone
    agents = {c.agent for j in touched for c in compiled.jobs[j].candidates}
    agents |= {agent_of[held_before[r]] for r in changed.requests if held_before.get(r) in agent_of}
    agents |= {agent_of[a] for a in changed.agents if a in agent_of}
    held = [j for j, (a, _) in start.items() if a in agents and j not in touched]
    waiting = [
        j
        for j, job in enumerate(compiled.jobs)
        if j not in start and j not in touched and any(c.agent in agents for c in job.candidates)
    ]
    free = set(touched) | set(_nearest(compiled, start, touched, held + waiting, max(size - len(touched), 0)))
    fixed = {j: p for j, p in start.items() if j not in free}
    return Scope(frozenset(free), fixed, frozenset(agents))


def _nearest(compiled: Compiled, start: Placements, touched: set[int], others: list[int], count: int) -> list[int]:
    """The `count` of `others` starting nearest (team minutes) to a changed request's place; waiting requests
    (not placed) after the placed ones, in the compiled order (priority first)."""
    centres = [_team_start(compiled, start, j) for j in touched if j in start] or [0]

    def key(j: int) -> tuple[int, int, int]:
        if j not in start:
            return 1, 0, j
        return 0, min(abs(_team_start(compiled, start, j) - c) for c in centres), j

    return sorted(others, key=key)[:count]


def _team_start(compiled: Compiled, start: Placements, j: int) -> int:
    agent, own = start[j]
    return compiled.agents[agent].team_start(own)


def replan_near(scenario: Scenario, params: SolveParams, previous: Plan, changed: Changed | None) -> Plan:
    """Re-plan after `changed` (from `changed_between`; None: re-plan the whole plan), moving only the
    neighbourhood of the changes; the same result for the same inputs under a deterministic limit."""
    if changed is None:
        return plan(scenario, params, previous)
    budget = Budget.of(params.time_limit_seconds)
    compiled = compile_scenario(scenario, previous)
    # no fallback: the routing heuristic's plan would move everything
    start = placements_from(compiled, previous, fallback={})
    if not start and previous.assignments:
        return plan(scenario, params, previous)  # nothing of the previous plan could be carried over
    scope = neighbourhood(compiled, previous, start, changed)
    placements, cost = start, total_cost(compiled, start)
    source = f"neighbourhood of the changes: {len(scope.free)} requests on {len(scope.agents or ())} agents free"
    if scope.free:
        built = build_model(compiled, scope)
        add_hint(built, start)
        solver = new_solver(params, max(budget.left(), 0.05))
        status = solver.solve(built.model)
        source += f", CP-SAT {solver.status_name(status).lower()}, {solver.wall_time:.1f} s"
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = read_placements(built, solver)
            if total_cost(compiled, found) < cost and pins_hold(compiled, found):
                placements = found
    if not pins_hold(compiled, placements):
        return plan(scenario, params, previous)  # a pin the held places cannot keep: the whole plan decides
    result = extract_plan(compiled, placements, PlanStatus.FEASIBLE, per_request_bound(compiled), source)
    result.solve_seconds = round(budget.spent(), 3)
    result.explanations = explain_plan(scenario, result, {j.request.id: j.triage for j in compiled.jobs})
    result.departments = department_shares(scenario, result)
    result.changes = changes_since(compiled, previous, result, params.move_threshold_minutes)
    return result
