"""A plan after an accepted share presents the shared request as one request done in parts, from the placements
of the shared request and of the part filed (REQ-10, Ben's, `part_of` REQ-9): its assignment carries both parts,
ends with the later part and is late by it; the checker holds it (Rule.PARTS) and prices it as the engines do;
its explanation names the teammate of the other part and the finish; "why not Ana" for the part names the pin.
Through HTTP on both backends; the explanations read from the stored plan."""

from __future__ import annotations

import re

from tests.api.conftest import Api, stored_plan
from tests.api.share_setup import share, shared_api
from tests.triage.test_registers import _people_problems
from triage.calendar import BusinessAxis
from triage.names import ExplanationKind, Rule
from triage.results import Part
from triage.scoring import triage_all
from triage.validation import check_plan, term_quantities

__all__ = ["shared_api"]  # the fixture


def _planned_after_accept(api: Api) -> int:
    swarm = share(api)
    assert api.post(f"/shares/{swarm['id']}/accept", "ben", {}).status_code == 200
    planned = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert planned.status_code == 201, planned.text
    return int(planned.json()["id"])


def test_a_plan_after_an_accepted_share_presents_the_request_in_its_parts(shared_api: Api) -> None:
    api = shared_api
    plan_id = _planned_after_accept(api)
    scenario, plan = stored_plan(api, plan_id)
    shared, part = plan.assignment("REQ-9"), plan.assignment("REQ-10")
    assert shared is not None and part is not None
    own, peer = shared.parts
    assert (own.request_id, own.agent_id, own.minutes) == ("REQ-9", "ana", 390)
    assert (peer.request_id, peer.agent_id, peer.minutes) == ("REQ-10", "ben", 210)
    assert (peer.start_minute, peer.end_minute) == (part.start_minute, part.end_minute)
    later = max(own.end_minute, part.end_minute)
    assert (shared.end_minute, shared.start_minute) == (later, min(own.start_minute, part.start_minute))
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    due = triage_all(scenario, axis)["REQ-9"].due_minute
    assert shared.due == part.due and shared.minutes_late == max(later - due, 0) > 0
    assert shared.end == (part.end if part.end_minute >= own.end_minute else own.end)
    assert check_plan(scenario, plan) == []
    # the checker prices it as the engines did: the shared request by its own part, the part by its own
    assert term_quantities(scenario, plan) == {t.term: t.quantity for t in plan.terms}
    # over HTTP the assignment carries its parts
    served = api.get(f"/plans/{plan_id}", "lead").json()["plan"]
    (read,) = [a for a in served["assignments"] if a["request_id"] == "REQ-9"]
    assert [(p["agent_id"], p["minutes"], p["request_id"]) for p in read["parts"]] == [
        ("ana", 390, "REQ-9"),
        ("ben", 210, "REQ-10"),
    ]


def test_the_checker_holds_a_request_in_stored_parts_to_its_parts(shared_api: Api) -> None:
    scenario, plan = stored_plan(shared_api, _planned_after_accept(shared_api))
    shared = plan.assignment("REQ-9")
    assert shared is not None
    own, peer = shared.parts

    def broken(parts: list[Part]) -> list[Rule]:
        assignments = [a.model_copy(update={"parts": parts}) if a is shared else a for a in plan.assignments]
        return [v.rule for v in check_plan(scenario, plan.model_copy(update={"assignments": assignments}))]

    assert Rule.PARTS in broken([own, peer.model_copy(update={"agent_id": "ana"})])  # not the pinned peer
    assert Rule.PARTS in broken([own, peer.model_copy(update={"minutes": 200})])  # minutes do not add up
    assert Rule.PARTS in broken([own.model_copy(update={"minutes": 400}), peer])
    assert Rule.PARTS in broken([own, peer.model_copy(update={"request_id": "REQ-8"})])  # not a part of it


def test_the_explanations_name_the_other_part_and_the_pin(shared_api: Api) -> None:
    from solver.tradeoffs import why_not

    scenario, plan = stored_plan(shared_api, _planned_after_accept(shared_api))
    shared = plan.assignment("REQ-9")
    assert shared is not None
    (e,) = [x for x in plan.explanations if x.kind == ExplanationKind.ASSIGNMENT and x.request_ids == ["REQ-9"]]
    assert e.fact("part_agent:REQ-10") == "Ben Okafor"
    assert e.fact("part_minutes:REQ-10") == 210
    assert e.fact("own_minutes") == 390
    assert e.fact("minutes_late") == shared.minutes_late
    assert e.fact("end") == shared.end.isoformat()
    assert "Ben Okafor does the other 3 h 30 min (REQ-10), " in e.text
    assert ", when the later part ends, " in e.text
    assert e.text.startswith("Ana Costa")
    # why not Ana for Ben's part: the pin, not "no plan can give it to them"
    answer = why_not(scenario, plan, "REQ-10", "ana")
    assert answer.text == "Not Ana Costa: it is pinned to Ben Okafor: they accepted this part of REQ-9."
    assert (answer.fact("pinned_to"), answer.fact("part_of"), answer.fact("feasible")) == ("ben", "REQ-9", 0)
    assert "pinned to Ben Okafor: they accepted this part of REQ-9" in answer.lead_text
    # the people register: no engineering words, no sentence over the style sheet's 30 words
    for text in (e.text, e.lead_text, answer.text):
        assert _people_problems(text) == [], text
        assert max(len(sentence.split()) for sentence in re.split(r"(?<=\.) ", text)) <= 30, text
