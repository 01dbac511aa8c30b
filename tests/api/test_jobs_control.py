"""Jobs that cannot starve each other: a simulation runs in its own slot beside a plan, every job can be
cancelled (a running one's process is ended), the deployment's limit holds queued jobs back. Through the
app with its embedded worker, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.org import new_request

FAST: dict[str, Any] = {"plan_sync_max_requests": 0}  # every plan is a job
LONG_PLAN = {"time_limit_seconds": 30}


def _wait(api: Api, job_id: str, states: set[str], seconds: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        body: dict[str, Any] = api.get(f"/jobs/{job_id}", "lead").json()
        if body["state"] in states or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.parametrize("settings_overrides", [FAST], indirect=False)
def test_a_running_plan_is_cancelled_and_a_queued_one_at_once(api: Api) -> None:
    for n in range(40):  # enough work that the planner cannot prove its plan optimal, and end, before the cancel
        filed = api.post("/requests", "sales", new_request(title=f"Laptop {n}", effort_minutes=30 + 7 * (n % 9)))
        assert filed.status_code == 201, filed.text
    running = api.post("/plans", "lead", LONG_PLAN).json()["id"]
    assert _wait(api, running, {"running"})["state"] == "running"
    queued = api.post("/plans", "lead", LONG_PLAN).json()["id"]
    time.sleep(1.5)
    assert api.get(f"/jobs/{queued}", "lead").json()["state"] == "queued"  # one plan at a time (solver_jobs_max)
    cancelled = api.post(f"/jobs/{queued}/cancel", "lead")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    asked = api.post(f"/jobs/{running}/cancel", "lead")
    assert asked.status_code == 202 and asked.json()["state"] == "running"
    started = time.monotonic()
    ended = _wait(api, running, {"cancelled", "failed", "succeeded"}, seconds=10)
    assert ended["state"] == "cancelled" and ended["error"] == "cancelled while it ran"
    assert time.monotonic() - started < 5  # the planner's process was ended, well before its 30 s limit
    assert ended["plan_id"] is None
    actions = [e["action"] for e in api.get("/audit", "admin").json()["items"]]
    assert actions.count("job.cancelled") == 2


HIRE = {"name": "hire kim", "changes": [{"kind": "hire", "agent": "kim", "skills": {"net": 2, "pay": 1}}]}
SIMULATION = {"variants": [HIRE], "days": 30, "seeds": 5, "planner": "search", "arrivals_per_day": 60}


@pytest.mark.slow
@pytest.mark.parametrize("settings_overrides", [FAST], indirect=False)
def test_a_long_simulation_does_not_hold_up_a_plan(api: Api) -> None:
    simulation = api.post("/simulations", "manager", SIMULATION)
    assert simulation.status_code == 202, simulation.text
    sim_id = simulation.json()["id"]
    assert _wait(api, sim_id, {"running"})["state"] == "running"
    plan = api.post("/plans", "lead", {"time_limit_seconds": 1}).json()["id"]
    done = _wait(api, plan, {"succeeded", "failed"}, seconds=40)
    assert done["state"] == "succeeded", done
    assert api.get(f"/jobs/{sim_id}", "manager").json()["state"] == "running"  # still going, apart
    assert api.post(f"/jobs/{sim_id}/cancel", "manager").status_code == 202
    assert _wait(api, sim_id, {"cancelled"}, seconds=10)["state"] == "cancelled"


@pytest.mark.slow
@pytest.mark.parametrize("settings_overrides", [{**FAST, "simulation_max_seconds": 3}], indirect=False)
def test_a_simulation_over_its_time_limit_is_stopped_and_failed_saying_so(api: Api) -> None:
    simulation = api.post("/simulations", "manager", SIMULATION)  # hours of work at this size
    assert simulation.status_code == 202, simulation.text
    started = time.monotonic()
    ended = _wait(api, simulation.json()["id"], {"failed", "succeeded", "cancelled"}, seconds=60)
    assert ended["state"] == "failed", ended
    assert "ran longer than the simulation limit of 3 s and was stopped" in ended["error"]
    assert time.monotonic() - started < 45  # the limit, the process's start-up and a beat or two
