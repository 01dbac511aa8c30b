"""`plan(scenario, params) -> Plan`: the only place a CpSolver runs.

The routing heuristic's plan is given to CP-SAT as a hint. If CP-SAT finds nothing within the time
limit, the heuristic's plan is returned, priced by the same model (solved with every choice fixed), with
status `feasible` and the bound CP-SAT proved meanwhile. A plan is always returned, never an exception.
"""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from solver.build import Built, build_model
from solver.compile import Compiled, compile_scenario
from solver.heuristic import Placement, route_earliest_finish
from solver.params import SolveParams
from triage.explain import explain_plan
from triage.model import Scenario
from triage.names import PlanStatus, Term
from triage.results import Assignment, Plan, TermValue, Unassigned

_UNITS = {
    Term.LATENESS: "weighted minutes",
    Term.DEFERRAL: "weighted minutes",
    Term.OVERLOAD: "minutes",
    Term.SPREAD: "per mille",
}


def plan(scenario: Scenario, params: SolveParams | None = None) -> Plan:
    """Plan a scenario within the time limit; the plan says how good it is."""
    params = params or SolveParams()
    started = time.perf_counter()
    compiled = compile_scenario(scenario)
    built = build_model(compiled)
    placements = route_earliest_finish(compiled)
    _hint(built, placements)
    solver = _solver(params, params.time_limit_seconds)
    status = solver.solve(built.model)
    bound = int(solver.best_objective_bound) if status != cp_model.UNKNOWN else 0
    source = f"CP-SAT {solver.status_name(status).lower()}, {params.workers} workers, {solver.wall_time:.1f} s"
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        plan_status = PlanStatus.OPTIMAL if status == cp_model.OPTIMAL else PlanStatus.FEASIBLE
    elif status == cp_model.INFEASIBLE:
        plan_status = PlanStatus.INFEASIBLE
    else:  # nothing found in time: price the heuristic's plan with the same model
        built, solver = _price_fixed(compiled, placements, params)
        plan_status = PlanStatus.FEASIBLE
        source += "; plan from the routing heuristic"
    result = _extract(compiled, built, solver, plan_status, bound, source)
    result.solve_seconds = round(time.perf_counter() - started, 3)
    result.explanations = explain_plan(scenario, result, {j.request.id: j.triage for j in compiled.jobs})
    return result


def plan_by_routing(scenario: Scenario, params: SolveParams | None = None) -> Plan:
    """The routing heuristic's plan alone, priced under the policy: the baseline the planner must beat."""
    params = params or SolveParams()
    started = time.perf_counter()
    compiled = compile_scenario(scenario)
    built, solver = _price_fixed(compiled, route_earliest_finish(compiled), params)
    result = _extract(compiled, built, solver, PlanStatus.FEASIBLE, 0, "none: routing heuristic, not searched")
    result.solve_seconds = round(time.perf_counter() - started, 3)
    result.explanations = explain_plan(scenario, result, {j.request.id: j.triage for j in compiled.jobs})
    return result


def _solver(params: SolveParams, time_limit: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = params.workers
    solver.parameters.random_seed = params.random_seed
    solver.parameters.relative_gap_limit = params.relative_gap_limit
    solver.parameters.log_search_progress = params.log_search
    return solver


def _hint(built: Built, placements: list[Placement]) -> None:
    chosen = {(p.job, p.agent): p.own_start for p in placements}
    placed = {p.job for p in placements}
    for (j, a), var in built.present.items():
        built.model.add_hint(var, (j, a) in chosen)
        if (j, a) in chosen:
            built.model.add_hint(built.own_start[j, a], chosen[j, a])
    for j, var in built.deferred.items():
        built.model.add_hint(var, j not in placed)


def _price_fixed(
    compiled: Compiled, placements: list[Placement], params: SolveParams
) -> tuple[Built, cp_model.CpSolver]:
    """Solve the model with every choice fixed to the heuristic's, to read its term values."""
    built = build_model(compiled)
    chosen = {(p.job, p.agent): p.own_start for p in placements}
    for (j, a), var in built.present.items():
        built.model.add(var == int((j, a) in chosen))
        if (j, a) in chosen:
            built.model.add(built.own_start[j, a] == chosen[j, a])
    solver = _solver(params, max(params.time_limit_seconds, 5.0))
    solver.solve(built.model)
    return built, solver


def _extract(
    compiled: Compiled, built: Built, solver: cp_model.CpSolver, status: PlanStatus, bound: int, source: str
) -> Plan:
    assignments, unassigned = [], []
    for j, job in enumerate(compiled.jobs):
        chosen = [a for a in (c.agent for c in job.candidates) if solver.boolean_value(built.present[j, a])]
        if chosen:
            assignments.append(_assignment(compiled, j, chosen[0], solver.value(built.own_start[j, chosen[0]])))
        else:
            unassigned.append(_unassigned(compiled, j))
    weights = compiled.scenario.policy.term_weights
    terms = [
        TermValue(term=t, weight=weights.of(t), quantity=int(solver.value(q)), unit=_UNITS[t],
                  value=weights.of(t) * int(solver.value(q)))
        for t, q in built.quantities.items()
    ]  # fmt: skip
    objective = sum(t.value for t in terms)
    bound = min(bound, objective)
    return Plan(
        status=status,
        objective=objective,
        best_bound=bound,
        gap=round((objective - bound) / objective, 4) if objective else 0.0,
        bound_source=source,
        solve_seconds=0.0,
        horizon_end=compiled.axis.moment_of(compiled.horizon_minutes, closing=True),
        terms=terms,
        assignments=assignments,
        unassigned=unassigned,
    )


def _assignment(compiled: Compiled, j: int, a: int, own_start: int) -> Assignment:
    job, agent = compiled.jobs[j], compiled.agents[a]
    start = agent.team_start(own_start)
    end = agent.team_end(own_start + job.effort)
    return Assignment(
        request_id=job.request.id,
        agent_id=agent.agent.id,
        start=compiled.axis.moment_of(start),
        end=compiled.axis.moment_of(end, closing=True),
        start_minute=start,
        end_minute=end,
        priority=job.triage.priority,
        due=job.triage.due_at,
        minutes_late=max(end - job.triage.due_minute, 0),
    )


def _unassigned(compiled: Compiled, j: int) -> Unassigned:
    job = compiled.jobs[j]
    if job.missing_skills:
        reason = "missing_skill"
    elif not job.qualified_agents:
        reason = "no_qualified_agent"
    else:
        reason = "no_room"
    return Unassigned(
        request_id=job.request.id,
        priority=job.triage.priority,
        due=job.triage.due_at,
        reason=reason,
        missing_skills=job.missing_skills,
    )
