"""A CP-SAT model is freed when the plan that built it is done, without waiting for the garbage collector: the
API processes run with rare full collections (`Settings.gc_thresholds`), and a model kept alive by a
reference cycle held its native proto until one (benchmarks/RESULTS.md, "Soak", run 7)."""

from __future__ import annotations

import gc
from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.build import build_model
from solver.compile import compile_scenario
from solver.params import SolveParams
from solver.run import plan
from tests.builders import agent, request, scenario
from triage.model import Scenario


def models_left_to_the_collector(work: Callable[[], object]) -> int:
    """How many CP-SAT models `work` left for the garbage collector (paused meanwhile) to free."""
    gc.collect()
    gc.disable()
    try:
        work()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        return sum(isinstance(o, cp_model.CpModel) for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def _scenario() -> Scenario:
    return scenario(
        [agent("a", {"net": 1}), agent("b", {"net": 1})],
        [request("R1", required_skills={"net": 1}), request("R2", 120), request("R3", 30)],
    )


def test_or_tools_own_model_is_a_reference_cycle() -> None:
    """What `solver.build.Model` avoids (if this fails, OR-Tools fixed it and the subclass may go)."""
    assert models_left_to_the_collector(cp_model.CpModel) == 1


def test_a_built_model_and_a_plan_leave_no_model_to_the_collector() -> None:
    def build() -> None:
        assert build_model(compile_scenario(_scenario())).model.proto.variables

    def solve() -> None:
        assert plan(_scenario(), SolveParams(time_limit_seconds=2, workers=1, random_seed=0)).assignments

    assert models_left_to_the_collector(build) == 0
    assert models_left_to_the_collector(solve) == 0
