"""What-if: forcing a change and planning again, on scenarios whose answer is worked out by hand."""

from __future__ import annotations

import pytest

from solver.counterfactual import apply_change, what_if
from solver.params import SolveParams
from solver.run import plan
from tests.builders import agent, flat_policy, request, scenario
from triage.errors import ScenarioError
from triage.model import Change
from triage.validation import check_plan

FAST = SolveParams(time_limit_seconds=2, workers=1)


@pytest.fixture
def one_agent():  # type: ignore[no-untyped-def]
    # ana; HIGH (P1, weight 8) then LOW (P3, weight 2), both 60 min and due at 10:00.
    s = scenario(
        [agent("ana"), agent("ben", {"pay": 1})],
        [
            request("HIGH", impact="company", urgency="work_stopped"),
            request("LOW", impact="person", urgency="inconvenient", priority_override="P3"),
        ],
        policy=flat_policy(60),
    )
    return s, plan(s, FAST)


def test_before_swaps_and_prices_the_swap(one_agent) -> None:  # type: ignore[no-untyped-def]
    s, current = one_agent
    result = what_if(s, current, Change(kind="before", request="LOW", other="HIGH"), FAST)
    shifts = {x.request_id: x for x in result.shifts}
    assert (shifts["HIGH"].later_by, shifts["LOW"].later_by) == (60, -60)
    assert (shifts["HIGH"].minutes_late_after, shifts["LOW"].minutes_late_after) == (60, 0)
    # lateness goes from 2 x 60 to 8 x 60; nothing else changes
    assert result.cost_after - result.cost_before == 8 * 60 - 2 * 60
    assert result.text == (
        "With LOW before HIGH: 1 request would finish later: HIGH (Operations) by 1 h. 1 would finish earlier: "
        "LOW (Operations) by 1 h."
    )
    assert result.detail_text == (
        "With LOW before HIGH: 1 request would finish later: HIGH (Operations) by 1 h. 1 would finish earlier: "
        "LOW (Operations) by 1 h. Weighted lateness would go from 120 to 480. "
        "The plan's total cost would go from 120 to 480 (+360)."
    )
    assert result.after is not None
    assert check_plan(apply_change(s, Change(kind="before", request="LOW", other="HIGH")), result.after) == []


def test_assign_to_an_agent_without_the_skill_cannot_hold_and_says_why(one_agent) -> None:  # type: ignore[no-untyped-def]
    s, current = one_agent
    result = what_if(s, current, Change(kind="assign", request="HIGH", agent="ben"), FAST)
    assert result.status == "infeasible"
    assert "a teammate must hold every skill a request needs" in result.text


def test_absent_moves_the_work_to_who_can_do_it() -> None:
    s = scenario(
        [agent("ana"), agent("ben")], [request("A", owner="ana", status="in_progress")], policy=flat_policy(60)
    )
    current = plan(s, FAST)
    assert current.assignment("A").agent_id == "ana"  # type: ignore[union-attr]
    result = what_if(s, current, Change(kind="absent", agent="ana"), FAST)
    assert [(x.request_id, x.agent_before, x.agent_after) for x in result.shifts] == [("A", "ana", "ben")]
    assert "1 would change hands: A (Operations)." in result.text


def test_first_puts_it_first(one_agent) -> None:  # type: ignore[no-untyped-def]
    s, current = one_agent
    result = what_if(s, current, Change(kind="first", request="LOW"), FAST)
    assert result.after is not None and result.after.assignment("LOW").start_minute == 0  # type: ignore[union-attr]


def test_unknown_ids_in_a_change_are_rejected_by_field(one_agent) -> None:  # type: ignore[no-untyped-def]
    s, current = one_agent
    with pytest.raises(ScenarioError) as caught:
        what_if(s, current, Change(kind="assign", request="NOPE", agent="zoe"), FAST)
    assert [str(p) for p in caught.value.problems] == [
        "change.request: unknown open request 'NOPE'",
        "change.agent: unknown agent 'zoe'",
    ]


