"""The clock enters the planner as a budget (`solver.budget.Budget`): its arithmetic on a fake clock, a phase
that stops when its budget is spent, and `plan` reading its time from the budget it is given."""

from __future__ import annotations

from fixtures.generate import generate_scenario
from solver.budget import Budget
from solver.compile import compile_scenario
from solver.params import SolveParams
from solver.run import plan
from solver.search.heuristic import best_routing
from solver.search.polish import polish
from triage.validation import check_plan


class FakeClock:
    """Seconds that move only when told to, or by `step` at every reading."""

    def __init__(self, start: float = 0.0, step: float = 0.0) -> None:
        self.now, self.step, self.readings = start, step, 0

    def __call__(self) -> float:
        value = self.now
        self.now += self.step
        self.readings += 1
        return value

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_a_budget_counts_down_on_its_clock_and_hands_parts_on() -> None:
    clock = FakeClock(100.0)
    budget = Budget.of(10.0, clock=clock)
    clock.advance(4.0)
    assert (budget.left(), budget.spent()) == (6.0, 4.0)
    assert budget.share(0.5).deadline == 107.0  # half of what is left now
    assert budget.less(2.0).deadline == 108.0
    assert budget.until(200.0).deadline == 110.0  # never past its own end
    assert budget.until(105.0).deadline == 105.0
    assert budget.share(0.5).spent() == 4.0  # a part counts from the same start
    clock.advance(20.0)
    assert budget.left() == 0.0  # never below 0
    assert budget.at_least(0.5).left() == 0.5


def test_a_budget_counts_from_the_callers_start() -> None:
    clock = FakeClock(50.0)
    budget = Budget.of(10.0, started=45.0, clock=clock)
    assert (budget.left(), budget.spent()) == (5.0, 5.0)


def test_the_local_search_stops_when_its_budget_is_spent() -> None:
    compiled = compile_scenario(generate_scenario(agents=4, requests=12, days=3, seed=5))
    clock = FakeClock(step=1.0)  # every reading is a second later
    budget = Budget.of(5.0, clock=clock)  # read once: the deadline is 5
    _, tried = polish(compiled, best_routing(compiled), budget)
    # with no move limit, only the budget ends the search: it reads the budget every few dozen moves, and
    # the clock gives five readings before the deadline
    assert 0 < tried <= 5 * 64
    assert budget.left() == 0.0


def test_a_plan_whose_budget_is_spent_before_searching_is_the_routing_plan_unsearched() -> None:
    scenario = generate_scenario(agents=6, requests=40, days=3, seed=3)
    clock = FakeClock(1000.0)  # stands still: only the budget says how much time went
    budget = Budget.of(5.0, started=970.0, clock=clock)
    result = plan(scenario, SolveParams(time_limit_seconds=5.0, workers=1), budget=budget)
    assert "not searched" in result.bound_source, result.bound_source
    assert result.solve_seconds == 30.0  # the budget's time, not the wall clock's
    assert check_plan(scenario, result) == []
