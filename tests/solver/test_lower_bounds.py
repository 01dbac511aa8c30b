"""How the planner's LP thread refines its bound: the start LP's slots on small scenarios, else the bucket
ladder, the time gate before each finer LP, and each better bound published as soon as it is proven (so that a
deadline mid-LP keeps the last one)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.sparse import csr_array

import solver.run
from fixtures.generate import SIZES, generate_scenario
from fixtures.peers import generate_peer_scenario
from solver.bound import (
    BUCKETS,
    GRADE,
    MAX_VARIABLES,
    REFINE_VARIABLES,
    SLOTS,
    START_VARIABLES,
    _dual_bound,
    bucket_grid,
    bucket_ladder,
    bucket_minutes,
    estimated_variables,
    per_request_bound,
    start_indexed_bound,
    start_ladder,
    start_variables,
    time_indexed_bound,
)
from solver.budget import Budget
from solver.compile import Compiled, compile_scenario
from solver.run import (
    FIRST_LP_SHARE,
    LP_GROWTH,
    LP_SECONDS_PER_VARIABLE,
    START_SECONDS_PER_VARIABLE,
    START_SECONDS_PER_VARIABLE_UNPROTECTED,
    lower_bounds,
)


@pytest.fixture(scope="module")
def medium() -> Compiled:
    """The peers' M scenario: 2,372 pairs over a 2,400-minute horizon, so 120-minute first buckets are the
    finest under MAX_VARIABLES and 10-minute ones the finest under REFINE_VARIABLES."""
    return compile_scenario(generate_peer_scenario(*SIZES["M"], seed=1))


def test_the_ladder_goes_from_480_minutes_down_to_the_finest_the_refinement_allows(medium: Compiled) -> None:
    ladder = bucket_ladder(medium)
    assert ladder == [480, 240, 120, 60, 30, 15, 10]
    assert all(estimated_variables(medium, m) <= REFINE_VARIABLES for m in ladder)
    assert estimated_variables(medium, 5) > REFINE_VARIABLES
    assert bucket_minutes(medium) == 120  # the finest under MAX_VARIABLES: the default of time_indexed_bound
    assert estimated_variables(medium, 120) <= MAX_VARIABLES < estimated_variables(medium, 60)


def test_a_scenario_too_large_for_the_usual_lp_still_gets_the_coarsest_the_refinement_allows() -> None:
    compiled = compile_scenario(generate_peer_scenario(*SIZES["L"], seed=1))
    assert bucket_minutes(compiled) is None  # even 480-minute buckets exceed MAX_VARIABLES
    assert bucket_ladder(compiled) == [480]


def test_a_small_scenario_may_go_down_to_the_finest_buckets() -> None:
    compiled = compile_scenario(generate_scenario(*SIZES["S"], seed=1))
    assert bucket_ladder(compiled) == list(BUCKETS)


@given(st.integers(1, 30 * 24 * 60), st.sampled_from(BUCKETS))
def test_the_buckets_cover_the_horizon_short_first_then_longer(horizon: int, minutes: int) -> None:
    grid = bucket_grid(horizon, minutes)
    assert grid[0][0] == 0 and grid[-1][1] == horizon
    assert all(end == start for (_, end), (start, _) in pairwise(grid))  # no gap, no overlap
    lengths = [end - start for start, end in grid]
    n = len(lengths)  # the last one may be cut short by the horizon
    assert all(x == minutes for x in lengths[: min(GRADE, n - 1)])
    assert all(x == 2 * minutes for x in lengths[GRADE : min(2 * GRADE, n - 1)])
    assert all(x == 4 * minutes for x in lengths[2 * GRADE : n - 1])
    assert 0 < lengths[-1] <= 4 * minutes


class Clock:
    """A fake clock the fake LP advances: each LP takes `per_variable` seconds per estimated variable."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_lp(monkeypatch: pytest.MonkeyPatch, medium: Compiled) -> Iterator[tuple[Clock, list[int], dict[str, Any]]]:
    """`time_indexed_bound` replaced: each call advances the fake clock by `settings['per_variable']` x its
    estimated variables (plus `settings['extra']` seconds for some rungs) and proves `base + 1,000 x its rung`
    (finer is higher, as in the real LP)."""
    clock, called = Clock(), []
    settings: dict[str, Any] = {"per_variable": 1e-5, "base": per_request_bound(medium), "extra": {}}

    def fake(compiled: Compiled, budget: Budget, minutes: int | None = None, **_: Any) -> tuple[int, int] | None:
        assert minutes is not None
        called.append(minutes)
        clock.now += settings["per_variable"] * estimated_variables(compiled, minutes)
        clock.now += settings["extra"].get(minutes, 0.0)
        if budget.left() <= 0:
            return None  # not proven in the time, as HiGHS stopped at its limit
        return settings["base"] + 1_000 * (BUCKETS.index(minutes) + 1), minutes

    monkeypatch.setattr(solver.run, "time_indexed_bound", fake)
    yield clock, called, settings