def test_a_change_needs_its_fields() -> None:
    with pytest.raises(ValueError, match="a before change needs other"):
        Change(kind="before", request="A")


def test_a_what_if_that_drops_requests_leads_with_them_before_any_lateness() -> None:
    # only ana holds pay: with her away, PAY cannot be done at all; NET goes to ben
    s = scenario(
        [agent("ana", {"net": 1, "pay": 1}), agent("ben")],
        [request("PAY", 60, required_skills={"pay": 1}, title="Payroll fix"), request("NET", 60)],
        policy=flat_policy(240),
    )
    current = plan(s, FAST)
    result = what_if(s, current, Change(kind="absent", agent="ana"), FAST)
    dropped = [x for x in result.shifts if x.agent_before is not None and x.agent_after is None]
    assert [x.request_id for x in dropped] == ["PAY"]
    assert result.text.startswith(
        'With Ana away: 1 request could no longer be done before Fri 17:00: Operations\' "Payroll fix" (PAY).'
    )
    assert "cost" not in result.text and "cost" in result.detail_text


def test_a_what_if_that_changes_nothing_says_so_and_why(one_agent) -> None:  # type: ignore[no-untyped-def]
    s, current = one_agent
    first = min((a for a in current.assignments if a.agent_id == "ana"), key=lambda a: a.start_minute)
    result = what_if(s, current, Change(kind="first", request=first.request_id), FAST)
    assert result.shifts == [] and result.already_holds
    assert result.text == f"With {first.request_id} first: nothing would change, because the plan already does this."


def _price(s, plan_of) -> int:  # type: ignore[no-untyped-def]
    """The checker's price of a plan under a scenario, with the weights every engine prices with."""
    from solver.compile import compile_scenario
    from triage.validation import term_quantities

    weights = compile_scenario(s).weights
    return sum(weights[t] * q for t, q in term_quantities(s, plan_of).items())


def test_a_lower_priority_lets_the_other_go_first_priced_under_the_changed_priority(one_agent) -> None:  # type: ignore[no-untyped-def]
    s, current = one_agent
    change = Change(kind="priority", request="HIGH", priority="P4")
    result = what_if(s, current, change, FAST)
    changed = s.model_copy(
        update={
            "requests": [r.model_copy(update={"priority_override": "P4"}) if r.id == "HIGH" else r for r in s.requests]
        }
    )
    # before: the current plan (HIGH, then LOW 1 h late) priced with HIGH at P4; after: LOW first, HIGH 1 h late
    assert result.cost_before == _price(changed, current) == current.objective  # HIGH is on time either way
    assert result.after is not None and check_plan(changed, result.after) == []
    assert result.cost_after == _price(changed, result.after) < result.cost_before
    shifts = {x.request_id: x for x in result.shifts}
    assert (shifts["HIGH"].later_by, shifts["LOW"].later_by) == (60, -60)
    assert result.text.startswith("With HIGH at P4: 1 request would finish later: HIGH (Operations) by 1 h.")


def test_a_higher_priority_is_priced_before_and_after_with_it_and_a_tie_moves_nothing(one_agent) -> None:  # type: ignore[no-untyped-def]
    s, current = one_agent
    result = what_if(s, current, Change(kind="priority", request="LOW", priority="P1"), FAST)
    changed = s.model_copy(update={"requests": [r.model_copy(update={"priority_override": "P1"}) for r in s.requests]})
    # LOW, 1 h late, now weighs as a P1 (8, not 2); swapping it with HIGH (also P1) would cost the same: kept
    assert result.cost_before == _price(changed, current) == 8 * 60 != current.objective
    assert result.cost_after == result.cost_before and result.shifts == [] and not result.already_holds
    assert result.text == "With LOW at P1: nothing would change, because the plan found with it forced is the same."


