"""The lower bounds are bounds: on random small scenarios that CP-SAT solves to proven optimality (the urgent caps
of `protect_priorities` kept), neither the per-request bound, nor the time-indexed LP relaxation (at any bucket
size, with the caps as rows and without), nor the start-indexed LP (at any slot, efforts not a whole number of
slots included, with the caps and without), nor the column generation over agents' schedules exceeds the optimum,
with work that may pause and with work that may not, and with requests shared by accepted shares. A bound above
the optimum would make every gap the planner reports a false claim. And the column generation is as tight as it
says: with one agent its bound is at least the best plan's cost on the terms it covers exactly."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from solver.bound import per_request_bound, start_indexed_bound, time_indexed_bound
from solver.budget import Budget
from solver.build import build_model
from solver.columns import EXACT_TERMS, agent_bound
from solver.compile import Compiled, compile_scenario
from solver.params import SolveParams
from solver.protect import protection_factor
from solver.run import add_hint, new_solver
from solver.search.heuristic import best_routing
from tests.builders import agent, flat_policy, request, scenario
from tests.solver.test_parts import shared_pair_and_a_p4, shared_scenarios
from tests.solver.test_pausable import unpausable
from tests.solver.test_properties import scenarios
from tests.solver.test_protect import P4, p1_long_against_six_p4s
from triage.model import Scenario


def proven_optimum(scenario: Scenario) -> int | None:
    """The least any plan the policy allows can cost, the urgent caps of `protect_priorities` kept (as
    `solver.run.plan` adds them), proven by CP-SAT."""
    compiled = compile_scenario(scenario)
    built = build_model(compiled)
    if compiled.urgent_caps is not None:
        compiled.urgent_caps.add_to(built, compiled)
    add_hint(built, best_routing(compiled))
    solver = new_solver(SolveParams(workers=8), 20)
    return round(solver.objective_value) if solver.solve(built.model) == cp_model.OPTIMAL else None


def proven_exact_part(compiled: Compiled) -> int | None:
    """The least any plan can cost on the terms the column generation prices exactly (the others left out),
    proven by CP-SAT on the model itself."""
    built = build_model(compiled)
    weights = compiled.weights
    built.model.minimize(sum(weights[t] * q for t, q in built.quantities.items() if t in EXACT_TERMS))
    add_hint(built, best_routing(compiled))
    solver = new_solver(SolveParams(workers=8), 20)
    return round(solver.objective_value) if solver.solve(built.model) == cp_model.OPTIMAL else None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(scenarios(), scenarios(with_pins=True)))
def test_no_lower_bound_exceeds_the_proven_optimum(scenario: Scenario) -> None:
    assert_bounds_hold(scenario)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unpausable())
def test_no_lower_bound_exceeds_the_proven_optimum_when_work_may_not_pause(scenario: Scenario) -> None:
    assert_bounds_hold(scenario)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(scenarios(), shared_scenarios(with_pins=True), unpausable()))
def test_no_lower_bound_exceeds_the_proven_optimum_with_the_protection_off(scenario: Scenario) -> None:
    """With `protect_priorities` off the tie-break terms weigh as much as the rest, and the start LP adds its
    share and fairness rows (`start_indexed_bound`): those too must stay below the optimum."""
    policy = scenario.policy.model_copy(update={"protect_priorities": False})
    assert_bounds_hold(scenario.model_copy(update={"policy": policy}))


@st.composite
def ranked(draw: st.DrawFn) -> Scenario:
    """A random small scenario whose departments rank their requests (`department_rank`, in a drawn order), most
    of them of one department and one impact and urgency so that the rank term has pairs to price, with the
    protection off (under it rank weighs almost nothing)."""
    scenario = draw(st.one_of(scenarios(), unpausable()))
    order = draw(st.permutations(range(len(scenario.requests))))
    first = scenario.requests[0] if scenario.requests else None
    alike = {"department": "ops", "impact": first.impact, "urgency": first.urgency} if first else {}
    work = [
        r.model_copy(update={"department_rank": order[i] + 1, **(alike if draw(st.booleans()) else {})})
        for i, r in enumerate(scenario.requests)
    ]
    policy = scenario.policy.model_copy(update={"protect_priorities": False})
    return scenario.model_copy(update={"requests": work, "policy": policy})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ranked())
def test_no_lower_bound_exceeds_the_proven_optimum_with_ranked_requests(scenario: Scenario) -> None:
    """The start LP's rank rows (`solver.bound._rank_terms`, the protection off) price the higher-ranked
    request's earliest end against the lower one's latest end in its slot: below the optimum still."""
    if compile_scenario(scenario).rank_pairs:
        event("rank pairs")
    assert_bounds_hold(scenario)


def assert_bounds_hold(scenario: Scenario) -> None:
    optimum = proven_optimum(scenario)
    if optimum is None:  # not proven in time or pins that cannot hold: nothing to hold the bounds against
        return
    compiled = compile_scenario(scenario)
    assert per_request_bound(compiled) <= optimum
    for minutes in (10, 30, 60, 240):
        relaxed = time_indexed_bound(compiled, Budget.of(10), minutes)
        if relaxed is not None:
            assert relaxed[0] <= optimum, f"{minutes}-minute buckets: {relaxed[0]} > {optimum}"
            loose = time_indexed_bound(compiled, Budget.of(10), minutes, caps=False)
            if loose is not None and loose[0] < relaxed[0]:
                event("the urgent caps raised the LP bound")
    for slot in (1, 5, 15, 30):
        for caps in (True, False):
            started = start_indexed_bound(compiled, Budget.of(10), slot, caps=caps)
            if started is not None:
                assert started <= optimum, f"{slot}-minute slots, caps {caps}: {started} > {optimum}"
    note(scenario.model_dump_json())
    for seconds in (0.02, 20):  # cut short too: a pricing solve stopped early must claim no more than it proved
        columns = agent_bound(compiled, Budget.of(seconds), best_routing(compiled))
        if columns is not None:
            assert columns.bound <= optimum, f"column generation in {seconds} s: {columns} > {optimum}"


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(agent_count=st.just(1), effort_step=15))
def test_with_one_agent_the_column_generation_prices_its_terms_exactly(scenario: Scenario) -> None:
    """One agent: the master's best column is a plan, so once converged the bound is at least the best
    plan's cost on the exactly priced terms, and at most the optimum. Without the urgent caps, which the
    relaxation drops (a capped optimum may cost more than any column says: the bound stays valid, looser)."""
    scenario = scenario.model_copy(update={"policy": scenario.policy.model_copy(update={"protect_priorities": False})})
    compiled = compile_scenario(scenario)
    exact, optimum = proven_exact_part(compiled), proven_optimum(scenario)
    columns = agent_bound(compiled, Budget.of(30), best_routing(compiled))
    if exact is None or optimum is None or columns is None or not (columns.converged and columns.exact):
        event("not proven in time, or on a coarser grid")
        return
    event("held to the exact part")
    # the pricing rounds each request's price by under 1, and its proofs keep a safety margin (`_SAFETY`)
    slack = len(compiled.jobs) + 2 + 1e-5 * exact
    assert exact - slack <= columns.bound <= optimum, f"{exact} <= {columns.bound} <= {optimum}"


def test_the_urgent_caps_raise_the_lp_bound_and_keep_it_below_the_optimum() -> None:
    """A 120-min P1 due at 120 and six 10-min P4s due at 60, one agent (`p1_long_against_six_p4s`): the policy
    allows only the P1 first (its cap is 0 minutes late), at 570 weighted minutes late for the P4s; without the
    caps the relaxation may put the P4s first at 480. The caps' rows lift the LP from below the uncapped
    optimum's 480 to between it and 570 (5-minute first buckets, graded by `bucket_grid`: 333 without the
    caps, 499 with them)."""
    s = p1_long_against_six_p4s()
    compiled = compile_scenario(s)
    assert compiled.urgent_caps is not None and compiled.urgent_caps.caps == (0, 0)
    assert proven_optimum(s) == 570
    for minutes in (5, 10, 30, 60):
        capped = time_indexed_bound(compiled, Budget.of(10), minutes)
        loose = time_indexed_bound(compiled, Budget.of(10), minutes, caps=False)
        assert capped is not None and loose is not None
        assert loose[0] < capped[0] <= 570, f"{minutes}-minute buckets: {loose[0]} < {capped[0]} <= 570"
    assert time_indexed_bound(compiled, Budget.of(10), 5) == (499, 5)
    assert time_indexed_bound(compiled, Budget.of(10), 5, caps=False) == (333, 5)


def test_the_start_lp_finds_the_optimum_of_one_agent_with_and_without_the_caps() -> None:
    """The same P1 against six P4s: one agent, one request at a time, each priced at its end, so the start LP
    is exact here. With the caps (the P1 0 minutes late) the P1 must start at once and the P4s end at 130 to
    180: 570. Without them the P4s go first, on time, and the P1 ends 60 minutes late at weight 8: 480, the
    uncapped optimum (each less the 1 the bound gives up to the LP solver's tolerance). At 15-minute slots the
    P4s' 10 minutes are no whole slot: they take no room, every request may end at its earliest, and the bound
    is 0 (weak, still valid)."""
    compiled = compile_scenario(p1_long_against_six_p4s())
    for slot in (5, 10):
        assert start_indexed_bound(compiled, Budget.of(10), slot) == 569, slot
        assert start_indexed_bound(compiled, Budget.of(10), slot, caps=False) == 479, slot
    assert start_indexed_bound(compiled, Budget.of(10), 15) == 0


def hi_long_lo_short(rank_weight: int) -> Scenario:
    """One agent, two P4s of one department due 10 minutes after now, ranked: HI (60 minutes, first) and LO
    (10 minutes). HI first: HI 50 late, LO 60 late, ranked in order: 110. LO first: LO on time, HI 60 late,
    but HI ends 60 minutes after LO: 60 + 60 x the rank weight."""
    return scenario(
        [agent("ana")],
        [request("HI", effort=60, department_rank=1, **P4), request("LO", effort=10, department_rank=2, **P4)],
        policy={**flat_policy(10, protect_priorities=False), "term_weights": {"rank": rank_weight}},
    )


def test_the_start_lp_prices_rank_with_the_protection_off() -> None:
    """Rank weighed at 0, the LP may put LO first (the optimum then: 60); at 1, LO first costs 120 and the
    optimum is HI first at 110. The rank rows lift the start LP from below 60 to near 110 (a relaxation: HI's
    end priced at the start of its slot, LO's at the end of its), never above."""
    assert proven_optimum(hi_long_lo_short(0)) == 60
    assert proven_optimum(hi_long_lo_short(1)) == 110
    unranked, ranked_ = compile_scenario(hi_long_lo_short(0)), compile_scenario(hi_long_lo_short(1))
    for slot in (1, 5, 10):
        without = start_indexed_bound(unranked, Budget.of(10), slot)
        with_rank = start_indexed_bound(ranked_, Budget.of(10), slot)
        assert without is not None and with_rank is not None
        assert without < 60 and 95 < with_rank <= 110, (slot, without, with_rank)
    assert start_indexed_bound(ranked_, Budget.of(10), 5) == 99


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shared_scenarios(with_pins=True))
def test_no_lower_bound_exceeds_the_proven_optimum_with_shared_requests(scenario: Scenario) -> None:
    """A request shared by an accepted share and its parts are priced once, by their later end: each bound
    prices the request by its own end and the parts at nothing on the terms that read the end, never above."""
    assert_bounds_hold(scenario)


def test_the_bounds_stay_below_the_optimum_with_a_shared_request_under_the_caps() -> None:
    """The caps count a shared pair once, by its later part (`tests.solver.test_parts`, the P4 then goes first
    at 8 x 120): the LP's cap rows read the shared request's own end, a relaxation, and every bound stays at or
    below the optimum."""
    s = shared_pair_and_a_p4()
    compiled = compile_scenario(s)
    optimum = protection_factor(compiled) * 8 * 120  # lateness alone, protected
    assert proven_optimum(s) == optimum
    assert per_request_bound(compiled) <= optimum
    for minutes in (5, 10, 30, 60):
        relaxed = time_indexed_bound(compiled, Budget.of(10), minutes)
        assert relaxed is not None and relaxed[0] <= optimum, f"{minutes}-minute buckets: {relaxed} > {optimum}"
    columns = agent_bound(compiled, Budget.of(20), best_routing(compiled))
    assert columns is None or columns.bound <= optimum
