"""What-if: the consequences of forcing a change on a plan, computed by planning again with it forced.

The change becomes a pin (first, assign, before), a leave covering the whole horizon (absent, with the
agent's work in progress unfrozen), or the lead's priority override of one request set or cleared (priority).
Pins and leave do not change how a plan is priced, so the new plan's cost is comparable with the current
one's; a priority does (its weight, its due time, the protection factor), so for a priority change the
current plan is priced again under the changed scenario and both costs are of that scenario. The re-plan is
local when it can be: the changed requests and every request on the agents involved are free, the rest of
the plan is held where it is, starting from the current plan; an absence, which can move work anywhere, is
re-planned in full, warm-started.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta
from typing import NamedTuple

from ortools.sat.python import cp_model

from solver.budget import Budget
from solver.build import Scope, build_model
from solver.compile import Compiled, compile_scenario
from solver.evaluate import Placements, pins_hold, total_cost
from solver.params import SolveParams
from solver.search.heuristic import left_shift
from triage.errors import Problem, ScenarioError
from triage.model import Change, Pin, Scenario, TimeOff
from triage.names import PinKind, PlanStatus, RequestStatus
from triage.results import Plan, Search, Shift, TermDelta, WhatIf

WHAT_IF = "what-if"
NEAREST_AGENTS = 6  # for "first": the qualified agents who could start it soonest are free to take it


def apply_change(scenario: Scenario, change: Change) -> Scenario:
    """The scenario with the change forced; unknown ids raise ScenarioError naming the field."""
    _check_ids(scenario, change)
    if change.kind == "absent":
        away = TimeOff(start=scenario.now.date(), end=scenario.now.date() + timedelta(days=366), reason=WHAT_IF)
        agents = [
            a.model_copy(update={"time_off": [*a.time_off, away]}) if a.id == change.agent else a
            for a in scenario.agents
        ]
        unfreeze = [
            Pin(id=f"{WHAT_IF}:{r.id}", kind=PinKind.UNFREEZE, request=r.id, reason=WHAT_IF)
            for r in scenario.requests
            if r.owner == change.agent and r.status == RequestStatus.IN_PROGRESS
        ]
        return scenario.model_copy(update={"agents": agents, "pins": [*scenario.pins, *unfreeze]})
    if change.kind == "priority":
        requests = [
            r.model_copy(update={"priority_override": change.priority}) if r.id == change.request else r
            for r in scenario.requests
        ]
        return scenario.model_copy(update={"requests": requests})
    pin = Pin(
        id=WHAT_IF,
        kind=PinKind(change.kind),
        request=change.request or "",
        agent=change.agent,
        other=change.other,
        reason=WHAT_IF,
    )
    return scenario.model_copy(update={"pins": [*scenario.pins, pin]})


def _check_ids(scenario: Scenario, change: Change) -> None:
    requests = {r.id for r in scenario.requests if r.status.plannable}
    agents = {a.id for a in scenario.agents}
    problems = [
        Problem(record="change", field=field, message=f"unknown {kind} {value!r}")
        for field, value, known, kind in (
            ("request", change.request, requests, "open request"),
            ("other", change.other, requests, "open request"),
            ("agent", change.agent, agents, "agent"),
        )
        if value is not None and value not in known
    ]
    if problems:
        raise ScenarioError(problems)


def describe(scenario: Scenario, change: Change) -> str:
    names = {a.id: a.name for a in scenario.agents}
    if change.kind == "priority":
        return (
            f"{change.request} at {change.priority.value}"
            if change.priority
            else (f"{change.request} back to the matrix's priority")
        )
    return {
        "first": f"{change.request} first",
        "assign": f"{change.request} to {names.get(change.agent or '', change.agent)}",
        "before": f"{change.request} before {change.other}",
        "absent": f"{names.get(change.agent or '', change.agent)} away",
    }[change.kind]


def current_placements(compiled: Compiled, plan: Plan) -> dict[int, tuple[int, int]]:
    """The plan's assignments on a compiled scenario, where they still fit its candidates."""
    jobs, agents = compiled.job_index(), compiled.agent_index()
    out = {}
    for a in plan.assignments:
        j, agent = jobs.get(a.request_id), agents.get(a.agent_id)
        if j is None or agent is None:
            continue
        candidate = next((c for c in compiled.jobs[j].candidates if c.agent == agent), None)
        own = compiled.agents[agent].own_minute(a.own_span()[0])
        if candidate is not None and candidate.fit(own) == own:
            out[j] = (agent, own)
    return out


