"""A priority change priced before it is saved (POST /plans/{id}/what-if, kind "priority"), through HTTP: the
stated price is held to an independent price of the changed scenario. The scenario is the plan's own (as
stored), changed here by hand (the lead's override set on one request); the current plan and the plan the
answer describes (the current plan with the answer's shifts) are checked and priced by the independent checker
(`triage.validation`) under it, and must give the stated costs and terms, before and after."""

from __future__ import annotations

from typing import Any

from solver.compile import compile_scenario
from tests.api.conftest import Api, stored_plan
from triage.calendar import BusinessAxis
from triage.model import Scenario
from triage.results import Assignment, Plan, Unassigned
from triage.scoring import triage_all
from triage.validation import check_plan, term_quantities

# Ana alone has the networking level these need: a day of her work, as the People department files it
CROWD = [
    {
        "department": "people",
        "requester": "Pia Lang",
        "title": f"Switch {n}",
        "impact": "team",
        "urgency": "degraded",
        "effort_minutes": 120,
        "required_skills": {"net": 3},
    }
    for n in range(1, 5)
]


def _with_priority(scenario: Scenario, request_id: str, priority: str | None) -> Scenario:
    requests = [
        r.model_copy(update={"priority_override": priority}) if r.id == request_id else r for r in scenario.requests
    ]
    return scenario.model_copy(update={"requests": requests})


def _as_triaged(scenario: Scenario, plan: Plan) -> Plan:
    """The plan's placements as they are, each request's priority, due time and lateness read from the scenario
    (a plan states them as triaged when it was made; the checker takes them from the plan)."""
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    triages = triage_all(scenario, axis)
    assignments = [
        a.model_copy(
            update={
                "priority": (t := triages[a.request_id]).priority,
                "due": t.due_at,
                "minutes_late": max(a.end_minute - t.due_minute, 0),
            }
        )
        for a in plan.assignments
    ]
    unassigned = [u.model_copy(update={"priority": triages[u.request_id].priority}) for u in plan.unassigned]
    return plan.model_copy(update={"assignments": assignments, "unassigned": unassigned})


def _price(scenario: Scenario, plan: Plan) -> dict[str, int]:
    """Each term's value by the independent checker, with the weights every engine prices with."""
    weights = compile_scenario(scenario).weights
    return {t.value: weights[t] * q for t, q in term_quantities(scenario, plan).items()}


def _start(windows: list[tuple[int, int]], end: int, effort: int) -> int:
    """The axis minute work of `effort` working minutes must start at to end at `end`, in these windows."""
    left = effort
    for low, high in reversed(windows):
        if low >= end:
            continue
        span = min(high, end) - low
        if span >= left:
            return min(high, end) - left
        left -= span
    raise AssertionError("no room before its end")


def _after(scenario: Scenario, plan: Plan, shifts: list[dict[str, Any]]) -> Plan:
    """The plan the answer describes: the current plan with each shifted request where the answer puts it."""
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    triages = triage_all(scenario, axis)
    agents = {a.id: a for a in scenario.agents}
    effort = {r.id: r.effort_minutes for r in scenario.requests}
    moved = {s["request_id"]: s for s in shifts}
    kept = [a for a in plan.assignments if a.request_id not in moved]
    left_out = [u for u in plan.unassigned if u.request_id not in moved]
    for rid, s in moved.items():
        t = triages[rid]
        if s["agent_after"] is None:
            left_out.append(Unassigned(request_id=rid, priority=t.priority, due=t.due_at, reason="no_room"))
            continue
        end = s["end_minute_after"]
        start = _start(axis.agent_windows(agents[s["agent_after"]]), end, effort[rid])
        kept.append(
            Assignment(
                request_id=rid,
                agent_id=s["agent_after"],
                start=axis.moment_of(start),
                end=axis.moment_of(end, closing=True),
                start_minute=start,
                end_minute=end,
                priority=t.priority,
                due=t.due_at,
                minutes_late=max(end - t.due_minute, 0),
            )
        )
        assert kept[-1].minutes_late == s["minutes_late_after"], rid
    return plan.model_copy(update={"assignments": kept, "unassigned": left_out})


