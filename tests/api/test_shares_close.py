"""Closing a shared request closes its parts: after a share is accepted (the peer's part filed as REQ-10,
`part_of` REQ-9), resolving or withdrawing REQ-9 closes REQ-10 in the same transaction, audited as a close of its
own, with its place freed as a close frees one and the same webhook events; no later plan or listing keeps the
part open. Through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, stored_plan
from tests.api.share_setup import events, share, shared_api
from triage.validation import check_plan

__all__ = ["shared_api"]  # the fixture

REQUEST_EVENTS = ["request.placed", "request.moved", "request.waiting", "request.back"]


def _accepted(api: Api) -> None:
    """The share to Ben accepted: REQ-10 is his part of REQ-9; a plan with both parts; a receiver of the request
    events subscribed."""
    swarm = share(api)
    assert api.post(f"/shares/{swarm['id']}/accept", "ben", {}).status_code == 200
    assert api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201
    subscribed = api.post(
        "/webhooks/subscriptions", "admin", {"url": "http://127.0.0.1:9/requests", "event_types": REQUEST_EVENTS}
    )
    assert subscribed.status_code == 201, subscribed.text


def _closes(api: Api, request_id: str) -> list[dict[str, Any]]:
    found = api.get(f"/audit?subject_id={request_id}&action=request.closed", "lead")
    assert found.status_code == 200, found.text
    return [{k: e[k] for k in ("principal_id", "changes", "reason")} for e in found.json()["items"]]


def _request_events(api: Api, request_id: str) -> list[tuple[str, str]]:
    return [
        (e["type"], e["text"]) for e in events(api) if e["type"] in REQUEST_EVENTS and e["request_id"] == request_id
    ]


def test_closing_a_shared_request_closes_its_open_part_in_the_same_transaction(shared_api: Api) -> None:
    api = shared_api
    _accepted(api)
    assert api.get("/requests/REQ-10/placement", "sales").json()["agent_id"] == "ben"
    closed = api.post("/requests/REQ-9/close", "ana", {"reason": "the network is back"})
    assert closed.status_code == 200, closed.text
    shared, part = api.get("/requests/REQ-9", "sales").json(), api.get("/requests/REQ-10", "sales").json()
    assert (shared["status"], part["status"]) == ("done", "done")
    assert part["closed_at"] == shared["closed_at"]
    assert _closes(api, "REQ-9") == [
        {"principal_id": "ana", "changes": {"status": ["in_progress", "done"]}, "reason": "the network is back"}
    ]
    assert _closes(api, "REQ-10") == [
        {
            "principal_id": "ana",
            "changes": {"status": ["open", "done"], "with": "REQ-9"},
            "reason": "the network is back",
        }
    ]
    # the part's place is freed as a close frees one, with the same events as the shared request's own close
    placement = api.get("/requests/REQ-10/placement", "sales").json()
    own = api.get("/requests/REQ-9/placement", "sales").json()
    assert (placement["agent_id"], placement["unassigned_reason"]) == (None, "the request is done: it is not planned")
    assert {**placement, "request_id": "REQ-9"} == own
    assert _request_events(api, "REQ-10") == _request_events(api, "REQ-9")  # a close publishes no request event
    assert [e["type"] for e in events(api)] == ["handoff.proposed", "handoff.accepted"]
    # nothing lists the part as open, and the next plan neither places nor defers it
    listed = api.get("/requests?status=open&status=in_progress", "sales").json()["items"]
    assert [r["id"] for r in listed] == []
    planned = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert planned.status_code == 201, planned.text
    scenario, plan = stored_plan(api, planned.json()["id"])
    assert [a.request_id for a in plan.assignments] == ["REQ-8"]
    assert plan.unassigned == []
    assert check_plan(scenario, plan) == []
    assert api.post("/requests/REQ-10/close", "ben", {}).status_code == 409


def test_a_part_closed_already_keeps_its_own_close(shared_api: Api) -> None:
    api = shared_api
    _accepted(api)
    assert api.post("/requests/REQ-10/close", "ben", {"reason": "my part is done"}).status_code == 200
    assert api.get("/requests/REQ-9", "lead").json()["status"] == "in_progress"  # the part alone closes only itself
    done_at = api.get("/requests/REQ-10", "lead").json()["closed_at"]
    assert api.post("/requests/REQ-9/close", "lead", {"reason": "withdrawn"}).status_code == 200
    assert api.get("/requests/REQ-10", "lead").json()["closed_at"] == done_at
    assert _closes(api, "REQ-10") == [
        {"principal_id": "ben", "changes": {"status": ["open", "done"]}, "reason": "my part is done"}
    ]


def test_a_request_with_no_parts_closes_alone(shared_api: Api) -> None:
    api = shared_api
    _accepted(api)
    assert api.post("/requests/REQ-8/close", "ben", {}).status_code == 200
    assert [api.get(f"/requests/{r}", "lead").json()["status"] for r in ("REQ-8", "REQ-9", "REQ-10")] == [
        "done",
        "in_progress",
        "open",
    ]


def test_closing_a_request_withdraws_its_share_not_answered_yet(shared_api: Api) -> None:
    # a share proposed and not answered cannot be accepted after its request closed: withdrawn, its note saying so
    api = shared_api
    swarm = share(api)
    assert api.post("/requests/REQ-9/close", "lead", {"reason": "fixed by the vendor"}).status_code == 200
    read = api.get(f"/shares/{swarm['id']}", "lead").json()
    assert read["state"] == "withdrawn"
    assert read["note"] == (
        'Sam Reyes (Sales): your request "Branch network down" (REQ-9) was closed before Ben Okafor answered, so it '
        "was not shared."
    )
    refused = api.post(f"/shares/{swarm['id']}/accept", "ben", {})
    assert refused.status_code == 409 and "withdrawn" in refused.json()["detail"], refused.text
    assert api.get("/requests/REQ-9", "lead").json()["effort_minutes"] == swarm["effort_minutes"]  # nothing shared
    assert [s["id"] for s in api.get("/shares?state=proposed", "lead").json()["items"]] == []
