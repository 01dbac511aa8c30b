"""A request shared by an accepted share and its parts are priced once, as one request ending at the later end of
its placed members (`solver.terms.base`): by the direct price, the CP-SAT model (whole and as a neighbourhood),
the local search's running cost and the independent checker alike, and the bounds stay below the proven optimum.

The known answer: REQ-1 (120 min, Ana) and its part REQ-2 (180 min, Ben), both due at minute 60 and both started
at minute 0, end at 120 and 180: the pair is late by 120 minutes, counted once (weight x 120), not by 60 + 120
as when each was priced by its own end. The urgent caps of `protect_priorities` count the pair so too
(`test_the_urgent_caps_count_a_shared_request_once_by_its_later_part`).
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from solver.build import Scope, build_model
from solver.compile import Compiled, compile_scenario
from solver.evaluate import pins_hold, term_quantities, total_cost
from solver.params import SolveParams
from solver.parts import present_parts
from solver.protect import UrgentCaps
from solver.run import extract_plan, plan, plan_by_routing
from solver.search.heuristic import best_routing
from solver.search.polish import Polisher
from tests.builders import agent, flat_policy, request, scenario
from tests.solver.test_contract import a_scope, force, solved_extremes
from tests.solver.test_properties import assert_valid, scenarios
from triage.model import Scenario
from triage.names import PlanStatus, Rule, Term
from triage.results import Plan
from triage.validation import check_plan
from triage.validation import term_quantities as checked_quantities


def known_answer() -> Scenario:
    return scenario(
        [agent("ana"), agent("ben")],
        [request("REQ-1", 120, owner="ana"), request("REQ-2", 180, owner="ben", part_of="REQ-1")],
        policy=flat_policy(60),
    )


def test_both_parts_late_count_the_lateness_once() -> None:
    s = known_answer()
    compiled = compile_scenario(s)
    jobs, agents = compiled.job_index(), compiled.agent_index()
    placements = {jobs["REQ-1"]: (agents["ana"], 0), jobs["REQ-2"]: (agents["ben"], 0)}
    weight = compiled.jobs[jobs["REQ-1"]].triage.weight
    once = weight * (180 - 60)  # each by its own end: weight x (60 + 120)
    direct = term_quantities(compiled, placements)
    assert direct[Term.LATENESS] == once
    presented = present_parts(compiled, extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, "test"))
    assert check_plan(s, presented) == []
    assert checked_quantities(s, presented) == direct
    shared = next(a for a in presented.assignments if a.request_id == "REQ-1")
    assert (shared.end_minute, shared.minutes_late) == (180, 120)  # as priced: late by the later part, once
    assert solved_extremes(compiled, Scope.everything(compiled), placements, Term.LATENESS) == (once, once)
    held = Scope(frozenset({jobs["REQ-2"]}), {jobs["REQ-1"]: placements[jobs["REQ-1"]]})  # the part moves alone
    assert solved_extremes(compiled, held, placements, Term.LATENESS) == (once, once)


def test_a_part_left_out_pays_its_deferral_and_the_request_is_late_by_its_own_end() -> None:
    s = known_answer()
    compiled = compile_scenario(s)
    jobs, agents = compiled.job_index(), compiled.agent_index()
    placements = {jobs["REQ-1"]: (agents["ana"], 0)}
    direct = term_quantities(compiled, placements)
    part = compiled.jobs[jobs["REQ-2"]]
    assert direct[Term.LATENESS] == compiled.jobs[jobs["REQ-1"]].triage.weight * (120 - 60)
    assert direct[Term.DEFERRAL] == part.triage.weight * compiled.deferral_minutes(part)
    presented = present_parts(compiled, extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, "test"))
    assert checked_quantities(s, presented) == direct


def test_with_a_part_left_out_the_request_is_priced_and_shown_by_its_own_part() -> None:
    """REQ-1 (60 min, Ana) shared twice: Ben's part REQ-2 (180 min) planned, Cy's part REQ-3 left out. The request
    is not done in parts within the horizon, so it is shown by its own part (not in parts) and priced so: late by
    its own end, 60 - 30 minutes, not by Ben's 180 - 30; REQ-3 pays its deferral. Every engine and the checker."""
    s = scenario(
        [agent("ana"), agent("ben"), agent("cy")],
        [
            request("REQ-1", 60, owner="ana"),
            request("REQ-2", 180, owner="ben", part_of="REQ-1"),
            request("REQ-3", 60, owner="cy", part_of="REQ-1"),
        ],
        policy=flat_policy(30),
    )
    compiled = compile_scenario(s)
    jobs, agents = compiled.job_index(), compiled.agent_index()
    placements = {jobs["REQ-1"]: (agents["ana"], 0), jobs["REQ-2"]: (agents["ben"], 0)}
    direct = term_quantities(compiled, placements)
    assert direct[Term.LATENESS] == compiled.jobs[jobs["REQ-1"]].triage.weight * (60 - 30)
    presented = present_parts(compiled, extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, "test"))
    shared = next(a for a in presented.assignments if a.request_id == "REQ-1")
    assert (shared.parts, shared.minutes_late) == ([], 30)
    assert check_plan(s, presented) == []
    assert checked_quantities(s, presented) == direct
    held = {jobs["REQ-1"]: placements[jobs["REQ-1"]]}
    for scope in (Scope.everything(compiled), Scope(frozenset({jobs["REQ-2"], jobs["REQ-3"]}), held)):
        assert solved_extremes(compiled, scope, placements, Term.LATENESS) == (direct[Term.LATENESS],) * 2
    placements[jobs["REQ-3"]] = (agents["cy"], 0)  # all parts planned: late by the latest, Ben's
    assert term_quantities(compiled, placements)[Term.LATENESS] == compiled.jobs[jobs["REQ-1"]].triage.weight * 150


