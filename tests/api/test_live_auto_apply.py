"""`auto_apply` in the policy: a live re-plan that becomes current is also applied, as the system, with the
lead's apply (same queue check, at most once); off by default; a lead's newer action supersedes it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.live.replanning import LIVE_ACTOR, LiveReplanner
from api.store.session import Database
from tests.api.conftest import Api, make_settings
from tests.api.org import new_request


@pytest.fixture
def database(api: Api) -> Iterator[Database]:
    opened = Database(api.settings.database_url)
    yield opened
    opened.dispose()


def _replanner(api: Api, database: Database, in_child: bool = True) -> LiveReplanner:
    """`in_child` false where a test replaces the re-plan in this process (a child would run the real one)."""
    settings = make_settings(
        api.settings.database_url,
        live_replan_delay_seconds=0.0,
        live_replan_time_limit_seconds=2.0,
        plan_in_child=in_child,
    )
    return LiveReplanner(database, settings)


def _auto_apply(api: Api, on: bool) -> None:
    policy = api.get("/policy", "lead")
    assert (
        api.put("/policy", "admin", {**policy.json(), "auto_apply": on}, etag=policy.headers["etag"]).status_code == 200
    )


def _owners(api: Api) -> dict[str, Any]:
    return {r["id"]: r["owner"] for r in api.get("/requests", "lead").json()["items"]}


def _assigned(api: Api, plan_id: int) -> dict[str, str]:
    plan = api.get(f"/plans/{plan_id}", "lead").json()["plan"]
    return {a["request_id"]: a["agent_id"] for a in plan["assignments"]}


def test_with_auto_apply_the_live_replan_is_applied_as_the_system_once(api: Api, database: Database) -> None:
    _auto_apply(api, True)
    api.post("/plans", "lead", {"time_limit_seconds": 1})
    rid = api.post("/requests", "sales", new_request(required_skills={"net": 1})).json()["id"]
    stored = _replanner(api, database).replan_if_due()
    assert stored is not None
    read = api.get(f"/plans/{stored}", "lead").json()
    assert read["applied_by"] == LIVE_ACTOR.id and read["applied_at"] is not None
    assigned = _assigned(api, stored)
    assert rid in assigned
    owners = _owners(api)
    assert all(owners[r] == agent for r, agent in assigned.items())
    audit = api.get(f"/audit?subject_type=plan&subject_id={stored}", "admin").json()["items"]
    assert [(e["action"], e["principal_id"]) for e in audit] == [
        ("plan.computed", LIVE_ACTOR.id),
        ("plan.applied", LIVE_ACTOR.id),
    ]
    again = api.post(f"/plans/{stored}/apply", "lead", {"reason": "again", "force": True})
    assert again.status_code == 409  # its requests' owners changed when it was applied: never applied twice
    assert api.get(f"/plans/{stored}", "lead").json()["applied_by"] == LIVE_ACTOR.id
    assert len(api.get(f"/audit?subject_type=plan&subject_id={stored}", "admin").json()["items"]) == 2
    assert _replanner(api, database).replan_if_due() is None  # nothing changed since: no second re-plan


def test_without_auto_apply_the_live_replan_is_only_stored(api: Api, database: Database) -> None:
    assert api.get("/policy", "lead").json()["auto_apply"] is False  # the default
    api.post("/plans", "lead", {"time_limit_seconds": 1})
    rid = api.post("/requests", "sales", new_request()).json()["id"]
    stored = _replanner(api, database).replan_if_due()
    assert stored is not None
    assert api.get(f"/plans/{stored}", "lead").json()["applied_at"] is None
    assert _owners(api)[rid] is None


def test_a_leads_apply_meanwhile_supersedes_the_auto_apply(
    api: Api, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _auto_apply(api, True)
    first = api.post("/plans", "lead", {"time_limit_seconds": 1}).json()["id"]
    api.post("/requests", "sales", new_request())
    import api.live.replanning as replanning

    solve = replanning.live_replan

    def slow_replan(*args: object, **kwargs: object) -> object:
        result = solve(*args, **kwargs)  # type: ignore[arg-type]
        applied = api.post(f"/plans/{first}/apply", "lead", {"reason": "by hand", "force": True})
        assert applied.status_code == 200  # a lead applies the previous plan while the re-plan runs
        return result

    monkeypatch.setattr(replanning, "live_replan", slow_replan)
    stored = _replanner(api, database, in_child=False).replan_if_due()
    assert stored is not None  # the plan is stored: the lead stored no newer plan
    assert api.get(f"/plans/{stored}", "lead").json()["applied_at"] is None  # but the lead's apply wins
    owners = _owners(api)
    assert all(owners[r] == agent for r, agent in _assigned(api, first).items())
    audit = api.get(f"/audit?subject_type=plan&subject_id={stored}", "admin").json()["items"]
    assert [e["action"] for e in audit] == ["plan.computed"]