def test_each_finer_lp_starts_only_when_the_last_ones_time_scaled_by_its_variables_fits(
    medium: Compiled, fake_lp: tuple[Clock, list[int], dict[str, Any]]
) -> None:
    clock, called, settings = fake_lp
    per = settings["per_variable"]
    seconds_of = {m: per * estimated_variables(medium, m) for m in BUCKETS}
    # From 480 (a third of the time fits nothing finer at the expected rate) down to 60; 30 would take 60's
    # time x its variables' ratio x LP_GROWTH: leave a little less than that after 60.
    done = [480, 240, 120, 60]
    ratio = estimated_variables(medium, 30) / estimated_variables(medium, 60)
    seconds = sum(seconds_of[m] for m in done) + seconds_of[60] * ratio * LP_GROWTH - 0.01
    assert estimated_variables(medium, 240) * LP_SECONDS_PER_VARIABLE > seconds * FIRST_LP_SHARE
    proven: list[tuple[int, str]] = []
    best = lower_bounds(medium, Budget.of(seconds, clock=clock), proven)
    assert called == done
    assert best == proven[-1]
    assert best[1] == "bound from a time-indexed LP relaxation (60-minute buckets, longer later)"
    assert [b for b, _ in proven] == sorted(b for b, _ in proven)  # each one better than the last
    assert proven[0] == (settings["base"], solver.run._PER_REQUEST)

    called.clear()
    clock.now = 0.0
    best = lower_bounds(medium, Budget.of(seconds + 0.02, clock=clock), [])  # now 30 fits
    assert called == [*done, 30]
    assert best[1].endswith("(30-minute buckets, longer later)")


def test_an_lp_not_proven_in_its_time_leaves_the_last_bound_and_stops_the_ladder(
    medium: Compiled, fake_lp: tuple[Clock, list[int], dict[str, Any]]
) -> None:
    clock, called, settings = fake_lp
    settings["extra"] = {240: 10.0}  # predicted to fit (from 480's time), it runs past the deadline
    best = lower_bounds(medium, Budget.of(1.0, clock=clock), [])
    assert called == [480, 240]  # nothing finer was tried
    assert best[1].endswith("(480-minute buckets, longer later)")


def test_with_time_to_spare_the_first_lp_is_the_finest_expected_to_fit_in_a_part_of_it(
    medium: Compiled, fake_lp: tuple[Clock, list[int], dict[str, Any]]
) -> None:
    clock, called, _ = fake_lp
    for first in bucket_ladder(medium):
        seconds = estimated_variables(medium, first) * LP_SECONDS_PER_VARIABLE / FIRST_LP_SHARE + 0.01
        called.clear()
        clock.now = 0.0
        lower_bounds(medium, Budget.of(seconds, clock=clock), [])
        assert called[0] == first, seconds
    coarsest = estimated_variables(medium, 480) * LP_SECONDS_PER_VARIABLE
    called.clear()
    clock.now = 0.0
    lower_bounds(medium, Budget.of(coarsest * 1.5, clock=clock), [])
    assert called[:1] == [480]  # not in a third of the time, but in the time: the coarsest all the same
    called.clear()
    clock.now = 0.0
    best = lower_bounds(medium, Budget.of(coarsest * 0.9, clock=clock), [])
    assert called == []  # not even in the time: no LP is built, the per-request bound stands
    assert best == (per_request_bound(medium), solver.run._PER_REQUEST)


