"""Who may do what: every role x operation through HTTP, allowed and refused, and the scopes within a grant.

The table here is written out independently of `api.roles.ALLOWED`; a test checks the two agree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from api.roles import ALLOWED, Operation, Role
from tests.api.conftest import Api
from tests.api.help_setup import proposal_to_ben
from tests.api.org import new_request

REQ, AGT, LEAD, MGR, ADM, INT = "requester", "agent", "lead", "manager", "admin", "integration"
WHO = {REQ: "sales", AGT: "ben", LEAD: "lead", MGR: "manager", ADM: "admin", INT: "snow"}  # ben owns REQ-4

EXPECTED: dict[str, set[str]] = {
    "read organisation": {REQ, AGT, LEAD, MGR, ADM, INT},
    "read agents": {AGT, LEAD, MGR, ADM, INT},
    "manage organisation": {ADM},
    "manage principals": {ADM},
    "file request": {REQ, LEAD, ADM, INT},
    "read requests": {REQ, AGT, LEAD, MGR, INT},
    "update request": {REQ, AGT, LEAD},
    "close request": {REQ, AGT, LEAD},
    "compute plan": {LEAD, MGR},
    "read plans": {AGT, LEAD, MGR},
    "apply plan": {LEAD},
    "ask what if": {LEAD, MGR},
    "pin": {LEAD},
    "read audit": {LEAD, MGR, ADM},
    "read department report": {REQ, LEAD, MGR},
    "ask for help": {AGT, LEAD},
    "answer hand-off": {AGT, LEAD},
    "read hand-offs": {REQ, AGT, LEAD, MGR},
    "simulate": {MGR},
    "manage webhooks": {ADM},
    "import exports": {LEAD, ADM},
}


def _etag(api: Api, path: str) -> str:
    return str(api.get(path, "lead").headers["etag"])


def _update(api: Api, role: str) -> Any:
    path, change = ("/requests/REQ-4", {"effort_minutes": 45}) if role == AGT else ("/requests/REQ-1", {"title": "x"})
    return api.patch(path, WHO[role], change, etag=_etag(api, path))


def _apply(api: Api, role: str) -> Any:
    plan = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert plan.status_code == 201, plan.text
    return api.post(f"/plans/{plan.json()['id']}/apply", WHO[role], {})


def _what_if(api: Api, role: str) -> Any:
    plan = api.post("/plans", "lead", {"time_limit_seconds": 1}).json()
    return api.post(f"/plans/{plan['id']}/what-if", WHO[role], {"kind": "first", "request": "REQ-3",
                                                                 "time_limit_seconds": 0.5})  # fmt: skip


def _report(api: Api, role: str) -> Any:
    assert api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201
    return api.get("/departments/sales/report", WHO[role])  # the requester token is Sales'


def _ask_help(api: Api, role: str) -> Any:
    assert api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201
    return api.post("/agents/ben/help", WHO[role], {})  # the agent token is Ben's: he asks for himself


def _answer_hand_off(api: Api, role: str) -> Any:
    proposal = proposal_to_ben(api)  # the agent token is Ben's: the peer it is proposed to
    return api.post(f"/handoffs/{proposal['id']}/accept", WHO[role], {})


CALLS: dict[str, Callable[[Api, str], Any]] = {
    "read organisation": lambda api, role: api.get("/departments", WHO[role]),
    "read agents": lambda api, role: api.get("/agents", WHO[role]),
    "manage organisation": lambda api, role: api.post("/departments", WHO[role], {"id": "legal", "name": "Legal"}),
    "manage principals": lambda api, role: api.post("/principals", WHO[role], {"id": "n", "name": "N", "role": "lead"}),
    "file request": lambda api, role: api.post("/requests", WHO[role], new_request(department="sales")),
    "read requests": lambda api, role: api.get("/requests", WHO[role]),
    "update request": _update,
    "close request": lambda api, role: api.post("/requests/REQ-4/close" if role == AGT else "/requests/REQ-1/close",
                                                WHO[role], {}),
    "compute plan": lambda api, role: api.post("/plans", WHO[role], {"time_limit_seconds": 1}),
    "read plans": lambda api, role: api.get("/plans", WHO[role]),
    "apply plan": _apply,
    "ask what if": _what_if,
    "pin": lambda api, role: api.post("/pins", WHO[role], {"id": "p1", "kind": "first", "request": "REQ-1",
                                                           "reason": "promised to Sales"}),
    "read audit": lambda api, role: api.get("/audit", WHO[role]),
    "read department report": _report,
    "ask for help": _ask_help,
    "answer hand-off": _answer_hand_off,
    "read hand-offs": lambda api, role: api.get("/handoffs", WHO[role]),
    "simulate": lambda api, role: api.post("/simulations", WHO[role], {"variants": [{"name": "v", "changes": [
        {"kind": "skill", "agent": "ana", "skill": "pay", "level": 1}]}], "days": 1}),
    "manage webhooks": lambda api, role: api.post("/webhooks/subscriptions", WHO[role], {
        "url": "http://127.0.0.1:9/hooks", "event_types": ["pin.created"]}),
    "import exports": lambda api, role: api.client.post("/imports", headers=api.headers(WHO[role]), data={
        "format": "plain", "dry_run": "true"}, files={"file": ("x.csv", b"id\nX-1\n", "text/csv")}),
}  # fmt: skip


def test_the_table_here_is_the_apps_table() -> None:
    assert {op.value: {r.value for r in roles} for op, roles in ALLOWED.items()} == EXPECTED
    assert set(CALLS) == {op.value for op in Operation}


ALLOWED_PAIRS = [(operation, role) for operation, roles in EXPECTED.items() for role in sorted(roles)]
REFUSED = {operation: [r.value for r in Role if r.value not in roles] for operation, roles in EXPECTED.items()}


@pytest.mark.parametrize(("operation", "role"), ALLOWED_PAIRS)
def test_an_allowed_role_may(api: Api, operation: str, role: str) -> None:
    """Each allowed call on a database of its own: an allowed call changes the state the next one would see."""
    answer = CALLS[operation](api, role)
    assert 200 <= answer.status_code < 300, f"{role} {operation}: {answer.status_code} {answer.text}"


@pytest.mark.parametrize("operation", [op for op, refused in REFUSED.items() if refused])
def test_every_other_role_is_refused(api: Api, operation: str) -> None:
    """The refused roles of an operation one after the other on one database: a refusal comes before any work."""
    wrong = []
    for role in REFUSED[operation]:
        answer = CALLS[operation](api, role)
        refused = (
            answer.status_code == 403
            and answer.headers["content-type"] == "application/problem+json"
            and role in answer.json()["detail"]
        )
        if not refused:
            wrong.append(f"{role} {operation}: {answer.status_code} {answer.text}")
    assert not wrong, wrong


def test_a_refusal_reads_as_english_an_agent_may_not_pin(api: Api) -> None:
    refused = CALLS["pin"](api, AGT)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "An agent may not pin."
    assert CALLS["pin"](api, MGR).json()["detail"] == "A manager may not pin."


def test_a_requester_sees_only_their_departments_requests(api: Api) -> None:
    mine = api.get("/requests", "sales").json()["items"]
    assert {r["department"] for r in mine} == {"sales"} and len(mine) == 2
    assert api.get("/requests/REQ-2", "sales").status_code == 404  # People's: not even its existence
    assert api.get("/requests", "sales", params={"department": "people"}).status_code == 403
    assert api.post("/requests", "sales", new_request(department="people")).status_code == 403
    assert api.post("/requests/REQ-2/close", "sales", {}).status_code == 404


def test_each_role_changes_only_its_fields(api: Api) -> None:
    refused = api.patch("/requests/REQ-1", "sales", {"priority_override": "P1", "reason": "we are Sales"},
                        etag=_etag(api, "/requests/REQ-1"))  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["field"] == "priority_override"
    agent_title = api.patch("/requests/REQ-4", "ben", {"title": "x"}, etag=_etag(api, "/requests/REQ-4"))
    assert agent_title.status_code == 403 and agent_title.json()["errors"][0]["field"] == "title"
    assert api.get("/requests/REQ-1", "lead").json()["priority_override"] is None


def test_an_agent_changes_and_closes_only_their_own_work(api: Api) -> None:
    others = api.patch("/requests/REQ-4", "ana", {"status": "open"}, etag=_etag(api, "/requests/REQ-4"))
    assert others.status_code == 403
    assert api.post("/requests/REQ-4/close", "ana", {}).status_code == 403
    own = api.patch("/requests/REQ-4", "ben", {"status": "open"}, etag=_etag(api, "/requests/REQ-4"))
    assert own.status_code == 200


def test_a_requester_reads_their_requests_plan_position_and_reasons(api: Api) -> None:
    assert api.get("/requests/REQ-1/placement", "sales").status_code == 404  # no plan yet
    assert api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201
    placement = api.get("/requests/REQ-1/placement", "sales")
    assert placement.status_code == 200, placement.text
    body = placement.json()
    assert body["planned"] and body["position"] >= 1 and body["agent_id"] == "ana" and body["priority"] == "P1"
    assert [e["kind"] for e in body["explanations"]] == ["priority", "assignment"]
    assert api.get("/requests/REQ-2/placement", "sales").status_code == 404


def test_a_missing_or_unknown_or_revoked_token_is_401(api: Api) -> None:
    assert api.get("/requests", None).status_code == 401
    wrong = api.client.get("/requests", headers={"Authorization": "Bearer tdm_not-a-token"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    tokens = api.get("/principals/manager/tokens", "admin").json()
    assert api.post(f"/tokens/{tokens[0]['id']}/revoke", "admin", {}).status_code == 200
    assert api.get("/requests", "manager").status_code == 401


def test_the_department_report_reads_the_newest_plan_and_stays_in_the_requesters_department(api: Api) -> None:
    none_yet = api.get("/departments/sales/report", "lead")
    assert none_yet.status_code == 404 and "No plan has been computed yet" in none_yet.json()["detail"]
    plan = api.post("/plans", "lead", {"time_limit_seconds": 1}).json()
    report = api.get("/departments/sales/report", "sales")
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["plan_id"] == plan["id"] and body["department_id"] == "sales"
    share = next(d for d in plan["plan"]["departments"] if d["department_id"] == "sales")
    assert body["share"] == share
    assert body["report"][0].startswith(f"Sales asked for {share['requests']} request(s)")
    other = next(d["id"] for d in api.get("/departments", "lead").json() if d["id"] != "sales")
    refused = api.get(f"/departments/{other}/report", "sales")
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert api.get("/departments/nope/report", "lead").status_code == 404
