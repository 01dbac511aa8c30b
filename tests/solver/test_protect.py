"""Urgent work protected (issue 16): fairness measures departments only when two or more have open work; with
`protect_priorities` (the default) no plan takes lateness to gain on the tie-break terms, and the P1 and P2
requests' minutes late are never above the help desk's routing plan's. Scenarios built to tempt the old
objective, with answers worked out by hand; every plan held to the checker (`checked_plan`)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.baselines import plan_earliest_start
from fixtures.generate import generate_scenario
from fixtures.peers import generate_peer_scenario
from solver.budget import Budget
from solver.compile import compile_scenario
from solver.evaluate import pins_hold, term_quantities
from solver.local import changed_between, replan_near
from solver.params import SolveParams
from solver.protect import TIE_BREAK, protection_factor, tie_break_ceiling
from solver.search.heuristic import best_routing, route_help_desk
from solver.search.lns import improve
from solver.search.polish import polish
from tests.builders import agent, flat_policy, request, scenario
from tests.solver.conftest import checked_plan
from tests.solver.test_contract import small_case
from triage.model import Request, Scenario
from triage.names import PlanStatus, Priority, Term
from triage.results import Plan
from triage.validation import check_plan
from triage.validation import term_quantities as checked_quantities

P1 = {"impact": "company", "urgency": "work_stopped"}  # weight 8
P4 = {"impact": "person", "urgency": "can_wait"}  # weight 1


def one_department_p1_and_six_p4s(**policy: object) -> Scenario:
    """One agent, everything due at 60 min: a 60-min P1 and six 10-min P4s. P1 first: the P1 on time, the
    P4s end at 70..120, late 10+20+...+60 = 210 weighted minutes, 1 of 7 on time. P4s first: the P4s on
    time, the P1 ends at 120, late 60 x weight 8 = 480, 6 of 7 on time. The old fairness term (20 x (1000 -
    the department's on-time rate)) priced the first 210 + 20 x 858 and the second 480 + 20 x 143: it made
    the P1 an hour late for six P4s on time."""
    small = [request(f"S{k}", effort=10, **P4) for k in range(6)]
    return scenario([agent("ana")], [request("URGENT", effort=60, **P1), *small], policy=flat_policy(60, **policy))


def test_one_department_fairness_is_zero_and_the_p1_goes_first() -> None:
    for protect in (True, False):  # fairness alone decides this one, with or without the protection
        s = one_department_p1_and_six_p4s(protect_priorities=protect)
        result = checked_plan(s)
        assert result.status == PlanStatus.OPTIMAL
        urgent = result.assignment("URGENT")
        assert urgent is not None and (urgent.start_minute, urgent.minutes_late) == (0, 0)
        small = sorted(a.minutes_late for a in result.assignments if a.request_id != "URGENT")
        assert small == [10, 20, 30, 40, 50, 60]
        assert result.term(Term.FAIRNESS).quantity == 0
        assert result.term(Term.LATENESS).quantity == 210
        assert result.objective == 210 == result.best_bound  # nothing else counts: F = 1 with no tie-break term


def two_departments_fairness_tempts(**policy: object) -> Scenario:
    """ana (networking) and ben (payroll); everything due at 60 min. ops files a 60-min networking P1 and a
    10-min payroll P4 (ben's, on time either way); hr files a 10-min networking P4. On ana, P1 first: the
    P1 on time, hr's P4 10 min late (weight 1): lateness 10, hr's rate 0, fairness 1000. hr's P4 first:
    the P1 ends at 70, 10 min late x 8 = 80, ops's rate 500, fairness 500. Unprotected, 20 x 500 per mille
    pays for the P1's 10 minutes: 80 + 10,000 < 10 + 20,000."""
    return scenario(
        [agent("ana", {"net": 1}), agent("ben", {"pay": 1})],
        [
            request("URGENT", effort=60, **P1),
            request("OPS-PAY", effort=10, required_skills={"pay": 1}, **P4),
            request("HR-NET", effort=10, department="hr", **P4),
        ],
        departments=[{"id": "ops", "name": "Operations", "weight": 1}, {"id": "hr", "name": "People", "weight": 1}],
        policy=flat_policy(60, **policy),
    )


def test_protected_the_p1_is_never_made_late_for_fairness() -> None:
    s = two_departments_fairness_tempts(protect_priorities=True)
    result = checked_plan(s)
    assert result.status == PlanStatus.OPTIMAL
    urgent, hr = result.assignment("URGENT"), result.assignment("HR-NET")
    assert urgent is not None and hr is not None
    assert (urgent.minutes_late, hr.minutes_late) == (0, 10)
    assert result.term(Term.FAIRNESS).quantity == 1000
    compiled = compile_scenario(s)
    factor = protection_factor(compiled)
    assert factor == 1 + tie_break_ceiling(compiled) > 20 * 1000  # one late minute outweighs all fairness
    assert result.term(Term.LATENESS).weight == factor  # stated in the plan's terms
    assert result.term(Term.FAIRNESS).weight == 20


def test_unprotected_the_old_objective_trades_the_p1s_minutes() -> None:
    result = checked_plan(two_departments_fairness_tempts(protect_priorities=False))
    assert result.status == PlanStatus.OPTIMAL
    urgent, hr = result.assignment("URGENT"), result.assignment("HR-NET")
    assert urgent is not None and hr is not None
    assert (urgent.minutes_late, hr.minutes_late) == (10, 0)
    assert result.term(Term.FAIRNESS).quantity == 500
    assert result.term(Term.LATENESS).weight == 1


def test_protection_off_leaves_the_policy_weights() -> None:
    s = two_departments_fairness_tempts(protect_priorities=False)
    compiled = compile_scenario(s)
    assert compiled.weights == {term: s.policy.term_weights.of(term) for term in Term}


cases = st.tuples(
    st.integers(0, 10_000), st.integers(2, 4), st.integers(4, 12), st.integers(1, 2), st.sampled_from([0.6, 1.1, 1.8])
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_no_plan_reaches_the_tie_break_ceiling(case: tuple[int, int, int, int, float]) -> None:
    """The ceiling the protection factor is built on holds on every plan: generated scenarios (several
    departments, ranks, shares), the routing plan with random requests left out and random weights."""
    seed, agents, requests, days, load = case
    compiled, placements = small_case(seed, agents, requests, days, load)
    rng = random.Random(seed)
    placements = {j: p for j, p in placements.items() if rng.random() < 0.7}
    weights = compiled.scenario.policy.term_weights
    values = term_quantities(compiled, placements)
    reached = sum(weights.of(term) * values[term] for term in TIE_BREAK)
    policy = compiled.scenario.policy.model_copy(update={"protect_priorities": True})
    protected = compile_scenario(compiled.scenario.model_copy(update={"policy": policy}))
    assert reached < tie_break_ceiling(compiled) + 1 == protection_factor(protected)


def test_the_checker_agrees_on_protected_term_values() -> None:
    s = two_departments_fairness_tempts(protect_priorities=True)
    result = checked_plan(s)
    assert {t.term: t.quantity for t in result.terms} == checked_quantities(s, result)
    assert result.objective == sum(compile_scenario(s).weights[t.term] * t.quantity for t in result.terms)


def p1_long_against_six_p4s(**policy: object) -> Scenario:
    """One agent, one department: a 120-min P1 due at 120 and six 10-min P4s due at 60. P1 first: the P1 on
    time, the P4s end at 130..180, late 70+80+...+120 = 570 weighted minutes, none on time. P4s first: all six
    on time, the P1 ends at 180, 60 min late x weight 8 = 480. At the flat priority weights the old objective
    makes the P1 an hour late to put six P4s on time; the help desk's routing takes the P1 first (0 min late),
    so the cap on P1 lateness is 0."""
    small = [request(f"S{k}", effort=10, **P4) for k in range(6)]
    targets = {"P1": 120, "P2": 120, "P3": 60, "P4": 60}
    return scenario(
        [agent("ana")],
        [request("URGENT", effort=120, **P1), *small],
        policy={**flat_policy(60, **policy), "target_minutes": targets},
    )


def test_protected_the_p1_is_not_made_late_to_put_p4s_on_time() -> None:
    s = p1_long_against_six_p4s()  # protect_priorities is the default
    assert s.policy.protect_priorities
    caps = compile_scenario(s).urgent_caps
    assert caps is not None and caps.caps == (0, 0)  # the routing plan's P1 and P2 minutes late
    result = checked_plan(s)
    assert result.status == PlanStatus.OPTIMAL
    urgent = result.assignment("URGENT")
    assert urgent is not None and (urgent.start_minute, urgent.minutes_late) == (0, 0)
    assert sorted(a.minutes_late for a in result.assignments if a.request_id != "URGENT") == [70, 80, 90, 100, 110, 120]
    assert result.term(Term.LATENESS).quantity == 570


def test_unprotected_the_p1_is_made_an_hour_late_for_six_p4s() -> None:
    result = checked_plan(p1_long_against_six_p4s(protect_priorities=False))
    assert result.status == PlanStatus.OPTIMAL
    urgent = result.assignment("URGENT")
    assert urgent is not None and urgent.minutes_late == 60
    assert all(a.minutes_late == 0 for a in result.assignments if a.request_id != "URGENT")
    assert result.objective == 480


def test_the_local_search_and_the_neighbourhoods_keep_the_p1_first() -> None:
    """The engines on their own, from the caps' witness: the local search (with many moves, its restarts
    included) and the neighbourhood search never accept the cheaper plan that makes the P1 late."""
    compiled = compile_scenario(p1_long_against_six_p4s())
    caps = compiled.urgent_caps
    assert caps is not None
    start = best_routing(compiled)
    assert caps.hold(compiled, start)
    polished, _ = polish(compiled, start, Budget.of(float("inf")), seed=3, moves=5_000, stall=500)
    assert caps.hold(compiled, polished)
    params = SolveParams(time_limit_seconds=3, workers=1, neighbourhood_requests=7, stall_neighbourhoods=3)
    improved, *_ = improve(compiled, start, params, Budget.of(3.0))
    assert caps.hold(compiled, improved)
    unprotected = compile_scenario(p1_long_against_six_p4s(protect_priorities=False))
    assert unprotected.urgent_caps is None
    loose, _ = polish(unprotected, best_routing(unprotected), Budget.of(float("inf")), seed=3, moves=5_000, stall=500)
    assert not caps.hold(compiled, loose)  # the same search without the caps does take the trade


def test_the_live_replan_brings_a_new_p1_within_its_cap() -> None:
    """The six P4s planned first; then the P1 is filed. The tentative place after the P4s makes it an hour
    late, above the routing plan's 0: the re-plan returns a plan with the P1 on time."""
    full = p1_long_against_six_p4s()
    before = full.model_copy(update={"requests": [r for r in full.requests if r.id != "URGENT"]})
    params = SolveParams(time_limit_seconds=20, workers=1, random_seed=0, deterministic_limit=0.3)
    previous = checked_plan(before)
    again = replan_near(full, params, previous, changed_between(before, full))
    assert check_plan(full, again) == []
    urgent = again.assignment("URGENT")
    assert urgent is not None and urgent.minutes_late == 0


def urgent_late(scenario: Scenario, result: Plan) -> dict[Priority, int]:
    """The benchmark's count, from the plan alone: planned minutes past due; a request left out, from its due
    time to the horizon's end."""
    compiled = compile_scenario(scenario)
    due = {job.request.id: job.triage.due_minute for job in compiled.jobs}
    late = {p: 0 for p in (Priority.P1, Priority.P2)}
    for a in result.assignments:
        if a.priority in late:
            late[a.priority] += a.minutes_late
    for u in result.unassigned:
        if u.priority in late:
            late[u.priority] += max(compiled.horizon_minutes - due[u.request_id], 0)
    return late


def _with_urgent_work(s: Scenario, rng: random.Random) -> Scenario:
    """A third of the requests raised to P1 or P2 by the lead: urgent work to compete for the agents."""
    requests: list[Request] = [
        r.model_copy(update={"priority_override": rng.choice([Priority.P1, Priority.P2])}) if rng.random() < 0.35 else r
        for r in s.requests
    ]
    return s.model_copy(update={"requests": requests})


urgent_cases = st.tuples(st.integers(0, 10_000), st.integers(2, 4), st.integers(5, 14), st.booleans())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(urgent_cases)
def test_p1_and_p2_minutes_late_never_above_the_routing_plans(case: tuple[int, int, int, bool]) -> None:
    """With protect_priorities on (the default), on generated scenarios (the plain profile and the peer
    profile: rare skills, part-timers, owners, load 0.9-1.3), with extra urgent work: the plan's P1 and P2
    minutes late are each at most the help desk's routing plan's (the benchmark's baseline, its own code)."""
    seed, agents, requests, peers = case
    base = generate_peer_scenario(agents, requests, 2, seed) if peers else generate_scenario(agents, requests, 2, seed)
    s = _with_urgent_work(base, random.Random(seed))
    assert s.policy.protect_priorities
    result = checked_plan(s, time_limit=2.0, workers=1)
    routing = plan_earliest_start(s)
    assert check_plan(s, routing) == []
    ours, theirs = urgent_late(s, result), urgent_late(s, routing)
    assert ours[Priority.P1] <= theirs[Priority.P1]
    assert ours[Priority.P2] <= theirs[Priority.P2]


def test_the_witness_is_the_benchmarks_routing_baseline() -> None:
    """The caps' witness (`route_help_desk`, production code) and the benchmark's earliest-start baseline
    (benchmarks/baselines.py, separate code) place every request alike on the peer scenarios."""
    from benchmarks.baselines import route_earliest_start

    for seed in (1, 2):
        compiled = compile_scenario(generate_peer_scenario(25, 300, 5, seed))
        witness = route_help_desk(compiled)
        assert witness == route_earliest_start(compiled)
        caps = compiled.urgent_caps
        assert caps is not None and pins_hold(compiled, witness) and caps.plan == witness
