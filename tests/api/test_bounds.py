"""Wrong or unbounded input is refused before it is stored: fair shares of unknown departments or over 100 %,
pause marks of unknown skills, time zones that are not places, weak ETags in If-Match, JSON nested too deeply
(a problem, never a 500)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from tests.api.conftest import Api

DEEP = b"[" * 100_000 + b"]" * 100_000


def _policy(api: Api) -> tuple[dict[str, object], str]:
    read = api.get("/policy", "admin")
    return read.json(), read.headers["etag"]


def test_fair_shares_must_name_known_departments_and_fit_in_100_percent(api: Api) -> None:
    policy, etag = _policy(api)
    unknown = api.put("/policy", "admin", {**policy, "fair_share_pct": {"sales": 50, "nobody": 10}}, etag)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "fair_share_pct.nobody"
    many = api.put("/policy", "admin", {**policy, "fair_share_pct": {f"d{i}": 0 for i in range(60_000)}}, etag)
    assert many.status_code in (413, 422)
    over = api.put("/policy", "admin", {**policy, "fair_share_pct": {"sales": 80, "people": 150}}, etag)
    assert over.status_code == 422 and over.json()["errors"][0]["field"].startswith("fair_share_pct")
    summed = api.put("/policy", "admin", {**policy, "fair_share_pct": {"sales": 130, "people": 100}}, etag)
    assert summed.status_code == 422
    assert _policy(api) == (policy, etag)  # nothing stored
    fits = api.put("/policy", "admin", {**policy, "fair_share_pct": {"sales": 60, "people": 40}}, etag)
    assert fits.status_code == 200, fits.text


def test_pause_marks_must_name_known_skills(api: Api) -> None:
    policy, etag = _policy(api)
    unknown = api.put("/policy", "admin", {**policy, "pausable_skills": {"net": False, "juggling": False}}, etag)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "pausable_skills.juggling"
    assert _policy(api) == (policy, etag)  # nothing stored
    fits = api.put("/policy", "admin", {**policy, "pausable": False, "pausable_skills": {"net": True}}, etag)
    assert fits.status_code == 200, fits.text
    assert _policy(api)[0]["pausable_skills"] == {"net": True} and _policy(api)[0]["pausable"] is False


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "Mars/Olympus"])
def test_only_real_time_zones_are_accepted(api: Api, zone: str) -> None:
    read = api.get("/calendar", "admin")
    refused = api.put("/calendar", "admin", {**read.json(), "timezone": zone}, read.headers["etag"])
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "timezone", refused.text
    assert api.get("/calendar", "admin").json() == read.json()


def test_a_weak_etag_is_refused_in_if_match(api: Api) -> None:
    read = api.get("/departments/sales", "admin")
    weak = "W/" + read.headers["etag"]
    refused = api.patch("/departments/sales", "admin", {"weight": 3}, etag=weak)
    assert refused.status_code == 412 and "weak" in refused.json()["detail"]
    assert api.get("/departments/sales", "admin").json()["weight"] == read.json()["weight"]
    assert api.patch("/departments/sales", "admin", {"weight": 3}, etag=read.headers["etag"]).status_code == 200


def test_json_nested_too_deeply_is_a_problem_not_a_failure(api: Api) -> None:
    for path in ("/requests", "/plans", "/pins"):
        answer = api.client.post(
            path, content=DEEP, headers=api.headers("lead", **{"Content-Type": "application/json"})
        )
        assert answer.status_code in (400, 422), (path, answer.status_code, answer.text[:200])


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_the_cli_answers_deep_json_with_a_problem_and_exit_2(tmp_path: Path, command: str) -> None:
    path = tmp_path / "deep.json"
    for document in (DEEP, b'{"now": "2026-11-23T09:00:00", "departments": ' + DEEP + b"}"):
        path.write_bytes(document)
        ran = CliRunner().invoke(cli, [command, str(path)])
        assert ran.exit_code == 2, ran.output
        assert "nested too deeply" in ran.output and "Traceback" not in ran.output


@pytest.mark.parametrize("settings_overrides", [{"plan_in_child": False}])  # the replaced function runs here
def test_department_reports_re_plan_once_per_plan_however_many_read(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.departments import service as reporting

    calls: list[int] = []
    real = reporting.override_effects

    def counted(*args: object) -> object:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(reporting, "override_effects", counted)
    assert (
        api.post("/pins", "lead", {"id": "p1", "kind": "first", "request": "REQ-3", "reason": "CEO"}).status_code == 201
    )
    assert api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201
    reports = [
        api.get(f"/departments/{d}/report", who) for d, who in [("sales", "sales")] * 4 + [("people", "lead")] * 3
    ]
    assert all(r.status_code == 200 for r in reports) and reports[0].json() == reports[1].json()
    assert len(calls) == 1
    assert api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code == 201
    assert api.get("/departments/sales/report", "sales").status_code == 200 and len(calls) == 2


def test_integers_written_with_a_fraction_of_zero_are_integers(api: Api) -> None:
    body = {"requester": "Sam Reyes", "title": "Dock", "impact": "person", "urgency": "can_wait"}
    filed = api.post("/requests", "sales", {**body, "effort_minutes": 90.0, "department_rank": 2.0})
    assert filed.status_code == 201, filed.text
    assert filed.json()["effort_minutes"] == 90 and filed.json()["department_rank"] == 2
    half = api.post("/requests", "sales", {**body, "effort_minutes": 90.5})
    assert half.status_code == 422 and half.json()["errors"][0]["field"] == "effort_minutes"
    text = api.post("/requests", "sales", {**body, "effort_minutes": "90"})
    assert text.status_code == 422 and text.json()["errors"][0]["field"] == "effort_minutes"


def test_a_report_value_that_failed_to_compute_keeps_nothing_and_is_computed_again() -> None:
    from api.departments.service import OncePerPlan

    once = OncePerPlan()
    tries: list[int] = []

    def failing() -> object:
        tries.append(1)
        raise RuntimeError("the re-plan failed")

    for _ in range(3):
        with pytest.raises(RuntimeError):
            once.get(7, failing)
    assert len(tries) == 3  # each asker tries again: a failure is not cached
    assert once._locks == {}  # and leaves no lock behind for the plan
    assert once.get(7, lambda: "effects") == "effects"
    assert once.get(7, failing) == "effects" and len(tries) == 3  # computed once, then kept
