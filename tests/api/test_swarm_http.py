"""A second pair of hands through HTTP: an agent whose late request cannot move whole asks for help, and the
answer carries the shared request's two parts and the requester's note (`HelpRead.swarms`)."""

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
SHARED_ORG["agents"] = [{"id": "ana", "name": "Ana Costa", "skills": {"net": 1}},
                        {"id": "ben", "name": "Ben Okafor", "skills": {"net": 1}}]  # fmt: skip
SHARED_ORG["requests"] = [
    {"id": "REQ-9", "department": "sales", "requester": "Sam Reyes", "title": "Branch network down",
     "impact": "company", "urgency": "work_stopped", "effort_minutes": 600, "required_skills": {"net": 1},
     "created_at": "2026-11-23T08:55:00", "owner": "ana", "status": "in_progress"},
    {"id": "REQ-8", "department": "people", "requester": "Pia Lang", "title": "Badge reader",
     "impact": "company", "urgency": "work_stopped", "effort_minutes": 180, "required_skills": {"net": 1},
     "created_at": "2026-11-23T08:50:00", "owner": "ben", "status": "in_progress"},
]  # fmt: skip


@pytest.fixture
def shared_api(database_url: str) -> Iterator[Api]:
    seeded = seed(database_url, SHARED_ORG)
    settings = make_settings(database_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Api(client=client, seeded=seeded, settings=settings)


def test_help_over_http_proposes_a_share_with_its_parts_and_note(shared_api: Api) -> None:
    planned = shared_api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert planned.status_code == 201, planned.text
    asked = shared_api.post("/agents/ana/help", "ana", {"reason": "the network is big"})
    assert asked.status_code == 201, asked.text
    body = asked.json()
    assert (body["outcome"], body["proposals"]) == ("shared", [])
    (swarm,) = body["swarms"]
    # both in progress: each keeps their own start; Ben joins at Mon 12:00, and both end at Mon 15:30
    parts = [(p["agent_id"], p["minutes"], p["start"], p["end"]) for p in swarm["parts"]]
    assert parts == [("ana", 390, "2026-11-23T09:00:00+01:00", "2026-11-23T15:30:00+01:00"),
                     ("ben", 210, "2026-11-23T12:00:00+01:00", "2026-11-23T15:30:00+01:00")]  # fmt: skip
    assert (swarm["timing"], swarm["earlier_by"], swarm["min_part_minutes"]) == ("parallel", 210, 60)
    assert swarm["note"] == (
        'Sam Reyes (Sales): your request "Branch network down" (REQ-9) would finish Tue 11:00 with Ana Costa alone, '
        "6 h past its due time. Ben Okafor holds its skills and has room, and is proposed to take 3 h 30 min of its "
        "10 h, Mon 12:00 to Mon 15:30. Ana Costa does the other 6 h 30 min at the same time, Mon 09:00 to Mon 15:30. "
        "If Ben Okafor accepts, it is expected to finish Mon 15:30, 3 h 30 min earlier, 2 h 30 min past its due "
        "time."
    )
    shared = "Ben Okafor could take 3 h 30 min of REQ-9, so that it finishes Mon 15:30 instead of Tue 11:00."
    assert shared in body["text"]
