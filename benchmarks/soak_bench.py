"""Soak: mixed traffic of every role for minutes against two API processes and a job worker on PostgreSQL.

    python -m benchmarks.soak_bench                     # 10 minutes
    python -m benchmarks.soak_bench --minutes 0.5 --markdown /tmp/soak.md

A fresh database of its own on the local PostgreSQL server (`TANDEM_TEST_POSTGRES_URL`, default
postgres@127.0.0.1:5432), seeded with the demo organisation and one token per role as `tandem serve --demo`
seeds them (`api.demo.seed`, the clock frozen at the demo's now as the demo does); then, on loopback only,
two `tandem serve` processes on two ports sharing it (`TANDEM_EMBEDDED_WORKER=false`) and one `tandem worker`
running the plan and simulation jobs. Simulated people, spread over both ports, each looping "do one thing,
think a moment" until the time is up or the request budget (`--max-requests`) is spent:

- requesters (the Sales desk): file requests (each with its Idempotency-Key), list and read their own, read a
  request's placement, read the department report;
- agents (one principal per agent, made by the admin at start): read the open queue, read a plan's
  explanations of one of their requests, read placements, ask for help, list hand-offs;
- the lead: compute plans (`POST /plans`: a job, polled at /jobs/{id}), apply the newest one (a 409 is
  expected when the queue moved on since it was computed; then applied again with `force`, refused too when
  the plan's own requests changed), what-if on a request of the plan last read, close the oldest filed
  requests (so the queue stays at about `--queue` requests above the demo's), list and read plans, the
  department report;
- the manager: small simulations (one variant, two days, the routing planner; polled), what-if, reports;
- the admin: principals, departments, the policy, the audit log.

It reports per operation the answers per second, p50 and p99 latency, answers by status (5xx and transport
errors are failures; the 4xx each operation may expect are listed apart and explained); the resident memory
(VmRSS, from /proc) of each server process over time, with the warm-up left out: first and last sample after
it and the least-squares slope in MB per minute; the database's size (pg_database_size) at the start and the
end; the load average. The servers and the database are removed at the end, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import math
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from api.demo import DEMO_FILE, read_scenario, seed
from benchmarks.databases import drop_postgres, postgres_database
from benchmarks.servers import wait_until_ready

PORTS = (8700, 8701)
EXPECTED: dict[str, dict[int, str]] = {
    "apply plan": {409: "the queue moved on since the plan was computed (filed, closed or applied meanwhile)"},
    "apply plan (forced)": {409: "the plan's own requests changed since (closed, or re-owned by a later apply)"},
    "close request": {404: "closed already by another lead loop"},
    "ask for help": {409: "a request changed since the plan the help starts from (filed or closed meanwhile)"},
    "what-if": {404: "the request named was closed since the plan", 422: "the request is no longer in the plan"},
    "read explanations": {404: "the plan was pruned"},
}


@dataclass
class Tally:
    """Every answer, by operation: latency in ms and status (0: a transport error)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    bodies: dict[tuple[str, int], str] = field(default_factory=dict)  # one example body per failing status
    jobs: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # job wall seconds by kind
    job_states: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    count: int = 0

    def add(self, operation: str, status: int, milliseconds: float, body: str = "") -> None:
        self.latencies[operation].append(milliseconds)
        self.statuses[operation][status] += 1
        self.count += 1
        if (status >= 400 or status == 0) and (operation, status) not in self.bodies:
            self.bodies[operation, status] = body[:300]


@dataclass
class World:
    """What the simulated people share: the clients, the tokens, the ids they have seen."""

    clients: list[httpx.AsyncClient]
    tokens: dict[str, str]
    agents: list[str]
    department: str
    deadline: float
    budget: int
    queue: int
    tally: Tally = field(default_factory=Tally)
    filed: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)  # requests of the newest plan the lead read, not closed since
    closed: set[str] = field(default_factory=set)
    plan_id: int | None = None
    rng: random.Random = field(default_factory=lambda: random.Random(17))
    keys: itertools.count[int] = field(default_factory=itertools.count)

    def running(self) -> bool:
        return time.monotonic() < self.deadline and self.tally.count < self.budget

    def client(self) -> httpx.AsyncClient:
        return self.rng.choice(self.clients)

    def key(self) -> str:
        return f"soak-{uuid.uuid4().hex[:8]}-{next(self.keys)}"


