"""The planner keeps its word on time: the limit counts from the caller's start (`started`); when model
building and routing leave no time, the routing plan is returned unsearched; explanations stop shortly after
the limit, and the plan says what was left unexplained; over random scenario sizes up to S (8 agents, 60
requests, 5 days), and at L (1,500 requests) with a short limit, the wall clock stays within the limit plus
`MARGIN_SECONDS` (benchmarks/RESULTS.md, "Admission and the time guarantee"). Not yet at every shape up to M:
with few agents and many requests (one model, at most `direct_pairs_limit` pairs), building the whole CP-SAT
model is not cut (a 1 s limit waited 2.85 s for 295 requests at load 8)."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fixtures.generate import generate_scenario
from solver.params import SolveParams
from solver.run import MARGIN_SECONDS, plan, plan_by_routing
from triage.validation import check_plan


def test_a_plan_whose_caller_started_long_ago_is_the_routing_plan_unsearched_and_unexplained() -> None:
    scenario = generate_scenario(agents=6, requests=40, days=3, seed=3)
    started = time.perf_counter() - 30.0
    result = plan(scenario, SolveParams(time_limit_seconds=5.0, workers=1), started=started)
    assert "not searched" in result.bound_source, result.bound_source
    assert result.solve_seconds >= 30.0  # the caller's wait, not the call's
    assert check_plan(scenario, result) == []
    routing = plan_by_routing(scenario)
    assert result.objective <= routing.objective  # the best routing start is no worse than earliest-finish
    assert len(result.assignments) + len(result.unassigned) == len(scenario.requests)
    # the time was gone before the plan began: no explanation is written, and the plan says so
    assert result.explanations == []
    assert "explanations cut at the time limit: 40 of 40 requests unexplained" in result.bound_source


def test_a_plan_with_time_to_spare_is_fully_explained() -> None:
    scenario = generate_scenario(agents=6, requests=40, days=3, seed=3)
    result = plan(scenario, SolveParams(time_limit_seconds=1.0, workers=1))
    assert "explanations cut" not in result.bound_source, result.bound_source
    explained = {r for e in result.explanations for r in e.request_ids}
    assert explained == {r.id for r in scenario.requests if r.status.plannable}


@pytest.mark.slow
def test_a_large_plan_with_a_short_limit_comes_back_within_the_margin() -> None:
    """L (80 agents, 1,500 requests): explanations alone took 1.5-5 s before they watched the clock (the plan
    overshot limits of 2 and 5 s by 1.2-2.8 s). The limit leaves room for model building and routing, which
    are not cut (1 s at load 13 here, 3-4 s at load 19)."""
    scenario = generate_scenario(agents=80, requests=1500, days=5, seed=2)
    started = time.perf_counter()
    result = plan(scenario, SolveParams(time_limit_seconds=3.0, workers=2), started=started)
    waited = time.perf_counter() - started
    assert waited <= 3.0 + MARGIN_SECONDS, (waited, result.bound_source)
    assert check_plan(scenario, result) == []


def test_the_clock_starts_at_the_call_when_no_start_is_given() -> None:
    scenario = generate_scenario(agents=4, requests=12, days=3, seed=5)
    result = plan(scenario, SolveParams(time_limit_seconds=1.0, workers=1))
    assert "not searched" not in result.bound_source


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    agents=st.integers(1, 8),
    requests=st.integers(1, 60),
    days=st.integers(1, 5),
    seed=st.integers(0, 1000),
    limit=st.sampled_from([1.0, 2.0]),
)
def test_the_wall_clock_stays_within_the_limit_plus_the_margin(
    agents: int, requests: int, days: int, seed: int, limit: float
) -> None:
    try:
        scenario = generate_scenario(agents=agents, requests=requests, days=days, seed=seed)
    except ValueError:  # efforts of 10 minutes or more cannot add up to so small a load
        assume(False)
    started = time.perf_counter()
    result = plan(scenario, SolveParams(time_limit_seconds=limit, workers=2), started=started)
    waited = time.perf_counter() - started
    assert waited <= limit + MARGIN_SECONDS, (waited, limit, result.bound_source)
    assert check_plan(scenario, result) == []
