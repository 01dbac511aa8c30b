"""The live queue tells requesters: a tentative place is published as `request.placed` in the filing's
transaction, and every move of a live re-plan as `request.moved` with its reasons. On SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from api.live.placing import LABEL
from api.live.replanning import LiveReplanner
from api.store.session import Database
from tests.api.conftest import Api, make_settings
from tests.api.org import new_request
from tests.api.test_webhooks import payloads


@pytest.fixture
def database(api: Api) -> Iterator[Database]:
    opened = Database(api.settings.database_url)
    yield opened
    opened.dispose()


def _subscribe(api: Api, *types: str) -> None:
    made = api.post("/webhooks/subscriptions", "admin", {"url": "http://127.0.0.1:9/hook", "event_types": list(types)})
    assert made.status_code == 201, made.text


def test_a_filed_request_s_tentative_place_is_published_with_its_sentence(api: Api) -> None:
    assert api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201
    _subscribe(api, "request.placed")
    filed = api.post("/requests", "sales", new_request(title="Printer jams", required_skills={"net": 1}))
    assert filed.status_code == 201, filed.text
    rid = filed.json()["id"]
    place = api.get(f"/requests/{rid}/placement", "lead").json()
    [event] = payloads(api, event_type="request.placed")
    assert event["request_id"] == rid and event["department_id"] == "sales"
    data: dict[str, Any] = event["data"]
    assert data["agent_id"] == place["agent_id"] and data["tentative"] is True and data["label"] == LABEL
    assert datetime.fromisoformat(data["start"]) == datetime.fromisoformat(str(place["start"]))
    assert event["text"].startswith(f'Sales\' "Printer jams" ({rid}) is placed for now with {data["agent_name"]}: ')
    assert event["text"].endswith("(tentative: the full re-plan follows).")


def test_before_any_plan_nothing_is_placed_and_nothing_published(api: Api) -> None:
    _subscribe(api, "request.placed")
    assert api.post("/requests", "sales", new_request()).status_code == 201
    assert payloads(api, event_type="request.placed") == []


def test_the_live_replan_publishes_each_move_with_its_reasons(api: Api, database: Database) -> None:
    assert api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201
    _subscribe(api, "request.moved")
    rid = api.post("/requests", "sales", new_request(required_skills={"net": 1})).json()["id"]
    settings = make_settings(
        api.settings.database_url, live_replan_delay_seconds=0.0, live_replan_time_limit_seconds=2.0
    )
    stored = LiveReplanner(database, settings).replan_if_due()
    assert stored is not None
    changes = {m["request_id"]: m for m in api.get(f"/plans/{stored}", "lead").json()["plan"]["changes"]}
    events = {e["request_id"]: e for e in payloads(api, event_type="request.moved")}
    assert events.keys() == changes.keys() and rid in events  # one event per move, the new request among them
    new = events[rid]
    assert new["data"]["facts"] == changes[rid]["facts"] and new["data"]["to_agent"] == changes[rid]["to_agent"]
    assert new["text"].startswith(f'Sales\' "{new["data"]["title"]}" ({rid}) is now planned: ')
    assert new["text"].endswith(", because it is new since the last plan.")
    for other in (e for r, e in events.items() if r != rid and changes[r]["from_agent"] and changes[r]["to_agent"]):
        assert " moved: now " in other["text"] and " (was " in other["text"]


def _lead_plan(api: Api, by_job: bool) -> dict[str, Any]:
    """A lead's plan through POST /plans: at once, or by its job when the settings make every plan a job."""
    made = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert made.status_code == (202 if by_job else 201), made.text
    if not by_job:
        return dict(made.json())
    deadline = time.monotonic() + 60
    while (job := api.get(f"/jobs/{made.json()['id']}", "lead").json())["state"] not in {"succeeded", "failed"}:
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["state"] == "succeeded", job
    return dict(api.get(f"/plans/{job['plan_id']}", "lead").json())


def _moved(before: dict[str, Any], after: dict[str, Any], threshold_minutes: int = 30) -> set[str]:
    """Requests with another agent, in or out of the plan, or a finish more than the threshold apart."""
    then = {a["request_id"]: a for a in before["plan"]["assignments"]}
    now = {a["request_id"]: a for a in after["plan"]["assignments"]}
    out = set(then.keys() ^ now.keys())
    for rid in then.keys() & now.keys():
        shift = datetime.fromisoformat(now[rid]["end"]) - datetime.fromisoformat(then[rid]["end"])
        if then[rid]["agent_id"] != now[rid]["agent_id"] or abs(shift.total_seconds()) > 60 * threshold_minutes:
            out.add(rid)
    return out


@pytest.mark.parametrize(
    ("settings_overrides", "by_job"), [({}, False), ({"plan_sync_max_requests": 0}, True)], ids=["at once", "job"]
)
def test_a_leads_plan_that_becomes_current_tells_each_request_it_moved(api: Api, by_job: bool) -> None:
    first = _lead_plan(api, by_job)
    on_ana = {a["request_id"] for a in first["plan"]["assignments"] if a["agent_id"] == "ana"}
    assert on_ana  # Ana's time off below moves her work (or leaves it out: only she has networking at level 2)
    _subscribe(api, "request.moved")
    away = api.patch(
        "/agents/ana",
        "admin",
        {"time_off": [{"start": "2026-11-23", "end": "2026-12-31"}]},
        etag=api.get("/agents/ana", "admin").headers["ETag"],
    )
    assert away.status_code == 200, away.text
    second = _lead_plan(api, by_job)
    events = {e["request_id"]: e for e in payloads(api, event_type="request.moved")}
    assert events.keys() == _moved(first, second) and on_ana <= events.keys()
    for rid in on_ana:  # each with the fact that moved it, and its sentence for the requester
        data, text = events[rid]["data"], events[rid]["text"]
        assert data["from_agent"] == "ana" and data["to_agent"] != "ana"
        assert {"kind": "agent_away", "agent_id": "ana"}.items() <= next(
            f for f in data["facts"] if f["kind"] == "agent_away"
        ).items()
        assert f'"{data["title"]}" ({rid})' in text and "Ana Costa is not working at its previous time any more" in text
