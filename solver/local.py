"""The live re-plan that moves only the neighbourhood of the changes.

Rule: after changes to the queue, only these requests may move: the changed ones (filed, updated, pinned or
unpinned, or whose previous place can no longer be kept) and, up to `LOCAL_REQUESTS` in all, the requests
nearest in time to them held by, or waiting for, an agent in the neighbourhood: the agents qualified for a
changed request, and the agents who held a changed or closed request in the previous plan (their time was
freed or taken). Every other request keeps its place from the previous plan (carried to the new axis by
`solver.replan.placements_from`, each as early as its old start allows). The neighbourhood is solved as one
CP-SAT scope (`solver.build.Scope`, as the large-neighbourhood search does), from the tentative plan (the
previous plan with the new requests inserted); its answer is kept only if it comes closer to the urgent caps
(`solver.protect.UrgentCaps`, under `protect_priorities`) or, as close to them, costs less with the price of its
moves (below) counted: the re-plan is never further above the caps than the tentative plan and, no nearer to
them, never costs more.

Changed agents (added, removed, or with other hours, time off or skills) are in the neighbourhood, and the
requests they held are changed. When the change is not local (the policy, the calendar, the departments or
the skill catalogue changed), or the held places break a pin, the whole plan is re-planned
(`solver.run.plan`).

Worth its churn: the neighbourhood's objective is the plan's cost plus a price for each request of the
previous plan it moves (`MovePrice`: the policy's `replan_agent_change_cost` for another agent or none,
`replan_finish_shift_cost` for the same agent with the expected finish more than `move_threshold_minutes`
from the previous plan's), so a request moves only when that saves more than its price; the tentative plan
is priced the same way, and the answer is kept only when plan cost plus price is lower. New requests are
inserted where they cost least (`cheapest_insertion`: each qualified agent's earliest gap, priced whole),
when that pricing is small enough for a live re-plan (`CHEAPEST_INSERTION_WORK`), else in the gap that
finishes first.

Repeatable: with a deterministic limit (`SolveParams.deterministic_limit`, one worker, a fixed seed) the
search's answer is the same on any machine; when the wall-clock limit (the backstop) stops the search
before its work limit, its answer depends on the machine's load, so it is dropped and the tentative plan
stands: the same inputs give one of two plans, both repeatable, never a time-dependent one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.bound import per_request_bound
from solver.budget import Budget
from solver.build import Built, LinearExpr, Scope, build_model
from solver.compile import Compiled, compile_scenario
from solver.cpsat import add_hint, new_solver, read_placements
from solver.evaluate import Placements, pins_hold, total_cost
from solver.params import SolveParams
from solver.protect import protection_factor
from solver.replan import changes_since, placements_from
from solver.run import extract_plan, plan
from solver.search.insert import Timelines
from solver.terms import objective
from solver.terms.base import team_end
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
    return Changed(
        requests=frozenset(_differing(before.requests, after.requests) | _pinned(before, after)),
        agents=frozenset(_differing(before.agents, after.agents)),
    )


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


@dataclass(frozen=True)
class MovePrice:
    """What the live re-plan charges for moving a request of the previous plan (`triage.model.Policy`'s
    `replan_agent_change_cost` and `replan_finish_shift_cost`, scaled like churn by `protect_priorities`),
    against where it was: job -> (agent index, or None when that agent is gone; team-axis end)."""

    agent_change: int
    finish_shift: int
    threshold: int
    was: dict[int, tuple[int | None, int]]

    @classmethod
    def of(cls, compiled: Compiled, previous: Plan, threshold_minutes: int) -> MovePrice:
        policy, factor = compiled.scenario.policy, protection_factor(compiled)
        jobs, agents = compiled.job_index(), compiled.agent_index()
        was = {
            jobs[a.request_id]: (agents.get(a.agent_id), compiled.axis.minute_of(a.end))
            for a in previous.assignments
            if a.request_id in jobs
        }
        return cls(
            policy.replan_agent_change_cost * factor, policy.replan_finish_shift_cost * factor, threshold_minutes, was
        )

    def of_job(self, compiled: Compiled, j: int, placement: tuple[int, int] | None) -> int:
        if j not in self.was:
            return 0  # new since the previous plan: nothing to move
        agent, end = self.was[j]
        if placement is None or placement[0] != agent:
            return self.agent_change
        return self.finish_shift if abs(team_end(compiled, j, placement) - end) > self.threshold else 0

    def total(self, compiled: Compiled, placements: Placements) -> int:
        return sum(self.of_job(compiled, j, placements.get(j)) for j in self.was)

    def add_to(self, built: Built, compiled: Compiled, start: Placements) -> LinearExpr:
        """The price of the scope's free requests as a model expression (held requests keep their places, so
        their price is a constant left out), hinted with `start`'s."""
        model, parts = built.model, []
        for j in sorted(built.scope.free & self.was.keys()):
            agent, end = self.was[j]
            same = built.present.get((j, agent)) if agent is not None else None
            if same is None:
                continue  # it cannot stay with its agent: the same price whatever the model decides
            kept = model.new_bool_var(f"kept[{compiled.jobs[j].request.id}]")
            model.add_implication(kept, same)
            model.add(built.team_end[j] <= end + self.threshold).only_enforce_if(kept)
            model.add(built.team_end[j] >= end - self.threshold).only_enforce_if(kept)
            model.add_hint(kept, self.of_job(compiled, j, start.get(j)) == 0)
            parts.append(self.agent_change * (1 - same) + self.finish_shift * (same - kept))
        return cp_model.LinearExpr.sum(parts)


