"""Small scenarios whose best plan is worked out by hand: the solver finds it and proves it optimal."""

from tests.builders import agent, flat_policy, request, scenario
from tests.solver.conftest import checked_plan
from triage.names import PlanStatus, Term


def test_two_requests_one_agent_the_heavier_one_goes_first() -> None:
    # Both due at 10:00 (60 min). P1 (weight 8) first: P3 (weight 2) ends 60 min late -> 2 x 60 = 120.
    # The other order would cost 8 x 60 = 480. One agent: no spread; 120 min is far below target load.
    # One of the department's two requests is on time: fairness 1000 - 500, at weight 20, either way.
    s = scenario(
        [agent("ana")],
        [
            request("LOW", impact="person", urgency="inconvenient", priority_override="P3"),
            request("HIGH", impact="company", urgency="work_stopped"),
        ],
        policy=flat_policy(60),
    )
    result = checked_plan(s)
    assert result.status == PlanStatus.OPTIMAL
    assert result.objective == 120 + 20 * 500 == result.best_bound
    assert result.term(Term.LATENESS).quantity == 120
    high, low = result.assignment("HIGH"), result.assignment("LOW")
    assert high is not None and low is not None
    assert (high.start_minute, high.end_minute, high.minutes_late) == (0, 60, 0)
    assert (low.start_minute, low.end_minute, low.minutes_late) == (60, 120, 60)
    assert low.start.isoformat() == "2026-11-23T10:00:00+01:00"


def test_skills_decide_who_and_the_load_is_spread() -> None:
    # ana only networking, ben networking + payroll; three 60-min P2 requests all due at 10:00. Payroll must
    # go to ben; ana takes one networking request; the third waits an hour, whichever it is (same weight).
    # Loads 60 and 120 of 2400 minutes: spread 50 - 25 = 25 per mille.
    s = scenario(
        [agent("ana", {"net": 1}), agent("ben", {"net": 1, "pay": 1})],
        [
            request("PAY", required_skills={"pay": 1}),
            request("N1"),
            request("N2"),
        ],
        policy=flat_policy(60),
    )
    result = checked_plan(s)
    assert result.status == PlanStatus.OPTIMAL
    pay = result.assignment("PAY")
    assert pay is not None and pay.agent_id == "ben"
    assert sorted(a.minutes_late for a in result.assignments) == [0, 0, 60]
    assert sorted(a.agent_id for a in result.assignments) == ["ana", "ben", "ben"]
    assert result.term(Term.LATENESS).quantity == 4 * 60  # P2 weight x department weight 1 x 60 min
    assert result.term(Term.SPREAD).quantity == 25
    assert result.term(Term.FAIRNESS).quantity == 1000 - 666  # two of three on time, rounded down
    assert result.objective == 240 + 25 + 20 * 334


def test_part_timer_work_pauses_over_the_afternoon() -> None:
    mornings = {d: ["09:00-13:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    s = scenario([agent("pat", working_hours=mornings)], [request("BIG", effort=300)])
    result = checked_plan(s)
    big = result.assignment("BIG")
    assert big is not None
    assert big.start.isoformat() == "2026-11-23T09:00:00+01:00"
    assert big.end.isoformat() == "2026-11-24T10:00:00+01:00"  # 4 h Monday morning, 1 h Tuesday
    assert (big.start_minute, big.end_minute) == (0, 540)


def test_request_needing_a_skill_nobody_has_is_unassigned_with_the_skill_named() -> None:
    s = scenario([agent("ana")], [request("R1"), request("MAINFRAME", required_skills={"pay": 3})])
    result = checked_plan(s)
    (left,) = result.unassigned
    assert (left.request_id, left.reason, left.missing_skills) == ("MAINFRAME", "missing_skill", {"pay": 3})
    why = [e for e in result.explanations if e.request_ids == ["MAINFRAME"] and e.kind == "unassigned"]
    assert why[0].text == "Not planned: no teammate has Payroll (level 3 or higher)."


def test_work_that_does_not_fit_the_horizon_is_deferred_and_charged() -> None:
    # One day of horizon (480 min), two requests of 300 min: one is deferred.
    s = scenario(
        [agent("ana")],
        [request("A", effort=300), request("B", effort=300, impact="person", urgency="can_wait")],
        policy=flat_policy(480, horizon_days=1),
    )
    result = checked_plan(s)
    assert [u.request_id for u in result.unassigned] == ["B"]
    assert result.unassigned[0].reason == "no_room"
    # B is P4 (weight 1), due at 480 = the horizon's end: charged 0 + 480 extra minutes.
    assert result.term(Term.DEFERRAL).quantity == 480


def test_work_in_progress_stays_with_its_owner() -> None:
    s = scenario(
        [agent("ana"), agent("ben")],
        [request("R1", owner="ben", status="in_progress"), request("R2", owner="ben", status="in_progress")],
        policy=flat_policy(60),
    )
    result = checked_plan(s)
    assert {a.agent_id for a in result.assignments} == {"ben"}


def test_done_requests_are_not_planned() -> None:
    s = scenario([agent("ana")], [request("R1", status="done"), request("R2")])
    result = checked_plan(s)
    assert [a.request_id for a in result.assignments] == ["R2"]
    assert result.unassigned == []


def test_requests_filed_later_start_when_filed() -> None:
    s = scenario([agent("ana")], [request("LATER", created_at="2026-11-23T11:30:00")])
    result = checked_plan(s)
    later = result.assignment("LATER")
    assert later is not None and later.start_minute == 150
