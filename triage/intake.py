"""Reading a scenario document and reporting every problem in it at once, by record id and field.

Two passes over the same document: pydantic's field rules (types, ranges, a deadline after creation),
then the rules across records (ids unique, references resolve, every agent has working time), which
run on the raw document so that both kinds of problem are reported together. A request that no agent
can do is not a problem here: the plan leaves it unassigned and says which skill is missing.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from pydantic import ValidationError

from triage.calendar import intersect
from triage.errors import Problem, ScenarioError
from triage.model import Scenario
from triage.names import WEEKDAYS

_SECTIONS = ("skills", "departments", "agents", "requests", "pins")


TOO_DEEP = "the JSON is nested too deeply to be a scenario"


def load_scenario_json(text: str | bytes) -> Scenario:
    """Parse and check a scenario document; raise ScenarioError with every problem found."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError([Problem(record="scenario", field="", message=f"malformed JSON: {exc}")]) from exc
    except RecursionError as exc:  # no scenario nests deeper than a few levels; the parser's stack does
        raise ScenarioError([Problem(record="scenario", field="", message=TOO_DEEP)]) from exc
    try:
        return load_scenario(raw)
    except RecursionError as exc:  # nested deeply inside a valid-looking document
        raise ScenarioError([Problem(record="scenario", field="", message=TOO_DEEP)]) from exc


def load_scenario(raw: Any) -> Scenario:
    """Check a decoded scenario document; raise ScenarioError with every problem found."""
    if not isinstance(raw, dict):
        raise ScenarioError([Problem(record="scenario", field="", message="expected a JSON object")])
    problems = cross_record_problems(raw)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = [_from_pydantic(error, raw) for error in exc.errors()] + problems
        raise ScenarioError(problems) from exc
    problems += working_time_problems(scenario)
    if problems:
        raise ScenarioError(problems)
    return scenario


def _record(raw: dict[str, Any], section: str, index: int) -> str:
    items = raw.get(section)
    item = items[index] if isinstance(items, list) and index < len(items) else None
    key = item.get("id") if isinstance(item, dict) else None
    return f"{section}[{key}]" if isinstance(key, str) and key else f"{section}[#{index}]"


def _from_pydantic(error: Any, raw: dict[str, Any]) -> Problem:
    loc = list(error["loc"])
    if len(loc) >= 2 and loc[0] in _SECTIONS and isinstance(loc[1], int):
        record, rest = _record(raw, str(loc[0]), loc[1]), loc[2:]
    elif loc:
        record, rest = str(loc[0]), loc[1:]
    else:
        record, rest = "scenario", []
    message = str(error["msg"]).removeprefix("Value error, ")
    return Problem(record=record, field=".".join(str(part) for part in rest), message=message)


def _items(raw: dict[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    items = raw.get(section)
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]


def cross_record_problems(raw: dict[str, Any]) -> list[Problem]:
    """Duplicate ids and references that do not resolve, found on the raw document."""
    problems: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for section in _SECTIONS:
        counts = Counter(str(item["id"]) for _, item in _items(raw, section) if isinstance(item.get("id"), str))
        ids[section] = set(counts)
        problems += [
            Problem(record=f"{section}[{key}]", field="id", message=f"duplicate id: {count} {section} have it")
            for key, count in counts.items()
            if count > 1
        ]
    for i, agent in _items(raw, "agents"):
        problems += _unknown_skills(agent.get("skills"), ids["skills"], _record(raw, "agents", i))
    for i, request in _items(raw, "requests"):
        record = _record(raw, "requests", i)
        problems += _unknown_skills(request.get("required_skills"), ids["skills"], record, "required_skills")
        department = request.get("department")
        if isinstance(department, str) and department not in ids["departments"]:
            problems.append(Problem(record=record, field="department", message=f"unknown department {department!r}"))
        owner = request.get("owner")
        if isinstance(owner, str) and owner not in ids["agents"]:
            problems.append(Problem(record=record, field="owner", message=f"unknown agent {owner!r}"))
    policy = raw.get("policy")
    shares = policy.get("fair_share_pct") if isinstance(policy, dict) else None
    if isinstance(shares, dict):
        problems += [
            Problem(record="policy", field=f"fair_share_pct.{key}", message=f"unknown department {key!r}")
            for key in list(shares)[:50]
            if key not in ids["departments"]
        ]
    for i, pin in _items(raw, "pins"):
        record = _record(raw, "pins", i)
        for field, section in (("request", "requests"), ("other", "requests"), ("agent", "agents")):
            value = pin.get(field)
            if isinstance(value, str) and value not in ids[section]:
                kind = "request" if section == "requests" else "agent"
                problems.append(Problem(record=record, field=field, message=f"unknown {kind} {value!r}"))
    return problems


def _unknown_skills(skills: Any, known: set[str], record: str, field: str = "skills") -> list[Problem]:
    if not isinstance(skills, dict):
        return []
    return [
        Problem(record=record, field=f"{field}.{skill}", message=f"unknown skill {skill!r}")
        for skill in skills
        if skill not in known
    ]


def working_time_problems(scenario: Scenario) -> list[Problem]:
    """An agent whose own hours never meet the team's hours can never work."""
    problems = []
    team = scenario.calendar.working_hours
    for agent in scenario.agents:
        if agent.working_hours is None:
            continue
        shared = any(intersect(sorted(team.get(day, [])), sorted(agent.working_hours.get(day, []))) for day in WEEKDAYS)
        if not shared:
            problems.append(
                Problem(
                    record=f"agents[{agent.id}]",
                    field="working_hours",
                    message="no working time: none of these hours falls within the team's working hours",
                )
            )
    return problems


__all__ = ["load_scenario", "load_scenario_json"]