def _local_scope(compiled: Compiled, change: Change, current: Placements) -> Scope:
    """The changed requests, and the requests of the agents involved that could be affected: for first and
    before, those that start before the changed requests end now (the ones that may have to yield); for
    assign, all the work of the two agents; for priority (its place may move either way), all the work of its
    teammate and of the qualified teammates who could start it soonest (as for first), and the requests not
    planned that they could do. The rest of the plan is held where it is."""
    jobs, agents = compiled.job_index(), compiled.agent_index()
    changed = [jobs[r] for r in (change.request, change.other) if r is not None]
    involved = {current[j][0] for j in changed if j in current}
    if change.agent is not None:
        involved.add(agents[change.agent])
    if change.kind in ("first", "priority"):
        for j in changed:
            job = compiled.jobs[j]
            soonest = sorted(job.candidates, key=lambda c: compiled.agents[c.agent].team_start(c.earliest_start))
            involved |= {c.agent for c in soonest[:NEAREST_AGENTS]}
    horizon = compiled.horizon_minutes
    whole = change.kind in ("assign", "priority")
    until = horizon if whole else max((_end(compiled, j, current) for j in changed), default=horizon)
    free = set(changed) | {j for j, (a, _) in current.items() if a in involved and _start(compiled, j, current) < until}
    if whole:
        free |= {
            j
            for j, job in enumerate(compiled.jobs)
            if j not in current and any(c.agent in involved for c in job.candidates)
        }
    return Scope(frozenset(free), {j: p for j, p in current.items() if j not in free}, frozenset(involved))


def _start(compiled: Compiled, j: int, current: Placements) -> int:
    agent, own = current[j]
    return compiled.agents[agent].team_start(own)


def _end(compiled: Compiled, j: int, current: Placements) -> int:
    """The team-axis end of a placed request; the horizon's end when it is not placed."""
    if j not in current:
        return compiled.horizon_minutes
    agent, own = current[j]
    return compiled.agents[agent].team_end(own + compiled.jobs[j].effort)


ROUNDS = 3  # a search that does not prove its answer is restarted from its best, in up to this many rounds


class Answer(NamedTuple):
    """A scope's search: the placements found (None: none), whether the search proved its answer (the
    placements the cheapest of the scope, or, with no placements, that the scope cannot hold the change), and
    the cost no arrangement of the scope can go below (CP-SAT's proven bound, the best of the rounds; None
    when nothing was found)."""

    placements: dict[int, tuple[int, int]] | None
    proven: bool
    bound: int | None = None


def solve_scope(compiled: Compiled, scope: Scope, current: Placements, params: SolveParams) -> Answer:
    """Re-plan the scope from the current plan, the rest held, within the time limit: in rounds (the first
    given half the time, each next the time left), each started from the best so far, stopping at the first
    that proves its answer the cheapest of the scope or finds nothing cheaper (restarting from a better plan
    found more than one long run on the demo's alternatives); shifted left when that costs nothing and leaves
    the rest of the plan as it is. (the placements, whether they are proven the cheapest of the scope); None
    when no plan of the scope is found."""
    from solver.run import add_hint, new_solver, read_placements

    built = build_model(compiled, scope)
    budget = Budget.of(params.time_limit_seconds)
    best: dict[int, tuple[int, int]] | None = None
    best_value, proven, hint, bound = None, False, current, None
    for round_ in range(ROUNDS):
        left = budget.left()
        if round_ and left < 0.05:
            break
        built.model.clear_hints()  # type: ignore[no-untyped-call]
        add_hint(built, hint)
        solver = new_solver(params, left if round_ else params.time_limit_seconds / 2)
        status = solver.solve(built.model)
        if status == cp_model.INFEASIBLE:
            return Answer(None, True)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue  # nothing found yet: the rest of the time goes to the next round
        # every round searches the same model, so each one's bound holds for all: the highest is kept
        round_bound = math.ceil(solver.best_objective_bound - 1e-6)
        bound = round_bound if bound is None else max(bound, round_bound)
        if best_value is not None and solver.objective_value >= best_value:
            break
        best, best_value, proven = read_placements(built, solver), solver.objective_value, status == cp_model.OPTIMAL
        if proven:
            break
        hint = best
    if best is None:
        return Answer(None, False)
    assert best_value is not None and bound is not None
    # a later round that finds nothing cheaper can still prove the best so far: its bound reaches it
    proven = proven or bound >= round(best_value)
    bound = round(best_value) if proven else bound
    shifted = left_shift(compiled, best)
    held = all(shifted.get(j) == p for j, p in scope.fixed.items())  # the rest of the plan stays as it is
    if held and total_cost(compiled, shifted) <= total_cost(compiled, best) and pins_hold(compiled, shifted):
        best = shifted
    return Answer(best, proven, bound)


