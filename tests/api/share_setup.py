"""The shared organisation of the share tests: Ana owns a 10-hour P1 that Ben could do too, and the steps to a
share proposed to Ben (plan, subscribe a receiver to the hand-off events, Ana asks for help)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import Api, make_settings
from tests.api.org import ORGANISATION, seed

# Ana owns a 10-hour P1 (REQ-9) that Ben could do too; Ben is on his own 3-hour request first. Moving REQ-9 whole
# to Ben makes it no earlier; sharing it does.
SHARED_ORG: dict[str, Any] = copy.deepcopy(ORGANISATION)
SHARED_ORG["agents"] = [
    {"id": "ana", "name": "Ana Costa", "skills": {"net": 1}},
    {"id": "ben", "name": "Ben Okafor", "skills": {"net": 1}},
]
SHARED_ORG["requests"] = [
    {
        "id": "REQ-9",
        "department": "sales",
        "requester": "Sam Reyes",
        "title": "Branch network down",
        "impact": "company",
        "urgency": "work_stopped",
        "effort_minutes": 600,
        "required_skills": {"net": 1},
        "created_at": "2026-11-23T08:55:00",
        "owner": "ana",
        "status": "in_progress",
    },
    {
        "id": "REQ-8",
        "department": "people",
        "requester": "Pia Lang",
        "title": "Badge reader",
        "impact": "company",
        "urgency": "work_stopped",
        "effort_minutes": 180,
        "required_skills": {"net": 1},
        "created_at": "2026-11-23T08:50:00",
        "owner": "ben",
        "status": "in_progress",
    },
]


# The same with REQ-9 not started yet: Ana's part is pinned to her when the share is accepted.
OPEN_ORG: dict[str, Any] = copy.deepcopy(SHARED_ORG)
OPEN_ORG["requests"][0]["status"] = "open"


def _api(database_url: str, organisation: dict[str, Any]) -> Iterator[Api]:
    seeded = seed(database_url, organisation)
    settings = make_settings(database_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Api(client=client, seeded=seeded, settings=settings)


@pytest.fixture
def shared_api(database_url: str) -> Iterator[Api]:
    yield from _api(database_url, SHARED_ORG)


@pytest.fixture
def open_api(database_url: str) -> Iterator[Api]:
    yield from _api(database_url, OPEN_ORG)


def share(api: Api) -> dict[str, Any]:
    """Plan, subscribe a receiver to the hand-off events, and ask for help for Ana: the share to Ben."""
    assert api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201
    subscribed = api.post(
        "/webhooks/subscriptions",
        "admin",
        {
            "url": "http://127.0.0.1:9/hooks",
            "event_types": ["handoff.proposed", "handoff.accepted", "handoff.declined"],
        },
    )
    assert subscribed.status_code == 201, subscribed.text
    (swarm,) = api.post("/agents/ana/help", "ana", {"reason": "the network is big"}).json()["swarms"]
    assert (swarm["state"], swarm["peer_id"], swarm["part_request_id"]) == ("proposed", "ben", None)
    return swarm


def events(api: Api) -> list[dict[str, Any]]:
    answer = api.get("/webhooks/deliveries", "admin")
    assert answer.status_code == 200, answer.text
    return [d["payload"] for d in answer.json()["items"]]
