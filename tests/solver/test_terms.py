"""Each soft term alone, on a micro-scenario, with its exact value."""

from tests.builders import agent, flat_policy, request, scenario
from tests.solver.conftest import checked_plan
from triage.names import Term


def test_lateness_is_priority_weight_times_department_weight_times_minutes() -> None:
    # One P1 request of 120 min due after 60 min, department weight 3: 8 x 3 x 60.
    s = scenario(
        [agent("ana")],
        [request("R", effort=120, impact="company", urgency="work_stopped")],
        policy=flat_policy(60),
        departments=[{"id": "ops", "name": "Operations", "weight": 3}],
    )
    assert checked_plan(s).term(Term.LATENESS).quantity == 8 * 3 * 60


def test_deferral_is_late_to_the_horizon_end_plus_the_extra() -> None:
    # Due at 60; 600 min of work cannot fit a 480-min horizon: (480 - 60 + 480) x weight 4 (P2).
    s = scenario([agent("ana")], [request("R", effort=600)], policy=flat_policy(60, horizon_days=1))
    result = checked_plan(s)
    assert result.term(Term.DEFERRAL).quantity == 4 * (480 - 60 + 480)
    assert result.term(Term.LATENESS).quantity == 0


def test_overload_counts_minutes_above_target_load() -> None:
    # One day (480 min) at a 50 % target = 240; 360 min of work must all be done (deferral costs more).
    s = scenario(
        [agent("ana", target_load_pct=50)], [request("R", effort=360)], policy=flat_policy(480, horizon_days=1)
    )
    assert checked_plan(s).term(Term.OVERLOAD).quantity == 120


def test_spread_is_the_gap_between_the_most_and_least_loaded_in_per_mille() -> None:
    # One 240-min request and two full-timers who can do it: whoever takes it is at 240 / 2400 = 100 per
    # mille, the other at 0.
    s = scenario(
        [agent("ana", {"pay": 1}), agent("ben", {"pay": 1})],
        [request("PAY", effort=240, required_skills={"pay": 1})],
    )
    assert checked_plan(s).term(Term.SPREAD).quantity == 100


def test_term_weights_scale_each_term() -> None:
    s = scenario(
        [agent("ana")],
        [request("R", effort=120, impact="company", urgency="work_stopped")],
        policy=flat_policy(60, term_weights={"lateness": 3}),
    )
    lateness = checked_plan(s).term(Term.LATENESS)
    assert (lateness.weight, lateness.quantity, lateness.value) == (3, 8 * 60, 3 * 8 * 60)


def test_churn_counts_a_request_moved_away_from_its_owner() -> None:
    # ben owns both 60-min requests due in 60 min; keeping both makes one 60 min late (4 x 60 = 240) but
    # moving one to idle ana costs one churn (weight 100 here) and no lateness: the plan moves one.
    s = scenario(
        [agent("ana"), agent("ben")],
        [request("A", owner="ben"), request("B", owner="ben")],
        policy=flat_policy(60, term_weights={"churn": 100, "fairness": 0}),
    )
    result = checked_plan(s)
    assert result.term(Term.CHURN).quantity == 1
    assert result.term(Term.LATENESS).quantity == 0
    # with moving dearer than the lateness it saves, both stay with their owner
    s = scenario(
        [agent("ana"), agent("ben")],
        [request("A", owner="ben"), request("B", owner="ben")],
        policy=flat_policy(60, term_weights={"churn": 1000, "fairness": 0}),
    )
    result = checked_plan(s)
    assert result.term(Term.CHURN).quantity == 0
    assert result.term(Term.LATENESS).quantity == 4 * 60


def test_fairness_is_the_worst_department_on_time_shortfall() -> None:
    # One agent, two 60-min requests due in 60 min, one from each department of equal weight: one department
    # is served on time (1000 per mille), the other not (0): the shortfall is 1000 - 0.
    s = scenario(
        [agent("ana")],
        [request("OPS"), request("SALES", department="sales")],
        policy=flat_policy(60, term_weights={"fairness": 1}),
        departments=[{"id": "ops", "name": "Operations", "weight": 1}, {"id": "sales", "name": "Sales", "weight": 1}],
    )
    assert checked_plan(s).term(Term.FAIRNESS).quantity == 1000


def test_fairness_steers_equal_costs_towards_the_starved_department() -> None:
    # ops has one request already on time elsewhere; with one slot left, fairness gives it to sales.
    s = scenario(
        [agent("ana", {"db": 1}), agent("ben", {"net": 1})],
        [
            request("OPS1", required_skills={"db": 1}),
            request("OPS2"),
            request("SALES", department="sales"),
        ],
        policy=flat_policy(60, term_weights={"fairness": 5}),
        departments=[{"id": "ops", "name": "Operations", "weight": 1}, {"id": "sales", "name": "Sales", "weight": 1}],
    )
    result = checked_plan(s)
    late = {a.request_id: a.minutes_late for a in result.assignments}
    assert late["SALES"] == 0 and late["OPS2"] == 60
    assert result.term(Term.FAIRNESS).quantity == 500  # ops 1 of 2 on time (the worst), sales 1 of 1


def test_waiting_counts_minutes_past_the_maximum_wait_and_ageing_raises_the_weight() -> None:
    # Filed last Monday 09:00: it has waited 5 working days (2400 min) -> ageing factor 2 with step 2400.
    # P4 max wait set to 2000 min: finishing at 60 it is 2400 + 60 - 2000 = 460 min past it.
    s = scenario(
        [agent("ana")],
        [request("OLD", impact="person", urgency="can_wait", created_at="2026-11-16T09:00:00")],
        policy=flat_policy(10_000, max_wait_minutes={"P1": 100, "P2": 100, "P3": 100, "P4": 2000}),
    )
    result = checked_plan(s)
    assert result.term(Term.WAITING).quantity == 460
    why = next(e for e in result.explanations if e.kind == "priority")
    assert why.fact("ageing_factor") == 2