def without_pin(scenario: Scenario, plan: Plan, pin_id: str, params: SolveParams) -> Plan | None:
    """The plan as it would be without one pin: the work of the teammates the pin involves re-planned from the
    current plan, the rest held. None when no such plan is found."""
    from solver.run import extract_plan

    pin = next(p for p in scenario.pins if p.id == pin_id)
    freed = scenario.model_copy(update={"pins": [p for p in scenario.pins if p.id != pin_id]})
    compiled = compile_scenario(freed)
    current = current_placements(compiled, plan)
    jobs, agents = compiled.job_index(), compiled.agent_index()
    involved = {current[jobs[r]][0] for r in (pin.request, pin.other) if r in jobs and jobs[r] in current}
    if pin.agent in agents:
        involved.add(agents[pin.agent])
    free = frozenset(j for j, (a, _) in current.items() if a in involved)
    scope = Scope(free, {j: p for j, p in current.items() if j not in free}, frozenset(involved))
    found = solve_scope(compiled, scope, current, params).placements
    if found is None:
        return None
    return extract_plan(compiled, found, PlanStatus.FEASIBLE, 0, f"without pin {pin_id}")


_last: tuple[Scenario, tuple[object, ...], Compiled] | None = None
"""The scenario last compiled for an alternative (held by identity, with its pins), and its compiled form."""


def compile_changed(scenario: Scenario, change: Change) -> tuple[Scenario, Compiled]:
    """The scenario with the change forced, and its compiled form. A pin (first, assign, before) changes only the
    pins, which the compiled form reads from its scenario: the scenario's own compiled form is made once for the
    alternatives of one plan and given the changed scenario (compiling a 300-request scenario is a third of an
    alternative's time); an absence changes who may take what and a priority changes weights and due times, so
    those are compiled afresh."""
    global _last
    changed = apply_change(scenario, change)
    if change.kind in ("absent", "priority"):
        return changed, compile_scenario(changed)
    last = _last
    pins = tuple(scenario.pins)
    if last is None or last[0] is not scenario or last[1] != pins:
        last = (scenario, pins, compile_scenario(scenario))
        _last = last
    return changed, dataclasses.replace(last[2], scenario=changed)


def local_scope(scenario: Scenario, plan: Plan, change: Change) -> tuple[Compiled, Placements, Scope]:
    """The changed scenario compiled, the plan's placements on it, and the scope an alternative is searched
    in: what `replan_forced` re-arranges and what a check of its claim must search again."""
    compiled = compile_scenario(apply_change(scenario, change))
    current = current_placements(compiled, plan)
    return compiled, current, _local_scope(compiled, change, current)


def replan_forced(
    scenario: Scenario, plan: Plan, change: Change, params: SolveParams
) -> tuple[Scenario, Compiled, Placements | None, str, Search, PlanStatus]:
    """(the changed scenario, its compiled form, the plan with the change forced or None, how it was computed
    or why there is none, the search as its claim states it, and the status: infeasible when the change is
    proven unable to hold, unknown when nothing keeping it was found in the time). The scope of `local_scope`
    is searched; only when it is proven unable to hold the change is everything planned again."""
    from solver.run import plan as full_plan

    changed, compiled = compile_changed(scenario, change)
    current = current_placements(compiled, plan)
    seconds = params.time_limit_seconds
    if change.kind != "absent":
        scope = _local_scope(compiled, change, current)
        found = solve_scope(compiled, scope, current, params)
        agents = tuple(sorted(compiled.agents[a].agent.id for a in scope.agents or ()))
        search = Search(
            agents=agents, requests=len(scope.free), seconds=seconds, proven=found.proven, local=True, bound=found.bound
        )
        if found.placements is not None and change.kind == "priority" and _no_cheaper(compiled, current, found):
            how = f"re-planned {len(scope.free)} request(s) of {len(agents)} teammate(s), the rest held: "
            how += "nothing cheaper than the current plan" + (" exists there" if found.proven else " was found")
            return changed, compiled, current, how, search, PlanStatus.FEASIBLE
        if found.placements is not None:
            how = f"re-planned {len(scope.free)} request(s) of {len(agents)} teammate(s), the rest held"
            how += ", proven the cheapest of that scope" if found.proven else f", the cheapest found in {seconds:g} s"
            return changed, compiled, found.placements, how, search, PlanStatus.FEASIBLE
        if not found.proven:
            why = f"no arrangement of that work keeping it was found in {seconds:g} s"
            return changed, compiled, None, why, search, PlanStatus.UNKNOWN
    result = full_plan(changed, params, warm_start=plan)
    everyone = tuple(sorted(a.id for a in scenario.agents))
    proven = result.status == PlanStatus.OPTIMAL
    search = Search(
        agents=everyone,
        requests=len(compiled.jobs),
        seconds=seconds,
        proven=proven,
        local=False,
        bound=result.best_bound if result.status in (PlanStatus.OPTIMAL, PlanStatus.FEASIBLE) else None,
    )
    if result.status in (PlanStatus.INFEASIBLE, PlanStatus.UNKNOWN):
        why = " ".join(c.text for c in result.conflicts) or "no plan keeping it was found in time."
        return changed, compiled, None, why, search, result.status
    return changed, compiled, current_placements(compiled, result), "re-planned everything", search, result.status