def test_a_caller_that_stops_waiting_reads_the_last_bound_proven(medium: Compiled) -> None:
    """The planner's thread publishes each bound as it is proven: while a finer LP is still running, the
    caller already holds the coarser one (the real LP, at 480 minutes)."""
    proven: list[tuple[int, str]] = []
    running, release = threading.Event(), threading.Event()
    real = time_indexed_bound

    def slow_after_the_first(compiled: Compiled, budget: Budget, minutes: int | None = None, **kw: Any) -> Any:
        if minutes != 480:
            running.set()
            release.wait(30)
            return None
        return real(compiled, budget, minutes, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver.run, "time_indexed_bound", slow_after_the_first)
        # a part of it fits the 480-minute LP at the expected rate, not the 240-minute one
        seconds = estimated_variables(medium, 240) * LP_SECONDS_PER_VARIABLE / FIRST_LP_SHARE - 0.01
        thread = threading.Thread(target=lower_bounds, args=(medium, Budget.of(seconds), proven))
        thread.start()
        try:
            assert running.wait(60)
            bound, source = proven[-1]
            assert source.endswith("(480-minute buckets, longer later)")
            assert (bound, 480) == real(medium, Budget.of(60), 480)
            assert bound > per_request_bound(medium)
        finally:
            release.set()
            thread.join(60)


@pytest.fixture(scope="module")
def small() -> Compiled:
    """The peers' S scenario: 179 pairs over 1,440 minutes, the start LP under START_VARIABLES at every slot."""
    return compile_scenario(generate_peer_scenario(*SIZES["S"], seed=1))


def test_the_start_lp_is_for_small_scenarios_only(small: Compiled, medium: Compiled) -> None:
    assert start_ladder(small) == list(SLOTS)
    assert start_variables(small, 5) <= START_VARIABLES
    assert start_ladder(medium) == []  # even 30-minute slots: over START_VARIABLES
    full = start_variables(medium, SLOTS[0])
    assert START_VARIABLES < start_variables(medium, SLOTS[0], START_VARIABLES) < full  # counting stopped early
    assert start_variables(small, 5, START_VARIABLES) == start_variables(small, 5)  # under the limit: the total


