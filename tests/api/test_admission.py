"""Admission control: a scenario or simulation over a deployment's limits is refused at the edge, before any
work starts, with a problem (API: 413; CLI: exit 2) naming the limit, the value and the maximum."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from api.cli import app as cli
from api.limits import (
    Limits,
    TooLarge,
    TooShort,
    admit,
    admit_simulation,
    admit_time_limit,
    least_time_limit,
    pairs_of,
)
from api.plans.service import time_limit
from api.problems import InvalidInput
from api.settings import Settings
from solver.run import MARGIN_SECONDS
from tests.api.conftest import Api
from tests.builders import agent, request, scenario

DEMO = Path(__file__).parents[2] / "fixtures" / "demo.json"
HIRE = {"name": "hire kim", "changes": [{"kind": "hire", "agent": "kim", "skills": {"net": 2, "pay": 1}}]}


def _limited(api: Api, **limits: int) -> None:
    """Lower this app's limits (the settings are read per request)."""
    app = api.client.app
    app.state.settings = app.state.settings.model_copy(update={"limits": Limits(**limits)})  # type: ignore[attr-defined]


def _jobs(api: Api) -> int:
    engine = create_engine(api.settings.database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM jobs")).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.parametrize("limit", ["requests", "agents", "skills", "departments", "pins", "horizon_days"])
def test_each_limit_refuses_a_size_over_it_naming_it(limit: str) -> None:
    built = scenario(
        [agent("a", {"net": 1}), agent("b", {"net": 1})],
        [request("R1"), request("R2"), request("R3")],
        skills=[{"id": "net", "name": "Networking"}, {"id": "pay", "name": "Payroll"}],
        departments=[{"id": "ops", "name": "Operations", "weight": 1}, {"id": "hr", "name": "People", "weight": 1}],
        pins=[{"id": "P1", "kind": "assign", "request": "R1", "agent": "a", "reason": "knows it"}],
    )
    sizes = {"requests": 3, "agents": 2, "skills": 2, "departments": 2, "pins": 1, "horizon_days": 5}
    admit(built, Limits(**sizes))  # every size exactly at its limit is admitted
    with pytest.raises(TooLarge) as refused:
        admit(built, Limits(**{**sizes, limit: sizes[limit] - 1}))
    assert (refused.value.limit, refused.value.value, refused.value.maximum) == (limit, sizes[limit], sizes[limit] - 1)
    assert f"`{limit}` of {sizes[limit] - 1:,}" in str(refused.value)
    assert f"TANDEM_LIMIT_{limit.upper()}" in str(refused.value)


def test_simulation_runs_count_variants_plus_baseline_times_seeds_times_days() -> None:
    admit_simulation(2, 5, 10, Limits(simulation_runs=150))
    with pytest.raises(TooLarge) as refused:
        admit_simulation(2, 5, 11, Limits(simulation_runs=150))
    assert (refused.value.limit, refused.value.value) == ("simulation_runs", 165)


def test_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_LIMIT_REQUESTS", "12")
    assert Limits().requests == 12


def test_a_plan_over_the_request_limit_is_413_and_nothing_is_stored(api: Api) -> None:
    open_requests = len(api.get("/requests", "lead", params={"state": "open"}).json()["items"])
    _limited(api, requests=open_requests - 1)
    refused = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert refused.status_code == 413, refused.text
    problem = refused.json()
    assert "`requests`" in problem["detail"] and f"{open_requests:,} requests" in problem["detail"]
    assert api.get("/plans", "lead").json()["items"] == []
    _limited(api, requests=open_requests)
    assert api.post("/plans", "lead", {"time_limit_seconds": 1}).status_code in (201, 202)


def test_what_if_and_reports_of_a_plan_over_the_limits_are_413(api: Api) -> None:
    plan = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert plan.status_code == 201, plan.text
    _limited(api, agents=1)
    asked = api.post(f"/plans/{plan.json()['id']}/what-if", "lead", {"kind": "first", "request": "REQ-1"})
    assert asked.status_code == 413 and "`agents`" in asked.json()["detail"], asked.text
    report = api.get("/departments/sales/report", "lead")
    assert report.status_code == 413 and "`agents`" in report.json()["detail"], report.text


def test_a_simulation_over_its_run_limit_is_413_before_any_job(api: Api) -> None:
    _limited(api, simulation_runs=29)
    body = {"variants": [HIRE], "days": 5, "seeds": 3, "arrivals_per_day": 2}
    refused = api.post("/simulations", "manager", body, headers={"Idempotency-Key": "sim-big"})
    assert refused.status_code == 413, refused.text
    assert "`simulation_runs` of 29" in refused.json()["detail"] and "30 planned days" in refused.json()["detail"]
    assert _jobs(api) == 0


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["plan"],
        ["explain", "--request", "REQ-101"],
        ["report", "--department", "sales"],
        ["what-if", "--first", "REQ-101"],
    ],
)
def test_the_cli_refuses_a_scenario_over_the_limits_with_exit_2(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TANDEM_LIMIT_AGENTS", "2")
    limit = [] if command[0] == "validate" else ["--time-limit", "1"]
    ran = CliRunner().invoke(cli, [command[0], str(DEMO), *command[1:], *limit])
    assert ran.exit_code == 2, ran.output
    assert "over the limit `agents` of 2 (TANDEM_LIMIT_AGENTS); nothing was planned" in ran.output
    assert "Traceback" not in ran.output


def test_the_cli_refuses_a_simulation_over_its_run_limit_with_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_LIMIT_SIMULATION_RUNS", "20")
    ran = CliRunner().invoke(cli, ["simulate", str(DEMO), "--days", "7", "--seeds", "3", "--surge", "sales:x2"])
    assert ran.exit_code == 2, ran.output
    assert "42 planned days" in ran.output and "`simulation_runs` of 20" in ran.output


def test_the_least_time_limit_grows_with_requests_and_pairs_and_is_0_for_small_queues() -> None:
    few = scenario([agent("a", {"net": 1}), agent("b", {"net": 1})], [request("R1"), request("R2")])
    more = scenario([agent(f"a{i}", {"net": 1}) for i in range(30)], [request(f"R{i}") for i in range(200)])
    limits = Limits()
    assert pairs_of(few) == (2, 4) and pairs_of(more) == (200, 6000)
    assert least_time_limit(few, limits) == 0.0  # the uncut part fits in the margin: any limit is kept
    costly = Limits(plan_seconds_fixed=0.0, plan_seconds_per_request=0.001, plan_seconds_per_pair=0.001)
    # 200 requests x 1 ms + 6,000 pairs x 1 ms = 6.2 s uncut, less the margin
    assert least_time_limit(more, costly) == round(6.2 - MARGIN_SECONDS, 1)
    admit_time_limit(more, 6.2 - MARGIN_SECONDS, costly)  # at the least: admitted
    with pytest.raises(TooShort) as refused:
        admit_time_limit(more, 2.0, costly)
    message = str(refused.value)
    assert "2 s is too short for 200 requests with 6,000 (request, qualified agent) pairs" in message
    assert f"the least time limit that keeps the promise (the limit plus {MARGIN_SECONDS:g} s) is 5.7 s" in message


def _slow(api: Api) -> None:
    """This app's estimate of the uncut part of planning made so large that a 1 s limit is too short."""
    app = api.client.app
    limits = Limits(plan_seconds_per_pair=1.0)  # a few pairs here: seconds
    app.state.settings = app.state.settings.model_copy(update={"limits": limits})  # type: ignore[attr-defined]


def test_a_plan_asked_below_its_least_time_limit_is_422_naming_the_field_and_nothing_is_stored(api: Api) -> None:
    _slow(api)
    refused = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["errors"][0]["field"] == "time_limit_seconds" and "too short" in problem["detail"]
    assert "the least time limit" in problem["detail"]
    assert api.get("/plans", "lead").json()["items"] == []
    assert _jobs(api) == 0


def test_a_limit_left_to_the_default_is_raised_to_the_least_and_one_asked_below_it_refused() -> None:
    more = scenario([agent(f"a{i}", {"net": 1}) for i in range(30)], [request(f"R{i}") for i in range(200)])
    costly = Limits(plan_seconds_fixed=0.0, plan_seconds_per_request=0.001, plan_seconds_per_pair=0.001)
    settings = Settings(limits=costly, plan_max_time_limit_seconds=60)
    least = least_time_limit(more, costly)
    assert time_limit(more, None, 2.0, settings) == least  # the default (2 s) raised to what the queue needs
    assert time_limit(more, None, 30.0, settings) == 30.0
    assert time_limit(more, 90.0, 2.0, settings) == 60.0  # capped by the server's largest
    with pytest.raises(InvalidInput) as refused:
        time_limit(more, least - 0.1, 2.0, settings)
    assert refused.value.errors[0].field == "time_limit_seconds"


def test_what_if_and_help_below_the_least_time_limit_are_422(api: Api) -> None:
    plan = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert plan.status_code == 201, plan.text
    _slow(api)
    asked = api.post(
        f"/plans/{plan.json()['id']}/what-if", "lead", {"kind": "first", "request": "REQ-1", "time_limit_seconds": 1}
    )
    assert asked.status_code == 422 and asked.json()["errors"][0]["field"] == "time_limit_seconds", asked.text


def test_the_cli_refuses_a_time_limit_below_the_least_with_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_LIMIT_PLAN_SECONDS_PER_PAIR", "0.05")
    ran = CliRunner().invoke(cli, ["plan", str(DEMO), "--time-limit", "1"])
    assert ran.exit_code == 2, ran.output
    assert "--time-limit: 1 s is too short for" in ran.output and "nothing was planned" in ran.output
    assert "Traceback" not in ran.output
