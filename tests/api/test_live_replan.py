"""The plan that keeps itself current: a debounced warm re-plan after changes, stored as the system, unless a
newer plan supersedes it; the filed request's tentative place gives way to its re-planned place."""

from __future__ import annotations

import time
from collections.abc import Iterator

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


def _replanner(api: Api, database: Database, delay_seconds: float = 0.0, in_child: bool = True) -> LiveReplanner:
    """`in_child` false where a test replaces the re-plan in this process (a child would run the real one)."""
    settings = make_settings(
        api.settings.database_url,
        live_replan_delay_seconds=delay_seconds,
        live_replan_time_limit_seconds=2.0,
        plan_in_child=in_child,
    )
    return LiveReplanner(database, settings)


def _plan_ids(api: Api) -> list[int]:
    return [p["id"] for p in api.get("/plans", "lead").json()["items"]]


def test_a_change_is_replanned_and_the_tentative_place_gives_way(api: Api, database: Database) -> None:
    first = api.post("/plans", "lead", {"time_limit_seconds": 1}).json()["id"]
    rid = api.post("/requests", "sales", new_request(required_skills={"net": 1})).json()["id"]
    assert api.get(f"/requests/{rid}/placement", "sales").json()["tentative"] is True
    stored = _replanner(api, database).replan_if_due()
    assert stored is not None and stored > first
    plan = api.get(f"/plans/{stored}", "lead").json()
    assert plan["created_by"] == LIVE_ACTOR.id
    assert any(m["request_id"] == rid for m in plan["plan"]["changes"])  # the new request, listed as moved in
    place = api.get(f"/requests/{rid}/placement", "sales").json()
    assert place["tentative"] is False and place["plan_id"] == stored and place["planned"]
    audit = api.get(f"/audit?subject_type=plan&subject_id={stored}", "admin").json()
    assert [e["principal_id"] for e in audit["items"]] == [LIVE_ACTOR.id]
    assert _replanner(api, database).replan_if_due() is None  # nothing changed since: no second re-plan


def test_a_burst_of_changes_gets_one_replan_after_the_quiet_spell(api: Api, database: Database) -> None:
    api.post("/plans", "lead", {"time_limit_seconds": 1})
    replanner = _replanner(api, database, delay_seconds=0.5)
    for _ in range(3):
        api.post("/requests", "sales", new_request())
        assert replanner.replan_if_due() is None  # the newest change is too recent
    time.sleep(0.6)
    before = _plan_ids(api)
    assert replanner.replan_if_due() is not None
    assert replanner.replan_if_due() is None
    assert len(_plan_ids(api)) == len(before) + 1


def test_without_any_plan_the_first_change_gets_the_first_plan(api: Api, database: Database) -> None:
    rid = api.post("/requests", "sales", new_request()).json()["id"]
    stored = _replanner(api, database).replan_if_due()
    assert stored is not None
    assert api.get(f"/requests/{rid}/placement", "sales").json()["plan_id"] == stored


def test_a_leads_newer_plan_supersedes_the_running_replan(
    api: Api, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.post("/plans", "lead", {"time_limit_seconds": 1})
    api.post("/requests", "sales", new_request())
    import api.live.replanning as replanning

    solve = replanning.live_replan

    def slow_plan(*args: object, **kwargs: object) -> object:
        result = solve(*args, **kwargs)  # type: ignore[arg-type]
        assert api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201  # a lead, meanwhile
        return result

    monkeypatch.setattr(replanning, "live_replan", slow_plan)
    before = _plan_ids(api)
    assert _replanner(api, database, in_child=False).replan_if_due() is None
    after = _plan_ids(api)
    assert len(after) == len(before) + 1  # only the lead's plan was stored
    assert api.get(f"/plans/{after[-1]}", "lead").json()["created_by"] == "lead"


def test_the_current_plans_placer_is_built_before_a_filing_needs_it(api: Api, database: Database) -> None:
    """The first filing after a process starts, or after another process's or a lead's plan, finds the placer
    built (it compiles the whole scenario): the re-planner's turn builds it for the current plan."""
    from api.live import placing

    plan_id = api.post("/plans", "lead", {"time_limit_seconds": 1}).json()["id"]
    placing._placers.clear()
    replanner = _replanner(api, database)
    assert replanner.replan_if_due() is None  # nothing to re-plan, but the placer is built
    assert [key[1] for key in placing._placers] == [plan_id]
    warmed = next(iter(placing._placers.values()))
    rid = api.post("/requests", "sales", new_request(required_skills={"net": 1})).json()["id"]
    assert api.get(f"/requests/{rid}/placement", "sales").json()["tentative"] is True
    assert next(iter(placing._placers.values())) is warmed and len(placing._placers) == 1  # the filing used it
    newer = api.post("/plans", "lead", {"time_limit_seconds": 1}).json()["id"]  # a lead's plan: built on the turn
    placing._placers.clear()
    replanner.replan_if_due()
    assert newer in [key[1] for key in placing._placers]
