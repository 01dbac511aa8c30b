"""The live re-plan moves only the neighbourhood of the changes: a request on an agent who shares no skill
with a changed request keeps its agent and its times; the re-plan never costs more than the tentative plan
and gives the same plan twice."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.generate import generate_scenario
from solver.compile import compile_scenario
from solver.evaluate import total_cost
from solver.local import Changed, changed_between, neighbourhood, replan_near
from solver.params import SolveParams
from solver.replan import placements_from
from solver.run import plan
from tests.builders import agent, flat_policy, request, scenario
from triage.model import Pin, Request, Scenario
from triage.names import PinKind, RequestStatus
from triage.results import Plan
from triage.validation import check_plan

PARAMS = SolveParams(time_limit_seconds=20, workers=1, random_seed=0, deterministic_limit=0.3)


def _team() -> Scenario:
    team = [agent("ana"), agent("ben"), agent("cy", {"pay": 1}), agent("dee", {"pay": 1})]
    work = [request(f"N{i}", effort=90) for i in range(6)]
    work += [request(f"P{i}", effort=90, required_skills={"pay": 1}) for i in range(6)]
    return scenario(team, work, policy=flat_policy(480))


def _with(s: Scenario, new: Request) -> Scenario:
    return s.model_copy(update={"requests": [*s.requests, new]})


def _unrelated(s: Scenario, before: Plan, new: Request) -> list[tuple[str, str, object, object]]:
    """(request, agent, start, end) of the previous plan's requests on agents sharing no skill with `new`."""
    skills = {a.id: set(a.skills) for a in s.agents}
    return sorted(
        (a.request_id, a.agent_id, a.start, a.end)
        for a in before.assignments
        if not skills[a.agent_id] & set(new.required_skills)
    )


def _places(p: Plan, rids: set[str]) -> list[tuple[str, str, object, object]]:
    return sorted((a.request_id, a.agent_id, a.start, a.end) for a in p.assignments if a.request_id in rids)


def test_a_new_request_moves_nothing_on_agents_without_its_skills() -> None:
    s = _team()
    current = plan(s, PARAMS)
    new = Request.model_validate(request("NEW", effort=120, impact="company", urgency="work_stopped"))
    changed = _with(s, new)
    again = replan_near(changed, PARAMS, current, changed_between(s, changed))
    assert check_plan(changed, again) == []
    held = _unrelated(s, current, new)
    assert {a for _, a, _, _ in held} == {"cy", "dee"}  # the pay agents hold work: the check is not empty
    assert _places(again, {r for r, _, _, _ in held}) == held
    assert again.bound_source.startswith("neighbourhood of the changes")
    assert {m.request_id for m in again.changes} <= {
        a.request_id for a in again.assignments if a.agent_id in {"ana", "ben"}
    }


def test_changed_between_names_requests_agents_and_pins() -> None:
    s = _team()
    assert changed_between(s, s) == Changed(requests=frozenset(), agents=frozenset())
    closed = s.model_copy(update={"requests": [r for r in s.requests if r.id != "N1"]})
    assert changed_between(s, closed) == Changed(requests=frozenset({"N1"}), agents=frozenset())
    pinned = s.model_copy(update={"pins": [Pin(id="p1", kind=PinKind.BEFORE, request="P2", other="P3")]})
    assert changed_between(s, pinned) == Changed(requests=frozenset({"P2", "P3"}), agents=frozenset())
    away = s.model_copy(update={"agents": [a.model_copy(update={"name": "Cyrus"}) if a.id == "cy" else a
                                           for a in s.agents]})  # fmt: skip
    assert changed_between(s, away) == Changed(requests=frozenset(), agents=frozenset({"cy"}))
    policy = s.model_copy(update={"policy": s.policy.model_copy(update={"ageing_cap": 0})})
    assert changed_between(s, policy) is None


def test_a_closed_request_frees_its_agent_and_nobody_unrelated() -> None:
    s = _team()
    current = plan(s, PARAMS)
    gone = next(a for a in current.assignments if a.agent_id == "cy")
    closed = s.model_copy(update={"requests": [r for r in s.requests if r.id != gone.request_id]})
    compiled = compile_scenario(closed, current)
    start = placements_from(compiled, current, fallback={})
    scope = neighbourhood(compiled, current, start, Changed(requests=frozenset({gone.request_id}), agents=frozenset()))
    names = {compiled.agents[a].agent.id for a in scope.agents or ()}
    assert names == {"cy"}
    assert all(compiled.jobs[j].request.id.startswith("P") for j in scope.free)


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=1, max_value=10_000))
def test_property_the_live_re_plan_holds_unrelated_agents_costs_no_more_and_repeats(seed: int) -> None:
    s = generate_scenario(8, 60, 3, seed=seed)
    current = plan(s, PARAMS)
    model = random.Random(seed).choice(s.requests)
    new = model.model_copy(update={"id": "NEW-1", "created_at": s.now, "owner": None, "deadline": None,
                                   "status": RequestStatus.OPEN, "department_rank": None})  # fmt: skip
    changed = _with(s, new)
    again = replan_near(changed, PARAMS, current, changed_between(s, changed))
    assert check_plan(changed, again) == []
    held = _unrelated(s, current, new)
    assert _places(again, {r for r, _, _, _ in held}) == held
    compiled = compile_scenario(changed, current)
    assert again.objective <= total_cost(compiled, placements_from(compiled, current, fallback={}))
    twice = replan_near(changed, PARAMS, current, changed_between(s, changed))
    assert [(a.request_id, a.agent_id, a.start) for a in twice.assignments] == [
        (a.request_id, a.agent_id, a.start) for a in again.assignments
    ]