P1 = {"impact": "company", "urgency": "work_stopped"}  # weight 8
P4 = {"impact": "person", "urgency": "can_wait"}  # weight 1


def shared_pair_and_a_p4() -> Scenario:
    """REQ-1 (P1, 120 min, Ana) and its part REQ-2 (P1, 180 min, Ben's by the share's pin), and PAY (P4, 60 min)
    only Ana can do: all due at 60."""
    return scenario(
        [agent("ana", {"net": 1, "pay": 1}), agent("ben")],
        [
            request("REQ-1", 120, owner="ana", **P1),
            request("REQ-2", 180, owner="ben", part_of="REQ-1", **P1),
            request("PAY", 60, required_skills={"pay": 1}, **P4),
        ],
        policy=flat_policy(60),
        pins=[{"id": "share", "kind": "assign", "request": "REQ-2", "agent": "ben"}],
    )


def test_the_urgent_caps_count_a_shared_request_once_by_its_later_part() -> None:
    """The known answer with both parts P1 and a 60-min P4 only Ana can do (pay), all due at 60. The witness
    (priority order) plans REQ-1 0-120 and PAY 120-180 on Ana, REQ-2 0-180 on Ben: the pair is 120 minutes late
    by its later part, the cap. PAY first (0-60) moves REQ-1's own part to 60-180: the pair still ends at 180,
    120 minutes late counted once, so the cap holds and PAY is on time (lateness 8 x 120, not 8 x 120 + 120).
    Counted by each part's own end, the witness has 60 + 120 = 180 and PAY first 120 + 120 = 240: above it, so
    the planner kept PAY late (lateness 1080)."""
    s = shared_pair_and_a_p4()
    compiled = compile_scenario(s)
    caps = compiled.urgent_caps
    assert caps is not None and caps.caps == (120, 0)
    jobs, agents = compiled.job_index(), compiled.agent_index()
    pay_first = {
        jobs["PAY"]: (agents["ana"], 0),
        jobs["REQ-1"]: (agents["ana"], 60),
        jobs["REQ-2"]: (agents["ben"], 0),
    }
    assert caps.totals(compiled, pay_first) == [120, 0] and caps.hold(compiled, pay_first)
    assert Polisher(compiled, pay_first).urgent == [120, 0]
    assert cap_model_feasible(compiled, Scope.everything(compiled), pay_first, [120, 0])
    assert not cap_model_feasible(compiled, Scope.everything(compiled), pay_first, [119, 0])
    result = plan(s, SolveParams(time_limit_seconds=5, workers=1))
    assert_valid(s, result)
    assert result.status == PlanStatus.OPTIMAL
    pay, shared = result.assignment("PAY"), result.assignment("REQ-1")
    assert pay is not None and shared is not None
    assert (pay.start_minute, pay.minutes_late, shared.end_minute, shared.minutes_late) == (0, 0, 180, 120)
    assert result.term(Term.LATENESS).quantity == 8 * 120
    assert presented_urgent(compiled, caps, result) == [120, 0]