async def call(
    world: World,
    operation: str,
    token: str,
    method: str,
    path: str,
    *,
    json: Any = None,
    key: bool = False,
    params: dict[str, Any] | None = None,
) -> httpx.Response | None:
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = world.key()
    started = time.perf_counter()
    try:
        answer = await world.client().request(method, path, json=json, headers=headers, params=params)
    except httpx.HTTPError as exc:
        world.tally.add(operation, 0, 1000 * (time.perf_counter() - started), repr(exc))
        return None
    world.tally.add(operation, answer.status_code, 1000 * (time.perf_counter() - started), answer.text)
    return answer


async def follow_job(world: World, kind: str, token: str, job_id: str, limit_seconds: float) -> None:
    """Poll a job to its end (bounded), recording how long it took and how it ended."""
    started = time.monotonic()
    state = "unfinished"
    while time.monotonic() - started < limit_seconds and time.monotonic() < world.deadline + 30:
        await asyncio.sleep(1.0)
        answer = await call(world, "poll job", token, "GET", f"/jobs/{job_id}")
        if answer is None or answer.status_code != 200:
            continue
        job = answer.json()
        state = job["state"]
        if state in {"succeeded", "failed", "cancelled"}:
            if kind == "plan" and job.get("plan_id"):
                world.plan_id = max(world.plan_id or 0, int(job["plan_id"]))
            if kind == "simulation" and state == "succeeded":
                await call(world, "read simulation", token, "GET", f"/simulations/{job_id}")
            break
    world.tally.jobs[kind].append(time.monotonic() - started)
    world.tally.job_states[kind][state] += 1


def some(world: World, values: list[str]) -> str | None:
    return world.rng.choice(values) if values else None


# --- the roles: each a list of (weight, action) -------------------------------------------------------------


async def file_request(world: World) -> None:
    body = {
        "requester": "Soak Desk",
        "title": f"Soak request {world.tally.count}",
        "impact": "team",
        "urgency": world.rng.choice(["degraded", "inconvenient", "can_wait"]),
        "effort_minutes": world.rng.choice([30, 60, 90, 120]),
    }
    answer = await call(world, "file request", world.tokens["requester"], "POST", "/requests", json=body, key=True)
    if answer is not None and answer.status_code == 201:
        world.filed.append(answer.json()["id"])


async def list_own(world: World) -> None:
    await call(world, "list requests (requester)", world.tokens["requester"], "GET", "/requests", params={"limit": 50})


async def read_request(world: World) -> None:
    if (request := some(world, world.filed)) is not None:
        await call(world, "read request", world.tokens["requester"], "GET", f"/requests/{request}")


async def read_placement(world: World) -> None:
    if (request := some(world, world.filed)) is not None:
        await call(world, "read placement", world.tokens["requester"], "GET", f"/requests/{request}/placement")


async def department_report(world: World, role: str = "requester") -> None:
    await call(world, "department report", world.tokens[role], "GET", f"/departments/{world.department}/report")


async def read_queue(world: World, agent: str) -> None:
    params = {"status": "open", "limit": 200}
    await call(world, "list requests (queue)", world.tokens[agent], "GET", "/requests", params=params)


async def read_explanations(world: World, agent: str) -> None:
    if world.plan_id is None or (request := some(world, world.filed)) is None:
        return
    path = f"/plans/{world.plan_id}/explanations"
    await call(world, "read explanations", world.tokens[agent], "GET", path, params={"request_id": request})


async def agent_placement(world: World, agent: str) -> None:
    if (request := some(world, world.filed)) is not None:
        await call(world, "read placement", world.tokens[agent], "GET", f"/requests/{request}/placement")


async def ask_help(world: World, agent: str) -> None:
    await call(
        world,
        "ask for help",
        world.tokens[agent],
        "POST",
        f"/agents/{agent.removeprefix('agent-')}/help",
        json={"time_limit_seconds": 1.0},
        key=True,
    )


async def list_handoffs(world: World, agent: str) -> None:
    await call(world, "list hand-offs", world.tokens[agent], "GET", "/handoffs")


async def compute_plan(world: World) -> None:
    body = {"time_limit_seconds": 2.0, "reason": "soak"}
    answer = await call(world, "compute plan", world.tokens["lead"], "POST", "/plans", json=body, key=True)
    if answer is None:
        return
    if answer.status_code == 202:
        await follow_job(world, "plan", world.tokens["lead"], answer.json()["id"], 120)
    elif answer.status_code == 201:
        world.plan_id = max(world.plan_id or 0, int(answer.json()["id"]))


