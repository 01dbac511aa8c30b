"""A simulated day's plan: fast and deterministic, so that a simulation gives the same answer on any machine
and whatever the number of processes.

`routing`: the cheapest routing order (`solver.search.heuristic.best_routing`), shifted left. `search`: then a fixed
number of rounds of the large-neighbourhood search (`solver.search.lns.search`, from a seeded generator), each
neighbourhood solved by CP-SAT with one worker under a deterministic work limit (not a wall-clock one), an
improving answer kept. Neither depends on the clock; the wall-clock limit of a neighbourhood is only a guard
against a stuck machine.
"""

from __future__ import annotations

import math

from solver.budget import Budget
from solver.compile import Compiled, compile_scenario
from solver.evaluate import Placements, total_cost
from solver.params import SolveParams
from solver.run import extract_plan
from solver.search.heuristic import best_routing, left_shift
from solver.search.lns import search
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
    """`rounds` neighbourhoods of the large-neighbourhood search (`solver.search.lns.search`), one worker each
    under the work limit, with no budget of seconds: the clock enters only as each solve's guard."""
    params = SolveParams(
        workers=1, random_seed=seed, deterministic_limit=work_limit, neighbourhood_seconds=GUARD_SECONDS
    )
    current, _, improved = search(compiled, start, params, Budget.of(math.inf), rounds=rounds)
    return current, improved
