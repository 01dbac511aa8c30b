"""Staffing changes: each one changes the team as it says, and bad ones are refused naming record and field."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from tests.builders import agent, scenario
from triage.errors import ScenarioError
from triage.model import Scenario
from triage.simulation.changes import Variant, apply_changes, check_variants


def org() -> Scenario:
    return scenario([agent("ana"), agent("ben", {"net": 2})], [])


def variant(name: str, *changes: dict[str, object]) -> Variant:
    return Variant.model_validate({"name": name, "changes": list(changes)})


def problems(*variants: Variant) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        check_variants(org(), list(variants))
    return [str(p) for p in caught.value.problems]


def test_changes_are_applied_in_order_and_a_hire_can_then_learn() -> None:
    v = variant(
        "v",
        {"kind": "hire", "agent": "kim", "name": "Kim Lee", "skills": {"db": 2}, "start": "2026-11-25"},
        {"kind": "skill", "agent": "kim", "skill": "net", "level": 1},
        {"kind": "skill", "agent": "ben", "skill": "net", "level": 1},  # never lowers a level held
        {"kind": "time_off", "agent": "ana", "start": "2026-11-24", "end": "2026-11-26"},
        {"kind": "leave", "agent": "ben", "start": "2026-11-30", "days": 3},
    )
    check_variants(org(), [v])
    team = {a.id: a for a in apply_changes(org(), v).agents}
    assert team["kim"].skills == {"db": 2, "net": 1} and team["kim"].name == "Kim Lee"
    assert [(o.start, o.end) for o in team["kim"].time_off] == [(date(2026, 11, 23), date(2026, 11, 24))]
    assert team["ben"].skills == {"net": 2}
    assert [(o.start, o.end) for o in team["ben"].time_off] == [(date(2026, 11, 30), date(2026, 12, 2))]
    assert [(o.start, o.end) for o in team["ana"].time_off] == [(date(2026, 11, 24), date(2026, 11, 26))]


def test_unknown_agents_skills_and_departments_are_named() -> None:
    found = problems(
        variant(
            "v",
            {"kind": "leave", "agent": "zed", "start": "2026-11-24"},
            {"kind": "skill", "agent": "ana", "skill": "cobol", "level": 2},
            {"kind": "hire", "agent": "ana", "skills": {"cobol": 1}},
            {"kind": "surge", "department": "legal", "factor": 2},
        )
    )
    assert found == [
        "variants[v].changes[0].agent: unknown agent 'zed'",
        "variants[v].changes[1].skill: unknown skill 'cobol'",
        "variants[v].changes[2].agent: agent 'ana' is already in the team",
        "variants[v].changes[2].skills.cobol: unknown skill 'cobol'",
        "variants[v].changes[3].department: unknown department 'legal'",
    ]


def test_dates_before_the_start_hours_outside_the_team_and_names_are_refused() -> None:
    found = problems(
        variant("baseline"),
        variant("v", {"kind": "time_off", "agent": "ana", "start": "2026-11-20", "end": "2026-11-24"}),
        variant("v", {"kind": "hours", "agent": "ana", "working_hours": {"sat": ["09:00-12:00"]}}),
    )
    assert found == [
        "variants[baseline].name: 'baseline' is the organisation as it is",
        "variants[v].name: two variants have this name",
        "variants[v].changes[0].start: 2026-11-20 is before the simulation starts (2026-11-23)",
        "variants[v].changes[0].working_hours: no working time: none of these hours falls within the team's "
        "working hours",
    ]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"kind": "time_off", "agent": "ana", "start": "2026-11-25", "end": "2026-11-24"}, "end"),
        ({"kind": "surge", "department": "ops", "factor": 0}, "factor"),
        ({"kind": "skill", "agent": "ana", "skill": "net", "level": 4}, "level"),
        ({"kind": "leave", "agent": "ana", "start": "2026-11-25", "days": 0}, "days"),
        ({"kind": "promote", "agent": "ana"}, "changes.0"),
    ],
)
def test_malformed_changes_fail_on_their_field(change: dict[str, object], where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        variant("v", change)
    assert where in ".".join(str(p) for p in caught.value.errors()[0]["loc"])
