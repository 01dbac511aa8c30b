"""A second pair of hands through HTTP: an agent whose late request cannot move whole asks for help, and the
answer carries the shared request's two parts and the requester's note (`HelpRead.swarms`), stored as a share;
the peer (or a lead) accepts it, and the next plan places both parts each with its agent, or declines it, and
nothing changes."""

from __future__ import annotations

import re

from tests.api.conftest import Api, stored_plan
from tests.api.share_setup import events, open_api, share, shared_api
from triage.calendar import BusinessAxis
from triage.scoring import discounted_claims, triage_all
from triage.validation import check_plan

__all__ = ["open_api", "shared_api"]  # the fixtures


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
    assert parts == [
        ("ana", 390, "2026-11-23T09:00:00+01:00", "2026-11-23T15:30:00+01:00"),
        ("ben", 210, "2026-11-23T12:00:00+01:00", "2026-11-23T15:30:00+01:00"),
    ]
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


def test_an_accepted_share_is_planned_in_its_two_parts_each_with_its_agent(shared_api: Api) -> None:
    api = shared_api
    swarm = share(api)
    (proposed,) = events(api)
    assert (proposed["type"], proposed["text"]) == ("handoff.proposed", swarm["note"])
    assert (proposed["data"]["kind"], proposed["data"]["parts"][1]["minutes"]) == ("share", 210)
    # the requester follows it; another department does not see it; only the peer or a lead answers
    assert [s["id"] for s in api.get("/shares", "sales").json()["items"]] == [swarm["id"]]
    assert api.get("/handoffs", "sales").json()["items"] == []
    assert api.get(f"/shares/{swarm['id']}", "people").status_code == 404
    assert api.get(f"/handoffs/{swarm['id']}", "lead").status_code == 404  # a share is not a hand-off
    assert api.post(f"/shares/{swarm['id']}/accept", "ana", {}).status_code == 403
    assert api.post(f"/shares/{swarm['id']}/accept", "sales", {}).status_code == 403
    accepted = api.post(f"/shares/{swarm['id']}/accept", "ben", {"reason": "I know that network"})
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert (body["state"], body["answered_by"], body["part_request_id"]) == ("accepted", "ben", "REQ-10")
    assert body["note"] == (
        'Sam Reyes (Sales): your request "Branch network down" (REQ-9) is shared: Ben Okafor accepted to take '
        "3 h 30 min of its 10 h, planned as its own request REQ-10; Ana Costa keeps the other 6 h 30 min. It was "
        "expected to finish Mon 15:30 in parts, 2 h 30 min past its due time; the next plan places both parts."
    )
    assert [(e["type"], e["text"]) for e in events(api)][1:] == [("handoff.accepted", body["note"])]
    assert api.post(f"/shares/{swarm['id']}/decline", "ben", {}).status_code == 409
    shared, part = api.get("/requests/REQ-9", "sales").json(), api.get("/requests/REQ-10", "sales").json()
    assert (shared["effort_minutes"], shared["owner"], shared["part_of"]) == (390, "ana", None)
    assert (part["effort_minutes"], part["owner"], part["part_of"], part["status"]) == (210, "ben", "REQ-9", "open")
    assert (part["title"], part["created_at"]) == ("Part of REQ-9: Branch network down", shared["created_at"])
    pinned = [(p["request"], p["kind"], p["agent"]) for p in api.get("/pins", "lead").json()]
    assert pinned == [("REQ-10", "assign", "ben")]  # REQ-9, in progress, is Ana's anyway
    # a change of the queue: the part placed at once with Ben, until the live re-plan follows
    place = api.get("/requests/REQ-10/placement", "sales").json()
    assert (place["tentative"], place["agent_id"]) == (True, "ben"), place
    # the next plan keeps both parts, each with its agent, and the checker passes it
    planned = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert planned.status_code == 201, planned.text
    scenario, plan = stored_plan(api, planned.json()["id"])
    assert {a.request_id: a.agent_id for a in plan.assignments} == {"REQ-9": "ana", "REQ-8": "ben", "REQ-10": "ben"}
    assert check_plan(scenario, plan) == []
    # the part is no second urgent mark of Sales (it would have lowered REQ-9's), and it is due when REQ-9 is
    assert discounted_claims(scenario) == set()
    triaged = triage_all(scenario, BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days))
    assert (triaged["REQ-10"].priority, triaged["REQ-10"].due_minute) == (
        triaged["REQ-9"].priority,
        triaged["REQ-9"].due_minute,
    )
    # the request pages name the link, both ways
    form = api.client.get("/console/sign-in").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    signed = api.client.post(
        "/console/sign-in", data={"token": api.seeded.tokens["lead"], "csrf": csrf.group(1)}, follow_redirects=False
    )
    assert signed.status_code == 303, signed.text
    assert 'id="parts"><a href="/console/requests/REQ-10">REQ-10</a>' in api.client.get("/console/requests/REQ-9").text
    assert 'id="part-of"><a href="/console/requests/REQ-9">' in api.client.get("/console/requests/REQ-10").text


def test_a_declined_share_changes_nothing_and_is_not_proposed_again(shared_api: Api) -> None:
    api = shared_api
    swarm = share(api)
    before = api.get("/requests/REQ-9", "lead").json()
    assert api.post(f"/shares/{swarm['id']}/decline", "ana", {}).status_code == 403
    declined = api.post(f"/shares/{swarm['id']}/decline", "lead", {"reason": "Ben is needed on the badges"})
    assert declined.status_code == 200, declined.text
    assert declined.json()["note"] == (
        'Sam Reyes (Sales): your request "Branch network down" (REQ-9) stays with Ana Costa alone: Ben Okafor '
        "declined to take part of it."
    )
    assert [(e["type"], e["data"]["kind"], e["text"]) for e in events(api)][1:] == [
        ("handoff.declined", "share", declined.json()["note"])
    ]
    assert api.get("/requests/REQ-9", "lead").json() == before
    assert sorted(r["id"] for r in api.get("/requests", "lead").json()["items"]) == ["REQ-8", "REQ-9"]  # no part filed
    again = api.post("/agents/ana/help", "ana", {}).json()
    assert (again["swarms"], again["proposals"]) == ([], [])


def test_an_accepted_share_of_work_not_started_pins_both_parts(open_api: Api) -> None:
    api = open_api
    swarm = share(api)
    assert [(p["agent_id"], p["minutes"]) for p in swarm["parts"]] == [("ana", 390), ("ben", 210)]
    assert api.post(f"/shares/{swarm['id']}/accept", "lead", {}).status_code == 200
    pinned = {(p["request"], p["kind"], p["agent"]) for p in api.get("/pins", "lead").json()}
    assert pinned == {("REQ-9", "assign", "ana"), ("REQ-10", "assign", "ben")}
    planned = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert planned.status_code == 201, planned.text
    scenario, plan = stored_plan(api, planned.json()["id"])
    assert {a.request_id: a.agent_id for a in plan.assignments} == {"REQ-9": "ana", "REQ-8": "ben", "REQ-10": "ben"}
    assert check_plan(scenario, plan) == []