async def apply_plan(world: World) -> None:
    """Apply the newest plan; when the queue moved on since (409), apply it anyway, as a lead may (audited)."""
    if world.plan_id is None:
        return
    path = f"/plans/{world.plan_id}/apply"
    answer = await call(world, "apply plan", world.tokens["lead"], "POST", path, json={"reason": "soak"}, key=True)
    if answer is not None and answer.status_code == 409:
        body = {"reason": "soak: forced", "force": True}
        await call(world, "apply plan (forced)", world.tokens["lead"], "POST", path, json=body, key=True)


async def what_if(world: World, role: str = "lead") -> None:
    """Move one of the plan's requests first (one the lead read in the plan and nobody closed since)."""
    if world.plan_id is None or (request := some(world, world.planned)) is None:
        return
    body = {"kind": "first", "request": request, "time_limit_seconds": 1.0}
    await call(world, "what-if", world.tokens[role], "POST", f"/plans/{world.plan_id}/what-if", json=body)


async def close_oldest(world: World) -> None:
    while len(world.filed) > world.queue:
        request = world.filed.pop(0)
        world.closed.add(request)
        if request in world.planned:
            world.planned.remove(request)
        await call(
            world,
            "close request",
            world.tokens["lead"],
            "POST",
            f"/requests/{request}/close",
            json={"reason": "soak: done"},
            key=True,
        )


async def list_plans(world: World) -> None:
    await call(world, "list plans", world.tokens["lead"], "GET", "/plans", params={"limit": 20})
    if world.plan_id is not None:
        answer = await call(world, "read plan", world.tokens["lead"], "GET", f"/plans/{world.plan_id}")
        if answer is not None and answer.status_code == 200:
            assigned = [a["request_id"] for a in answer.json()["plan"]["assignments"]]
            world.planned = [r for r in assigned if r not in world.closed]


async def simulate(world: World) -> None:
    hire = {"kind": "hire", "agent": f"soak-hire-{world.tally.count}", "skills": {}}
    body = {
        "variants": [{"name": "one more", "changes": [hire]}],
        "days": 2,
        "seeds": 1,
        "planner": "routing",
        "arrivals_per_day": 20,
    }
    answer = await call(world, "start simulation", world.tokens["manager"], "POST", "/simulations", json=body, key=True)
    if answer is not None and answer.status_code == 202:
        await follow_job(world, "simulation", world.tokens["manager"], answer.json()["id"], 120)


async def admin_reads(world: World) -> None:
    token = world.tokens["admin"]
    path = world.rng.choice(["/principals", "/departments", "/policy", "/audit"])
    await call(world, f"admin read {path}", token, "GET", path, params={"limit": 50} if path == "/audit" else None)


Action = Callable[[World], Awaitable[None]]


Person = Callable[[World], Coroutine[Any, Any, None]]


def person(actions: list[tuple[int, Action]], think: tuple[float, float]) -> Person:
    async def loop(world: World) -> None:
        weights = [w for w, _ in actions]
        while world.running():
            action = world.rng.choices([a for _, a in actions], weights)[0]
            await action(world)
            await asyncio.sleep(world.rng.uniform(*think))

    return loop


def for_agent(agent: str, action: Callable[[World, str], Awaitable[None]]) -> Action:
    async def act(world: World) -> None:
        await action(world, agent)

    return act


def people(world: World, requesters: int) -> list[Person]:
    requester = person(
        [(4, file_request), (3, list_own), (2, read_request), (2, read_placement), (1, department_report)], (0.5, 2.0)
    )
    crowd = [requester] * requesters
    for agent in world.agents:
        crowd.append(
            person(
                [
                    (3, for_agent(agent, read_queue)),
                    (2, for_agent(agent, read_explanations)),
                    (2, for_agent(agent, agent_placement)),
                    (1, for_agent(agent, ask_help)),
                    (1, for_agent(agent, list_handoffs)),
                ],
                (2.0, 5.0),
            )
        )

    async def lead_report(w: World) -> None:
        await department_report(w, "lead")

    async def manager_report(w: World) -> None:
        await department_report(w, "manager")

    async def manager_what_if(w: World) -> None:
        await what_if(w, "manager")

    crowd.append(
        person(
            [(2, compute_plan), (2, apply_plan), (2, what_if), (4, close_oldest), (2, list_plans), (1, lead_report)],
            (1.0, 3.0),
        )
    )
    crowd.append(person([(1, simulate), (2, manager_report), (1, manager_what_if)], (3.0, 8.0)))
    crowd.append(person([(1, admin_reads)], (3.0, 8.0)))
    return crowd


