"""Help between peers through HTTP: an overloaded agent asks for help, the named peer accepts or declines,
the requester follows the hand-off and its note; stale proposals are refused with nothing changed; declined
pairs are not proposed again; retries are safe; bad input names its field and stores nothing."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.api.help_setup import QUICK, ana_asks, overload_ana, proposal_to_ben
from triage.render import duration


def _audit(api: Api, **params: str) -> list[tuple[str, str | None]]:
    return [(e["action"], e["reason"]) for e in api.get("/audit", "lead", params=params).json()["items"]]


def _handoff(api: Api, handoff_id: int) -> dict[str, Any]:
    return dict(api.get(f"/handoffs/{handoff_id}", "lead").json())


def test_an_agent_asks_the_peer_accepts_and_the_requester_follows(api: Api) -> None:
    overload_ana(api)
    asked = ana_asks(api)
    assert asked.status_code == 201, asked.text
    body = asked.json()
    assert (body["agent_id"], body["outcome"], body["moves"]) == ("ana", "partly", 1)
    assert body["over_after"] == body["planned_after"] - body["target_minutes"] > 0  # REQ-1 only she can do
    assert [(s["request_id"], s["reason"]) for s in body["stays"]] == [("REQ-1", "no_skill")]
    proposal = body["proposals"][0]
    assert proposal["state"] == "proposed" and proposal["requester"] == "Sam Reyes"
    assert proposal["from_planned_before"] == body["planned_before"] and proposal["to_planned_after"] <= 2040
    assert proposal["note"].startswith(
        'Sam Reyes (Sales): your request "New laptop" (REQ-3) is proposed to move from Ana Costa to Ben Okafor.'
    )
    assert f"planned {duration(proposal['from_planned_before'])} over the next 5 working days" in proposal["note"]
    # the requester follows it; another department does not see it; the agents involved do
    assert [h["id"] for h in api.get("/handoffs", "sales").json()["items"]] == [proposal["id"]]
    assert [h["note"] for h in api.get("/requests/REQ-3/handoffs", "sales").json()] == [proposal["note"]]
    assert api.get("/handoffs", "people").json()["items"] == []
    assert api.get(f"/handoffs/{proposal['id']}", "people").status_code == 404
    assert len(api.get("/handoffs", "ana").json()["items"]) == len(api.get("/handoffs", "manager").json()["items"]) == 1
    before = api.get("/requests/REQ-3", "lead").json()
    accepted = api.post(f"/handoffs/{proposal['id']}/accept", "ben", {"reason": "I have the stock too"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted" and accepted.json()["answered_by"] == "ben"
    assert "(REQ-3) moved from Ana Costa to Ben Okafor, who accepted." in accepted.json()["note"]
    after = api.get("/requests/REQ-3", "sales").json()
    assert (after["owner"], after["version"]) == ("ben", before["version"] + 1)
    assert _audit(api, subject_type="request", subject_id="REQ-3")[-1] == ("request.handed_off", "I have the stock too")
    assert ("help.asked", "swamped") in _audit(api, subject_type="agent", subject_id="ana")
    assert _audit(api, subject_type="handoff") == [("handoff.accepted", "I have the stock too")]
    # a change of the queue: placed at once with its new owner, until the live re-plan follows
    place = api.get("/requests/REQ-3/placement", "sales").json()
    assert (place["tentative"], place["agent_id"]) == (True, "ben"), place
    # the next plan keeps the request with its new owner
    plan = api.post("/plans", "lead", QUICK).json()["plan"]
    assert {a["request_id"]: a["agent_id"] for a in plan["assignments"]}["REQ-3"] == "ben"


def test_a_declined_pair_is_remembered_and_not_proposed_again(api: Api) -> None:
    proposal = proposal_to_ben(api)
    declined = api.post(f"/handoffs/{proposal['id']}/decline", "ben", {"reason": "on call all week"})
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    assert declined.json()["note"].endswith("stays with Ana Costa: Ben Okafor declined to take it.")
    assert api.get("/requests/REQ-3", "lead").json()["owner"] == "ana"
    again = ana_asks(api)
    assert again.status_code == 201, again.text
    assert again.json()["proposals"] == [] and again.json()["outcome"] == "no_hand_off"
    assert {s["request_id"]: s["reason"] for s in again.json()["stays"]}["REQ-3"] == "declined"
    assert "Every qualified teammate with room declined REQ-3 before." in again.json()["text"]
    assert _audit(api, subject_type="handoff") == [("handoff.declined", "on call all week")]


def test_a_stale_proposal_is_refused_and_nothing_changes(api: Api) -> None:
    proposal = proposal_to_ben(api)
    etag = api.get("/requests/REQ-3", "lead").headers["etag"]
    assert api.patch("/requests/REQ-3", "lead", {"effort_minutes": 600}, etag=etag).status_code == 200
    refused = api.post(f"/handoffs/{proposal['id']}/accept", "ben", {})
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    assert "REQ-3 changed since this hand-off was proposed" in refused.json()["detail"]
    assert api.get("/requests/REQ-3", "lead").json()["owner"] == "ana"
    assert _handoff(api, proposal["id"])["state"] == "proposed"
    assert _audit(api, subject_type="handoff") == []
    # asking again from the same (now stale) plan is refused too, and stores nothing
    stale = ana_asks(api)
    assert stale.status_code == 409 and "compute a new plan first" in stale.json()["detail"]
    assert len(api.get("/handoffs", "lead").json()["items"]) == 1


def test_asking_again_supersedes_the_open_proposals(api: Api) -> None:
    first = proposal_to_ben(api)
    second = ana_asks(api, who="lead").json()["proposals"][0]  # a lead asks on Ana's behalf
    assert second["asked_by"] == "lead" and second["id"] != first["id"]
    assert _handoff(api, first["id"])["state"] == "superseded"
    assert "was replaced by a newer one" in _handoff(api, first["id"])["note"]
    assert api.post(f"/handoffs/{first['id']}/accept", "ben", {}).status_code == 409
    assert api.post(f"/handoffs/{second['id']}/accept", "ben", {}).status_code == 200
    assert api.post(f"/handoffs/{second['id']}/decline", "ben", {}).status_code == 409  # answered already
    states = [h["state"] for h in api.get("/handoffs", "lead", params={"request_id": "REQ-3"}).json()["items"]]
    assert states == ["superseded", "accepted"]


def test_who_may_ask_and_answer(api: Api) -> None:
    proposal = proposal_to_ben(api)
    assert api.post("/agents/ana/help", "ben", {}).status_code == 403  # for themselves only
    assert api.post(f"/handoffs/{proposal['id']}/accept", "ana", {}).status_code == 403  # not the peer named
    assert api.post(f"/handoffs/{proposal['id']}/decline", "ana", {}).status_code == 403
    assert api.get("/requests/REQ-3/handoffs", "people").status_code == 404  # Sales' request
    assert _handoff(api, proposal["id"])["state"] == "proposed"


def test_retries_are_safe(api: Api) -> None:
    overload_ana(api)
    first = ana_asks(api, **{"Idempotency-Key": "help-1"})
    again = ana_asks(api, **{"Idempotency-Key": "help-1"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len(api.get("/handoffs", "lead").json()["items"]) == 1
    path = f"/handoffs/{first.json()['proposals'][0]['id']}/accept"
    accepted = api.post(path, "ben", {}, headers={"Idempotency-Key": "yes-1"})
    replayed = api.post(path, "ben", {}, headers={"Idempotency-Key": "yes-1"})
    assert replayed.status_code == 200 and replayed.json() == accepted.json()
    assert [a for a, _ in _audit(api, subject_type="request", subject_id="REQ-3")].count("request.handed_off") == 1


def test_bad_input_names_its_field_and_stores_nothing(api: Api) -> None:
    assert api.post("/agents/ana/help", "lead", {}).status_code == 409  # no plan yet
    overload_ana(api)
    for body, field in (
        ({"time_limit_seconds": -1}, "time_limit_seconds"),
        ({"reason": ""}, "reason"),
        ({"why": "x"}, "why"),
        ({"time_limit_seconds": "1"}, "time_limit_seconds"),
    ):
        answer = api.post("/agents/ana/help", "ana", body)
        assert answer.status_code == 422, (body, answer.text)
        assert [e["field"] for e in answer.json()["errors"]] == [field], answer.text
    assert api.post("/agents/nobody/help", "lead", {}).status_code == 404
    created = api.post("/agents", "admin", {"id": "zoe", "name": "Zoe Zhu", "skills": {"net": 1}})
    assert created.status_code == 201
    assert api.post("/agents/zoe/help", "lead", {}).status_code == 409  # not in the newest plan
    assert api.get("/handoffs", "lead").json()["items"] == []
    proposal = ana_asks(api).json()["proposals"][0]
    refused = api.post(f"/handoffs/{proposal['id']}/decline", "ben", {"reason": ""})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    assert _handoff(api, proposal["id"])["state"] == "proposed"
    for missing in ("/handoffs/999/accept", "/handoffs/x/decline"):
        assert api.post(missing, "lead", {}).status_code == 404
    assert api.get("/handoffs", "lead", params={"state": "lost"}).status_code == 422


def test_a_peer_given_work_since_the_plan_is_not_pushed_above_target(api: Api) -> None:
    proposal = proposal_to_ben(api)
    room = proposal["to_target_minutes"] - proposal["to_planned_after"]
    filed = api.post(
        "/requests",
        "lead",
        {
            "department": "people",
            "requester": "Pia Lang",
            "title": "Payroll audit",
            "impact": "team",
            "urgency": "can_wait",
            "effort_minutes": room + 1,
            "required_skills": {"pay": 1},
        },
    )
    assert filed.status_code == 201, filed.text
    big = filed.json()["id"]
    etag = filed.headers["etag"]
    assert api.patch(f"/requests/{big}", "lead", {"owner": "ben", "reason": "audit"}, etag=etag).status_code == 200
    refused = api.post(f"/handoffs/{proposal['id']}/accept", "ben", {})
    assert refused.status_code == 409, refused.text
    assert (
        f"Ben Okafor would be above target: {proposal['to_planned_after']} planned minutes with REQ-3 and "
        f"{room + 1} given to them since the plan, against a target of {proposal['to_target_minutes']}"
    ) in refused.json()["detail"]
    assert api.get("/requests/REQ-3", "lead").json()["owner"] == "ana"
    assert _handoff(api, proposal["id"])["state"] == "proposed"
    # with that work back off Ben, the room is there again
    etag = api.get(f"/requests/{big}", "lead").headers["etag"]
    assert api.patch(f"/requests/{big}", "lead", {"owner": None, "reason": "later"}, etag=etag).status_code == 200
    assert api.post(f"/handoffs/{proposal['id']}/accept", "ben", {}).status_code == 200


def test_work_the_plan_moves_off_the_peer_is_not_counted_as_given_since(api: Api) -> None:
    """The plan is not applied: Ben still owns a request the plan gives to Ana (he lacks its skill level). It was
    his when the plan was computed, so it is not work given to him since; his room is the plan's."""
    etag = api.get("/agents/ben", "admin").headers["etag"]
    assert api.patch("/agents/ben", "admin", {"target_load_pct": 20}, etag=etag).status_code == 200
    filed = api.post(
        "/requests",
        "lead",
        {
            "department": "sales",
            "requester": "Sam Reyes",
            "title": "Core switch",
            "impact": "team",
            "urgency": "can_wait",
            "effort_minutes": 240,
            "required_skills": {"net": 2},
        },
    )
    assert filed.status_code == 201, filed.text
    switch = filed.json()["id"]
    moved = api.patch(
        f"/requests/{switch}", "lead", {"owner": "ben", "reason": "on his desk"}, etag=filed.headers["etag"]
    )
    assert moved.status_code == 200, moved.text
    proposal = proposal_to_ben(api)
    plan = api.get(f"/plans/{proposal['plan_id']}", "lead").json()["plan"]
    assert {a["request_id"]: a["agent_id"] for a in plan["assignments"]}[switch] == "ana"
    assert api.get(f"/requests/{switch}", "lead").json()["owner"] == "ben"  # the plan is not applied
    assert proposal["to_target_minutes"] - proposal["to_planned_after"] < 240  # counted, it would not fit
    accepted = api.post(f"/handoffs/{proposal['id']}/accept", "ben", {})
    assert accepted.status_code == 200, accepted.text
    assert api.get("/requests/REQ-3", "lead").json()["owner"] == "ben"


def test_closing_a_request_withdraws_its_hand_off_not_answered_yet(api: Api) -> None:
    proposal = proposal_to_ben(api)
    assert api.post("/requests/REQ-3/close", "lead", {"reason": "the laptop came from stock"}).status_code == 200
    read = _handoff(api, proposal["id"])
    assert read["state"] == "withdrawn"
    assert read["note"] == (
        'Sam Reyes (Sales): your request "New laptop" (REQ-3) was closed before Ben Okafor answered, so it was not '
        "handed off."
    )
    refused = api.post(f"/handoffs/{proposal['id']}/accept", "lead", {})
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == (
        f"Hand-off {proposal['id']} is withdrawn: REQ-3 was closed before an answer, so it is no longer open."
    )
    assert api.get("/requests/REQ-3", "lead").json()["owner"] == "ana"
    assert api.get("/handoffs?state=proposed", "lead").json()["items"] == []
