"""Staffing simulations through HTTP: a manager's job, polled with progress, its result with the comparison and
the paragraph; bad changes are 422 naming the field and store nothing; retries make no second job."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import create_engine, text

from tests.api.conftest import Api

HIRE = {"name": "hire kim", "changes": [{"kind": "hire", "agent": "kim", "skills": {"net": 2, "pay": 1}}]}
SURGE = {"name": "sales x3", "changes": [{"kind": "surge", "department": "sales", "factor": 3}]}
BODY = {"variants": [HIRE, SURGE], "days": 3, "seed": 7, "arrivals_per_day": 6}


def _finished(api: Api, job: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while job["state"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = api.get(f"/jobs/{job['id']}", "manager").json()
        assert 0 <= job["progress"] <= 1
    return job


def _jobs(api: Api) -> int:
    engine = create_engine(api.settings.database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM jobs")).scalar_one())
    finally:
        engine.dispose()


def test_a_manager_simulates_and_reads_the_comparison(api: Api) -> None:
    accepted = api.post("/simulations", "manager", BODY, headers={"Idempotency-Key": "sim-1"})
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert accepted.headers["location"] == f"/jobs/{job['id']}" and job["kind"] == "simulation"
    retry = api.post("/simulations", "manager", BODY, headers={"Idempotency-Key": "sim-1"})
    assert retry.status_code == 202 and retry.json()["id"] == job["id"] and _jobs(api) == 1
    job = _finished(api, job)
    assert job["state"] == "succeeded", job
    assert job["progress"] == 1 and job["result_url"] == f"/simulations/{job['id']}"
    read = api.get(job["result_url"], "manager")
    assert read.status_code == 200, read.text
    sim = read.json()["simulation"]
    assert [v["variant"] for v in sim["variants"]] == ["hire kim", "sales x3"]
    assert len(sim["days"]) == 3 and sim["seeds"] == [7] and sim["arrivals_per_day"] == 6
    hire, surge = sim["comparisons"]
    assert hire["text"].startswith("With hire kim (hire kim), ")
    assert hire["backlog_end_hours"]["variant"] <= hire["backlog_end_hours"]["baseline"]
    assert sim["variants"][1]["arrivals"] > sim["baseline"]["arrivals"] == sim["variants"][0]["arrivals"]
    assert "sales demand x3" in surge["text"]


def test_bad_changes_name_the_field_and_store_nothing(api: Api) -> None:
    body = {
        "variants": [
            HIRE,
            {
                "name": "odd",
                "changes": [
                    {"kind": "leave", "agent": "zed", "start": "2026-11-24"},
                    {"kind": "skill", "agent": "ana", "skill": "cobol", "level": 2},
                    {"kind": "time_off", "agent": "ana", "start": "2026-11-01", "end": "2026-11-02"},
                ],
            },
        ]
    }
    refused = api.post("/simulations", "manager", body, headers={"Idempotency-Key": "bad"})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    fields = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert fields == {
        "variants.1.changes.0.agent": "unknown agent 'zed'",
        "variants.1.changes.1.skill": "unknown skill 'cobol'",
        "variants.1.changes.2.start": "2026-11-01 is before the simulation starts (2026-11-23)",
        "variants.1.changes.2.end": "2026-11-02 is before the simulation starts (2026-11-23)",
    }
    malformed = api.post(
        "/simulations",
        "manager",
        {"variants": [{"name": "x", "changes": [{"kind": "surge", "department": "sales", "factor": -1}]}], "days": 90},
    )
    assert malformed.status_code == 422
    assert {e["field"] for e in malformed.json()["errors"]} >= {"days", "variants.0.changes.0.surge.factor"}
    assert api.post("/simulations", "manager", {"variants": []}).status_code == 422
    assert api.post("/simulations", "manager", {"variants": [HIRE, HIRE]}).status_code == 422
    assert _jobs(api) == 0


def test_only_managers_read_simulations_and_a_plan_job_is_not_one(api: Api) -> None:
    assert api.get("/simulations/nope", "manager").status_code == 404
    job = api.post("/simulations", "manager", {"variants": [HIRE], "days": 1}).json()
    assert api.get(f"/simulations/{job['id']}", "lead").status_code == 403
    assert _finished(api, job)["state"] == "succeeded"