# --- the servers, their memory, the database -----------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return found


def descendants(pid: int) -> list[int]:
    """Every process below `pid`: a job's spawned child, an API process's fork server and its planners."""
    found = children(pid)
    for child in list(found):
        found += descendants(child)
    return found


async def sample_memory(
    world: World, servers: dict[str, subprocess.Popen[bytes]], every: float, into: list[tuple[float, dict[str, float]]]
) -> None:
    started = time.monotonic()
    while world.running():
        row: dict[str, float] = {}
        for name, process in servers.items():
            row[name] = rss_mb(process.pid) or 0.0
            # the worker's jobs and an API process's fork server with its planners (`api.offload`), summed: they
            # come and go (a fork server's planners share its pages, so the sum counts those more than once)
            row[f"{name.split(' (')[0]} children"] = sum(rss_mb(c) or 0.0 for c in descendants(process.pid))
        into.append((time.monotonic() - started, row))
        await asyncio.sleep(every)


async def trace_marks(world: World, servers: dict[str, subprocess.Popen[bytes]], warmup: float) -> None:
    """With --trace: SIGUSR1 to each API process (`api.memtrace` snapshots) at the end of the warm-up, then every
    `warmup` seconds, and once more as the traffic ends."""
    started = time.monotonic()
    mark = warmup
    while world.running():
        await asyncio.sleep(1.0)
        if time.monotonic() - started >= mark or not world.running():
            for name, process in servers.items():
                if name.startswith("api") and process.poll() is None:
                    process.send_signal(signal.SIGUSR1)
            mark += warmup


def database_size(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        size = int(connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    engine.dispose()
    return size


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGINT to each process we started, then its whole group killed if it lingers."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 20
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(deadline - time.monotonic(), 0.1))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the group we made for it: its job children too
        process.wait()


def make_agents(url: str, admin: str, agents: list[str]) -> dict[str, str]:
    """One agent principal and token per agent, through the admin's API."""
    tokens = {}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin}"}, timeout=30) as client:
        for agent in agents:
            principal = f"agent-{agent}"
            made = client.post("/principals", json={"id": principal, "name": agent, "role": "agent", "agent_id": agent})
            if made.status_code not in (201, 409):
                raise RuntimeError(f"could not make {principal}: {made.status_code} {made.text}")
            issued = client.post(f"/principals/{principal}/tokens", json={"label": "soak"})
            issued.raise_for_status()
            tokens[principal] = issued.json()["token"]
    return tokens


# --- the report ------------------------------------------------------------------------------------------------


