"""Bad input: every problem reported at once, each with its record id and field; nothing is planned."""

import json
from typing import Any

import pytest

from tests.builders import agent, request, scenario_dict
from triage.errors import ScenarioError
from triage.intake import load_scenario, load_scenario_json


def problems(raw: Any) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(raw)
    return [str(p) for p in caught.value.problems]


def base() -> dict[str, Any]:
    return scenario_dict([agent("ana")], [request("R1"), request("R2")])


def test_a_good_scenario_loads() -> None:
    assert len(load_scenario(base()).requests) == 2


def test_unknown_department() -> None:
    raw = base()
    raw["requests"][0]["department"] = "marketing"
    assert problems(raw) == ["requests[R1].department: unknown department 'marketing'"]


def test_unknown_skill_in_a_request_and_in_an_agent() -> None:
    raw = base()
    raw["requests"][1]["required_skills"] = {"netwrk": 1}
    raw["agents"][0]["skills"] = {"net": 1, "sap": 2}
    assert problems(raw) == [
        "agents[ana].skills.sap: unknown skill 'sap'",
        "requests[R2].required_skills.netwrk: unknown skill 'netwrk'",
    ]


def test_unknown_owner() -> None:
    raw = base()
    raw["requests"][0]["owner"] = "zoe"
    assert problems(raw) == ["requests[R1].owner: unknown agent 'zoe'"]


@pytest.mark.parametrize("effort", [0, -30])
def test_zero_or_negative_effort(effort: int) -> None:
    raw = base()
    raw["requests"][1]["effort_minutes"] = effort
    assert problems(raw) == ["requests[R2].effort_minutes: Input should be greater than 0"]


def test_agent_without_working_time() -> None:
    raw = base()
    raw["agents"].append(agent("sam", working_hours={"sat": ["09:00-12:00"]}))
    raw["agents"].append(agent("kim", working_hours={}))
    assert problems(raw) == [
        "agents[kim].working_hours: the agent has no working time on any weekday",
    ]
    raw["agents"].pop()
    assert problems(raw) == [
        "agents[sam].working_hours: no working time: none of these hours falls within the team's working hours"
    ]


def test_deadline_before_creation() -> None:
    raw = base()
    raw["requests"][0]["deadline"] = "2026-11-20T10:00:00"
    assert problems(raw) == ["requests[R1].deadline: the deadline must be after created_at"]


def test_duplicate_ids() -> None:
    raw = base()
    raw["requests"][1]["id"] = "R1"
    raw["agents"].append(agent("ana"))
    assert problems(raw) == [
        "agents[ana].id: duplicate id: 2 agents have it",
        "requests[R1].id: duplicate id: 2 requests have it",
    ]


def test_every_problem_is_reported_together() -> None:
    raw = base()
    raw["requests"][0]["effort_minutes"] = 0
    raw["requests"][1]["department"] = "nope"
    raw["requests"][1]["urgency"] = "yesterday"
    found = problems(raw)
    assert "requests[R1].effort_minutes: Input should be greater than 0" in found
    assert "requests[R2].department: unknown department 'nope'" in found
    assert any(p.startswith("requests[R2].urgency: Input should be") for p in found)
    assert len(found) == 3


def test_record_without_an_id_is_named_by_position() -> None:
    raw = base()
    del raw["requests"][1]["id"]
    assert problems(raw) == ["requests[#1].id: Field required"]


def test_malformed_json() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario_json('{"now": "2026-11-23T09:00:00", ')
    (problem,) = caught.value.problems
    assert problem.record == "scenario"
    assert problem.message.startswith("malformed JSON: ")
    assert "line 1 column" in problem.message


def test_not_an_object() -> None:
    with pytest.raises(ScenarioError):
        load_scenario_json(json.dumps([1, 2]))


def test_a_request_nobody_can_do_is_not_an_input_error() -> None:
    raw = base()
    raw["requests"][0]["required_skills"] = {"pay": 3}
    assert load_scenario(raw).requests[0].required_skills == {"pay": 3}


def test_pins_naming_unknown_requests_or_agents_are_rejected() -> None:
    raw = base()
    raw["pins"] = [
        {"id": "p1", "kind": "assign", "request": "R9", "agent": "zoe"},
        {"id": "p2", "kind": "before", "request": "R1", "other": "R7"},
        {"id": "p3", "kind": "assign", "request": "R1"},
    ]
    assert problems(raw) == [
        "pins[p3]: an assign pin needs an agent",
        "pins[p1].request: unknown request 'R9'",
        "pins[p1].agent: unknown agent 'zoe'",
        "pins[p2].other: unknown request 'R7'",
    ]


@pytest.mark.parametrize("zone", ["Mars/Olympus", "x" * 300, "../etc/passwd", "localtime", "posixrules", "Factory"])
def test_unknown_or_odd_time_zones_are_a_problem_not_a_crash(zone: str) -> None:
    raw = base()
    raw["calendar"]["timezone"] = zone
    assert problems(raw) == [f"calendar.timezone: unknown time zone {zone!r}"]
