"""Pins are hard: each kind holds on a small scenario whose answer is known, and pins that cannot all
hold give an infeasible plan naming a small conflicting set and the rule it meets."""

from __future__ import annotations

from tests.builders import agent, flat_policy, request, scenario
from tests.solver.conftest import checked_plan
from triage.names import PlanStatus, Rule


def pin(pin_id: str, kind: str, request_id: str, **fields: str) -> dict[str, str]:
    return {"id": pin_id, "kind": kind, "request": request_id, "reason": "lead's call", **fields}


TEAM = [agent("ana"), agent("ben")]


def test_assign_pin_overrides_the_cheaper_choice() -> None:
    # Without the pin both requests go one to each agent; pinned, B joins A on ana and waits.
    s = scenario(
        TEAM, [request("A"), request("B")], policy=flat_policy(60), pins=[pin("p1", "assign", "B", agent="ana")]
    )
    result = checked_plan(s)
    placed = {a.request_id: a.agent_id for a in result.assignments}
    assert placed["B"] == "ana"


def test_before_pin_orders_two_requests() -> None:
    # One agent; LOW would naturally follow HIGH (P1). Pinned LOW before HIGH: LOW first.
    s = scenario(
        [agent("ana")],
        [
            request("HIGH", impact="company", urgency="work_stopped"),
            request("LOW", impact="person", urgency="can_wait"),
        ],
        policy=flat_policy(60),
        pins=[pin("p1", "before", "LOW", other="HIGH")],
    )
    result = checked_plan(s)
    low, high = result.assignment("LOW"), result.assignment("HIGH")
    assert low is not None and high is not None
    assert low.end_minute <= high.start_minute


def test_first_pin_puts_a_request_first_on_its_agent() -> None:
    s = scenario(
        [agent("ana")],
        [
            request("HIGH", impact="company", urgency="work_stopped"),
            request("LOW", impact="person", urgency="can_wait"),
        ],
        policy=flat_policy(60),
        pins=[pin("p1", "first", "LOW")],
    )
    result = checked_plan(s)
    low = result.assignment("LOW")
    assert low is not None and low.start_minute == 0


def test_unfreeze_lets_work_in_progress_move() -> None:
    # Both in progress with ben; unfreezing B lets it move to idle ana (one churn, no lateness).
    work = [request("A", owner="ben", status="in_progress"), request("B", owner="ben", status="in_progress")]
    frozen = checked_plan(scenario(TEAM, work, policy=flat_policy(60)))
    assert {a.agent_id for a in frozen.assignments} == {"ben"}
    moved = checked_plan(scenario(TEAM, work, policy=flat_policy(60), pins=[pin("u", "unfreeze", "B")]))
    assert {a.request_id: a.agent_id for a in moved.assignments} == {"A": "ben", "B": "ana"}


def test_assign_pin_to_an_agent_without_the_skill_is_a_conflict_with_the_skills_rule() -> None:
    s = scenario(
        [agent("ana", {"net": 1}), agent("ben", {"pay": 1})],
        [request("R", required_skills={"pay": 1})],
        pins=[pin("p1", "assign", "R", agent="ana")],
    )
    result = checked_plan(s)
    assert result.status == PlanStatus.INFEASIBLE
    (conflict,) = result.conflicts
    assert conflict.pin_ids == ["p1"]
    assert conflict.rules == [Rule.SKILLS]


def test_before_pins_in_a_cycle_conflict_with_each_other_only() -> None:
    s = scenario(
        TEAM,
        [request("A"), request("B"), request("C")],
        pins=[
            pin("ab", "before", "A", other="B"),
            pin("ba", "before", "B", other="A"),
            pin("c", "assign", "C", agent="ana"),
        ],
    )
    result = checked_plan(s)
    assert result.status == PlanStatus.INFEASIBLE
    (conflict,) = result.conflicts
    assert conflict.pin_ids == ["ab", "ba"]  # the assign pin is not part of the conflict
    assert conflict.rules == [Rule.PINS]


def test_two_first_pins_on_one_agent_meet_the_no_overlap_rule() -> None:
    s = scenario(
        [agent("ana")],
        [request("A"), request("B"), request("C")],
        pins=[
            pin("fa", "first", "A"),
            pin("fb", "first", "B"),
            pin("aa", "assign", "A", agent="ana"),
        ],
    )
    result = checked_plan(s)
    assert result.status == PlanStatus.INFEASIBLE
    (conflict,) = result.conflicts
    assert conflict.pin_ids == ["fa", "fb"]
    assert conflict.rules == [Rule.NO_OVERLAP]
