"""Pins through HTTP: a lead pins with a reason, every plan keeps the pin, removing it is audited; bad pins
name their field."""

from __future__ import annotations

from tests.api.conftest import Api

QUICK = {"time_limit_seconds": 1}


def test_a_pin_is_kept_by_the_plan_and_its_removal_audited(api: Api) -> None:
    pin = {"id": "laptop-to-ben", "kind": "assign", "request": "REQ-3", "agent": "ben", "reason": "Ben has the stock"}
    made = api.post("/pins", "lead", pin)
    assert made.status_code == 201, made.text
    assert made.json()["created_by"] == "lead" and made.headers["location"] == "/pins/laptop-to-ben"
    assert [p["id"] for p in api.get("/pins", "ana").json()] == ["laptop-to-ben"]
    plan = api.post("/plans", "lead", QUICK).json()["plan"]
    assert {a["request_id"]: a["agent_id"] for a in plan["assignments"]}["REQ-3"] == "ben"
    removed = api.post("/pins/laptop-to-ben/remove", "lead", {"reason": "stock arrived for everyone"})
    assert removed.status_code == 200 and removed.json()["id"] == "laptop-to-ben"
    assert api.get("/pins", "lead").json() == [] and api.get("/pins/laptop-to-ben", "lead").status_code == 404
    actions = [
        (e["action"], e["reason"]) for e in api.get("/audit", "lead", params={"subject_type": "pin"}).json()["items"]
    ]
    assert actions == [("pin.created", "Ben has the stock"), ("pin.removed", "stock arrived for everyone")]


def test_a_pin_on_a_closed_request_is_not_planned(api: Api) -> None:
    pin = {"id": "first-3", "kind": "first", "request": "REQ-3", "reason": "promised"}
    assert api.post("/pins", "lead", pin).status_code == 201
    assert api.post("/requests/REQ-3/close", "lead", {}).status_code == 200
    made = api.post("/plans", "lead", QUICK)
    assert made.status_code == 201 and made.json()["plan"]["conflicts"] == []


def test_bad_pins_name_their_field(api: Api) -> None:
    base = {"id": "p", "kind": "assign", "request": "REQ-1", "agent": "ana", "reason": "why"}
    cases = [
        ({"request": "REQ-99"}, "request"),
        ({"agent": "nobody"}, "agent"),
        ({"reason": ""}, "reason"),
        ({"kind": "before", "agent": None}, ""),
    ]
    for change, field in cases:
        answer = api.post("/pins", "lead", {**base, **change})
        assert answer.status_code == 422, (change, answer.text)
        if field:
            assert field in [e["field"] for e in answer.json()["errors"]], answer.text
    assert api.post("/pins", "lead", base).status_code == 201
    assert api.post("/pins", "lead", base).status_code == 409
    assert api.get("/pins", "lead").json()[0]["id"] == "p"


def test_a_pin_to_someone_without_the_skill_is_refused_with_the_reason(api: Api) -> None:
    # REQ-1 needs net at level 2; Ben holds net at level 1, so no plan could keep this pin
    pin = {"id": "vpn-to-ben", "kind": "assign", "request": "REQ-1", "agent": "ben", "reason": "Ben is free"}
    refused = api.post("/pins", "lead", pin)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "agent" and "net at level 2" in error["message"] and "REQ-1" in error["message"]
    assert api.get("/pins", "lead").json() == []
    assert api.post("/pins", "lead", {**pin, "id": "vpn-to-ana", "agent": "ana"}).status_code == 201
