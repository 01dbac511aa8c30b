"""What-if: the consequences of forcing a change on a plan, computed by planning again with it forced.

The change becomes a pin (first, assign, before) or a leave covering the whole horizon (absent, with the
agent's work in progress unfrozen). Pins and leave do not change how a plan is priced, so the new plan's
cost is comparable with the current one's. The re-plan is local when it can be: the changed requests and
every request on the agents involved are free, the rest of the plan is held where it is, starting from
the current plan; an absence, which can move work anywhere, is re-planned in full, warm-started.
"""

from __future__ import annotations

from datetime import timedelta

from ortools.sat.python import cp_model

from solver.build import Scope, build_model
from solver.compile import Compiled, compile_scenario
from solver.evaluate import Placements, pins_hold, total_cost
from solver.params import SolveParams
from solver.search.heuristic import left_shift
from triage.errors import Problem, ScenarioError
from triage.model import Change, Pin, Scenario, TimeOff
from triage.names import PinKind, PlanStatus, RequestStatus
from triage.results import Plan, Shift, TermDelta, WhatIf

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
    pin = Pin(id=WHAT_IF, kind=PinKind(change.kind), request=change.request or "", agent=change.agent,
              other=change.other, reason=WHAT_IF)  # fmt: skip
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
        own = compiled.agents[agent].own_minute(a.start_minute)
        if candidate is not None and candidate.earliest_start <= own <= candidate.latest_start:
            out[j] = (agent, own)
    return out


def _local_scope(compiled: Compiled, change: Change, current: Placements) -> Scope:
    """The changed requests, and the requests of the agents involved that could be affected: for first and
    before, those that start before the changed requests end now (the ones that may have to yield); for
    assign, all the work of the two agents. The rest of the plan is held where it is."""
    jobs, agents = compiled.job_index(), compiled.agent_index()
    changed = [jobs[r] for r in (change.request, change.other) if r is not None]
    involved = {current[j][0] for j in changed if j in current}
    if change.agent is not None:
        involved.add(agents[change.agent])
    if change.kind == "first":
        for j in changed:
            job = compiled.jobs[j]
            soonest = sorted(job.candidates, key=lambda c: compiled.agents[c.agent].team_start(c.earliest_start))
            involved |= {c.agent for c in soonest[:NEAREST_AGENTS]}
    horizon = compiled.horizon_minutes
    until = horizon if change.kind == "assign" else max((_end(compiled, j, current) for j in changed), default=horizon)
    free = set(changed) | {j for j, (a, _) in current.items() if a in involved and _start(compiled, j, current) < until}
    if change.kind == "assign":
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


def solve_scope(
    compiled: Compiled, scope: Scope, current: Placements, params: SolveParams
) -> dict[int, tuple[int, int]] | None:
    """Re-plan the scope from the current plan, the rest held; shifted left when that costs nothing. None
    when no plan of the scope is found."""
    from solver.run import add_hint, new_solver, read_placements

    built = build_model(compiled, scope)
    add_hint(built, current)
    solver = new_solver(params, params.time_limit_seconds)
    if solver.solve(built.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    found = read_placements(built, solver)
    shifted = left_shift(compiled, found)
    if total_cost(compiled, shifted) <= total_cost(compiled, found) and pins_hold(compiled, shifted):
        found = shifted
    return found


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
    found = solve_scope(compiled, scope, current, params)
    if found is None:
        return None
    return extract_plan(compiled, found, PlanStatus.FEASIBLE, 0, f"without pin {pin_id}")


def replan_forced(
    scenario: Scenario, plan: Plan, change: Change, params: SolveParams
) -> tuple[Scenario, Compiled, Placements | None, str]:
    """(the changed scenario, its compiled form, the plan with the change forced or None when it cannot
    hold, how it was computed or why it cannot hold)."""
    from solver.run import plan as full_plan

    changed = apply_change(scenario, change)
    compiled = compile_scenario(changed)
    current = current_placements(compiled, plan)
    if change.kind != "absent":
        scope = _local_scope(compiled, change, current)
        found = solve_scope(compiled, scope, current, params)
        if found is not None:
            how = f"re-planned {len(scope.free)} request(s) of {len(scope.agents or ())} teammate(s), the rest held"
            return changed, compiled, found, how
    result = full_plan(changed, params, warm_start=plan)
    if result.status in (PlanStatus.INFEASIBLE, PlanStatus.UNKNOWN):
        why = " ".join(c.text for c in result.conflicts) or "no plan keeping it was found in time."
        return changed, compiled, None, why
    return changed, compiled, current_placements(compiled, result), "re-planned everything"


def what_if(scenario: Scenario, plan: Plan, change: Change, params: SolveParams | None = None) -> WhatIf:
    """Force the change, plan again, and compare with the current plan term by term and request by request."""
    from solver.run import extract_plan
    from triage.whatif import render_what_if, render_what_if_detail

    params = params or SolveParams(time_limit_seconds=2.0)
    changed, compiled, placements, how = replan_forced(scenario, plan, change, params)
    before = {t.term: t.value for t in plan.terms}
    if placements is None:
        result = WhatIf(change=describe(scenario, change), status=PlanStatus.INFEASIBLE, cost_before=plan.objective,
                        cost_after=0, terms=[], shifts=[], re_planned="re-planned everything", conflict=how,
                        text="")  # fmt: skip
    else:
        after = extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, how)
        terms = [TermDelta(term=t.term, before=before.get(t.term, 0), after=t.value) for t in after.terms]
        result = WhatIf(change=describe(scenario, change), status=PlanStatus.FEASIBLE, cost_before=plan.objective,
                        cost_after=after.objective, terms=terms, shifts=shifts(plan, after), re_planned=how, text="",
                        after=after, already_holds=already_holds(plan, change))  # fmt: skip
    result.text = render_what_if(changed, result, plan)
    result.detail_text = render_what_if_detail(changed, result, plan)
    return result


def already_holds(plan: Plan, change: Change) -> bool:
    """Whether the current plan already does what the change forces (then a what-if that moves nothing says
    so): the request with that agent, first on its agent, or before the other request; an absent agent with no
    work in the plan."""
    mine = plan.assignment(change.request or "")
    if change.kind == "absent":
        return not any(a.agent_id == change.agent for a in plan.assignments)
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
            Shift(request_id=rid, agent_before=a.agent_id if a else None, agent_after=b.agent_id if b else None,
                  end_before=a.end if a else None, end_after=b.end if b else None,
                  end_minute_before=a.end_minute if a else None, end_minute_after=b.end_minute if b else None,
                  minutes_late_before=a.minutes_late if a else None, minutes_late_after=b.minutes_late if b else None)
        )  # fmt: skip
    return sorted(out, key=lambda s: (-abs(s.later_by), s.request_id))
