"""The lower bounds are bounds: on random small scenarios that CP-SAT solves to proven optimality, neither the
per-request bound nor the time-indexed LP relaxation (at any bucket size) exceeds the optimum, with work that
may pause and with work that may not. A bound above the optimum would make every gap the planner reports a
false claim."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from ortools.sat.python import cp_model

from solver.bound import per_request_bound, time_indexed_bound
from solver.budget import Budget
from solver.build import build_model
from solver.compile import compile_scenario
from solver.params import SolveParams
from solver.run import add_hint, new_solver
from solver.search.heuristic import best_routing
from tests.solver.test_pausable import unpausable
from tests.solver.test_properties import scenarios
from triage.model import Scenario


def proven_optimum(scenario: Scenario) -> int | None:
    compiled = compile_scenario(scenario)
    built = build_model(compiled)
    add_hint(built, best_routing(compiled))
    solver = new_solver(SolveParams(workers=8), 20)
    return int(solver.objective_value) if solver.solve(built.model) == cp_model.OPTIMAL else None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_no_lower_bound_exceeds_the_proven_optimum(scenario: Scenario) -> None:
    assert_bounds_hold(scenario)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unpausable())
def test_no_lower_bound_exceeds_the_proven_optimum_when_work_may_not_pause(scenario: Scenario) -> None:
    assert_bounds_hold(scenario)


def assert_bounds_hold(scenario: Scenario) -> None:
    optimum = proven_optimum(scenario)
    if optimum is None:  # not proven in time: nothing to hold the bounds against (rare at these sizes)
        return
    compiled = compile_scenario(scenario)
    assert per_request_bound(compiled) <= optimum
    for minutes in (30, 60, 240):
        relaxed = time_indexed_bound(compiled, Budget.of(10), minutes)
        if relaxed is not None:
            assert relaxed[0] <= optimum, f"{minutes}-minute buckets: {relaxed[0]} > {optimum}"
