"""The sequence local search (`solver.search.polish`): its running cost is the policy's cost of its plan after any
sequence of moves, its plans keep every hard rule and pin, it is never worse than its input, and it finds
the known answer of small cases."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.generate import SIZES, generate_scenario
from solver.budget import Budget
from solver.compile import compile_scenario
from solver.evaluate import pins_hold, total_cost
from solver.run import extract_plan
from solver.search.heuristic import best_routing
from solver.search.polish import Polisher, polish
from tests.builders import agent, flat_policy, request, scenario
from tests.solver.test_properties import scenarios
from triage.model import Scenario
from triage.names import PlanStatus, Rule
from triage.validation import check_plan

LATER = 10.0  # seconds: far more than the move budgets below need


def _checked(s: Scenario, placements: dict[int, tuple[int, int]], *, pins: bool = True) -> None:
    """Every hard rule holds; pins too unless `pins` is False (a start that breaks a pin keeps breaking it:
    pinned requests are held where they are)."""
    compiled = compile_scenario(s)
    violations = check_plan(s, extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, "test"))
    assert [v for v in violations if pins or v.rule != Rule.PINS] == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(with_pins=True), st.integers(0, 2**16))
def test_the_running_cost_is_the_policy_cost_after_every_move(s: Scenario, seed: int) -> None:
    compiled = compile_scenario(s)
    start = best_routing(compiled)
    state = Polisher(compiled, start)
    assert state.cost == total_cost(compiled, state.placements())
    rng = random.Random(seed)
    for _ in range(200):
        patch = state.random_move(rng) if state.free else None
        if patch is None or not state.price(patch):
            continue
        state.apply(patch)
        assert state.cost == total_cost(compiled, state.placements())
    _checked(s, state.placements(), pins=pins_hold(compiled, start))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(with_pins=True))
def test_polished_plans_keep_every_rule_and_pin_and_never_cost_more(s: Scenario) -> None:
    compiled = compile_scenario(s)
    start = best_routing(compiled)
    polished, _ = polish(compiled, start, Budget.of(LATER), moves=2_000, stall=150)  # restarts too
    assert total_cost(compiled, polished) <= total_cost(compiled, start)
    _checked(s, dict(polished), pins=pins_hold(compiled, start))


def test_a_short_request_goes_first_when_that_makes_it_on_time() -> None:
    # One agent, both requests due 60 minutes after creation: the long one first makes both late (60 and 90
    # minutes); the short one first is on time and the long one 90 minutes late.
    s = scenario([agent("ana")], [request("long", effort=120), request("short", effort=30)], policy=flat_policy(60))
    compiled = compile_scenario(s)
    jobs, ana = compiled.job_index(), compiled.agent_index()["ana"]
    long_first = {jobs["long"]: (ana, 0), jobs["short"]: (ana, 120)}
    polished, _ = polish(compiled, long_first, Budget.of(LATER), moves=500)
    assert polished == {jobs["short"]: (ana, 0), jobs["long"]: (ana, 30)}


def test_a_deferred_request_with_room_is_placed_and_work_is_shared() -> None:
    # Two agents, two one-hour requests due in an hour; the start has both on Ana and nothing on Ben. The
    # only plan with both on time puts one on each at the start of the day.
    s = scenario([agent("ana"), agent("ben")], [request("R1"), request("R2")], policy=flat_policy(60))
    compiled = compile_scenario(s)
    jobs, index = compiled.job_index(), compiled.agent_index()
    polished, _ = polish(compiled, {jobs["R1"]: (index["ana"], 0)}, Budget.of(LATER), moves=500)
    assert sorted(polished.values()) == [(index["ana"], 0), (index["ben"], 0)]
    assert total_cost(compiled, polished) == 0


def test_a_fixed_number_of_moves_gives_the_same_plan_every_time() -> None:
    s = scenario(
        [agent("ana"), agent("ben", {"net": 1, "db": 1})],
        [request(f"R{i}", effort=30 + 20 * i, required_skills={"net": 1} if i % 2 else {"db": 1}) for i in range(8)],
        policy=flat_policy(90),
    )
    compiled = compile_scenario(s)
    start = best_routing(compiled)
    runs = [polish(compiled, start, Budget.of(LATER), seed=3, moves=3_000) for _ in range(2)]
    assert runs[0] == runs[1]


def test_the_running_cost_holds_on_a_generated_scenario_with_restarts() -> None:
    # A generated S scenario (60 requests, 8 agents): owners, department ranks, fair shares and every term in
    # play; restarts after 300 moves without a better plan.
    s = generate_scenario(*SIZES["S"], seed=1)
    compiled = compile_scenario(s)
    start = best_routing(compiled)
    state = Polisher(compiled, start)
    rng = random.Random(7)
    applied = 0
    while applied < 300:
        patch = state.random_move(rng)
        if patch is not None and state.price(patch):
            state.apply(patch)
            applied += 1
            assert state.cost == total_cost(compiled, state.placements())
    polished, _ = polish(compiled, start, Budget.of(LATER), moves=3_000, stall=300)
    assert total_cost(compiled, polished) < total_cost(compiled, start)
    _checked(s, dict(polished))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(with_pins=True), st.integers(0, 2**16))
def test_a_move_rescheduled_from_its_first_change_leaves_every_queue_as_early_as_it_can_go(
    s: Scenario, seed: int
) -> None:
    # the incremental schedule (a queue's head kept, its tail stopped once it gets its starts back) equals
    # scheduling every queue from scratch after every move
    compiled = compile_scenario(s)
    state = Polisher(compiled, best_routing(compiled))
    rng = random.Random(seed)
    for _ in range(150):
        patch = state.random_move(rng) if state.free else None
        if patch is None or not state.price(patch):
            continue
        state.apply(patch)
        for a, queue in enumerate(state.queues):
            assert [state.placement[j][1] for j in queue] == state._schedule(a, queue)
