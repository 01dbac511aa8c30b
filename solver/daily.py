"""A simulated day's plan: fast and deterministic, so that a simulation gives the same answer on any machine
and whatever the number of processes.

`routing`: the cheapest routing order (`solver.search.heuristic.best_routing`), shifted left. `search`: then a fixed
number of neighbourhoods (chosen as `solver.search.lns` chooses them, from a seeded generator), each solved by CP-SAT
with one worker under a deterministic work limit (not a wall-clock one), an improving answer kept. Neither
depends on the clock; the wall-clock limit of a neighbourhood is only a guard against a stuck machine.
"""

from __future__ import annotations

import random

from ortools.sat.python import cp_model

from solver.build import build_model
from solver.compile import Compiled, compile_scenario
from solver.cpsat import add_hint, new_solver, read_placements
from solver.evaluate import Placements, total_cost
from solver.params import SolveParams
from solver.run import extract_plan
from solver.search.heuristic import best_routing, left_shift
from solver.search.lns import neighbourhood, sharing
from triage.model import Scenario
from triage.names import Planner, PlanStatus
from triage.results import Plan

GUARD_SECONDS = 30.0  # per neighbourhood; never reached on a working machine (the work limit ends it first)


def plan_day(
    scenario: Scenario, planner: Planner, *, rounds: int, work_limit: float, seed: int
) -> tuple[Plan, Compiled]:
    """The day's plan (without explanations) and the compiled scenario it was read from."""
    compiled = compile_scenario(scenario)
    placements: Placements = best_routing(compiled)
    source = "routing heuristic"
    if planner == Planner.SEARCH and compiled.jobs:
        placements, improved = _search(compiled, placements, rounds, work_limit, seed)
        source = f"routing heuristic, then {improved} of {rounds} neighbourhoods improved it"
    shifted = left_shift(compiled, dict(placements))
    if total_cost(compiled, shifted) <= total_cost(compiled, placements):
        placements = shifted
    return extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, f"none: {source}"), compiled


def _search(compiled: Compiled, start: Placements, rounds: int, work_limit: float, seed: int) -> tuple[Placements, int]:
    rng = random.Random(seed)
    params = SolveParams(workers=1, random_seed=seed, deterministic_limit=work_limit)
    current, cost = dict(start), total_cost(compiled, start)
    shared = sharing(compiled)
    size = min(params.neighbourhood_requests, max(10, len(compiled.jobs) // 3))
    improved = 0
    for _ in range(rounds):
        scope = neighbourhood(compiled, current, shared, rng, size)
        if not scope.free:
            break
        built = build_model(compiled, scope)
        add_hint(built, current)
        solver = new_solver(params, GUARD_SECONDS, workers=1)
        status = solver.solve(built.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = read_placements(built, solver)
            price = total_cost(compiled, found)  # the direct price decides, not the model's own number
            if price < cost:
                current, cost = found, price
                improved += 1
    return current, improved
