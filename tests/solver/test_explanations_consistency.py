"""One plan, one set of facts: every alternative is planned once, so two explanations never state different
numbers for it; an order that looks wrong (a lower priority ahead of a higher one) is explained from the re-plan
that forces it the other way; teammates not compared are said to be so."""

from __future__ import annotations

from pathlib import Path

from solver.counterfactual import apply_change, what_if
from solver.params import SolveParams
from solver.run import plan, plan_by_routing
from solver.tradeoffs import DEFAULT_PARAMS, Replans, elsewhere, explain_all, explain_request, trade_offs
from tests.builders import agent, flat_policy, request, scenario
from triage.intake import load_scenario_json
from triage.model import Change
from triage.names import ExplanationKind
from triage.validation import check_plan

ROOT = Path(__file__).resolve().parents[2]
EXACT = SolveParams(time_limit_seconds=5, workers=1)


def test_every_explanation_states_the_same_numbers_for_the_same_alternative() -> None:
    demo = load_scenario_json((ROOT / "fixtures" / "demo.json").read_bytes())
    routed = plan_by_routing(demo)
    cache: Replans = {}
    found = explain_all(demo, routed, DEFAULT_PARAMS, cache=cache)
    for request_id in ("REQ-120", "REQ-128", "REQ-102", "REQ-133"):
        found += explain_request(demo, routed, request_id, DEFAULT_PARAMS, cache)
    by_change: dict[str, set[tuple[tuple[str, str | int], ...]]] = {}
    for e in found:
        if e.has("change"):
            shifts = tuple(
                sorted((f.name, f.value) for f in e.facts if f.name.startswith(("later_by:", "late_after:")))
            )
            by_change.setdefault(str(e.fact("change")), set()).add((*shifts, ("cost_after", e.fact("cost_after"))))
    assert len(by_change) >= 10
    repeated = [change for change, stated in by_change.items() if len(stated) > 1]
    assert repeated == []
    # and the same alternative is in fact stated by more than one explanation (the check is not vacuous)
    counts: dict[str, int] = {}
    for e in found:
        if e.has("change"):
            counts[str(e.fact("change"))] = counts.get(str(e.fact("change")), 0) + 1
    assert max(counts.values()) >= 2


def test_a_lower_priority_request_ahead_of_a_higher_one_is_explained_from_the_re_plan() -> None:
    # ana alone. SHORT (P2, 30 min, the requester's deadline 09:30) and CLOSE (P1, 4 h, due 13:00). SHORT first:
    # CLOSE ends 13:30, 30 min late (x 8); CLOSE first: SHORT ends 13:30, 4 h late (x 4). The plan runs the P2
    # first, and the explanation says what the P1 first would do. With protect_priorities (the default) the P1's
    # 30 minutes are above the routing plan's 0 (it takes the P1 first): CLOSE first, nothing to explain.
    work = [
        request("CLOSE", 240, impact="company", urgency="work_stopped", title="Month-end close"),
        request("SHORT", 30, deadline="2026-11-23T09:30:00", title="Reset a password"),
    ]
    protected = plan(scenario([agent("ana")], work, policy=flat_policy(240)), EXACT)
    assert [a.request_id for a in sorted(protected.assignments, key=lambda a: a.start_minute)] == ["CLOSE", "SHORT"]
    s = scenario([agent("ana")], work, policy=flat_policy(240, protect_priorities=False))
    current = plan(s, EXACT)
    assert [a.request_id for a in sorted(current.assignments, key=lambda a: a.start_minute)] == ["SHORT", "CLOSE"]
    (e,) = trade_offs(s, current, EXACT)
    assert (e.fact("first"), e.fact("second")) == ("SHORT", "CLOSE")
    assert (e.fact("first_priority"), e.fact("second_priority")) == ("P2", "P1")
    change = Change(kind="before", request="CLOSE", other="SHORT")
    forced = what_if(s, current, change, EXACT)
    assert forced.after is not None and check_plan(apply_change(s, change), forced.after) == []
    assert int(e.fact("first_later_by")) == 240 and int(e.fact("second_earlier_by")) == 30
    assert forced.after.objective > current.objective  # the order holds when forced the other way
    assert e.text == (
        'P2 Operations\' "Reset a password" (SHORT) runs before P1 Operations\' "Month-end close" (CLOSE) on Ana\'s '
        "time. Doing CLOSE first would make SHORT 4 h later and save CLOSE 30 min. The plan keeps its order: the "
        "swap would delay SHORT more than it saves."
    )


