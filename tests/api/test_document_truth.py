"""The OpenAPI document refuses what the server refuses: for each rule the schema fuzzer found missing from it
(valid by the document, refused 412 or 422 by the server), the document now refuses the value, and the server
still does; and a value on the right side of the rule is valid by the document and accepted by the server.
Values are checked against the document itself, as served (JSON Schema 2020-12, formats asserted)."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.api.conftest import Api


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    return dict(api.get("/openapi.json", None).json())


def _body(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    content = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    return dict(content["schema"])


def _property(document: dict[str, Any], model: str, name: str) -> dict[str, Any]:
    return dict(document["components"]["schemas"][model]["properties"][name])


def _valid(document: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    root = {**schema, "components": document["components"]}  # so that "#/components/..." resolves
    return bool(Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(value))


def _header(document: dict[str, Any], method: str, path: str, name: str) -> dict[str, Any]:
    (parameter,) = [p for p in document["paths"][path][method]["parameters"] if p["name"] == name]
    return dict(parameter["schema"])


def test_a_header_is_a_string_never_null(api: Api, document: dict[str, Any]) -> None:
    """If-Match `null` (the text a fuzzer sends for JSON null) fails its precondition, and the document says so."""
    if_match = _header(document, "put", "/policy", "if-match")
    assert not _valid(document, if_match, None) and not _valid(document, if_match, "null")
    assert _valid(document, if_match, '"1"')
    body = api.get("/policy", "admin").json()
    assert api.put("/policy", "admin", body, "null").status_code == 412
    key = _header(document, "post", "/departments", "idempotency-key")
    assert key["type"] == "string" and not _valid(document, key, None) and _valid(document, key, "k-1")


def test_a_map_keyed_by_ids_refuses_other_keys(api: Api, document: dict[str, Any]) -> None:
    skills = _property(document, "AgentCreate", "skills")
    assert not _valid(document, skills, {"ß x": {}}) and not _valid(document, skills, {"ß x": 2})
    assert _valid(document, skills, {"net": 2})
    refused = api.post("/agents", "admin", {"id": "cy", "name": "Cy", "skills": {"ß x": 2}})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"].startswith("skills.")
    assert api.post("/agents", "admin", {"id": "cy", "name": "Cy", "skills": {"net": 2}}).status_code == 201


def test_dates_are_between_the_years_2000_and_2200(api: Api, document: dict[str, Any]) -> None:
    until = _property(document, "RequestWait", "until")
    assert not _valid(document, until, "0767-01-30T04:22:33+01:00")
    assert _valid(document, until, "2026-12-01T09:00:00+01:00")
    refused = api.post("/requests/REQ-1/wait", "lead", {"reason": "vendor", "until": "0767-01-30T04:22:33+01:00"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "until"
    assert api.post(
        "/requests/REQ-1/wait", "lead", {"reason": "vendor", "until": "2026-12-01T09:00:00+01:00"}
    ).is_success


def test_statuses_a_request_is_filed_or_changed_with(api: Api, document: dict[str, Any]) -> None:
    filed = _property(document, "RequestCreate", "status")
    assert not _valid(document, filed, "waiting") and _valid(document, filed, "done")
    changed = _property(document, "RequestUpdate", "status")
    assert not _valid(document, changed, "waiting") and not _valid(document, changed, "done")
    body = {
        "department": "sales",
        "requester": "Sam",
        "title": "Dock",
        "impact": "person",
        "urgency": "can_wait",
        "effort_minutes": 30,
        "status": "waiting",
        "created_at": "2026-11-20T09:00:00+01:00",
    }
    assert api.post("/requests", "admin", body).status_code == 422
    assert api.post("/requests", "admin", {**body, "status": "done"}).status_code == 201


def test_an_update_may_leave_a_field_out_but_not_null_it(api: Api, document: dict[str, Any]) -> None:
    title = _property(document, "RequestUpdate", "title")
    assert not _valid(document, title, None) and _valid(document, title, "VPN drops")
    etag = api.get("/requests/REQ-1", "lead").headers["etag"]
    refused = api.patch("/requests/REQ-1", "lead", {"title": None}, etag)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "title"
    assert api.patch("/requests/REQ-1", "lead", {"title": "VPN drops"}, etag).status_code == 200


def test_the_calendar_names_a_zone_and_has_a_working_week(api: Api, document: dict[str, Any]) -> None:
    calendar = _body(document, "put", "/calendar")
    for refused in (
        {"timezone": "localtime"},
        {"timezone": "A"},
        {"working_hours": {}},
        {"working_hours": {"mon": []}},
        {"working_hours": {"sun": ["31:97-80:12"]}},
    ):
        assert not _valid(document, calendar, refused), refused
        etag = api.get("/calendar", "admin").headers["etag"]
        assert api.put("/calendar", "admin", refused, etag).status_code == 422, refused
    accepted = {"timezone": "Europe/Lisbon", "working_hours": {"mon": ["9:00-17:00"], "tue": []}}
    assert _valid(document, calendar, accepted)
    assert api.put("/calendar", "admin", accepted, api.get("/calendar", "admin").headers["etag"]).status_code == 200


def test_time_off_is_dates_or_datetimes_not_both(api: Api, document: dict[str, Any]) -> None:
    mixed = {"start": "2026-12-01", "end": "2026-12-02T00:00:00Z"}
    agent = _body(document, "post", "/agents")
    assert not _valid(document, agent, {"id": "cy", "name": "Cy", "time_off": [mixed]})
    assert api.post("/agents", "admin", {"id": "cy", "name": "Cy", "time_off": [mixed]}).status_code == 422
    dates = {"start": "2026-12-01", "end": "2026-12-02"}
    assert _valid(document, agent, {"id": "cy", "name": "Cy", "time_off": [dates]})
    assert api.post("/agents", "admin", {"id": "cy", "name": "Cy", "time_off": [dates]}).status_code == 201


def test_a_policy_fills_every_cell_and_every_priority(api: Api, document: dict[str, Any]) -> None:
    policy = _body(document, "put", "/policy")
    current = api.get("/policy", "admin")
    whole = current.json()
    assert _valid(document, policy, whole)
    for field, value in (
        ("matrix", {}),
        ("target_minutes", {"P1": 240}),
        ("priority_weights", {**whole["priority_weights"], "P4": 0}),
    ):
        assert not _valid(document, policy, {**whole, field: value}), field
        assert api.put("/policy", "admin", {**whole, field: value}, current.headers["etag"]).status_code == 422


def test_a_pin_names_what_its_kind_needs(api: Api, document: dict[str, Any]) -> None:
    pin = _body(document, "post", "/pins")
    assign = {"id": "p1", "kind": "assign", "request": "REQ-1", "reason": "Ana knows the VPN"}
    assert not _valid(document, pin, assign)
    assert api.post("/pins", "lead", assign).status_code == 422
    assert _valid(document, pin, {**assign, "agent": "ana"})
    assert api.post("/pins", "lead", {**assign, "agent": "ana"}).status_code == 201
    before = {"id": "p2", "kind": "before", "request": "REQ-1", "reason": "first things first"}
    assert not _valid(document, pin, before) and _valid(document, pin, {**before, "other": "REQ-3"})


@pytest.mark.parametrize("url", ["0", "ftp://example.org/hook", "http://me:secret@127.0.0.1:9/", "http://x:70000/"])
def test_a_webhook_url_is_http_with_a_host(api: Api, document: dict[str, Any], url: str) -> None:
    subscription = _body(document, "post", "/webhooks/subscriptions")
    assert not _valid(document, subscription, {"url": url, "event_types": ["pin.created"]})
    assert api.post("/webhooks/subscriptions", "admin", {"url": url, "event_types": ["pin.created"]}).status_code == 422
    good = {"url": "HTTP://127.0.0.1:9/hook?x=1", "event_types": ["pin.created"]}
    assert _valid(document, subscription, good)
    assert api.post("/webhooks/subscriptions", "admin", good).status_code == 201


def test_a_url_that_does_not_parse_is_refused_not_a_server_error(api: Api, document: dict[str, Any]) -> None:
    """Brackets around what is not an IPv6 address: the document allows the shape, and the server answered 500."""
    url = "http://[0]/hook"
    assert _valid(
        document, _body(document, "post", "/webhooks/subscriptions"), {"url": url, "event_types": ["pin.created"]}
    )
    refused = api.post("/webhooks/subscriptions", "admin", {"url": url, "event_types": ["pin.created"]})
    assert refused.status_code == 422 and "is not a URL" in refused.json()["errors"][0]["message"]


def test_a_what_if_names_what_its_kind_needs_and_only_a_priority_change_a_priority(
    api: Api, document: dict[str, Any]
) -> None:
    asked = _body(document, "post", "/plans/{plan_id}/what-if")
    plan = api.post("/plans", "lead", {"time_limit_seconds": 1}).json()
    path = f"/plans/{plan['id']}/what-if"
    refused = [
        {"kind": "assign", "request": "REQ-1"},
        {"kind": "priority"},
        {"kind": "absent"},
        {"kind": "first", "request": "REQ-1", "priority": "P1"},
        {"kind": "priority", "request": "REQ-1", "priority": "P9"},
    ]
    for body in refused:
        assert not _valid(document, asked, body), body
        assert api.post(path, "lead", body).status_code == 422, body
    for body in (
        {"kind": "priority", "request": "REQ-3", "priority": "P1"},
        {"kind": "priority", "request": "REQ-3"},
        {"kind": "assign", "request": "REQ-1", "agent": "ana", "priority": None},
    ):
        assert _valid(document, asked, body), body
        assert api.post(path, "lead", {**body, "time_limit_seconds": 0.5}).status_code == 200, body
