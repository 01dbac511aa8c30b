"""Instant placement through HTTP: filing a request at L (80 agents, 1,500 requests) and reading its
tentative place, against a real uvicorn on loopback.

    python -m benchmarks.live_bench                         # SQLite, and PostgreSQL if it answers
    python -m benchmarks.live_bench --backends sqlite --filings 200 --size L --seed 1

For each backend: a fresh database holding a generated organisation (`fixtures.generate`, the size asked) and
its routing plan stored as the current plan (a real plan: the live placement only needs one to place into);
one uvicorn process with the clock frozen at the scenario's now; then `--warmup` filings unmeasured (the
first builds the process's placer for the plan, once per plan), then `--filings` POST /requests one after
another, each timed end to end by the client (connect kept alive), each followed by a timed GET of its
placement. Each filed request asks for the skills of an existing request (drawn with the seed), so it has
qualified agents. Prints p50 / p95 / max in milliseconds and how many got a tentative place. Loopback only.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.demo import seed
from api.live import marks
from api.roles import Principal, Role
from api.store import plans
from api.store.session import Database
from benchmarks.databases import POSTGRES_URL, drop_postgres, postgres_database
from benchmarks.servers import piped_output, wait_until_ready
from fixtures.generate import SIZES, generate_scenario
from solver.run import plan_by_routing
from triage.model import Scenario


@dataclass(frozen=True)
class Timings:
    backend: str
    filings: int
    placed: int
    file_p50_ms: float
    file_p95_ms: float
    file_max_ms: float
    read_p50_ms: float
    read_p95_ms: float


def store_routing_plan(database_url: str, scenario: Scenario) -> None:
    """The routing plan of the scenario as the current plan (seen every change so far: none)."""
    result = plan_by_routing(scenario)
    database = Database(database_url)
    actor = Principal(id="lead", name="Lee Lead", role=Role.LEAD)
    versions = {r.id: 1 for r in scenario.requests}
    with database.writing() as session:
        row = plans.save(
            session=session,
            actor=actor,
            plan=result,
            scenario=scenario,
            versions=versions,
            at=scenario.now,
            reason="benchmark",
        )
        marks.mark_plan(session=session, plan_id=row.id, seen_seq=0, source=marks.LEAD)
        session.commit()
    database.dispose()


def serve(database_url: str, port: int, now: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "TANDEM_FIXED_NOW": now}
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
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_until_ready(f"http://127.0.0.1:{port}", process, output=piped_output(process))
    return process


def measure(database_url: str, backend: str, scenario: Scenario, args: argparse.Namespace) -> Timings:
    tokens = {t.role: t for t in seed(database_url=database_url, scenario=scenario, at=scenario.now)}
    store_routing_plan(database_url, scenario)
    port = args.port
    process = serve(database_url, port, scenario.now.isoformat())
    rng = random.Random(args.seed)
    skills = [dict(r.required_skills) for r in scenario.requests]
    requester = tokens[Role.REQUESTER].token
    filing, reading, placed = [], [], 0
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for n in range(args.warmup + args.filings):
                effort, needs = rng.choice([30, 60, 90, 120]), rng.choice(skills)
                body = {
                    "requester": "Live Bench",
                    "title": f"Live {n}",
                    "impact": "team",
                    "urgency": "degraded",
                    "effort_minutes": effort,
                    "required_skills": needs,
                }
                headers = {"Authorization": f"Bearer {requester}", "Idempotency-Key": uuid.uuid4().hex}
                started = time.perf_counter()
                answer = client.post("/requests", json=body, headers=headers)
                filed_ms = 1000 * (time.perf_counter() - started)
                answer.raise_for_status()
                started = time.perf_counter()
                place = client.get(f"/requests/{answer.json()['id']}/placement", headers=headers)
                read_ms = 1000 * (time.perf_counter() - started)
                place.raise_for_status()
                if n >= args.warmup:
                    filing.append(filed_ms)
                    reading.append(read_ms)
                    placed += bool(place.json()["tentative"] and place.json()["planned"])
    finally:
        process.terminate()
        process.wait(30)
    return Timings(
        backend=backend,
        filings=len(filing),
        placed=placed,
        file_p50_ms=statistics.median(filing),
        file_p95_ms=_p95(filing),
        file_max_ms=max(filing),
        read_p50_ms=statistics.median(reading),
        read_p95_ms=_p95(reading),
    )


def _p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(0.95 * len(values)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--size", default="L", choices=list(SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--filings", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--port", type=int, default=8410, help="Loopback port of the server started.")
    args = parser.parse_args(argv)
    agents, requests, days = SIZES[args.size]
    scenario = generate_scenario(agents, requests, days, args.seed)
    print(
        f"# live placement at {args.size} ({agents} agents, {requests} requests), seed {args.seed}, "
        f"{platform.node()} ({os.cpu_count()} cores), python {platform.python_version()}"
    )
    print("| backend | filings | tentative places | POST p50 ms | p95 ms | max ms | GET placement p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for backend in args.backends:
        with tempfile.TemporaryDirectory() as folder:
            found = (f"sqlite:///{Path(folder) / 'live.db'}", "") if backend == "sqlite" else postgres_database()
            if found is None:
                print(f"| {backend} | not run: no server at {POSTGRES_URL} | | | | | | |")
                continue
            try:
                t = measure(found[0], backend, scenario, args)
            finally:
                if backend == "postgresql":
                    drop_postgres(found[1])
        print(
            f"| {t.backend} | {t.filings} | {t.placed} | {t.file_p50_ms:.1f} | {t.file_p95_ms:.1f} | "
            f"{t.file_max_ms:.1f} | {t.read_p50_ms:.1f} | {t.read_p95_ms:.1f} |"
        )


if __name__ == "__main__":
    main()
