"""Urgent work protected (issue 16): fairness measures departments only when two or more have open work, and
with `protect_priorities` no plan takes lateness to gain on the tie-break terms. Scenarios built to tempt
the old objective, with answers worked out by hand; every plan held to the checker (`checked_plan`)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.compile import compile_scenario
from solver.evaluate import term_quantities
from solver.protect import TIE_BREAK, protection_factor, tie_break_ceiling
from tests.builders import agent, flat_policy, request, scenario
from tests.solver.conftest import checked_plan
from tests.solver.test_contract import small_case
from triage.model import Scenario
from triage.names import PlanStatus, Term
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
