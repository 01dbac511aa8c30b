"""Help between peers: `ask_help(scenario, plan, agent_id, params, declined) -> Help`.

An agent above their target load (target_load_pct of their working minutes in the horizon, as the plan's
overload term measures it) asks for help. The plan is solved again over a small scope, with hard rules:

- the asking agent's requests may stay or go to a peer; only peers who hold the skills, have room for it
  (their planned minutes plus the request's effort within their own target) and have not declined that
  request; work in progress and requests pinned to the agent stay (compile and pins see to that);
- every request planned stays planned (help moves work, it never drops it);
- each peer who may receive work ends within their own target; the peers' own work stays with them, but may
  move in time to make room; everything else is held where it is.

When no whole request of the agent can move and their work is late, a late request may be shared instead: a
peer with the skills and the room takes part of it (`solver.swarm`: each part at least the policy's
`swarm_min_minutes`), the plan otherwise as it is, proposed as a `Swarm` with its two parts and a note.

Two CP-SAT solves, lexicographic: first the minutes the agent stays above target x (requests + 1) plus the
requests moved (as close to target as the peers' room allows, then the fewest moves); then, with that held,
the plan's cost under the policy, so the fewest moves that are proposed are also the cheapest ones.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.budget import Budget
from solver.build import Built, LinearExpr, Scope, build_model
from solver.compile import Compiled, compile_scenario
from solver.counterfactual import current_placements
from solver.evaluate import Placements, loads, pins_hold, total_cost
from solver.params import SolveParams
from solver.run import add_hint, extract_plan, new_solver, read_placements
from solver.search.heuristic import left_shift
from solver.swarm import Split, plan_with_parts, proposal, share_late_work
from solver.terms import objective
from triage.errors import Problem, ScenarioError
from triage.help_text import render_help, render_note
from triage.model import Scenario
from triage.names import HelpOutcome, HelpReason, PlanStatus, RequestStatus, StayReason
from triage.results import HandOff, Help, Plan, Stay

DEFAULT_PARAMS = SolveParams(time_limit_seconds=3.0, workers=2)
PEERS_PER_REQUEST = 4  # qualified peers with the most room considered per request: keeps the model small
Declined = frozenset[tuple[str, str]]
"""(request id, agent id) pairs a peer declined: never proposed again."""


@dataclass(frozen=True)
class _Ask:
    """The question, indexed: who asks, the current placements and loads, and where each request may go."""

    compiled: Compiled
    asker: int
    current: dict[int, tuple[int, int]]
    targets: list[int]  # per agent: target minutes in the horizon
    before: list[int]  # per agent: planned minutes in the current plan
    mine: list[int]  # the asking agent's planned requests
    options: dict[int, list[int]]  # request -> peers it may go to
    cap: int  # the asking agent's load to bring them to: their target, or below their load when help is for late work
    reason: HelpReason
    late_before: int  # business minutes the asking agent's planned work is past due, summed


def ask_help(
    scenario: Scenario,
    plan: Plan,
    agent_id: str,
    params: SolveParams | None = None,
    declined: Declined = frozenset(),
) -> Help:
    """Hand-off proposals for an agent above target; an unknown agent raises ScenarioError naming the field."""
    clock = Budget.of(0.0)  # only the time spent is read: the re-plan has its own
    if agent_id not in {a.id for a in scenario.agents}:
        raise ScenarioError([Problem(record="help", field="agent", message=f"unknown agent {agent_id!r}")])
    ask = _prepare(compile_scenario(scenario), plan, agent_id, declined)
    if ask.before[ask.asker] <= ask.cap:
        placements: Placements = ask.current
        how = "nothing re-planned: the agent is not above target and their late work is within the policy's"
    else:
        placements, how = _replan(ask, params or DEFAULT_PARAMS)
        if ask.reason == HelpReason.LATE_WORK and _late(ask, _plan_of(ask, placements)) >= ask.late_before:
            placements, how = ask.current, "nothing handed off: no hand-off makes their late work earlier"
    splits: list[Split] = []
    if ask.before[ask.asker] > ask.cap and all(placements[j][0] == ask.asker for j in ask.mine if j in placements):
        splits = share_late_work(ask.compiled, ask.current, ask.asker, declined)  # no whole request can move
        if splits:
            placements = ask.current
            how += f"; {len(splits)} late request(s) shared with a peer, the rest of the plan as it is"
    return _answer(scenario, plan, ask, dict(placements), splits, declined, how, clock.spent())


def _plan_of(ask: _Ask, placements: Placements, splits: list[Split] | None = None, how: str = "") -> Plan:
    """The plan of the placements, with the shared requests in their parts."""
    if splits:
        return plan_with_parts(ask.compiled, placements, splits, how)
    return extract_plan(ask.compiled, dict(placements), PlanStatus.FEASIBLE, 0, how)


def _late(ask: _Ask, after: Plan) -> int:
    """Business minutes the agent's requests (those they had) are past due in a plan, wherever they went:
    handing a late request on unchanged is no help."""
    theirs = {ask.compiled.jobs[j].request.id for j in ask.mine}
    return sum(a.minutes_late for a in after.assignments if a.request_id in theirs)


def _cap(
    compiled: Compiled, plan: Plan, agent_id: str, asker: int, mine: list[int], before: list[int]
) -> tuple[int, HelpReason, int]:
    """(the load to bring the agent to, why, their late minutes): their target when above it; when within it but
    their planned work is late by more than the policy's `help_late_minutes`, their load less their smallest late
    request (so that at least one request is handed off, the cheapest under the policy)."""
    target = compiled.agents[asker].target_minutes
    late = {a.request_id: a.minutes_late for a in plan.assignments if a.agent_id == agent_id}
    late_total = sum(late.values())
    threshold = compiled.scenario.policy.help_late_minutes
    if before[asker] > target or threshold is None or late_total <= threshold:
        return target, HelpReason.OVER_TARGET, late_total
    late_efforts = [compiled.jobs[j].effort for j in mine if late.get(compiled.jobs[j].request.id, 0) > 0]
    return before[asker] - min(late_efforts), HelpReason.LATE_WORK, late_total


def _prepare(compiled: Compiled, plan: Plan, agent_id: str, declined: Declined) -> _Ask:
    current = current_placements(compiled, plan)
    asker = compiled.agent_index()[agent_id]
    targets = [a.target_minutes for a in compiled.agents]
    before = loads(compiled, current)
    mine = sorted(j for j, (a, _) in current.items() if a == asker)
    pinned = compiled.pins.assigned_to  # an assign pin keeps the request with its agent
    options = {}
    for j in mine:
        job = compiled.jobs[j]
        room = [
            c.agent
            for c in job.candidates
            if c.agent != asker
            and (job.request.id, compiled.agents[c.agent].agent.id) not in declined
            and before[c.agent] + job.effort <= targets[c.agent]
        ]
        room.sort(key=lambda b: (before[b] - targets[b], b))
        options[j] = [] if j in pinned else room[:PEERS_PER_REQUEST]
    cap, reason, late = _cap(compiled, plan, agent_id, asker, mine, before)
    return _Ask(compiled, asker, current, targets, before, mine, options, cap, reason, late)


def _replan(ask: _Ask, params: SolveParams) -> tuple[Placements, str]:
    """The two solves over the scope; the current plan when no peer can take anything."""
    receivers = sorted({b for peers in ask.options.values() for b in peers})
    if not receivers:
        return ask.current, "nothing re-planned: no teammate has the skills and the room"
    theirs = [j for j, (a, _) in ask.current.items() if a in receivers]
    free = frozenset([*ask.mine, *theirs])
    scope = Scope(free, {j: p for j, p in ask.current.items() if j not in free}, frozenset([ask.asker, *receivers]))
    built = build_model(_restricted(ask, theirs), scope)
    add_hint(built, ask.current)
    relief = _help_rules(built, ask, receivers)
    cost = objective(built, ask.compiled)
    budget = Budget.of(params.time_limit_seconds)
    built.model.minimize(relief)
    first = _solve(built, params, params.time_limit_seconds / 2)
    if first is None:
        return ask.current, "nothing re-planned: no re-plan was found in time"
    placements, value = first
    built.model.add(relief <= value)
    built.model.minimize(cost)
    placements = _cheapest(built, params, placements, budget)
    shifted = left_shift(ask.compiled, dict(placements))
    if total_cost(ask.compiled, shifted) <= total_cost(ask.compiled, placements) and pins_hold(ask.compiled, shifted):
        placements = shifted  # the same hands, nobody waiting for no reason
    name = ask.compiled.agents[ask.asker].agent.name
    how = f"re-planned {len(free)} request(s) of {len(receivers) + 1} teammate(s) with {name} capped, the rest held"
    return placements, how


def _restricted(ask: _Ask, theirs: list[int]) -> Compiled:
    """The scenario's compiled form where the agent's requests may go only to their peers with room (or stay),
    and the peers' own requests stay with them."""
    jobs = list(ask.compiled.jobs)
    for j in ask.mine:
        allowed = {ask.asker, *ask.options[j]}
        jobs[j] = dataclasses.replace(jobs[j], candidates=[c for c in jobs[j].candidates if c.agent in allowed])
    for j in theirs:
        owner = ask.current[j][0]
        jobs[j] = dataclasses.replace(jobs[j], candidates=[c for c in jobs[j].candidates if c.agent == owner])
    return dataclasses.replace(ask.compiled, jobs=jobs)