def test_a_priority_override_is_priced_under_the_changed_priority_before_and_after(api: Api) -> None:
    for body in CROWD:
        assert api.post("/requests", "people", body).status_code == 201
    plan = api.post("/plans", "lead", {"time_limit_seconds": 2}).json()
    scenario, current = stored_plan(api, plan["id"])
    asked = api.post(
        f"/plans/{plan['id']}/what-if",
        "lead",
        {"kind": "priority", "request": "REQ-3", "priority": "P1", "time_limit_seconds": 2},
    )
    assert asked.status_code == 200, asked.text
    answer = asked.json()
    changed = _with_priority(scenario, "REQ-3", "P1")
    current = _as_triaged(changed, current)
    assert check_plan(changed, current) == []
    before = _price(changed, current)
    assert answer["change"] == "REQ-3 at P1" and answer["status"] == "feasible"
    assert answer["cost_before"] == sum(before.values()) != plan["plan"]["objective"]  # priced with the change
    after_plan = _after(changed, current, answer["shifts"])
    assert check_plan(changed, after_plan) == []
    after = _price(changed, after_plan)
    assert answer["cost_after"] == sum(after.values()) < answer["cost_before"]
    assert {t["term"]: (t["before"], t["after"]) for t in answer["terms"]} == {t: (before[t], after[t]) for t in before}
    [mine] = [s for s in answer["shifts"] if s["request_id"] == "REQ-3"]  # a P1 now: it goes ahead of the crowd
    assert mine["end_minute_after"] < mine["end_minute_before"]
    assert answer["text"].startswith("With REQ-3 at P1:") and "cost" not in answer["text"]
    assert api.get("/requests/REQ-3", "lead").json()["priority_override"] is None  # nothing stored


def test_clearing_an_override_is_priced_and_bad_questions_name_the_field(api: Api) -> None:
    etag = api.get("/requests/REQ-1", "lead").headers["etag"]
    assert (
        api.patch("/requests/REQ-1", "lead", {"priority_override": "P4", "reason": "can wait"}, etag).status_code == 200
    )
    plan = api.post("/plans", "lead", {"time_limit_seconds": 1}).json()
    scenario, current = stored_plan(api, plan["id"])
    cleared = api.post(
        f"/plans/{plan['id']}/what-if",
        "lead",
        {"kind": "priority", "request": "REQ-1", "priority": None, "time_limit_seconds": 1},
    )
    assert cleared.status_code == 200, cleared.text
    answer = cleared.json()
    assert answer["change"] == "REQ-1 back to the matrix's priority"
    matrix = _with_priority(scenario, "REQ-1", None)
    assert answer["cost_before"] == sum(_price(matrix, _as_triaged(matrix, current)).values())
    same = api.post(f"/plans/{plan['id']}/what-if", "lead", {"kind": "priority", "request": "REQ-1", "priority": "P4"})
    assert same.json()["already_holds"] and same.json()["shifts"] == []
    for body, field in (
        ({"kind": "priority", "request": "REQ-1", "priority": "P9"}, "priority"),
        ({"kind": "priority", "request": "REQ-99", "priority": "P1"}, "request"),
        ({"kind": "first", "request": "REQ-1", "priority": "P1"}, "priority"),
    ):
        refused = api.post(f"/plans/{plan['id']}/what-if", "lead", body)
        assert refused.status_code == 422, (body, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == [field], refused.text
    needs = api.post(f"/plans/{plan['id']}/what-if", "lead", {"kind": "priority", "priority": "P1"})
    assert needs.status_code == 422 and "a priority change needs request" in needs.text
    assert api.post(f"/plans/{plan['id']}/what-if", "ana", {"kind": "priority", "request": "REQ-1"}).status_code == 403
