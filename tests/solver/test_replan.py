"""Re-planning keeps what it can and says what moved; a new request is placed at once; the search for
large scenarios returns plans that hold to the checker and never cost more than where it started."""

from __future__ import annotations

import pytest

from solver.params import SolveParams
from solver.run import plan, plan_by_routing
from solver.search.insert import Placer
from tests.builders import agent, flat_policy, request, scenario
from triage.model import Request
from triage.validation import check_plan, term_quantities


def test_replan_keeps_the_previous_plan_when_nothing_changed() -> None:
    s = scenario([agent("ana"), agent("ben")], [request(f"R{i}", effort=90) for i in range(6)], policy=flat_policy(240))
    first = plan(s, SolveParams(time_limit_seconds=3, workers=2))
    again = plan(s, SolveParams(time_limit_seconds=3, workers=2), previous=first)
    assert check_plan(s, again) == []
    assert again.changes == []
    assert {a.request_id: a.agent_id for a in again.assignments} == {
        a.request_id: a.agent_id for a in first.assignments
    }
    assert again.objective <= first.objective


def test_replan_lists_what_moved_and_why() -> None:
    team = [agent("ana"), agent("ben")]
    work = [request("A", effort=120), request("B", effort=120)]
    first = plan(scenario(team, work, policy=flat_policy(480)), SolveParams(time_limit_seconds=3, workers=2))
    urgent = request("URGENT", effort=120, impact="company", urgency="work_stopped")
    changed = scenario(team, [*work, urgent], policy=flat_policy(120))
    again = plan(changed, SolveParams(time_limit_seconds=3, workers=2), previous=first)
    assert check_plan(changed, again) == []
    assert {t.term: t.quantity for t in again.terms} == term_quantities(changed, again, previous=first)
    moves = {m.request_id: m for m in again.changes}
    assert moves["URGENT"].from_agent is None
    assert moves["URGENT"].reasons == ["it is new since the last plan"]
    for rid, move in moves.items():
        if rid != "URGENT":
            assert move.reasons  # every move carries at least one computed reason


def test_a_new_request_is_placed_in_the_earliest_gap_without_moving_anything() -> None:
    s = scenario([agent("ana"), agent("ben", {"pay": 1})], [request("A", effort=120)], policy=flat_policy(480))
    base = plan(s, SolveParams(time_limit_seconds=3, workers=2))
    placer = Placer(s, base)
    new = Request.model_validate(request("NEW", effort=60))
    placed = placer.place(new)
    assert placed is not None
    assert placed.agent_id == "ana" and placed.start_minute == 120  # after A, the only networking agent
    second = placer.place(Request.model_validate(request("NEW2", effort=60)))
    assert second is not None and second.start_minute == 180  # booked around the first insertion
    assert placer.place(Request.model_validate(request("BIG", effort=5000))) is None


def test_the_search_for_large_scenarios_is_valid_and_never_worse_than_its_start() -> None:
    team = [agent(f"a{i}", {"net": 1, "db": 1} if i % 2 else {"net": 1}) for i in range(4)]
    work = [
        request(
            f"R{i}",
            effort=30 + 17 * (i % 7),
            required_skills={"db": 1} if i % 3 == 0 else {"net": 1},
            impact=("company", "team", "person")[i % 3],
            created_at=f"2026-11-2{i % 3 + 1}T08:00:00",
        )
        for i in range(40)
    ]
    s = scenario(team, work, policy=flat_policy(480))
    searched = plan(
        s,
        SolveParams(
            time_limit_seconds=3, workers=2, direct_pairs_limit=0, neighbourhood_requests=10, neighbourhood_seconds=0.2
        ),
    )
    assert "neighbourhood search" in searched.bound_source
    assert check_plan(s, searched) == []
    assert {t.term: t.quantity for t in searched.terms} == term_quantities(s, searched)
    assert searched.best_bound <= searched.objective <= plan_by_routing(s).objective


@pytest.mark.slow
def test_a_generated_m_scenario_is_planned_validly_by_the_neighbourhood_search() -> None:
    from fixtures.generate import SIZES, generate_scenario

    s = generate_scenario(*SIZES["M"], seed=7)
    result = plan(s, SolveParams(time_limit_seconds=6))
    assert "neighbourhood search" in result.bound_source
    assert check_plan(s, result) == []
    assert {t.term: t.quantity for t in result.terms} == term_quantities(s, result)
    assert result.best_bound <= result.objective < plan_by_routing(s).objective
