"""The board's geometry: one lane per teammate, every planned request once in its teammate's lane, placed on
the business-time axis, a tick where each working day opens, filters that only hide."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.demo import DEMO_FILE, read_scenario
from api.web import board
from solver.params import SolveParams
from solver.run import plan as make_plan
from triage.calendar import BusinessAxis
from triage.model import Scenario
from triage.names import Priority
from triage.results import Plan


@pytest.fixture(scope="module")
def planned() -> tuple[Scenario, Plan]:
    scenario = read_scenario(DEMO_FILE)
    return scenario, make_plan(scenario, SolveParams(time_limit_seconds=1, workers=1))


def test_every_assignment_is_one_bar_in_its_lane_at_its_place(planned: tuple[Scenario, Plan]) -> None:
    scenario, plan = planned
    picture = board.build(scenario, plan, board.Filters())
    assert [lane.agent_id for lane in picture.lanes] == [a.id for a in scenario.agents]
    span = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days).horizon_minutes
    bars = {b.request_id: (lane.agent_id, b) for lane in picture.lanes for b in lane.bars}
    assert len(bars) == sum(len(lane.bars) for lane in picture.lanes) == len(plan.assignments)
    for a in plan.assignments:
        agent, bar = bars[a.request_id]
        assert agent == a.agent_id
        assert bar.left_pct == pytest.approx(a.start_minute / span * 100, abs=0.001)
        assert bar.width_pct >= board.MIN_BAR_PCT and bar.left_pct + bar.width_pct <= 100.0 + 1e-9
        assert bar.minutes_late == a.minutes_late and bar.priority == a.priority.value
    for lane in picture.lanes:
        assert [b.left_pct for b in lane.bars] == sorted(b.left_pct for b in lane.bars)
        planned_minutes = sum(a.end_minute - a.start_minute for a in plan.assignments if a.agent_id == lane.agent_id)
        assert lane.planned_minutes == planned_minutes
    assert picture.late_count == sum(a.minutes_late > 0 for a in plan.assignments)
    assert {u.request_id for u in picture.unplanned} == {u.request_id for u in plan.unassigned}


def test_a_tick_opens_each_working_day_of_the_horizon(planned: tuple[Scenario, Plan]) -> None:
    scenario, plan = planned
    ticks = board.build(scenario, plan, board.Filters()).ticks
    assert [t.label for t in ticks] == ["Mon 23 Nov", "Tue 24 Nov", "Wed 25 Nov", "Thu 26 Nov", "Fri 27 Nov"]
    assert [t.left_pct for t in ticks] == [0.0, 20.0, 40.0, 60.0, 80.0]  # five equal working days


def test_filters_hide_bars_and_keep_the_lanes(planned: tuple[Scenario, Plan]) -> None:
    scenario, plan = planned
    requests = {r.id: r for r in scenario.requests}
    cases = [
        (board.Filters(department="sales"), lambda a: requests[a.request_id].department == "sales"),
        (board.Filters(skill="database"), lambda a: "database" in requests[a.request_id].required_skills),
        (board.Filters(priority=Priority.P1), lambda a: a.priority == Priority.P1),
    ]
    for filters, keep in cases:
        picture = board.build(scenario, plan, filters)
        shown = {b.request_id for lane in picture.lanes for b in lane.bars}
        assert shown == {a.request_id for a in plan.assignments if keep(a)}, filters
        assert picture.shown + picture.hidden == len(plan.assignments) and len(picture.lanes) == len(scenario.agents)


def test_the_live_queue_replaces_the_plans_places_and_greys_waiting_work(planned: tuple[Scenario, Plan]) -> None:
    scenario, plan = planned
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    moved, dropped = plan.assignments[0], plan.assignments[1]
    other = next(a.id for a in scenario.agents if a.id != moved.agent_id)
    requests = {r.id: r for r in scenario.requests}

    def seen(rid: str, title: str = "", priority: Priority | None = Priority.P3) -> board.Seen:
        r = requests.get(rid)
        return board.Seen(
            request_id=rid,
            title=title or (r.title if r else ""),
            department="sales",
            required_skills={},
            priority=priority,
        )

    start = scenario.now + timedelta(hours=30)
    live = board.Live(
        label="tentative",
        tentative=[
            board.TentativePlace(
                request=seen(moved.request_id),
                agent_id=other,
                start=start,
                end=start + timedelta(hours=1),
                note=None,
                is_open=True,
            ),
            board.TentativePlace(
                request=seen(dropped.request_id),
                agent_id=None,
                start=None,
                end=None,
                note="the request is waiting: it is not planned",
                is_open=False,
            ),
            board.TentativePlace(
                request=seen("NEW-1", "Filed since"), agent_id=None, start=None, end=None, note="no room", is_open=True
            ),
        ],
        waiting=[
            board.WaitingWork(
                request=seen(dropped.request_id),
                owner_id=other,
                on_whom="a vendor",
                since=scenario.now,
                text="Waiting for a vendor since Mon 09:00.",
            )
        ],
    )
    picture = board.build(scenario, plan, board.Filters(), live)
    bars = {b.request_id: (lane.agent_id, b) for lane in picture.lanes for b in lane.bars}
    assert dropped.request_id not in bars  # waiting now: its plan place is gone
    agent, bar = bars[moved.request_id]
    assert agent == other and bar.tentative and bar.priority == "P3"
    span = axis.horizon_minutes
    assert bar.left_pct == pytest.approx(axis.minute_of(start) / span * 100, abs=0.001)
    assert [b.tentative for _, b in bars.values()].count(True) == 1
    assert [(u.request_id, u.tentative, u.reason) for u in picture.unplanned if u.tentative] == [
        ("NEW-1", True, "no room")
    ]
    lane = next(lane for lane in picture.lanes if lane.agent_id == other)
    assert [w.request.request_id for w in lane.waiting] == [dropped.request_id] and picture.tentative_count == 2
    people_only = board.build(scenario, plan, board.Filters(department="people"), live)
    assert people_only.waiting == [] and all(not b.tentative for lane in people_only.lanes for b in lane.bars)
