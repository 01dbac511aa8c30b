"""An overloaded agent in the test organisation, for the hand-off tests: Ana's target is 1 % (24 of her 2,400
minutes) and the lead gives her Sales' "New laptop" (REQ-3), so the plan (which prices moving an owned
request above 24 minutes of overload) leaves her above target with REQ-1, which only she can do, and REQ-3,
which Ben (85 %) has room for."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

QUICK = {"time_limit_seconds": 1}


def overload_ana(api: Api) -> None:
    etag = api.get("/agents/ana", "admin").headers["etag"]
    assert api.patch("/agents/ana", "admin", {"target_load_pct": 1}, etag=etag).status_code == 200
    etag = api.get("/requests/REQ-3", "lead").headers["etag"]
    moved = api.patch("/requests/REQ-3", "lead", {"owner": "ana", "reason": "Ana has the stock"}, etag=etag)
    assert moved.status_code == 200, moved.text
    planned = api.post("/plans", "lead", QUICK)
    assert planned.status_code == 201, planned.text
    owners = {a["request_id"]: a["agent_id"] for a in planned.json()["plan"]["assignments"]}
    assert owners["REQ-3"] == owners["REQ-1"] == "ana", owners


def ana_asks(api: Api, who: str = "ana", **headers: str) -> Any:
    return api.post("/agents/ana/help", who, {"reason": "swamped"}, headers=headers)


def proposal_to_ben(api: Api) -> dict[str, Any]:
    """Ana overloaded, she asks for help, and the one proposal (REQ-3 to Ben) is returned."""
    overload_ana(api)
    answer = ana_asks(api)
    assert answer.status_code == 201, answer.text
    proposals = answer.json()["proposals"]
    assert [(p["request_id"], p["to_agent_id"]) for p in proposals] == [("REQ-3", "ben")]
    return dict(proposals[0])
