"""Instant placement: every write that changes the queue gives the requests it touches a tentative place at
once, on top of the current plan, until a plan that saw the change includes them. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from api.live.placing import LABEL, NO_ROOM
from tests.api.conftest import Api
from tests.api.org import new_request


def _etag(api: Api, path: str, who: str = "lead") -> str:
    return str(api.get(path, who).headers["ETag"])


def _place(api: Api, request_id: str) -> dict[str, object]:
    answer = api.get(f"/requests/{request_id}/placement", "lead")
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def _planned(api: Api) -> dict[str, object]:
    made = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert made.status_code == 201, made.text
    body: dict[str, object] = made.json()
    return body


def test_a_filed_request_is_placed_at_once_then_the_plan_replaces_the_tentative_place(api: Api) -> None:
    plan = _planned(api)
    filed = api.post("/requests", "sales", new_request(required_skills={"net": 1}))
    assert filed.status_code == 201, filed.text
    rid = filed.json()["id"]
    place = _place(api, rid)
    assert place["tentative"] is True and place["label"] == LABEL and place["plan_id"] == plan["id"]
    assert place["planned"] and place["agent_id"] in {"ana", "ben"} and place["priority"] == "P3"
    start, end = datetime.fromisoformat(str(place["start"])), datetime.fromisoformat(str(place["end"]))
    assert (end - start).total_seconds() >= 30 * 60
    # the tentative place is free time on its agent in the plan: it overlaps none of that agent's requests
    for other in plan["plan"]["assignments"]:  # type: ignore[attr-defined]
        if other["agent_id"] == place["agent_id"]:
            assert datetime.fromisoformat(other["end"]) <= start or datetime.fromisoformat(other["start"]) >= end
    replanned = _planned(api)
    after = _place(api, rid)
    assert after["tentative"] is False and after["plan_id"] == replanned["id"]
    assert str(after["label"]).startswith(f"planned: plan {replanned['id']}")


def test_two_filed_requests_do_not_share_a_gap(api: Api) -> None:
    _planned(api)
    ids = [
        api.post("/requests", "sales", new_request(required_skills={"pay": 1}, effort_minutes=120)).json()["id"]
        for _ in range(2)
    ]
    first, second = (_place(api, rid) for rid in ids)
    assert first["agent_id"] == second["agent_id"] == "ben"  # the only payroll agent
    assert str(first["end"]) <= str(second["start"]) or str(second["end"]) <= str(first["start"])


def test_a_request_no_agent_can_do_is_told_so(api: Api) -> None:
    _planned(api)
    rid = api.post("/requests", "sales", new_request(required_skills={"net": 3, "pay": 1})).json()["id"]
    place = _place(api, rid)
    assert place["tentative"] and not place["planned"] and place["unassigned_reason"] == NO_ROOM


def test_a_closed_request_frees_its_time_and_says_it_is_not_planned(api: Api) -> None:
    _planned(api)
    closed = api.post("/requests/REQ-1/close", "lead", {"reason": "fixed by a reboot"})
    assert closed.status_code == 200, closed.text
    place = _place(api, "REQ-1")
    assert place["tentative"] and not place["planned"] and "done" in str(place["unassigned_reason"])
    # REQ-1's time on ana is free again: a new networking request of the same length can take it
    rid = api.post("/requests", "sales", new_request(required_skills={"net": 3}, effort_minutes=90)).json()["id"]
    assert _place(api, rid)["agent_id"] == "ana"


def test_an_owner_change_places_the_request_on_its_new_owner(api: Api) -> None:
    plan = _planned(api)
    before = next(a for a in plan["plan"]["assignments"] if a["request_id"] == "REQ-3")  # type: ignore[index]
    owner = "ben" if before["agent_id"] == "ana" else "ana"
    changed = api.patch(
        "/requests/REQ-3", "lead", {"owner": owner, "reason": "a better fit"}, etag=_etag(api, "/requests/REQ-3")
    )
    assert changed.status_code == 200, changed.text
    assert _place(api, "REQ-3")["agent_id"] == owner


def test_a_pin_places_the_request_on_the_pinned_agent(api: Api) -> None:
    plan = _planned(api)
    before = next(a for a in plan["plan"]["assignments"] if a["request_id"] == "REQ-3")  # type: ignore[index]
    other = "ben" if before["agent_id"] == "ana" else "ana"
    pinned = api.post(
        "/pins",
        "lead",
        {"id": "p1", "kind": "assign", "request": "REQ-3", "agent": other, "reason": "they set up the last laptops"},
    )
    assert pinned.status_code == 201, pinned.text
    assert _place(api, "REQ-3")["agent_id"] == other


def test_time_off_moves_the_agents_requests_to_whoever_has_room(api: Api) -> None:
    plan = _planned(api)
    on_ana = [a["request_id"] for a in plan["plan"]["assignments"] if a["agent_id"] == "ana"]  # type: ignore[attr-defined]
    assert on_ana
    away = api.patch(
        "/agents/ana",
        "admin",
        {"time_off": [{"start": "2026-11-23", "end": "2026-12-31"}]},
        etag=_etag(api, "/agents/ana", "admin"),
    )
    assert away.status_code == 200, away.text
    for rid in on_ana:
        place = _place(api, rid)
        assert place["tentative"] and place["agent_id"] != "ana"


def test_without_a_plan_a_filed_request_waits_for_the_first_one(api: Api) -> None:
    rid = api.post("/requests", "sales", new_request()).json()["id"]
    missing = api.get(f"/requests/{rid}/placement", "lead")
    assert missing.status_code == 404 and "next re-plan" in missing.json()["detail"]
