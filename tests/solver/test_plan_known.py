"""Small scenarios whose best plan is worked out by hand: the solver finds it and proves it optimal."""

from tests.builders import agent, flat_policy, request, scenario
from tests.solver.conftest import checked_plan
from triage.names import PlanStatus, Term
from triage.results import Plan

P4 = {"impact": "person", "urgency": "can_wait"}  # weight 1


def test_two_requests_one_agent_the_heavier_one_goes_first() -> None:
    # Both due at 10:00 (60 min). P1 (weight 8) first: P3 (weight 2) ends 60 min late -> 2 x 60 = 120.
    # The other order would cost 8 x 60 = 480. One agent: no spread; 120 min is far below target load.
    # One department: fairness does not count (issue 16; it was 1000 - 500 at weight 20 either way).
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
    assert result.term(Term.FAIRNESS).quantity == 0
    assert result.objective == 120 == result.best_bound  # no tie-break term can count: protection factor 1
    assert result.term(Term.LATENESS).quantity == 120
    high, low = result.assignment("HIGH"), result.assignment("LOW")
    assert high is not None and low is not None
    assert (high.start_minute, high.end_minute, high.minutes_late) == (0, 60, 0)
    assert (low.start_minute, low.end_minute, low.minutes_late) == (60, 120, 60)
    assert low.start.isoformat() == "2026-11-23T10:00:00+01:00"


def test_skills_decide_who_and_the_load_is_spread() -> None:
    # ana only networking, ben networking + payroll; three 60-min P2 requests all due at 10:00. Payroll must
    # go to ben; ana takes one networking request; the third waits an hour, whichever it is (same weight).
    # Loads 60 and 120 of 2400 minutes: spread 50 - 25 = 25 per mille. One department: no fairness.
    # Ana taking both networking requests ties with ana one and ben two (loads 120 and 60: spread 25 too,
    # the same lateness): both plans are optimal. protect_priorities (the default): the largest spread any
    # plan could reach is ben's 3 x 25 per mille, so the core terms' weights are x 76.
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
    assert sorted(a.agent_id for a in result.assignments) in (["ana", "ben", "ben"], ["ana", "ana", "ben"])
    assert result.term(Term.LATENESS).quantity == 4 * 60  # P2 weight x department weight 1 x 60 min
    assert result.term(Term.SPREAD).quantity == 25
    assert result.term(Term.FAIRNESS).quantity == 0  # two of three on time, but one department
    assert result.term(Term.LATENESS).weight == 76
    assert result.objective == 76 * 240 + 25


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


def test_deferral_per_effort_minute_keeps_the_long_request() -> None:
    # One day (480 min), all P4 (weight 1), due at 60: LONG (470 min) or S1 + S2 (160 each) fit, not both.
    # Due-time form: each deferred request is charged 480 - 60 + 480 extra = 900 minutes (and waiting 480 past
    # the horizon x weight 4), so leaving out LONG alone (900 + lateness 100 + 260 + waiting 4 x 480 = 3,180)
    # beats leaving out both short ones. At 50 minutes per minute of effort, LONG left out costs
    # 900 + 50 x 470 = 24,400; S1 and S2 left out cost 2 x (900 + 50 x 160) = 17,800 + lateness 470 - 60 +
    # overload 470 - 408 (85 % of 480) + waiting 4 x 2 x 480 = 22,112: the long one is planned.
    def plan_with(per_effort: int) -> Plan:
        requests = [request("LONG", effort=470, **P4), request("S1", effort=160, **P4), request("S2", effort=160, **P4)]
        policy = flat_policy(60, horizon_days=1, deferral_per_effort_minute=per_effort)
        return checked_plan(scenario([agent("ana")], requests, policy=policy))

    due_time_form = plan_with(0)
    assert [u.request_id for u in due_time_form.unassigned] == ["LONG"]
    assert due_time_form.term(Term.DEFERRAL).quantity == 900
    assert due_time_form.objective == 3180 == due_time_form.best_bound
    by_effort = plan_with(50)
    assert [u.request_id for u in by_effort.unassigned] == ["S1", "S2"]
    assert by_effort.term(Term.DEFERRAL).quantity == 2 * (900 + 50 * 160)
    assert by_effort.term(Term.OVERLOAD).quantity == 470 - 408
    assert by_effort.objective == 22_112 == by_effort.best_bound