def _no_cheaper(compiled: Compiled, current: Placements, found: Answer) -> bool:
    """Whether the current plan (which holds under a priority change: a priority is no hard rule) costs no
    more than what the search found: then it is the answer, and nothing moves for nothing."""
    assert found.placements is not None
    return total_cost(compiled, current) <= total_cost(compiled, found.placements)


def priced_again(scenario: Scenario, plan: Plan, change: Change) -> Plan:
    """The current plan as it is, priced under the changed scenario (what a priority change is compared with)."""
    from solver.run import extract_plan

    compiled = compile_scenario(apply_change(scenario, change))
    return extract_plan(
        compiled,
        current_placements(compiled, plan),
        plan.status,
        plan.best_bound,
        f"{plan.bound_source}, priced with {describe(scenario, change)}",
    )


def what_if(scenario: Scenario, plan: Plan, change: Change, params: SolveParams | None = None) -> WhatIf:
    """Force the change, plan again, and compare with the current plan term by term and request by request
    (for a priority change, with the current plan priced under the changed scenario)."""
    from solver.run import extract_plan
    from triage.whatif import render_what_if, render_what_if_detail

    params = params or SolveParams(time_limit_seconds=2.0)
    changed, compiled, placements, how, search, status = replan_forced(scenario, plan, change, params)
    holds = already_holds(plan, change)
    if change.kind == "priority":
        plan = priced_again(scenario, plan, change)
        holds = any(r.id == change.request and r.priority_override == change.priority for r in scenario.requests)
    before = {t.term: t.value for t in plan.terms}
    if placements is None:
        re_planned = "re-planned everything" if not search.local else "re-planned the work of the teammates involved"
        result = WhatIf(
            change=describe(scenario, change),
            status=status,
            cost_before=plan.objective,
            cost_after=0,
            terms=[],
            shifts=[],
            re_planned=re_planned,
            conflict=how,
            text="",
            search=search,
        )
    else:
        after = extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, how)
        terms = [TermDelta(term=t.term, before=before.get(t.term, 0), after=t.value) for t in after.terms]
        result = WhatIf(
            change=describe(scenario, change),
            status=PlanStatus.FEASIBLE,
            cost_before=plan.objective,
            cost_after=after.objective,
            terms=terms,
            shifts=shifts(plan, after),
            re_planned=how,
            text="",
            after=after,
            already_holds=holds,
            search=search,
        )
    result.text = render_what_if(changed, result, plan)
    result.detail_text = render_what_if_detail(changed, result, plan)
    return result


def already_holds(plan: Plan, change: Change) -> bool:
    """Whether the current plan already does what the change forces (then a what-if that moves nothing says
    so): the request with that agent, first on its agent, or before the other request; an absent agent with no
    work in the plan. A priority change is not read from the plan (see `what_if`)."""
    mine = plan.assignment(change.request or "")
    if change.kind in ("absent", "priority"):
        return change.kind == "absent" and not any(a.agent_id == change.agent for a in plan.assignments)
    if mine is None:
        return False
    if change.kind == "assign":
        return mine.agent_id == change.agent
    if change.kind == "first":
        return not any(a.agent_id == mine.agent_id and a.start_minute < mine.start_minute for a in plan.assignments)
    other = plan.assignment(change.other or "")
    return other is not None and mine.end_minute <= other.start_minute


def shifts(plan: Plan, after: Plan) -> list[Shift]:
    """Every request whose agent, end or lateness differs between two plans, biggest change first."""
    old = {a.request_id: a for a in plan.assignments}
    new = {a.request_id: a for a in after.assignments}
    out = []
    for rid in sorted(set(old) | set(new)):
        a, b = old.get(rid), new.get(rid)
        if (
            a is not None
            and b is not None
            and (a.agent_id, a.end, a.minutes_late) == (b.agent_id, b.end, b.minutes_late)
        ):
            continue
        out.append(
            Shift(
                request_id=rid,
                agent_before=a.agent_id if a else None,
                agent_after=b.agent_id if b else None,
                end_before=a.end if a else None,
                end_after=b.end if b else None,
                end_minute_before=a.end_minute if a else None,
                end_minute_after=b.end_minute if b else None,
                minutes_late_before=a.minutes_late if a else None,
                minutes_late_after=b.minutes_late if b else None,
            )
        )
    return sorted(out, key=lambda s: (-abs(s.later_by), s.request_id))
