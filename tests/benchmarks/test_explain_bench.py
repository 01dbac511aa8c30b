"""The explanations benchmark prices a stated plan as every engine does: the checker's own term quantities with
the weights the planner minimises (protected by default), so a true claim's stated cost is the checker's."""

from __future__ import annotations

from benchmarks.explain_bench import checker_cost
from fixtures.generate import generate_scenario
from solver.params import SolveParams
from solver.run import plan


def test_the_checker_cost_of_a_plan_is_its_own_objective_with_protected_and_written_weights() -> None:
    scenario = generate_scenario(4, 20, 2, seed=3)
    assert scenario.policy.protect_priorities  # the default the benchmark meets
    for protect in (True, False):
        policy = scenario.policy.model_copy(update={"protect_priorities": protect})
        s = scenario.model_copy(update={"policy": policy})
        planned = plan(s, SolveParams(time_limit_seconds=2, workers=1, random_seed=0))
        assert checker_cost(s, planned) == planned.objective
