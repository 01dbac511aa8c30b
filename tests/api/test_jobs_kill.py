"""Durable jobs through real processes: the API (uvicorn, no embedded worker) and `tandem worker` processes
sharing the database. A worker killed (SIGKILL) mid-plan takes its planner process with it; restarted, it
fails the job it held at once with the reason; a retry with the same Idempotency-Key starts the job anew and
it succeeds, its plan stored once. On PostgreSQL, two API processes and two workers keep the deployment's
limit (one plan running at a time) and the live queue: a filed request is placed at once and re-planned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import own_database
from tests.api.org import NOW, Seeded, new_request, seed
from tests.api.test_serve import free_port, wait_until_up


@dataclass
class Deployment:
    database_url: str
    seeded: Seeded
    live: bool = False
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    start_seconds: float = 30  # how long an API process may take to answer /healthz

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "TANDEM_EMBEDDED_WORKER": "false",
            "TANDEM_PLAN_SYNC_MAX_REQUESTS": "0",
            "TANDEM_FIXED_NOW": NOW.isoformat(),
            "TANDEM_LIVE_REPLAN": "true" if self.live else "false",
            "TANDEM_LIVE_REPLAN_DELAY_SECONDS": "0.5",
            "TANDEM_PLAN_WORKERS": "1",
        }

    def api(self) -> str:
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "api.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, process, self.start_seconds)
        return url

    def worker(self) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker"],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        assert process.stdout is not None
        assert "Tandem worker" in process.stdout.readline()
        return process

    def headers(self, who: str, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.seeded.tokens[who]}", **more}

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(10)
            if process.stdout:
                process.stdout.close()


def own_postgres(session_url: str) -> AbstractContextManager[str]:
    """A database of this test's own (no job queue or sweeper of another test's app can touch its jobs)."""
    return own_database(session_url, "tandem_kill_")


@pytest.fixture
def deployment(database_url: str) -> Iterator[Deployment]:
    with ExitStack() as stack:
        if database_url.startswith("postgresql"):
            database_url = stack.enter_context(own_postgres(database_url))
        running = Deployment(database_url=database_url, seeded=seed(database_url))
        yield running
        running.stop()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _job(url: str, deployment: Deployment, job_id: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{url}/jobs/{job_id}", headers=deployment.headers("lead")).json()
    return body


def _wait(url: str, deployment: Deployment, job_id: str, states: set[str], seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        body = _job(url, deployment, job_id)
        if body["state"] in states or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status").read_text() if Path(f"/proc/{pid}").exists() else ""
    return "zombie" not in status


@pytest.mark.slow
def test_a_worker_killed_mid_plan_fails_its_job_on_restart_and_a_retry_starts_it_anew(
    deployment: Deployment,
) -> None:
    url = deployment.api()
    worker = deployment.worker()
    ask = {"time_limit_seconds": 20, "reason": "kill test"}
    headers = deployment.headers("lead", **{"Idempotency-Key": "plan-kill-1"})
    job = httpx.post(f"{url}/plans", json=ask, headers=headers).json()
    assert _wait(url, deployment, job["id"], {"running"}, 30)["state"] == "running"
    deadline = time.monotonic() + 10
    while not _children(worker.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    planners = _children(worker.pid)
    assert planners  # the plan runs in a child of the worker
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in planners) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in planners)  # the planner ended with its worker
    assert _job(url, deployment, job["id"])["state"] == "running"  # nobody knows yet (heartbeat not yet stale)
    deployment.worker()
    failed = _job(url, deployment, job["id"])  # failed at once when the worker started again
    assert failed["state"] == "failed" and failed["error"].startswith("lost: its worker"), failed
    quick = {**ask, "time_limit_seconds": 2}
    refused = httpx.post(f"{url}/plans", json=quick, headers=headers)
    assert refused.status_code == 422  # the same key with another body is still refused
    again = httpx.post(f"{url}/plans", json=ask, headers=headers)
    assert again.status_code == 202 and again.json()["id"] != job["id"]  # a new job, not the dead one replayed
    done = _wait(url, deployment, again.json()["id"], {"succeeded", "failed"}, 60)
    assert done["state"] == "succeeded", done
    replayed = httpx.post(f"{url}/plans", json=ask, headers=headers)
    assert replayed.headers.get("Idempotent-Replayed") == "true" and replayed.json()["id"] == again.json()["id"]
    plans = httpx.get(f"{url}/plans", headers=deployment.headers("lead")).json()["items"]
    assert [p["id"] for p in plans] == [done["plan_id"]]  # one plan stored, not two


@pytest.fixture
def postgres_deployment(postgres_database: str) -> Iterator[Deployment]:
    """Several API processes need PostgreSQL: this one runs there only."""
    with own_postgres(postgres_database) as url:
        running = Deployment(database_url=url, seeded=seed(url), live=True)
        yield running
        running.stop()


@pytest.mark.slow
def test_two_apis_and_two_workers_keep_one_plan_running_and_the_live_queue(postgres_deployment: Deployment) -> None:
    deployment = postgres_deployment
    urls = [deployment.api(), deployment.api()]
    deployment.worker(), deployment.worker()
    lead = deployment.headers("lead")
    ids = [httpx.post(f"{u}/plans", json={"time_limit_seconds": 3}, headers=lead).json()["id"] for u in urls]
    deadline, most = time.monotonic() + 60, 0
    while time.monotonic() < deadline:
        states = [_job(urls[0], deployment, i)["state"] for i in ids]
        most = max(most, states.count("running"))
        if all(s == "succeeded" for s in states):
            break
        time.sleep(0.1)
    assert states == ["succeeded", "succeeded"] and most == 1  # both done, never two at once
    sales = deployment.headers("sales")
    filed = httpx.post(f"{urls[1]}/requests", json=new_request(required_skills={"net": 1}), headers=sales).json()
    place = httpx.get(f"{urls[0]}/requests/{filed['id']}/placement", headers=sales).json()
    assert place["tentative"] is True and place["planned"]
    started = time.monotonic()
    while time.monotonic() - started < 15:
        place = httpx.get(f"{urls[0]}/requests/{filed['id']}/placement", headers=sales).json()
        if not place["tentative"]:
            break
        time.sleep(0.1)
    assert place["tentative"] is False and place["planned"], place
    plans = httpx.get(f"{urls[0]}/plans", headers=lead).json()["items"]
    assert [p["created_by"] for p in plans].count("system") == 1  # one re-plan for the deployment, not one per API
