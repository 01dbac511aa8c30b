"""The demo organisation: valid, believable in shape, and its plan holds to the checker."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from solver.params import SolveParams
from solver.run import plan
from triage.intake import load_scenario_json
from triage.model import Scenario
from triage.names import ExplanationKind
from triage.validation import check_plan, term_quantities

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo.json"


@pytest.fixture(scope="module")
def demo() -> Scenario:
    return load_scenario_json(DEMO.read_bytes())


def test_demo_has_the_promised_shape(demo: Scenario) -> None:
    assert len(demo.departments) == 5
    assert len({d.weight for d in demo.departments}) >= 3
    assert len(demo.agents) == 10
    assert sum(1 for a in demo.agents if a.working_hours is not None) == 1  # one part-timer
    assert sum(1 for a in demo.agents if a.time_off) == 1  # one off for a day
    assert 38 <= len(demo.requests) <= 45
    holders = Counter(skill for a in demo.agents for skill in a.skills)
    assert min(holders.values()) <= 2 < max(holders.values())  # rare and common skills


def test_demo_plan_is_valid_and_explains_the_request_nobody_can_do(demo: Scenario) -> None:
    result = plan(demo, SolveParams(time_limit_seconds=3, workers=2))
    assert check_plan(demo, result) == []
    assert {t.term: t.quantity for t in result.terms} == term_quantities(demo, result)
    (left,) = [u for u in result.unassigned if u.reason == "missing_skill"]
    (why,) = [
        e for e in result.explanations if e.request_ids == [left.request_id] and e.kind == ExplanationKind.UNASSIGNED
    ]
    assert why.text.startswith("Not planned: no teammate has ")
    # every open request has a priority explanation and a placement explanation
    kinds = Counter(e.request_ids[0] for e in result.explanations if e.kind in ("priority", "assignment", "unassigned"))
    assert set(kinds.values()) == {2}
    assert len(kinds) == len(demo.requests)