def _help_rules(built: Built, ask: _Ask, receivers: list[int]) -> LinearExpr:
    """Hard rules of a hand-off, and the relief objective: minutes above target x (requests + 1) + moves."""
    model, jobs = built.model, ask.compiled.jobs

    def load(agent: int) -> LinearExpr:
        return cp_model.LinearExpr.sum([jobs[j].effort * v for (j, a), v in built.present.items() if a == agent])

    for j in built.scope.free:
        model.add(built.deferred[j] == 0)  # help moves work, it never drops it
    for b in receivers:
        model.add(load(b) <= ask.targets[b])
    over = model.new_int_var(0, ask.before[ask.asker], "help_over_cap")
    model.add(over >= load(ask.asker) - ask.cap)
    mine = set(ask.mine)
    moves = cp_model.LinearExpr.sum([v for (j, a), v in built.present.items() if j in mine and a != ask.asker])
    return over * (len(ask.mine) + 1) + moves


def _solve(built: Built, params: SolveParams, seconds: float) -> tuple[dict[int, tuple[int, int]], int] | None:
    solver = new_solver(params, seconds)
    if solver.solve(built.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return read_placements(built, solver), round(solver.objective_value)


ROUND_SECONDS = 0.5  # the cost phase runs in rounds and stops at the first round that finds nothing cheaper


def _cheapest(
    built: Built, params: SolveParams, start: dict[int, tuple[int, int]], budget: Budget
) -> dict[int, tuple[int, int]]:
    """The cheapest plan keeping the relief found, in short rounds each started from the best so far: the cost
    bound is weak (lateness weights), so waiting for a proof would use the whole time limit for little."""
    best, best_value = start, None
    while (left := budget.left()) > 0.05:
        built.model.clear_hints()  # type: ignore[no-untyped-call]
        add_hint(built, best)
        found = _solve(built, params, min(ROUND_SECONDS, left))
        if found is None or (best_value is not None and found[1] >= best_value):
            break
        best, best_value = found
    return best


def _answer(
    scenario: Scenario,
    plan: Plan,
    ask: _Ask,
    placements: dict[int, tuple[int, int]],
    splits: list[Split],
    declined: Declined,
    how: str,
    seconds: float,
) -> Help:
    compiled, asker = ask.compiled, ask.asker
    after = _plan_of(ask, placements, splits, how)
    after_loads = loads(compiled, placements)
    for split in splits:  # the peer's part is theirs
        after_loads[split.owner] -= split.peer_minutes
        after_loads[split.peer] += split.peer_minutes
    over_after = max(after_loads[asker] - ask.targets[asker], 0)
    moved = [j for j in ask.mine if placements[j][0] != asker]
    proposals = [_hand_off(scenario, plan, after, ask, after_loads, j, placements[j][0]) for j in moved]
    swarms = [proposal(scenario, compiled, split, ask.before, after_loads) for split in splits]
    over_cap = max(after_loads[asker] - ask.cap, 0)
    stays = [_stay(ask, j, over_cap, declined) for j in ask.mine if placements[j][0] == asker]
    late_after = _late(ask, after)
    if ask.before[asker] <= ask.cap:
        outcome = HelpOutcome.NOT_OVER
    elif swarms:
        outcome = HelpOutcome.SHARED
    elif ask.reason == HelpReason.LATE_WORK:
        outcome = HelpOutcome.RELIEVED if moved else HelpOutcome.NO_HAND_OFF
    else:
        outcome = HelpOutcome.RELIEVED if over_after == 0 else HelpOutcome.PARTLY if moved else HelpOutcome.NO_HAND_OFF
    named = {s for stay in stays for s in stay.required_skills}
    result = Help(
        agent_id=compiled.agents[asker].agent.id,
        agent_name=compiled.agents[asker].agent.name,
        outcome=outcome,
        planned_before=ask.before[asker],
        planned_after=after_loads[asker],
        target_minutes=ask.targets[asker],
        over_after=over_after,
        horizon_days=scenario.policy.horizon_days,
        moves=len(proposals),
        reason=ask.reason,
        late_before=ask.late_before,
        late_after=late_after,
        late_threshold_minutes=scenario.policy.help_late_minutes,
        proposals=proposals,
        stays=stays,
        swarms=swarms,
        skill_names={s.id: s.name for s in scenario.skills if s.id in named},
        re_planned=how,
        solve_seconds=round(seconds, 3),
        text="",
        after=after,
    )
    result.text = render_help(result)
    return result


def _hand_off(
    scenario: Scenario, plan: Plan, after: Plan, ask: _Ask, after_loads: list[int], j: int, peer: int
) -> HandOff:
    request, asker = ask.compiled.jobs[j].request, ask.compiled.agents[ask.asker].agent
    to = ask.compiled.agents[peer].agent
    was, now = plan.assignment(request.id), after.assignment(request.id)
    assert now is not None
    h = HandOff(
        request_id=request.id,
        title=request.title,
        department_id=request.department,
        department_name=scenario.department(request.department).name,
        requester=request.requester,
        effort_minutes=request.effort_minutes,
        from_agent_id=asker.id,
        from_agent_name=asker.name,
        to_agent_id=to.id,
        to_agent_name=to.name,
        from_planned_before=ask.before[ask.asker],
        from_planned_after=after_loads[ask.asker],
        from_target_minutes=ask.targets[ask.asker],
        to_planned_before=ask.before[peer],
        to_planned_after=after_loads[peer],
        to_target_minutes=ask.targets[peer],
        horizon_days=scenario.policy.horizon_days,
        start_before=was.start if was else None,
        end_before=was.end if was else None,
        minutes_late_before=was.minutes_late if was else 0,
        start_after=now.start,
        end_after=now.end,
        minutes_late_after=now.minutes_late,
        timezone=scenario.calendar.timezone,
        now=scenario.now,
        reason=ask.reason,
        from_late_before=ask.late_before,
    )
    h.note = render_note(h)
    return h


def _stay(ask: _Ask, j: int, over_after: int, declined: Declined) -> Stay:
    """Why one of the agent's requests stays with them."""
    job = ask.compiled.jobs[j]
    others = [c.agent for c in job.candidates if c.agent != ask.asker]
    qualified = [b for b in job.qualified_agents if b != ask.asker]
    with_room = [b for b in others if ask.before[b] + job.effort <= ask.targets[b]]
    if job.request.status == RequestStatus.IN_PROGRESS and not others:
        reason = StayReason.IN_PROGRESS
    elif j in ask.compiled.pins.assigned_to:
        reason = StayReason.PINNED
    elif not qualified:
        reason = StayReason.NO_SKILL
    elif over_after == 0:
        reason = StayReason.NOT_NEEDED
    elif with_room and all((job.request.id, ask.compiled.agents[b].agent.id) in declined for b in with_room):
        reason = StayReason.DECLINED
    elif with_room and ask.reason == HelpReason.LATE_WORK:
        reason = StayReason.NOT_EARLIER
    else:
        reason = StayReason.NO_ROOM
    skills = dict(job.request.required_skills) if reason in (StayReason.NO_SKILL, StayReason.NO_ROOM) else {}
    return Stay(request_id=job.request.id, effort_minutes=job.effort, reason=reason, required_skills=skills)
