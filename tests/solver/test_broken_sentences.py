"""The sentences the issue found broken, each held to its fix: nobody holds the skill (the cause is the skill, not
anyone's time), a pin made by a named person (no "the" before a name), and the article before a role."""

from __future__ import annotations

from solver.params import SolveParams
from solver.run import plan
from solver.tradeoffs import let_in, override_effects
from tests.builders import agent, flat_policy, request, scenario
from triage.explanations.style import article, by_whom

FAST = SolveParams(time_limit_seconds=2, workers=1)


def test_when_nobody_holds_the_skill_the_cause_is_the_skill() -> None:
    s = scenario([agent("ana")], [request("PAY", 60, required_skills={"pay": 3})], policy=flat_policy(60))
    current = plan(s, FAST)
    assert current.assignment("PAY") is None
    e = let_in(s, current, "PAY", FAST)
    assert e.fact("qualified") == ""
    said = "Nobody on the team holds Payroll (level 3 or higher): no order of work can fit it in until someone does."
    assert e.text == e.lead_text == e.detail_text == said


def test_a_pin_by_a_named_lead_reads_without_the() -> None:
    work = [
        request("HIGH", effort=60, impact="company", urgency="work_stopped"),
        request("DEMO", effort=60, impact="person", urgency="can_wait"),
    ]
    pins = [{"id": "p1", "kind": "first", "request": "DEMO", "reason": "CEO demo at 10:00", "by": "Lee Lead"}]
    s = scenario([agent("ana")], work, pins=pins, policy=flat_policy(60))
    (effect,) = override_effects(s, plan(s, FAST), FAST)
    for text in (effect.text, effect.detail_text):
        assert text.startswith("Moved later by Lee Lead: HIGH finishes 1 h later because"), text
    assert by_whom("queue lead") == "the queue lead" and by_whom("") == "the queue lead"


def test_the_article_before_a_role() -> None:
    assert [article(r) for r in ("agent", "admin", "lead", "manager", "requester")] == [
        "an agent",
        "an admin",
        "a lead",
        "a manager",
        "a requester",
    ]