def cap_model_feasible(
    compiled: Compiled, scope: Scope, placements: dict[int, tuple[int, int]], limits: list[int]
) -> bool:
    """Whether the model of `scope` with the placements forced keeps the urgent caps at `limits`
    (`UrgentCaps.add_to`)."""
    caps = compiled.urgent_caps
    assert caps is not None
    built = build_model(compiled, scope)
    force(built, placements)
    caps.add_to(built, compiled, limits)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    status = solver.solve(built.model)
    assert status != cp_model.UNKNOWN
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def presented_urgent(compiled: Compiled, caps: UrgentCaps, presented: Plan) -> list[int]:
    """Per urgent tier, the minutes late counted from the presented plan: each request its shown minutes late (a
    shared request's by its later part), a placed part nothing, a request or part left out from its due time to
    the horizon's end."""
    shown = {a.request_id: a.minutes_late for a in presented.assignments}
    out = [0] * len(caps.caps)
    for j, t in caps.tier_of.items():
        job = compiled.jobs[j]
        if job.request.id not in shown:
            out[t] += max(compiled.horizon_minutes - job.triage.due_minute, 0)
        elif not job.is_part:
            out[t] += shown[job.request.id]
    return out


@st.composite
def shared_scenarios(draw: st.DrawFn, with_pins: bool = False) -> Scenario:
    """A small scenario (`tests.solver.test_properties.scenarios`) where one to three open requests are shared:
    each part filed as accepting a share files it (its request's fields, `part_of` it, owned by and mostly
    pinned to a teammate), the request keeping the rest of the effort; now and then a part of a part."""
    s = draw(scenarios(with_pins=with_pins))
    body = s.model_dump(mode="json")
    splittable = [r for r in body["requests"] if r["status"] != "done" and r["effort_minutes"] >= 30]
    if not splittable:
        return s
    agent_ids = [a["id"] for a in body["agents"]]
    chosen = draw(st.lists(st.sampled_from(splittable), min_size=1, max_size=3, unique_by=lambda r: r["id"]))
    for i, shared in enumerate(chosen):
        minutes = draw(st.integers(15, shared["effort_minutes"] - 15))
        shared["effort_minutes"] -= minutes
        peer = draw(st.sampled_from(agent_ids))
        part: dict[str, Any] = {
            **shared,
            "id": f"part{i}",
            "title": f"Part of {shared['id']}",
            "effort_minutes": minutes,
            "status": "open",
            "owner": peer,
            "part_of": shared["id"],
            "department_rank": None,
        }
        body["requests"].append(part)
        if draw(st.booleans()):
            body["pins"].append({"id": f"share{i}", "kind": "assign", "request": part["id"], "agent": peer})
    if len(chosen) >= 2 and draw(st.booleans()):
        body["requests"][-1]["part_of"] = body["requests"][-2]["id"]  # a part shared again
    return Scenario.model_validate(body)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shared_scenarios(with_pins=True), st.integers(0, 2**16))