def test_a_priority_already_set_moves_nothing_and_clearing_one_names_the_matrix(one_agent) -> None:  # type: ignore[no-untyped-def]
    s, current = one_agent
    same = what_if(s, current, Change(kind="priority", request="LOW", priority="P3"), FAST)
    assert same.shifts == [] and same.already_holds and same.cost_before == same.cost_after == current.objective
    assert same.text == "With LOW at P3: nothing would change, because the plan already does this."
    cleared = what_if(s, current, Change(kind="priority", request="LOW"), FAST)
    assert cleared.change == "LOW back to the matrix's priority" and not cleared.already_holds
    matrix = s.model_copy(update={"requests": [r.model_copy(update={"priority_override": None}) for r in s.requests]})
    assert cleared.cost_before == _price(matrix, current)


def test_a_priority_is_only_for_a_priority_change_and_needs_a_request() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="a first change has no priority") as caught:
        Change(kind="first", request="LOW", priority="P1")
    assert caught.value.errors()[0]["loc"] == ("priority",)
    with pytest.raises(ValidationError, match="a priority change needs request"):
        Change(kind="priority", priority="P1")


def test_a_bounded_alternative_states_its_bound_and_says_it_was_not_searched_to_the_end() -> None:
    # the demo's routing plan, REQ-102 given to Elif: a search stopped after a very short deterministic time
    # finds a plan it cannot prove the best; its bound holds against the proven best, and the lead and detail
    # registers say what the claim is (the best found, between the bound and its cost)
    from pathlib import Path

    from solver.run import plan_by_routing
    from solver.tradeoffs import why_not
    from triage.intake import load_scenario_json

    demo = load_scenario_json((Path(__file__).resolve().parents[2] / "fixtures" / "demo.json").read_bytes())
    routed = plan_by_routing(demo)
    change = Change(kind="assign", request="REQ-102", agent="elif")
    short = SolveParams(time_limit_seconds=5, workers=1, deterministic_limit=0.005)
    found = what_if(demo, routed, change, short)
    exact = what_if(demo, routed, change, SolveParams(time_limit_seconds=30, workers=1))
    assert found.search is not None and exact.search is not None
    assert not found.search.proven and found.search.bound is not None and found.search.bound < found.cost_after
    assert exact.search.proven and exact.search.bound == exact.cost_after
    assert found.search.bound <= exact.cost_after <= found.cost_after
    said = why_not(demo, routed, "REQ-102", "elif", short)
    assert said.lead_text.endswith("the best found in 5 s. It was not searched to the end: a better one may exist.")
    assert said.fact("search_bound") == found.search.bound and said.fact("cost_after") == found.cost_after
    room = found.search.bound - found.cost_before
    assert f"{abs(room):,}" in said.detail_text and "the search's bound" in said.detail_text
    assert "bound" not in said.text and "bound" not in said.lead_text
    assert f"no plan with it costs less than {found.search.bound:,}" in found.detail_text
    assert "not searched to the end" not in exact.detail_text
    proven = why_not(demo, routed, "REQ-102", "elif", SolveParams(time_limit_seconds=30, workers=1))
    assert "not searched to the end" not in proven.lead_text and "bound" not in proven.detail_text


def test_an_alternative_compiled_from_the_plan_s_own_form_is_the_changed_scenario_compiled() -> None:
    # a pin changes only the pins: the compiled form made once per plan, given the changed scenario, is what
    # compiling the changed scenario gives, for each kind of pin (an absence is compiled afresh)
    from pathlib import Path

    from solver.compile import compile_scenario
    from solver.counterfactual import compile_changed
    from triage.intake import load_scenario_json

    demo = load_scenario_json((Path(__file__).resolve().parents[2] / "fixtures" / "demo.json").read_bytes())
    for change in (
        Change(kind="first", request="REQ-120"),
        Change(kind="assign", request="REQ-127", agent="elif"),
        Change(kind="before", request="REQ-120", other="REQ-123"),
        Change(kind="absent", agent="elif"),
    ):
        changed, compiled = compile_changed(demo, change)
        fresh = compile_scenario(changed)
        assert compiled.scenario is changed
        assert (compiled.jobs, compiled.agents, compiled.rank_pairs, compiled.share_classes) == (
            fresh.jobs,
            fresh.agents,
            fresh.rank_pairs,
            fresh.share_classes,
        )
        assert compiled.pins == fresh.pins