def test_a_small_scenario_is_bounded_by_the_start_lp_refined_then_by_the_bucket_lp_in_the_time_left(
    small: Compiled, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real LPs, with time to spare: the start LP at its finest slots first (each better bound published),
    then the bucket LP, the best of them kept. Under `protect_priorities` (the peers' default) the start LP
    is the higher: 6 % above the bucket LP at its finest here (benchmarks/RESULTS.md run 18)."""
    bucket = time_indexed_bound(small, Budget.of(60), 1)
    started = start_indexed_bound(small, Budget.of(60), 5)
    assert bucket is not None and started is not None and started > bucket[0] * 1.05
    tried: list[int | None] = []
    real = time_indexed_bound

    def counted(compiled: Compiled, budget: Budget, minutes: int | None = None, **kw: Any) -> Any:
        tried.append(minutes)
        return real(compiled, budget, minutes, **kw)

    monkeypatch.setattr(solver.run, "time_indexed_bound", counted)
    proven: list[tuple[int, str]] = []
    best = lower_bounds(small, Budget.of(60), proven)
    assert tried  # the bucket LP ran after the start LP
    assert best == proven[-1] == (started, "bound from a start-indexed LP relaxation (5-minute slots)")
    assert [b for b, _ in proven] == sorted(b for b, _ in proven)


def test_when_the_start_lp_is_not_solved_in_time_the_bucket_lp_bounds_the_scenario(
    small: Compiled, monkeypatch: pytest.MonkeyPatch
) -> None:
    tried: list[int] = []

    def unsolved(compiled: Compiled, budget: Budget, slot: int, **_: Any) -> None:
        tried.append(slot)
        return None  # as HiGHS stopped at its time limit

    monkeypatch.setattr(solver.run, "start_indexed_bound", unsolved)
    best = lower_bounds(small, Budget.of(60), [])
    assert len(tried) == 1  # a finer one would not be solved either
    assert best[1].startswith("bound from a time-indexed LP relaxation")
    assert best[0] > per_request_bound(small)


def test_the_start_lps_first_rung_is_timed_at_its_own_rate_slower_with_the_protection_off(
    small: Compiled, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under the protection the first rung is the finest expected, at START_SECONDS_PER_VARIABLE, to take a third
    of the time; with it off (share's, fairness's and rank's rows: about twice the time, benchmarks/RESULTS.md
    run 18, second follow-up) the same time buys a coarser first rung, at the _UNPROTECTED rate."""
    unprotected = compile_scenario(
        small.scenario.model_copy(
            update={"policy": small.scenario.policy.model_copy(update={"protect_priorities": False})}
        )
    )
    assert small.scenario.policy.protect_priorities
    assert START_SECONDS_PER_VARIABLE < START_SECONDS_PER_VARIABLE_UNPROTECTED
    clock, tried = Clock(), []

    def instant(compiled: Compiled, budget: Budget, slot: int, **_: Any) -> int:
        tried.append(slot)
        return per_request_bound(compiled) + 1_000 * SLOTS.index(slot)  # finer is higher, in no time

    monkeypatch.setattr(solver.run, "start_indexed_bound", instant)
    monkeypatch.setattr(solver.run, "time_indexed_bound", lambda *_, **__: None)
    seconds = start_variables(small, 5) * START_SECONDS_PER_VARIABLE / FIRST_LP_SHARE + 0.01
    lower_bounds(small, Budget.of(seconds, clock=clock), [])
    assert tried[:1] == [5]
    tried.clear()
    lower_bounds(unprotected, Budget.of(seconds, clock=clock), [])
    first = [
        s
        for s in SLOTS
        if start_variables(unprotected, s) * START_SECONDS_PER_VARIABLE_UNPROTECTED <= seconds * FIRST_LP_SHARE
    ][-1]
    assert first != 5 and tried == list(SLOTS[SLOTS.index(first) :])  # coarser first, then every finer one in no time


@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(-5, 5), min_size=n, max_size=n),  # costs
            st.lists(st.integers(1, 4), min_size=n, max_size=n),  # upper bounds
            st.lists(st.lists(st.integers(-3, 3), min_size=n, max_size=n), min_size=1, max_size=4),  # A_ub
            st.lists(st.integers(0, 6), min_size=4, max_size=4),  # b_ub
            st.lists(st.floats(-3, 3), min_size=4, max_size=4),  # any duals
        )
    )
)
def test_the_dual_bound_never_exceeds_the_lps_least_value_whatever_the_duals(problem: tuple[Any, ...]) -> None:
    """Weak duality, as `_dual_bound` computes it for the start LP: optimal duals give the LP's value, any
    others (a solver's slightly infeasible ones) only less. Checked against HiGHS on small random LPs whose
    origin is feasible (b_ub >= 0)."""
    cost, upper, rows, rhs, duals = problem
    a = csr_array(np.array(rows, dtype=float))
    b = np.array(rhs[: len(rows)], dtype=float)
    c, u = np.array(cost, dtype=float), np.array(upper, dtype=float)
    best = linprog(c, A_ub=a, b_ub=b, bounds=np.column_stack([np.zeros(len(c)), u]), method="highs")
    assert best.status == 0
    matrices = {False: (a, b), True: (None, None)}
    optimal = _dual_bound(c, u, matrices, {False: best.ineqlin.marginals, True: np.array([])})
    assert optimal == pytest.approx(best.fun, abs=1e-6)
    other = _dual_bound(c, u, matrices, {False: np.array(duals[: len(rows)]), True: np.array([])})
    assert other <= best.fun + 1e-9
