"""The independent checker, tested on hand-built plans: one broken plan per hard rule, each reported by its
rule and request, and every term value on a case computed by hand in the comments.

The plans are written here minute by minute (no solver), so a fault in the solver cannot hide a fault in
the checker. The organisation is the builders' default: Monday 09:00, Mon-Fri 09:00-17:00 in Berlin, so
axis minute 0 is Monday 09:00 and 480 is Tuesday 09:00.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.builders import agent, flat_policy, request, scenario
from triage.calendar import BusinessAxis
from triage.model import Scenario
from triage.names import PlanStatus, Rule, Term
from triage.results import Assignment, Plan, Unassigned
from triage.scoring import triage_all
from triage.validation import check_plan, term_quantities


def placed(s: Scenario, request_id: str, agent_id: str, begin: int, finish: int, **overrides: Any) -> Assignment:
    """An assignment from axis minutes, its timestamps, due and lateness as the axis and the policy say."""
    axis = BusinessAxis(s.calendar, s.now, s.policy.horizon_days)
    triage = triage_all(s, axis)[request_id]
    fields: dict[str, Any] = {
        "request_id": request_id,
        "agent_id": agent_id,
        "start": axis.moment_of(begin),
        "end": axis.moment_of(finish, closing=True),
        "start_minute": begin,
        "end_minute": finish,
        "priority": triage.priority,
        "due": triage.due_at,
        "minutes_late": max(finish - triage.due_minute, 0),
    }
    return Assignment(**(fields | overrides))


def left_out(s: Scenario, request_id: str) -> Unassigned:
    axis = BusinessAxis(s.calendar, s.now, s.policy.horizon_days)
    triage = triage_all(s, axis)[request_id]
    return Unassigned(request_id=request_id, priority=triage.priority, due=triage.due_at, reason="no_room")


def plan_of(
    s: Scenario,
    assignments: list[Assignment],
    unassigned: list[Unassigned] | None = None,
    status: PlanStatus = PlanStatus.FEASIBLE,
) -> Plan:
    axis = BusinessAxis(s.calendar, s.now, s.policy.horizon_days)
    return Plan(
        status=status,
        objective=0,
        best_bound=0,
        gap=0.0,
        bound_source="written by hand in a test",
        solve_seconds=0.0,
        horizon_end=axis.moment_of(axis.horizon_minutes, closing=True),
        terms=[],
        assignments=assignments,
        unassigned=unassigned or [],
    )


def rules_of(s: Scenario, p: Plan) -> list[tuple[Rule, str]]:
    return [(v.rule, v.request_id) for v in check_plan(s, p)]


# -- hard rules: a valid plan, then one broken plan per rule ----------------------------------------


def two_agents(requests: list[dict[str, Any]], **fields: Any) -> Scenario:
    return scenario([agent("ana", {"net": 1}), agent("ben", {"pay": 1})], requests, **fields)


def test_a_valid_plan_breaks_nothing() -> None:
    s = two_agents([request("A"), request("B"), request("P", required_skills={"pay": 1})])
    # B runs over the evening: 450-480 on Monday and 480-510 on Tuesday are its 60 working minutes.
    p = plan_of(s, [placed(s, "A", "ana", 0, 60), placed(s, "B", "ana", 450, 510), placed(s, "P", "ben", 0, 60)])
    assert check_plan(s, p) == []


def test_overlap_on_one_agent_is_reported_on_the_later_request() -> None:
    s = two_agents([request("A"), request("B")])
    p = plan_of(s, [placed(s, "A", "ana", 0, 60), placed(s, "B", "ana", 59, 119)])
    assert rules_of(s, p) == [(Rule.NO_OVERLAP, "B")]
    # back to back is no overlap
    assert check_plan(s, plan_of(s, [placed(s, "A", "ana", 0, 60), placed(s, "B", "ana", 60, 120)])) == []


def test_an_agent_without_the_skill_or_its_level() -> None:
    s = two_agents([request("P", required_skills={"pay": 1}), request("N", required_skills={"net": 2})])
    p = plan_of(s, [placed(s, "P", "ana", 0, 60), placed(s, "N", "ana", 60, 120)])
    assert rules_of(s, p) == [(Rule.SKILLS, "P"), (Rule.SKILLS, "N")]


def test_a_start_before_the_request_exists() -> None:
    s = two_agents([request("A", created_at=datetime(2026, 11, 23, 10, 0))])  # filed at minute 60
    assert rules_of(s, plan_of(s, [placed(s, "A", "ana", 59, 119)])) == [(Rule.RELEASE, "A")]
    assert check_plan(s, plan_of(s, [placed(s, "A", "ana", 60, 120)])) == []


def test_work_outside_the_agents_availability() -> None:
    # ana is off on Monday morning until 12:00 (axis minute 180).
    away = {"start": "2026-11-23T09:00:00", "end": "2026-11-23T12:00:00"}
    s = scenario([agent("ana", time_off=[away])], [request("A")])
    assert rules_of(s, plan_of(s, [placed(s, "A", "ana", 120, 180)])) == [(Rule.AVAILABILITY, "A")]
    # starting in her time and running into her time off is as wrong as starting in it
    s2 = scenario(
        [agent("ana", time_off=[{"start": "2026-11-23T10:00:00", "end": "2026-11-23T12:00:00"}])], [request("A")]
    )
    assert rules_of(s2, plan_of(s2, [placed(s2, "A", "ana", 30, 90)])) == [(Rule.AVAILABILITY, "A")]
    assert check_plan(s, plan_of(s, [placed(s, "A", "ana", 180, 240)])) == []


def test_work_that_may_not_pause_runs_across_an_absence() -> None:
    # ana works 09:00-13:00 (axis 0-240 on Monday, 480-720 on Tuesday); 180-240 and 480-540 are 120 of her
    # working minutes, with her Monday afternoon off between them.
    mornings = {day: ["09:00-13:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    ana = agent("ana", working_hours=mornings)
    across = [request("A", effort=120, pausable=False)]
    s = scenario([ana], across)
    assert rules_of(s, plan_of(s, [placed(s, "A", "ana", 180, 540)])) == [(Rule.NO_PAUSE, "A")]
    assert check_plan(s, plan_of(s, [placed(s, "A", "ana", 480, 600)])) == []  # one stretch: Tuesday morning
    # the same span is valid when the work may pause: the request's own mark, else the skill's, else the policy
    assert check_plan(scenario([ana], [request("A", effort=120)]), plan_of(s, [placed(s, "A", "ana", 180, 540)])) == []
    by_skill = scenario([ana], [request("A", effort=120)], policy={"pausable_skills": {"net": False}})
    assert rules_of(by_skill, plan_of(by_skill, [placed(by_skill, "A", "ana", 180, 540)])) == [(Rule.NO_PAUSE, "A")]
    by_policy = scenario([ana], [request("A", effort=120)], policy={"pausable": False})
    assert rules_of(by_policy, plan_of(by_policy, [placed(by_policy, "A", "ana", 180, 540)])) == [(Rule.NO_PAUSE, "A")]
    allowed = scenario([ana], [request("A", effort=120, pausable=True)], policy={"pausable": False})
    assert check_plan(allowed, plan_of(allowed, [placed(allowed, "A", "ana", 180, 540)])) == []
    # a full-timer's evening is not an absence: the team's closed hours are not on the axis
    evening = scenario([agent("ben")], [request("B", effort=60, pausable=False)])
    assert check_plan(evening, plan_of(evening, [placed(evening, "B", "ben", 450, 510)])) == []


def test_a_span_shorter_than_the_effort_or_timestamps_off_the_axis() -> None:
    s = two_agents([request("A", effort=60)])
    assert rules_of(s, plan_of(s, [placed(s, "A", "ana", 0, 30)])) == [(Rule.AVAILABILITY, "A")]
    wrong_clock = placed(s, "A", "ana", 0, 60, start=datetime(2026, 11, 23, 9, 30))
    assert rules_of(s, plan_of(s, [wrong_clock])) == [(Rule.AVAILABILITY, "A")]


def test_work_past_the_horizon() -> None:
    s = two_agents([request("A", effort=60)], policy=flat_policy(60, horizon_days=1))
    # the last 30 minutes lie past the horizon, where nobody has working time either
    assert rules_of(s, plan_of(s, [placed(s, "A", "ana", 450, 510)])) == [(Rule.HORIZON, "A"), (Rule.AVAILABILITY, "A")]


def test_a_request_assigned_twice_missing_or_unknown() -> None:
    s = two_agents([request("A"), request("B")])
    twice = plan_of(s, [placed(s, "A", "ana", 0, 60), placed(s, "A", "ana", 60, 120)], [left_out(s, "B")])
    assert rules_of(s, twice) == [(Rule.ONCE, "A")]
    both_ways = plan_of(s, [placed(s, "A", "ana", 0, 60), placed(s, "B", "ana", 60, 120)], [left_out(s, "A")])
    assert rules_of(s, both_ways) == [(Rule.ONCE, "A")]
    missing = plan_of(s, [placed(s, "A", "ana", 0, 60)])
    assert [(v.rule, v.request_id, v.detail) for v in check_plan(s, missing)] == [(Rule.ONCE, "B", "appears 0 times")]
    stranger = plan_of(s, [placed(s, "A", "ana", 0, 60), placed(s, "B", "ana", 60, 120)], [left_out(s, "A")])
    stranger.unassigned[0].request_id = "Z"
    assert rules_of(s, stranger) == [(Rule.ONCE, "Z")]


def test_a_done_request_must_not_be_planned() -> None:
    s = two_agents([request("A"), request("D", status="done")])
    p = plan_of(s, [placed(s, "A", "ana", 0, 60)])
    assert check_plan(s, p) == []
    p.assignments.append(placed(s, "D", "ana", 60, 120))
    assert rules_of(s, p) == [(Rule.ONCE, "D")]


def test_an_unknown_agent() -> None:
    s = two_agents([request("A")])
    p = plan_of(s, [placed(s, "A", "ana", 0, 60)])
    p.assignments[0].agent_id = "zoe"
    assert rules_of(s, p) == [(Rule.ONCE, "A")]


def test_minutes_late_must_match_the_end_and_the_due_time() -> None:
    s = two_agents([request("A", effort=120)], policy=flat_policy(60))
    honest = placed(s, "A", "ana", 0, 120)
    assert honest.minutes_late == 60 and check_plan(s, plan_of(s, [honest])) == []
    assert rules_of(s, plan_of(s, [placed(s, "A", "ana", 0, 120, minutes_late=0)])) == [(Rule.ONCE, "A")]


def test_an_infeasible_plan_must_place_nothing() -> None:
    s = two_agents([request("A")])
    assert check_plan(s, plan_of(s, [], status=PlanStatus.INFEASIBLE)) == []
    p = plan_of(s, [placed(s, "A", "ana", 0, 60)], status=PlanStatus.INFEASIBLE)
    assert rules_of(s, p) == [(Rule.ONCE, "A")]


def test_work_in_progress_stays_with_its_owner_unless_unfrozen() -> None:
    both = {"net": 1}
    s = scenario([agent("ana", both), agent("ben", both)], [request("A", owner="ana", status="in_progress")])
    assert rules_of(s, plan_of(s, [placed(s, "A", "ben", 0, 60)])) == [(Rule.IN_PROGRESS, "A")]
    assert check_plan(s, plan_of(s, [placed(s, "A", "ana", 0, 60)])) == []
    unfrozen = scenario(
        [agent("ana", both), agent("ben", both)],
        [request("A", owner="ana", status="in_progress")],
        pins=[{"id": "u", "kind": "unfreeze", "request": "A"}],
    )
    assert check_plan(unfrozen, plan_of(unfrozen, [placed(unfrozen, "A", "ben", 0, 60)])) == []
    # an owner who cannot do the work does not hold it
    s = scenario([agent("ana", {"pay": 1}), agent("ben", both)], [request("A", owner="ana", status="in_progress")])
    assert check_plan(s, plan_of(s, [placed(s, "A", "ben", 0, 60)])) == []


PINS: dict[str, dict[str, Any]] = {
    "assign": {"id": "p", "kind": "assign", "request": "A", "agent": "ben"},
    "before": {"id": "p", "kind": "before", "request": "A", "other": "B"},
    "first": {"id": "p", "kind": "first", "request": "A"},
}


def pinned(kind: str) -> Scenario:
    both = {"net": 1}
    return scenario([agent("ana", both), agent("ben", both)], [request("A"), request("B")], pins=[PINS[kind]])


@pytest.mark.parametrize(
    ("kind", "kept", "broken"),
    [
        # assign: A with ben; broken when A is with ana, or not planned at all
        ("assign", [("A", "ben", 0, 60), ("B", "ana", 0, 60)], [("A", "ana", 0, 60), ("B", "ben", 0, 60)]),
        ("assign", [("A", "ben", 0, 60), ("B", "ana", 0, 60)], [("B", "ben", 0, 60)]),
        # before: A ends by the time B starts, on any agents; broken when B starts first, or A is not planned
        ("before", [("A", "ana", 0, 60), ("B", "ben", 60, 120)], [("A", "ana", 0, 60), ("B", "ben", 59, 119)]),
        ("before", [("A", "ana", 0, 60), ("B", "ben", 60, 120)], [("B", "ben", 60, 120)]),
        ("before", [("A", "ana", 0, 60), ("B", "ben", 60, 120)], [("A", "ana", 0, 60)]),
        # first: nothing starts before A on A's agent; other agents are free to start earlier
        ("first", [("A", "ana", 60, 120), ("B", "ben", 0, 60)], [("A", "ana", 60, 120), ("B", "ana", 0, 60)]),
        ("first", [("A", "ana", 60, 120), ("B", "ben", 0, 60)], [("B", "ana", 0, 60)]),
    ],
)
def test_each_pin_kind_kept_and_broken(
    kind: str, kept: list[tuple[str, str, int, int]], broken: list[tuple[str, str, int, int]]
) -> None:
    s = pinned(kind)

    def plan_from(rows: list[tuple[str, str, int, int]]) -> Plan:
        placed_ids = {row[0] for row in rows}
        return plan_of(
            s, [placed(s, *row) for row in rows], [left_out(s, r) for r in ("A", "B") if r not in placed_ids]
        )

    assert check_plan(s, plan_from(kept)) == []
    violations = check_plan(s, plan_from(broken))
    assert [(v.rule, v.request_id) for v in violations] == [(Rule.PINS, "A")]
    assert f"pin p ({kind})" in violations[0].detail


def test_pins_on_done_requests_bind_nothing() -> None:
    both = {"net": 1}
    s = scenario(
        [agent("ana", both)],
        [request("A", status="done"), request("B")],
        pins=[
            {"id": "p", "kind": "first", "request": "A"},
            {"id": "q", "kind": "before", "request": "B", "other": "A"},
        ],
    )
    assert check_plan(s, plan_of(s, [placed(s, "B", "ana", 0, 60)])) == []


# -- term values on one hand-computed plan -----------------------------------------------------------


def hand_scenario() -> Scenario:
    """Two days (960 working minutes each), every request P2 (weight 4), due 120 minutes after filing and
    waiting too long after 240; ops has weight 1, fin weight 3 (so fin's minute costs 12); fair shares of
    planned time 85 % ops and 15 % fin; a deferred request is charged 100 minutes past the horizon."""
    policy = flat_policy(
        120,
        horizon_days=2,
        deferral_extra_minutes=100,
        max_wait_minutes=dict.fromkeys(("P1", "P2", "P3", "P4"), 240),
        fair_share_pct={"ops": 85, "fin": 15},
    )
    departments = [{"id": "ops", "name": "Operations", "weight": 1}, {"id": "fin", "name": "Finance", "weight": 3}]
    agents = [
        agent("ana", {"net": 1}, target_load_pct=50),  # target 480 of 960
        agent("ben", {"net": 1}, target_load_pct=100),
        agent("cal", {"db": 1}),  # no open request needs databases: outside the spread
    ]
    requests = [
        request("A", effort=300, department_rank=1),
        request("B", effort=300),
        request("E", effort=30, department_rank=2),
        request("C", effort=60, department="fin", owner="ana"),
        request("D", effort=120, department="fin"),
    ]
    return scenario(agents, requests, policy=policy, departments=departments)


def hand_plan(s: Scenario) -> Plan:
    rows = [("A", "ana", 0, 300), ("B", "ana", 300, 600), ("C", "ben", 0, 60), ("E", "ben", 60, 90)]
    return plan_of(s, [placed(s, *row) for row in rows], [left_out(s, "D")])


def test_the_hand_plan_is_valid() -> None:
    s = hand_scenario()
    assert check_plan(s, hand_plan(s)) == []


HAND_VALUES = {
    # A ends 300 (180 late), B ends 600 (480 late), both weight 4; C and E are on time
    Term.LATENESS: 4 * 180 + 4 * 480,
    # D (fin, weight 12) left out: from due 120 to the horizon's end 960, plus 100
    Term.DEFERRAL: 12 * (960 - 120 + 100),
    # ana holds 600 minutes against a target of 480; ben 90 of 960; cal nothing
    Term.OVERLOAD: 600 - 480,
    # per mille per request, rounded down: ana 2 x (300000 // 960 = 312), ben 60000 // 960 + 30000 // 960
    Term.SPREAD: 2 * 312 - (62 + 31),
    # C is owned by ana and planned with ben
    Term.CHURN: 1,
    # ops: E on time of 3 = 333 per mille; fin: C of 2 = 500; the worst falls 667 short
    Term.FAIRNESS: 1000 - 333,
    # past 240: A by 60, B by 360; D to the horizon's end (960 - 240) plus 100
    Term.WAITING: 60 + 360 + (960 - 240 + 100),
    # ops ranks A (ends 300) before E (ends 90)
    Term.RANK: 300 - 90,
    # P2 demand ops 630, fin 180: only fin asks for its share (180 x 1000 >= 150 x 810); planned ops 630,
    # fin 60 of 690; fin's fair 150 per mille of 690 is 103.5 minutes, 43.5 short, rounded up to 44
    Term.SHARE: 4 * 44,
}


@pytest.mark.parametrize("term", list(Term))
def test_each_term_value_on_the_hand_plan(term: Term) -> None:
    s = hand_scenario()
    assert term_quantities(s, hand_plan(s))[term] == HAND_VALUES[term]


def test_churn_against_the_previous_plan_when_there_is_no_owner() -> None:
    s = hand_scenario()
    before = hand_plan(s)
    after = hand_plan(s)
    after.assignments[3] = placed(s, "E", "ana", 600, 630)  # E moves from ben to ana
    assert term_quantities(s, after)[Term.CHURN] == 1  # C only: E has no owner and no previous plan
    assert term_quantities(s, after, previous=before)[Term.CHURN] == 2