def cheapest_insertion(compiled: Compiled, placements: Placements, new: list[int]) -> dict[int, tuple[int, int]]:
    """`placements` with each of the `new` jobs (in routing order) at the qualified agent's earliest gap that
    makes the whole plan cost least, or left out when that costs least; nothing else moves."""
    out = {j: p for j, p in placements.items() if j not in new}
    timelines = Timelines(compiled, out)
    for j in sorted(new, key=lambda k: compiled.jobs[k].sort_key()):
        job = compiled.jobs[j]
        best, best_cost = None, total_cost(compiled, out)
        for c in job.candidates:
            own = timelines.earliest_fit(c, job.effort)
            if own is None:
                continue
            cost = total_cost(compiled, {**out, j: (c.agent, own)})
            if cost < best_cost:
                best, best_cost = (c.agent, own), cost
        if best is not None:
            out[j] = best
            timelines.book(best[0], best[1], job.effort)
    return out


def priced_model(compiled: Compiled, scope: Scope, start: Placements, price: MovePrice, strict: bool = False) -> Built:
    """The scope's model, hinted with `start`, minimising the plan's cost plus the price of the moves; never
    above the urgent caps, nor above the start where it is already above them (unless `strict`: the caps)."""
    built = build_model(compiled, scope)
    if (caps := compiled.urgent_caps) is not None:
        caps.add_to(built, compiled, None if strict else caps.limits(compiled, start))
    add_hint(built, start)
    built.model.minimize(cp_model.LinearExpr.sum([objective(built, compiled), price.add_to(built, compiled, start)]))
    return built


# Cheapest insertion prices the whole plan once per new request and qualified agent: at most this many
# (new requests x their qualified agents x requests) priced request-terms, about a quarter of a second of
# pricing (one new request at M: 15 agents x 300 requests); beyond it (several new requests at M, any at L,
# where one plan's price takes about 50 ms), the new requests keep the earliest-finish gap.
CHEAPEST_INSERTION_WORK = 20_000


