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