def test_teammates_not_compared_are_named_as_not_compared() -> None:
    team = [agent(name) for name in ("ana", "ben", "cy", "dee", "eve", "fay")]
    s = scenario(team, [request("R1", 60), request("R2", 60)], policy=flat_policy(240))
    current = plan(s, EXACT)
    found = explain_request(s, current, "R1", DEFAULT_PARAMS)
    compared = [e for e in found if e.kind == ExplanationKind.WHY_NOT and e.has("busy_with")]
    (skipped,) = [e for e in found if e.kind == ExplanationKind.WHY_NOT and e.has("not_examined")]
    assert len(compared) == 3
    owner = current.assignment("R1")
    assert owner is not None
    named = set(str(skipped.fact("not_examined")).split(", "))
    assert named == {a["id"] for a in team} - {owner.agent_id} - {e.agent_ids[0] for e in compared}
    assert skipped.text.endswith("also hold the skills; the plan was not re-run with them, so they are not compared.")


def test_an_alternative_is_what_its_claim_says_was_searched() -> None:
    # the claim: "re-arranging these teammates' work with the change, the rest of the plan as it is", and no
    # better arrangement of that scope exists when it says so (searched again for longer from the stated plan)
    from solver.counterfactual import current_placements, local_scope, solve_scope
    from solver.run import extract_plan
    from triage.names import PlanStatus
    from triage.validation import term_quantities

    demo = load_scenario_json((ROOT / "fixtures" / "demo.json").read_bytes())
    routed = plan_by_routing(demo)
    changes = [
        Change(kind="before", request="REQ-128", other="REQ-110"),
        Change(kind="first", request="REQ-120"),
        Change(kind="assign", request="REQ-133", agent="dev"),
    ]
    proven = 0
    for change in changes:
        stated = what_if(demo, routed, change, DEFAULT_PARAMS)
        assert stated.after is not None and stated.search is not None and stated.search.local
        compiled, current, scope = local_scope(demo, routed, change)
        assert sorted(compiled.agents[a].agent.id for a in scope.agents or ()) == list(stated.search.agents)
        mine = current_placements(compiled, stated.after)
        assert [j for j in range(len(compiled.jobs)) if j not in scope.free and mine.get(j) != current.get(j)] == []
        if stated.search.proven:
            proven += 1
            again = solve_scope(compiled, scope, mine, EXACT).placements
            assert again is not None
            forced = apply_change(demo, change)
            cost = sum(
                compiled.weights[t] * q
                for t, q in term_quantities(forced, extract_plan(compiled, again, PlanStatus.FEASIBLE, 0, "")).items()
            )
            assert cost >= stated.cost_after
    assert proven  # the check of a proven claim ran


def test_lower_priority_work_on_another_teammate_while_a_p1_is_late_is_explained_by_the_skill() -> None:
    # ana alone holds Databases: two P1s of 4 h each, so the second ends 4 h past its due time; ben starts a P4
    # at 09:00. Why ben does the P4 rather than the late P1: he lacks Databases, which only Ana holds.
    s = scenario(
        [agent("ana", {"db": 2, "net": 1}), agent("ben", {"net": 1})],
        [
            request("OUTAGE", 240, impact="company", urgency="work_stopped", required_skills={"db": 2}),
            request("CLOSE", 240, impact="company", urgency="work_stopped", required_skills={"db": 2}),
            request("LAPTOP", 60, impact="person", urgency="can_wait"),
        ],
        policy=flat_policy(240),
    )
    current = plan(s, EXACT)
    late = max(current.assignments, key=lambda a: a.minutes_late)
    laptop = current.assignment("LAPTOP")
    assert late.agent_id == "ana" and late.minutes_late > 0 and laptop is not None and laptop.agent_id == "ben"
    assert laptop.start_minute < late.start_minute and laptop.priority > late.priority
    (e,) = elsewhere(s, current, late.request_id)
    assert e.request_ids == [late.request_id, "LAPTOP"] and e.agent_ids == ["ben"]
    assert e.fact("lacks:db") == 2 and e.fact("qualified") == "Ana"
    assert e.text == (
        f'While P1 Operations\' "Request {late.request_id}" ({late.request_id}) is late, Ben starts lower-priority'
        " work: they lack Databases at level 2 or higher; only Ana can do it."
    )
    assert e.text in [x.text for x in explain_all(s, current, EXACT)]  # the plan's explanations have it too
    # a teammate who holds the skill is compared by a re-plan (why not), not by this sentence
    assert elsewhere(s, current, "LAPTOP") == []