def test_every_engine_prices_shared_requests_as_the_checker_does(s: Scenario, seed: int) -> None:
    """The direct price equals the checker's on the presented plan, the model's terms equal it on forced
    placements (whole plan and a neighbourhood), and the local search's running cost stays the direct price
    after every move; the urgent caps' totals, by the same group rule, are the count from the presented plan, in
    the model (its cap rows bind at exactly them) and in the local search's running totals."""
    compiled = compile_scenario(s)
    rng = random.Random(seed)
    named = compiled.pins.named
    placements = {j: p for j, p in best_routing(compiled).items() if j in named or rng.random() > 0.15}
    assume(pins_hold(compiled, placements))  # the model holds the pins: forced placements must keep them
    direct = term_quantities(compiled, placements)
    presented = present_parts(compiled, extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, "test"))
    assert checked_quantities(s, presented) == direct
    weight = {job.request.id: job.triage.weight for job in compiled.jobs if not job.is_part}
    shown = sum(weight[a.request_id] * a.minutes_late for a in presented.assignments if a.request_id in weight)
    assert shown == direct[Term.LATENESS]  # priced as presented: each request by its shown minutes late, once
    for scope in (Scope.everything(compiled), a_scope(compiled, placements, seed)):
        for term in (Term.LATENESS, Term.WAITING, Term.FAIRNESS, Term.DEFERRAL):
            assert solved_extremes(compiled, scope, placements, term) == (direct[term], direct[term]), term
    caps = compiled.urgent_caps
    if caps is not None:  # the urgent caps count as presented, in the model exactly so
        totals = caps.totals(compiled, placements)
        assert totals == presented_urgent(compiled, caps, presented)
        for scope in (Scope.everything(compiled), a_scope(compiled, placements, seed)):
            assert cap_model_feasible(compiled, scope, placements, totals)
            moving = {caps.tier_of[j] for j in scope.free if j in caps.tier_of}
            for t in (t for t in moving if totals[t] > 0):
                tighter = [total - (u == t) for u, total in enumerate(totals)]
                assert not cap_model_feasible(compiled, scope, placements, tighter), t
    state = Polisher(compiled, placements)
    assert state.cost == total_cost(compiled, state.placements())
    for _ in range(150):
        patch = state.random_move(rng) if state.free else None
        if patch is None or not state.price(patch):
            continue
        state.apply(patch)
        assert state.cost == total_cost(compiled, state.placements())
        if caps is not None:
            assert state.urgent == caps.totals(compiled, state.placements())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shared_scenarios(with_pins=True))
def test_plans_with_shared_requests_keep_every_rule_and_report_the_checkers_terms(s: Scenario) -> None:
    """The planner's plan keeps every rule (or names the pins' conflict) and reports the checker's terms; the
    routing plan too, its pins apart (routing does not promise them)."""
    assert_valid(s, plan(s, SolveParams(time_limit_seconds=1, workers=1)))
    routed = plan_by_routing(s)
    assert [v for v in check_plan(s, routed) if v.rule != Rule.PINS] == []
    assert {t.term: t.quantity for t in routed.terms} == checked_quantities(s, routed)


def test_a_pin_on_a_shared_request_binds_its_own_part_in_the_engines_and_the_checker_alike() -> None:
    """REQ-1 before REQ-3, both Ana's; Ben's part of REQ-1 (REQ-2, 180 min) ends after REQ-3 starts. The pin
    binds REQ-1's own part, as the engines hold it: the plan keeps it for the checker too (the checker read the
    presented end, the later part's, 180 > 60, and called it broken: the engines and the checker disagreed)."""
    s = scenario(
        [agent("ana"), agent("ben")],
        [
            request("REQ-1", 60, owner="ana"),
            request("REQ-2", 180, owner="ben", part_of="REQ-1"),
            request("REQ-3", 60, owner="ana"),
        ],
        policy=flat_policy(60),
        pins=[
            {"id": "p1", "kind": "before", "request": "REQ-1", "other": "REQ-3"},
            {"id": "p2", "kind": "first", "request": "REQ-1"},
            {"id": "share", "kind": "assign", "request": "REQ-2", "agent": "ben"},
        ],
    )
    compiled = compile_scenario(s)
    jobs, agents = compiled.job_index(), compiled.agent_index()
    placements = {
        jobs["REQ-1"]: (agents["ana"], 0),
        jobs["REQ-2"]: (agents["ben"], 0),
        jobs["REQ-3"]: (agents["ana"], 60),
    }
    assert pins_hold(compiled, placements)
    presented = present_parts(compiled, extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, "test"))
    assert check_plan(s, presented) == []
    planned = plan(s, SolveParams(time_limit_seconds=1, workers=1))
    assert_valid(s, planned)
    shared = next(a for a in planned.assignments if a.request_id == "REQ-1")
    assert (shared.end_minute, shared.own_span()) == (180, (0, 60))
    # broken on the own part: REQ-3 first, then REQ-1
    broken = {**placements, jobs["REQ-1"]: (agents["ana"], 60), jobs["REQ-3"]: (agents["ana"], 0)}
    assert not pins_hold(compiled, broken)
    presented = present_parts(compiled, extract_plan(compiled, broken, PlanStatus.FEASIBLE, 0, "test"))
    broken_pins = {v.detail for v in check_plan(s, presented)}
    assert broken_pins == {"pin p1 (before) does not hold", "pin p2 (first) does not hold"}
