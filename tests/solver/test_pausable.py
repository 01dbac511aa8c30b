"""Work that may not pause (`Policy.pausable`, `Policy.pausable_skills`, `Request.pausable`): small scenarios
with known answers, the deferral and its explanation when no stretch is long enough, and a property: with
pausable off, no plan of any engine (the planner, routing, the local search, the neighbourhood search,
insertion, the live re-plan) puts such work across an absence, as the independent checker sees it.

The organisation is the builders' default (Monday 09:00, Mon-Fri 09:00-17:00 in Berlin): axis minute 0 is
Monday 09:00, 480 Tuesday 09:00. Ana works mornings only (09:00-13:00: axis 0-240, 480-720, ...).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.budget import Budget
from solver.compile import compile_scenario
from solver.local import changed_between, replan_near
from solver.params import SolveParams
from solver.run import extract_plan, plan, plan_by_routing
from solver.search.heuristic import best_routing
from solver.search.insert import Placer
from solver.search.polish import polish
from tests.builders import agent, flat_policy, request, scenario
from tests.solver.conftest import checked_plan
from tests.solver.test_properties import scenarios
from triage.explain import explain_unassigned
from triage.model import Scenario, SkillIndex
from triage.names import PlanStatus, Rule
from triage.results import Plan
from triage.validation import check_plan

MORNINGS = {day: ["09:00-13:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def spans(p: Plan) -> dict[str, tuple[str, int, int]]:
    return {a.request_id: (a.agent_id, a.start_minute, a.end_minute) for a in p.assignments}


@pytest.mark.parametrize(
    ("pausable", "expected"),
    [
        # Ana may pause r2 over her Monday afternoon: 0-240, then 480-540 on Tuesday.
        (True, {"r1": ("ben", 0, 300), "r2": ("ana", 0, 540)}),
        # Not pausable: Ana has no 5-hour stretch, so Ben does both, r2 from 14:00 into Tuesday morning (his
        # evening is the team's closed time, not an absence of his).
        (False, {"r1": ("ben", 0, 300), "r2": ("ben", 300, 600)}),
    ],
)
def test_policy_wide_pausable_decides_who_and_when(pausable: bool, expected: dict[str, tuple[str, int, int]]) -> None:
    s = scenario(
        [agent("ana", working_hours=MORNINGS), agent("ben")],
        [request("r1", 300), request("r2", 300)],
        policy=flat_policy(60, pausable=pausable),
    )
    result = checked_plan(s)
    assert result.status == PlanStatus.OPTIMAL
    # r1 and r2 are alike (effort, department, priority): which of them takes which place is a tie
    assert sorted(spans(result).values()) == sorted(expected.values())


def test_work_that_may_not_pause_waits_for_the_next_stretch_it_fits_in() -> None:
    # filed Monday 12:00 (axis 180): pausing, 60 minutes before 13:00 and 60 on Tuesday morning; not, Tuesday.
    filed = datetime(2026, 11, 23, 12, 0).isoformat()
    for pausable, expected in ((None, ("ana", 180, 540)), (False, ("ana", 480, 600))):
        s = scenario([agent("ana", working_hours=MORNINGS)], [request("r", 120, created_at=filed, pausable=pausable)])
        assert spans(checked_plan(s))["r"] == expected


def test_the_request_mark_comes_before_the_skill_mark_which_comes_before_the_policy() -> None:
    filed = datetime(2026, 11, 23, 12, 0).isoformat()
    ana = agent("ana", {"net": 1, "db": 1}, working_hours=MORNINGS)
    policy = {"pausable": True, "pausable_skills": {"db": False}}
    s = scenario(
        [ana],
        [
            request("net", 120, created_at=filed),
            request("db", 120, created_at=filed, required_skills={"db": 1}),
            request("db-ok", 120, created_at=filed, required_skills={"db": 1}, pausable=True),
        ],
        policy=policy,
    )
    marks = {r.id: s.policy.may_pause(r) for r in s.requests}
    assert marks == {"net": True, "db": False, "db-ok": True}
    result = checked_plan(s)
    by_id = spans(result)
    # whatever order the plan picks, the db request sits inside one morning, and the two others may pause
    _, start, end = by_id["db"]
    assert any(low <= start and end <= low + 240 for low in (0, 480, 960, 1440, 1920))


def test_longer_than_every_stretch_is_deferred_and_the_explanation_says_why() -> None:
    s = scenario(
        [agent("ana", working_hours=MORNINGS), agent("ben", {"pay": 1})],
        [request("r", 300, pausable=False)],
    )
    result = checked_plan(s)
    assert [(u.request_id, u.reason) for u in result.unassigned] == [("r", "no_stretch")]
    e = explain_unassigned(s, s.requests[0], result.unassigned[0], result, SkillIndex(s.agents))
    assert e.fact("effort_minutes") == 300 and e.fact("longest_stretch") == 240
    assert e.text == (
        "Not planned: it cannot pause, so it needs 5 h in one stretch, and nobody who has Networking has 5 h in "
        "one stretch before Fri 17:00 (the longest is 4 h)."
    )
    # the same request that may pause is planned across Ana's afternoons
    pausing = scenario([agent("ana", working_hours=MORNINGS)], [request("r", 300)])
    assert spans(checked_plan(pausing))["r"] == ("ana", 0, 540)


def test_no_room_is_not_called_a_missing_stretch() -> None:
    # Ana's five mornings hold 1,200 minutes: 1,300 do not fit even pausing, so the reason is room, not a stretch
    s = scenario([agent("ana", working_hours=MORNINGS)], [request("r", 1300, pausable=False)])
    assert [u.reason for u in checked_plan(s).unassigned] == ["no_room"]


# -- the property: no engine puts work that may not pause across an absence ------------------------------------


@st.composite
def unpausable(draw: st.DrawFn) -> Scenario:
    """A random small scenario (part-timers, days off) with pausable off, some requests marked either way."""
    base = draw(scenarios())
    marks = st.sampled_from([None, None, False, True])
    requests = [r.model_copy(update={"pausable": draw(marks)}) for r in base.requests]
    policy = base.policy.model_copy(update={"pausable": False})
    document = base.model_dump(mode="json")
    document["requests"] = [r.model_dump(mode="json") for r in requests]
    document["policy"] = policy.model_dump(mode="json")
    return Scenario.model_validate(document)


def broken(s: Scenario, p: Plan) -> list[tuple[Rule, str]]:
    return [(v.rule, v.request_id) for v in check_plan(s, p)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unpausable())
def test_no_engine_puts_unpausable_work_across_an_absence(s: Scenario) -> None:
    assert broken(s, plan(s, SolveParams(time_limit_seconds=1, workers=1))) == []
    lns = SolveParams(time_limit_seconds=0.5, workers=1, direct_pairs_limit=0, neighbourhood_seconds=0.1)
    assert broken(s, plan(s, lns)) == []
    routed = plan_by_routing(s)
    assert broken(s, routed) == []
    compiled = compile_scenario(s)
    polished, _ = polish(compiled, best_routing(compiled), Budget.of(5), seed=1, moves=3000)
    assert broken(s, extract_plan(compiled, polished, PlanStatus.FEASIBLE, 0, "polish")) == []
    open_requests = [r for r in s.requests if r.status.plannable]
    if not open_requests:
        return
    # insertion and the live re-plan: the last open request is new since a plan of the others
    newest = open_requests[-1]
    before = s.model_copy(update={"requests": [r for r in s.requests if r.id != newest.id]})
    previous = plan_by_routing(before)
    placed = Placer(before, previous).place(newest)
    if placed is not None:
        with_it = previous.model_copy(
            update={"assignments": [*previous.assignments, placed], "unassigned": []}
        )  # the new request's place alone is read: its owner and pins are the caller's (`agent_ids`)
        time_rules = (Rule.NO_PAUSE, Rule.AVAILABILITY, Rule.RELEASE, Rule.HORIZON)
        assert [v for v in broken(s, with_it) if v[1] == newest.id and v[0] in time_rules] == []
    live = SolveParams(time_limit_seconds=1, workers=1, deterministic_limit=0.5)
    assert broken(s, replan_near(s, live, previous, changed_between(before, s))) == []


def test_the_local_search_shifts_unpausable_work_to_the_next_stretch_or_refuses_the_move() -> None:
    from solver.search.polish import Polisher

    s = scenario(
        [agent("ana", working_hours=MORNINGS)],
        [request("A", 180), request("B", 120, pausable=False), request("C", 300, pausable=False)],
        policy=flat_policy(60, horizon_days=2),
    )
    compiled = compile_scenario(s)
    jobs = compiled.job_index()
    state = Polisher(compiled, {})
    # after A (0-180) B would cross Ana's Monday afternoon: it starts on Tuesday, own minute 240 (axis 480)
    assert state._schedule(0, [jobs["A"], jobs["B"]]) == [0, 240]
    assert state._schedule(0, [jobs["B"], jobs["A"]]) == [0, 120]  # A may pause: it follows at once
    assert not compiled.jobs[jobs["C"]].candidates  # 5 hours: no stretch of Ana's is that long