def quantile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) in MB per minute; 0 with fewer than 3 points."""
    if len(points) < 3 or len({t for t, _ in points}) < 2:
        return 0.0
    fit = statistics.linear_regression([t for t, _ in points], [m for _, m in points])
    return 60 * fit.slope


def summary(tally: Tally, seconds: float) -> tuple[list[str], int]:
    """The operations table and the number of failures (5xx, transport errors, unexpected 4xx)."""
    lines = ["| operation | answers | per s | p50 ms | p99 ms | max ms | statuses |", "|---|---|---|---|---|---|---|"]
    failures = 0
    for operation in sorted(tally.latencies):
        values, statuses = tally.latencies[operation], tally.statuses[operation]
        shown = ", ".join(f"{s or 'transport error'}: {n}" for s, n in sorted(statuses.items()))
        lines.append(
            f"| {operation} | {len(values)} | {len(values) / seconds:.2f} | {quantile(values, 0.5):.0f} | "
            f"{quantile(values, 0.99):.0f} | {max(values):.0f} | {shown} |"
        )
        expected = EXPECTED.get(operation, {})
        failures += sum(n for s, n in statuses.items() if s == 0 or (s >= 400 and s not in expected))
    return lines, failures


def memory_lines(samples: list[tuple[float, dict[str, float]]], warmup: float) -> list[str]:
    lines = [
        "| process | first sample MB | after warm-up MB | last MB | max MB | slope after warm-up MB/min | "
        "slope over the last half MB/min |",
        "|---|---|---|---|---|---|---|",
    ]
    names = list(samples[0][1]) if samples else []
    for name in names:
        series = [(t, row[name]) for t, row in samples if name in row]
        later = [(t, m) for t, m in series if t >= warmup] or series[-1:]
        half = [(t, m) for t, m in series if t >= series[-1][0] / 2]  # filling caches and heaps show as a difference
        lines.append(
            f"| {name} | {series[0][1]:.0f} | {later[0][1]:.0f} | {series[-1][1]:.0f} | "
            f"{max(m for _, m in series):.0f} | {slope_per_minute(later):+.2f} | {slope_per_minute(half):+.2f} |"
        )
    return lines


def report(
    world: World,
    args: argparse.Namespace,
    seconds: float,
    samples: list[tuple[float, dict[str, float]]],
    sizes: tuple[int, int],
    loads: tuple[tuple[float, ...], tuple[float, ...]],
) -> tuple[str, int]:
    table, failures = summary(world.tally, seconds)
    warmup = min(args.warmup, seconds / 3)
    lines = [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average at the start {' / '.join(f'{x:.2f}' for x in loads[0])}, at "
        f"the end {' / '.join(f'{x:.2f}' for x in loads[1])} (1 / 5 / 15 min)",
        f"- {seconds:.0f} s of traffic, {world.tally.count} answers ({world.tally.count / seconds:.1f} per s), "
        f"{args.requesters} requesters, {len(world.agents)} agents, a lead, a manager, an admin; two API processes "
        f"and one worker on PostgreSQL",
        f"- database size: {sizes[0] / 2**20:.1f} MB at the start, {sizes[1] / 2**20:.1f} MB at the end",
        f"- failures (5xx, transport errors, unexpected 4xx): **{failures}**",
        "",
        *table,
        "",
        "| job | count | wall s p50 | max | ended |",
        "|---|---|---|---|---|",
    ]
    for kind, values in sorted(world.tally.jobs.items()):
        ended = ", ".join(f"{s}: {n}" for s, n in sorted(world.tally.job_states[kind].items()))
        lines.append(f"| {kind} | {len(values)} | {statistics.median(values):.1f} | {max(values):.1f} | {ended} |")
    lines += ["", f"Memory (VmRSS) sampled every {args.sample_seconds:g} s; warm-up: the first {warmup:.0f} s.", ""]
    lines += memory_lines(samples, warmup)
    expected_seen = [
        (op, s, why)
        for op, reasons in EXPECTED.items()
        for s, why in reasons.items()
        if world.tally.statuses.get(op, Counter())[s]
    ]
    if expected_seen:
        lines += ["", "Expected 4xx:", *(f"- {op} {s}: {why}" for op, s, why in expected_seen)]
    if world.tally.bodies:
        lines += ["", "Answers of 400 and above (and transport errors), one body each:"]
        lines += [f"- {op} {s}: `{body}`" for (op, s), body in sorted(world.tally.bodies.items())]
    return "\n".join(lines) + "\n", failures


# --- the run -----------------------------------------------------------------------------------------------------


async def traffic(
    world: World,
    servers: dict[str, subprocess.Popen[bytes]],
    args: argparse.Namespace,
    samples: list[tuple[float, dict[str, float]]],
) -> None:
    crowd = people(world, args.requesters)
    tasks: list[asyncio.Task[None]] = [asyncio.create_task(loop(world)) for loop in crowd]
    tasks.append(asyncio.create_task(sample_memory(world, servers, args.sample_seconds, samples)))
    if args.trace is not None:
        tasks.append(asyncio.create_task(trace_marks(world, servers, args.warmup)))
    await asyncio.gather(*tasks)


def _interrupted(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of traffic")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop after this many answers")
    parser.add_argument("--requesters", type=int, default=4, help="simulated requesters (the Sales desk)")
    parser.add_argument("--agents", type=int, default=3, help="simulated agents, each their own principal")
    parser.add_argument("--queue", type=int, default=40, help="filed requests kept open (the lead closes the rest)")
    parser.add_argument("--warmup", type=float, default=120.0, help="seconds left out of the memory slope")
    parser.add_argument("--sample-seconds", type=float, default=5.0, help="memory sampling interval")
    parser.add_argument("--ports", type=int, nargs=2, default=list(PORTS), help="the two API processes' ports")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--series", type=Path, help="write every memory sample to this CSV (seconds, process, MB)")
    parser.add_argument("--trace", type=Path, help="trace the API processes' allocations (api.memtrace) here")
    parser.add_argument("--database-prefix", default="tandem_bench_", help="the fresh database's name prefix")
    parser.add_argument("--logs", type=Path, default=Path("/tmp"), help="folder for the servers' logs")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)  # also when started in the background, where SIGINT is ignored
    found = postgres_database(args.database_prefix)
    if found is None:
        return 2
    url, name = found
    processes: list[subprocess.Popen[bytes]] = []
    try:
        scenario = read_scenario(DEMO_FILE)
        seeded = {t.role.value: t.token for t in seed(database_url=url, scenario=scenario, at=scenario.now)}
        department = "sales"  # the demo's requester files for Sales (api.demo.PREFERRED_DEPARTMENT)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "TANDEM_EMBEDDED_WORKER": "false",
            "TANDEM_FIXED_NOW": scenario.now.isoformat(),
            "PYTHONUNBUFFERED": "1",
        }
        tag = name.removeprefix(args.database_prefix)
        api_env = env if args.trace is None else {**env, "TANDEM_TRACEMALLOC": str(args.trace)}
        servers: dict[str, subprocess.Popen[bytes]] = {}
        for i, port in enumerate(args.ports, 1):
            log = args.logs / f"soak-{tag}-api{i}.log"
            servers[f"api {i} (:{port})"] = start(
                [sys.executable, "-m", "api.cli", "serve", "--port", str(port)], api_env, log
            )
            processes.append(servers[f"api {i} (:{port})"])
        servers["worker"] = start(
            [sys.executable, "-m", "api.cli", "worker"], env, args.logs / f"soak-{tag}-worker.log"
        )
        processes.append(servers["worker"])
        for i, port in enumerate(args.ports, 1):
            log = args.logs / f"soak-{tag}-api{i}.log"
            wait_until_ready(f"http://127.0.0.1:{port}", processes[i - 1], seconds=300, output=log.read_text)
        agents = [a.id for a in scenario.agents[: args.agents]]
        tokens = seeded | make_agents(f"http://127.0.0.1:{args.ports[0]}", seeded["admin"], agents)
        first = httpx.post(
            f"http://127.0.0.1:{args.ports[0]}/plans",
            json={"reason": "soak: first plan"},
            headers={"Authorization": f"Bearer {tokens['lead']}"},
            timeout=120,
        )
        if first.status_code != 201:  # the demo's queue is planned at once; reports and placements need a plan
            raise RuntimeError(f"the first plan failed: {first.status_code} {first.text}")
        size_before = database_size(url)
        loads = [os.getloadavg()]
        samples: list[tuple[float, dict[str, float]]] = []
        timeout = httpx.Timeout(60.0, connect=10.0)
        # idle connections dropped after 2 s, before uvicorn's keep-alive of 5 s ends them: a request sent on a
        # connection the server is closing at that moment fails in transport, a client-side race, not an answer
        limits = httpx.Limits(keepalive_expiry=2.0)
        clients = [
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", timeout=timeout, limits=limits) for p in args.ports
        ]
        world = World(
            clients=clients,
            tokens=tokens,
            agents=[f"agent-{a}" for a in agents],
            department=department,
            deadline=time.monotonic() + 60 * args.minutes,
            budget=args.max_requests,
            queue=args.queue,
            plan_id=int(first.json()["id"]),
        )
        print(
            f"soak: {args.minutes:g} min against :{args.ports[0]} and :{args.ports[1]}, database {name}",
            file=sys.stderr,
        )
        started = time.monotonic()

        async def run() -> None:
            try:
                await traffic(world, servers, args, samples)
            finally:
                for client in clients:
                    await client.aclose()

        asyncio.run(run())
        seconds = time.monotonic() - started
        loads.append(os.getloadavg())
        dead = [n for n, p in servers.items() if p.poll() is not None]
        size_after = database_size(url)
        text_, failures = report(world, args, seconds, samples, (size_before, size_after), (loads[0], loads[1]))
        if dead:
            text_ += f"\nServer processes that died during the run: {', '.join(dead)}\n"
            failures += len(dead)
        print(text_)
        if args.markdown:
            args.markdown.write_text(text_)
        if args.series:
            rows = [f"{t:.1f},{process},{mb:.1f}" for t, row in samples for process, mb in row.items()]
            args.series.write_text("seconds,process,mb\n" + "\n".join(rows) + "\n")
        return 1 if failures else 0
    except KeyboardInterrupt:
        print("soak: interrupted; stopping the servers and dropping the database", file=sys.stderr)
        return 130
    finally:
        stop(processes)
        drop_postgres(name)


if __name__ == "__main__":
    sys.exit(main())