def replan_near(scenario: Scenario, params: SolveParams, previous: Plan, changed: Changed | None) -> Plan:
    """Re-plan after `changed` (from `changed_between`; None: re-plan the whole plan), moving only the
    neighbourhood of the changes and a request only when that is worth its price; the same result for the
    same inputs under a deterministic limit."""
    if changed is None:
        return plan(scenario, params, previous)
    budget = Budget.of(params.time_limit_seconds)
    compiled = compile_scenario(scenario, previous)
    # no fallback: the routing heuristic's plan would move everything
    start = placements_from(compiled, previous, fallback={})
    if not start and previous.assignments:
        return plan(scenario, params, previous)  # nothing of the previous plan could be carried over
    price = MovePrice.of(compiled, previous, params.move_threshold_minutes)
    new = [j for j in range(len(compiled.jobs)) if j not in price.was]
    if sum(len(compiled.jobs[j].candidates) for j in new) * len(compiled.jobs) <= CHEAPEST_INSERTION_WORK:
        inserted = cheapest_insertion(compiled, start, new)
        if _standing(compiled, inserted) <= _standing(compiled, start) and pins_hold(compiled, inserted):
            start = inserted
    scope = neighbourhood(compiled, previous, start, changed)
    placements = start
    cost = total_cost(compiled, start) + price.total(compiled, start)
    source = f"neighbourhood of the changes: {len(scope.free)} requests on {len(scope.agents or ())} agents free"
    # With the start above the urgent caps (a new P1 behind others, say), the neighbourhood is first asked to
    # keep the caps themselves; only when it cannot (or finds no plan in its work) is it held to the start's
    # level, so that the calm plan comes as close to them as the neighbourhood allows.
    attempts = ((True, False) if _excess(compiled, start) > 0 else (False,)) if scope.free else ()
    for strict in attempts:
        built = priced_model(compiled, scope, start, price, strict)
        solver = new_solver(params, max(budget.left(), 0.05))
        status = solver.solve(built.model)
        work = solver.response_proto.deterministic_time
        source += f", CP-SAT {solver.status_name(status).lower()} after {work:.2f} work units"
        source += " within the urgent caps" if strict else ""
        if _cut_by_the_clock(solver, status, params):
            source += " (stopped by the wall-clock limit before its work limit: not used)"
        elif status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = read_placements(built, solver)
            closer = _excess(compiled, found) < _excess(compiled, start)  # to the urgent caps: first
            cheaper = total_cost(compiled, found) + price.total(compiled, found) < cost
            if (closer or cheaper) and pins_hold(compiled, found):
                placements = found
                break
    if not pins_hold(compiled, placements):
        return plan(scenario, params, previous)  # a pin the held places cannot keep: the whole plan decides
    if (above := _excess(compiled, placements)) > 0:
        # The calm plan stands: re-planning everything would move the work of teammates the change does not
        # concern (the live queue's promise). It says how far its urgent work is above the limits; a lead's
        # plan (`solver.run.plan`) brings it within.
        source += f"; urgent work {above} minutes above the urgent limits (a full plan brings it within)"
    result = extract_plan(compiled, placements, PlanStatus.FEASIBLE, per_request_bound(compiled), source)
    result.solve_seconds = round(budget.spent(), 3)
    result.explanations = explain_plan(scenario, result, {j.request.id: j.triage for j in compiled.jobs})
    result.departments = department_shares(scenario, result)
    result.changes = changes_since(compiled, previous, result, params.move_threshold_minutes)
    return result


def _standing(compiled: Compiled, placements: Placements) -> tuple[int, int]:
    """What the re-plan compares plans by: minutes above the urgent caps first, then cost."""
    return _excess(compiled, placements), total_cost(compiled, placements)


def _excess(compiled: Compiled, placements: Placements) -> int:
    caps = compiled.urgent_caps
    return 0 if caps is None else caps.excess_of(compiled, placements)


def _cut_by_the_clock(solver: cp_model.CpSolver, status: cp_model.CpSolverStatus, params: SolveParams) -> bool:
    """Whether the search ended at the wall-clock limit before its deterministic one (then its answer
    depends on the machine's load)."""
    if params.deterministic_limit is None or status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        return False
    return bool(solver.response_proto.deterministic_time < params.deterministic_limit)
