"""The live queue as deployed, through real HTTP: several API processes and `tandem worker` processes sharing
one database, on SQLite and on PostgreSQL.

    python -m benchmarks.deploy_bench                          # both backends, M, 20 filings each
    python -m benchmarks.deploy_bench --backends postgresql --filings 40 --port 8430

For each backend: a fresh database holding a generated organisation (`fixtures.generate`, M by default: 25
agents, 300 requests) and its plan with the live re-plan's parameters stored as the current plan; then the
processes a multi-process deployment runs (README, "Jobs and workers"): on PostgreSQL two API processes
(uvicorn, `TANDEM_EMBEDDED_WORKER=false`, each with its live re-planner and webhook delivery loop) and two
`tandem worker` processes; on SQLite one API process (`tandem serve --workers` > 1 needs PostgreSQL) and two
workers. Every process runs with the settings' defaults (the live re-plan's debounce, work limit and backstop),
the clock frozen at the scenario's now, on loopback. A webhook receiver on loopback (this process) verifies
every delivery's Standard Webhooks signature.

1. Filings spread over time: `--filings` POST /requests (alternating between the API processes; each asks for
   the skills of an existing request, drawn with the seed), each timed end to end by the client; at once a
   GET of its placement from the other API process (tentative, and placed?); then its placement polled every
   50 ms until it is in a re-planned plan (not tentative): the time from the POST's answer to that sighting is
   "to re-planned". Then a pause of `--gap` seconds (uniform, drawn with the seed) before the next filing, so
   each re-plan follows one change. For each re-planned plan: who made it (`system`: the live re-plan), and
   where its time went, from the re-plan's own log line (`api.live.replanning`, INFO, which the API processes
   here log): the newest change's age when it started (the debounce, `TANDEM_LIVE_REPLAN_DELAY_SECONDS`, and
   the re-planner's polling), reading the queue, the search, storing the plan and its events; the rest is this
   client's 50 ms polling. Also the time from the POST's answer to the receiver getting its `request.placed`
   event. The first filing waits until the live queue has caught up with the hand-off's changes (the current
   plan saw the newest change and its placer is built: the re-planner idle); each filing made while a re-plan
   of earlier changes still ran is listed, with how long that re-plan still ran (from the API logs' times).
2. (First, before the filings.) A hand-off: the current plan applied, the agent with the most planned work
   gets a 5 % target load, the lead asks for help on their behalf and accepts the first proposal the peer can
   take (else the next busiest agent, up to three); the receiver must get `handoff.proposed` and
   `handoff.accepted` with the note `GET /handoffs/{id}` shows. After the apply and after each target the live
   queue is let catch up, as for the filings: help starts from the newest plan and the scenario it was computed
   from, so asked before the re-plan after a change it answers for the queue before it (after the apply: 409,
   that plan is stale for the requests the apply re-owned; after a target: the old target).
3. A worker killed mid-job: a lead's plan (a job: M has more open requests than a plan answered at once), the
   worker running it (the job's row names it; killed once its planner child process runs) killed with SIGKILL,
   started again; the job must end (failed with its reason, or succeeded), and no job may be left running.

Prints one table of figures per backend (medians, p95, max). Every process started is stopped at the end, and
the PostgreSQL database dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from standardwebhooks import Webhook

from api.demo import seed
from api.live import marks
from api.live.replanning import LIVE_ACTOR, live_params
from api.roles import Role
from api.settings import Settings
from api.store import plans
from api.store.session import Database, upgrade
from benchmarks.databases import drop_postgres, postgres_database
from benchmarks.servers import START_SECONDS, wait_until_ready
from fixtures.generate import SIZES, generate_scenario
from solver.run import plan as make_plan
from triage.model import Scenario

# The API processes log the live re-plan's timing line (INFO, logger tandem.live); the rest as uvicorn's warnings.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {"tandem.live": {"level": "INFO"}},
}
TIMING = re.compile(
    r"(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) tandem\.live INFO live re-plan: plan (?P<plan>\d+) stored; "
    r"its newest change was (?P<waited>[\d.]+) s old at the start; "
    r"read (?P<read>[\d.]+) s, solve (?P<solve>[\d.]+) s, store (?P<store>[\d.]+) s; this thread's CPU "
    r"(?P<cpu>[\d.]+) s"
)
WARMED = re.compile(
    r"(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) tandem\.live INFO live re-plan: plan (?P<plan>\d+)'s "
    r"placer built in (?P<warm>[\d.]+) s"
)
EVENTS = ["request.placed", "request.moved", "handoff.proposed", "handoff.accepted", "handoff.declined"]
POLL_SECONDS = 0.05


# --- the webhook receiver ---------------------------------------------------------------------------------


@dataclass
class Receiver:
    """Records every delivery, its signature verified (a wrong one is answered 401 and counted)."""

    port: int
    secret: str | None = None
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def first(self, event_type: str, request_id: str) -> float | None:
        with self.lock:
            return next((t for t, e in self.events if e["type"] == event_type and e["request_id"] == request_id), None)

    def texts(self, event_type: str, request_id: str) -> list[str]:
        with self.lock:
            return [e["text"] for _, e in self.events if e["type"] == event_type and e["request_id"] == request_id]


@contextmanager
def receiving(port: int) -> Iterator[Receiver]:
    receiver = Receiver(port)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            arrived = time.monotonic()
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                assert receiver.secret is not None
                event = Webhook(receiver.secret).verify(body, headers)
            except Exception:
                with receiver.lock:
                    receiver.refused += 1
                self.send_response(401)
                self.end_headers()
                return
            self.send_response(204)
            self.end_headers()
            with receiver.lock:
                if headers["webhook-id"] not in receiver.ids:  # a retry of an event already seen: once
                    receiver.ids.add(headers["webhook-id"])
                    receiver.events.append((arrived, event))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# --- the deployment ---------------------------------------------------------------------------------------


@dataclass
class Deployment:
    database_url: str
    now: str
    webhook_key: str
    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "TANDEM_EMBEDDED_WORKER": "false",
            "TANDEM_FIXED_NOW": self.now,
            "TANDEM_WEBHOOK_SECRET_KEY": self.webhook_key,
            "PYTHONUNBUFFERED": "1",
        }

    def _start(self, command: list[str], log_name: str) -> subprocess.Popen[bytes]:
        log = (self.logs / log_name).open("ab")
        process = subprocess.Popen(command, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.processes.append(process)
        return process

    def api(self, port: int) -> str:
        config = self.logs / "logging.json"
        config.write_text(json.dumps(LOGGING))
        process = self._start(
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
                "--log-config",
                str(config),
            ],
            f"api-{port}.log",
        )
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(url, process, output=lambda: self.tail(f"api-{port}.log"))
        return url

    def worker(self) -> subprocess.Popen[bytes]:
        name = f"worker-{len(self.workers) + 1}.log"
        process = self._start([sys.executable, "-m", "api.cli", "worker"], name)
        deadline = time.monotonic() + START_SECONDS
        while "Tandem worker" not in self.tail(name):  # it has failed the jobs of dead workers, and listens
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start: {self.tail(name)}")
            time.sleep(0.1)
        self.workers.append(process)
        return process

    def replan_timings(self) -> dict[int, dict[str, float]]:
        """Each live re-plan's own account of its time (`api.live.replanning`), by plan id, from the API logs;
        with `began` and `ended` (epoch seconds: from its start to its placer built, the re-planner busy)."""
        found: dict[int, dict[str, float]] = {}
        for log in self.logs.glob("api-*.log"):
            text = log.read_text(errors="replace")
            for m in TIMING.finditer(text):
                timing = {k: float(m[k]) for k in ("waited", "read", "solve", "store", "cpu")}
                stored = _log_time(m["at"])
                timing["began"] = stored - timing["read"] - timing["solve"] - timing["store"]
                timing["ended"] = stored
                found[int(m["plan"])] = timing
            for m in WARMED.finditer(text):
                if int(m["plan"]) in found:
                    found[int(m["plan"])]["ended"] = _log_time(m["at"])
        return found

    def settle(self, seconds: float = 60.0) -> float:
        """Wait until the live queue has caught up (the current plan saw the newest change and its placer is
        built, so the re-planner is idle); the seconds waited. A filing made earlier waits for that re-plan."""
        started = time.monotonic()
        database = Database(self.database_url)
        try:
            while time.monotonic() - started < seconds:
                with database.reading() as session:
                    newest, _ = marks.last_change(session=session)
                    current = marks.current_plan_id(session=session)
                    seen = -1 if current is None else marks.seen_seq(session=session, plan_id=current)
                built = current is not None and any(
                    f"plan {current}'s placer built" in log.read_text(errors="replace")
                    for log in self.logs.glob("api-*.log")
                )
                if newest <= seen and built:
                    break
                time.sleep(0.1)
        finally:
            database.dispose()
        return time.monotonic() - started

    def tail(self, name: str) -> str:
        path = self.logs / name
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _log_time(at: str) -> float:
    """A log line's asctime (this machine's local time, milliseconds) as epoch seconds."""
    return datetime.strptime(at, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def store_current_plan(database_url: str, scenario: Scenario) -> None:
    """The scenario planned with the live re-plan's parameters, stored as the current plan (seen every change
    so far), as if the live queue had planned it."""
    result = make_plan(scenario, live_params(Settings(database_url=database_url)))
    database = Database(database_url)
    with database.writing() as session:
        row = plans.save(
            session=session,
            actor=LIVE_ACTOR,
            plan=result,
            scenario=scenario,
            versions={r.id: 1 for r in scenario.requests},
            at=scenario.now,
            reason="benchmark: the current plan",
        )
        marks.mark_plan(session=session, plan_id=row.id, seen_seq=0, source=marks.LIVE)
        session.commit()
    database.dispose()


# --- the measurements -------------------------------------------------------------------------------------


@dataclass
class Filing:
    request_id: str
    post_ms: float
    get_ms: float
    tentative_at_once: bool
    placed_at_once: bool
    to_replanned_s: float | None  # None: not seen re-planned within the bound
    plan_id: int | None = None
    made_by: str | None = None
    placed_event_s: float | None = None
    timing: dict[str, float] | None = None  # the re-plan's own account: waited, read, solve, store (s)
    refused: list[int] = field(default_factory=list)  # statuses of placement reads that were not 200
    answered_at: float = 0.0  # epoch seconds of the POST's answer
    busy_s: float | None = None  # a re-plan of earlier changes (or its placer) still running then: for how long


def file_requests(
    urls: list[str], tokens: dict[Role, str], scenario: Scenario, receiver: Receiver, args: argparse.Namespace
) -> list[Filing]:
    rng = random.Random(args.seed)
    skills = [dict(r.required_skills) for r in scenario.requests]
    requester = {"Authorization": f"Bearer {tokens[Role.REQUESTER]}"}
    clients = [httpx.Client(base_url=u, timeout=30) for u in urls]
    filings: list[Filing] = []
    try:
        for n in range(args.filings):
            post_to, read_from = clients[n % len(clients)], clients[(n + 1) % len(clients)]
            body = {
                "requester": "Deploy Bench",
                "title": f"Deploy {n}",
                "impact": "team",
                "urgency": "degraded",
                "effort_minutes": rng.choice([30, 60, 90, 120]),
                "required_skills": rng.choice(skills),
            }
            started = time.perf_counter()
            answer = post_to.post("/requests", json=body, headers={**requester, "Idempotency-Key": uuid.uuid4().hex})
            answered = time.perf_counter()
            answer.raise_for_status()
            request_id = answer.json()["id"]
            place = read_from.get(f"/requests/{request_id}/placement", headers=requester)
            got = time.perf_counter()
            place.raise_for_status()
            first = place.json()
            filing = Filing(
                request_id=request_id,
                post_ms=1000 * (answered - started),
                get_ms=1000 * (got - answered),
                tentative_at_once=first["tentative"],
                placed_at_once=first["tentative"] and first["planned"],
                to_replanned_s=None,
            )
            answered_mono = time.monotonic() - (time.perf_counter() - answered)
            filing.answered_at = time.time() - (time.perf_counter() - answered)
            deadline, k = answered + args.replan_bound, 0
            while time.perf_counter() < deadline:
                read = clients[k % len(clients)].get(f"/requests/{request_id}/placement", headers=requester)
                k += 1
                if read.status_code != 200:
                    filing.refused.append(read.status_code)
                    time.sleep(POLL_SECONDS)
                    continue
                now = read.json()
                if not now["tentative"]:
                    filing.to_replanned_s = time.perf_counter() - answered
                    filing.plan_id = now["plan_id"]
                    break
                time.sleep(POLL_SECONDS)
            filings.append(filing)
            print(
                f"  {request_id}: POST {filing.post_ms:.0f} ms, tentative {filing.tentative_at_once}, "
                f"re-planned {'-' if filing.to_replanned_s is None else f'{filing.to_replanned_s:.2f} s'}",
                file=sys.stderr,
            )
            time.sleep(rng.uniform(*args.gap))
            placed = receiver.first("request.placed", request_id)
            filing.placed_event_s = None if placed is None else placed - answered_mono
        lead = {"Authorization": f"Bearer {tokens[Role.LEAD]}"}
        for filing in filings:
            if filing.plan_id is not None:
                filing.made_by = clients[0].get(f"/plans/{filing.plan_id}", headers=lead).json()["created_by"]
    finally:
        for client in clients:
            client.close()
    return filings


@dataclass(frozen=True)
class HandOff:
    summary: str
    delivered: bool


def hand_off(
    url: str, tokens: dict[Role, str], receiver: Receiver, settle: Callable[[], float], agents_tried: int = 3
) -> HandOff:
    """The busiest agent gets a 5 % target, the lead asks for help for them and accepts the first proposal the
    peer can take; if none, the next busiest (at most `agents_tried`). After the apply and after each target,
    the live queue is let catch up (`settle`), as a desk reading the plan would: help starts from the newest
    plan, and one made before the change is stale for it."""
    admin, lead = ({"Authorization": f"Bearer {tokens[r]}"} for r in (Role.ADMIN, Role.LEAD))
    refusals: list[str] = []
    with httpx.Client(base_url=url, timeout=60) as client:
        newest = client.get("/plans", headers=lead, params={"limit": 1}).json()["items"]
        # Applied first, as a desk does (the README's hand-off session too): the owners are the plan's, so a
        # peer's room is counted against the plan's work for them.
        client.post(f"/plans/{newest[0]['id']}/apply", headers=lead, json={}).raise_for_status()
        settle()
        plan = client.get(f"/plans/{newest[0]['id']}", headers=lead).json()["plan"]
        load: dict[str, int] = {}
        for a in plan["assignments"]:
            load[a["agent_id"]] = load.get(a["agent_id"], 0) + a["end_minute"] - a["start_minute"]
        accepted_one = None
        for busiest in sorted(sorted(load), key=lambda agent: -load[agent])[:agents_tried]:
            etag = client.get(f"/agents/{busiest}", headers=admin).headers["etag"]
            client.patch(
                f"/agents/{busiest}", headers={**admin, "If-Match": etag}, json={"target_load_pct": 5}
            ).raise_for_status()
            settle()
            asked = client.post(f"/agents/{busiest}/help", headers=lead, json={"reason": "on a project this week"})
            if asked.status_code != 201:  # e.g. the live re-plan after the change made a newer plan meanwhile
                refusals.append(f"{busiest}: help {asked.status_code} {asked.json().get('detail')}")
                continue
            if not asked.json()["proposals"]:
                refusals.append(f"{busiest}: no hand-off proposed ({asked.json()['outcome']})")
            for proposal in asked.json()["proposals"]:
                accepted = client.post(f"/handoffs/{proposal['id']}/accept", headers=lead, json={"reason": "agreed"})
                if accepted.status_code == 200:
                    accepted_one = proposal
                    break
                refusals.append(f"{proposal['request_id']}: {accepted.status_code} {accepted.json().get('detail')}")
            if accepted_one is not None:
                break
        if accepted_one is None:
            return HandOff(f"none accepted ({'; '.join(refusals)})", False)
        proposal = accepted_one
        note = client.get(f"/handoffs/{proposal['id']}", headers=lead).json()["note"]
    request_id = proposal["request_id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (
        receiver.texts("handoff.proposed", request_id) and receiver.texts("handoff.accepted", request_id)
    ):
        time.sleep(0.1)
    delivered = note in receiver.texts("handoff.accepted", request_id) and bool(
        receiver.texts("handoff.proposed", request_id)
    )
    tried = f" (after {len(refusals)} refused: {'; '.join(refusals)})" if refusals else ""
    return HandOff(f"{request_id} from {proposal['from_agent_id']} to {proposal['to_agent_id']}{tried}", delivered)


@dataclass(frozen=True)
class Kill:
    state_after_kill: str
    final_state: str
    error: str | None
    seconds_after_restart: float
    running_left: int


def kill_a_worker(deployment: Deployment, url: str, tokens: dict[Role, str], database_url: str) -> Kill:
    """A lead's plan as a job; the worker running it killed (SIGKILL) and started again: the job must end."""
    lead = {"Authorization": f"Bearer {tokens[Role.LEAD]}"}
    job = httpx.post(f"{url}/plans", json={"time_limit_seconds": 30, "reason": "kill"}, headers=lead, timeout=30)
    if job.status_code != 202:
        raise RuntimeError(f"the plan was not a job: {job.status_code} {job.text[:200]}")
    job_id = job.json()["id"]
    deadline = time.monotonic() + 120
    holder = None
    while holder is None and time.monotonic() < deadline:
        pid = _holder_pid(database_url, job_id)  # the job's row names the worker process holding it
        holder = next((w for w in deployment.workers if w.pid == pid), None)
        time.sleep(0.05)
    if holder is None:
        raise RuntimeError("no worker of this deployment ran the plan within 120 s")
    while not _children(holder.pid) and time.monotonic() < deadline:  # mid-plan: its planner process runs
        time.sleep(0.05)
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    deployment.workers.remove(holder)
    after_kill = httpx.get(f"{url}/jobs/{job_id}", headers=lead).json()["state"]
    restarted = time.monotonic()
    deployment.worker()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = httpx.get(f"{url}/jobs/{job_id}", headers=lead).json()
        if body["state"] in ("failed", "succeeded"):
            break
        time.sleep(0.05)
    ended = time.monotonic() - restarted
    return Kill(after_kill, body["state"], body["error"], ended, _running_jobs(database_url))


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _holder_pid(database_url: str, job_id: str) -> int | None:
    from api.store.tables import JobRow

    database = Database(database_url)
    with database.reading() as session:
        row = session.get(JobRow, job_id)
        holder = None if row is None or row.state != "running" or not row.worker else row.worker
    database.dispose()
    return None if holder is None else int(holder.rsplit(":", 1)[1])


def _running_jobs(database_url: str) -> int:
    from sqlalchemy import func, select

    from api.store.tables import JobRow

    database = Database(database_url)
    with database.reading() as session:
        count = int(session.scalar(select(func.count()).select_from(JobRow).where(JobRow.state == "running")) or 0)
    database.dispose()
    return count


# --- the run ----------------------------------------------------------------------------------------------


@contextmanager
def _logs_folder(keep: Path | None, backend: str) -> Iterator[str]:
    """The processes' logs: kept in `keep`/BACKEND when given, else in a temporary folder removed at the end."""
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="tandem-deploy-") as folder:
            yield folder
        return
    (keep / backend).mkdir(parents=True, exist_ok=True)
    yield str(keep / backend)


def run_backend(backend: str, database_url: str, scenario: Scenario, args: argparse.Namespace) -> str:
    upgrade(database_url)
    tokens = {t.role: t.token for t in seed(database_url=database_url, scenario=scenario, at=scenario.now)}
    store_current_plan(database_url, scenario)
    apis = 2 if backend == "postgresql" else 1
    with _logs_folder(args.logs, backend) as logs, receiving(args.port + 9) as receiver:
        deployment = Deployment(database_url, scenario.now.isoformat(), Fernet.generate_key().decode(), Path(logs))
        try:
            urls = [deployment.api(args.port + i) for i in range(apis)]
            deployment.worker(), deployment.worker()
            admin = {"Authorization": f"Bearer {tokens[Role.ADMIN]}"}
            made = httpx.post(
                f"{urls[0]}/webhooks/subscriptions",
                headers=admin,
                timeout=30,
                json={
                    "url": f"http://127.0.0.1:{receiver.port}/hooks",
                    "event_types": EVENTS,
                    "description": "deploy bench",
                },
            )
            made.raise_for_status()
            receiver.secret = made.json()["secret"]
            load_start = os.getloadavg()
            handoff = hand_off(urls[-1], tokens, receiver, deployment.settle)  # first: filings would take the room
            settled_s = deployment.settle()  # the re-plan after the hand-off's changes: the filings each one change
            filings = file_requests(urls, tokens, scenario, receiver, args)
            timings = deployment.replan_timings()
            for filing in filings:
                filing.timing = None if filing.plan_id is None else timings.get(filing.plan_id)
                running = [
                    t["ended"] - filing.answered_at
                    for plan_id, t in timings.items()
                    if plan_id != filing.plan_id and t["began"] <= filing.answered_at < t["ended"]
                ]
                filing.busy_s = max(running, default=None)
            kill = kill_a_worker(deployment, urls[0], tokens, database_url)
            load_end = os.getloadavg()
        finally:
            deployment.stop()
    return report(backend, apis, filings, handoff, kill, receiver, (load_start, load_end), settled_s)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _stats(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    if not values:
        return "none"
    v = [x * scale for x in values]
    return f"{statistics.median(v):.{digits}f} / {_p(v, 0.95):.{digits}f} / {max(v):.{digits}f}"


def report(
    backend: str,
    apis: int,
    filings: list[Filing],
    handoff: HandOff,
    kill: Kill,
    receiver: Receiver,
    loads: tuple[tuple[float, ...], tuple[float, ...]],
    settled_s: float,
) -> str:
    replanned = [f for f in filings if f.to_replanned_s is not None]
    to_replanned = [f.to_replanned_s for f in replanned if f.to_replanned_s is not None]
    timed = [(f.to_replanned_s, f.timing) for f in replanned if f.to_replanned_s is not None and f.timing]
    part = {k: [t[k] for _, t in timed] for k in ("waited", "read", "solve", "store", "cpu")}
    rests = [total - t["waited"] - t["read"] - t["solve"] - t["store"] for total, t in timed]
    delay = Settings().live_replan_delay_seconds
    idle = [delay + 0.05 + t["cpu"] for _, t in timed]  # the debounce, half the re-planner's polling, its CPU
    within = sum(1 for t in to_replanned if t <= 2.0)
    events = [f.placed_event_s for f in filings if f.placed_event_s is not None]
    makers = sorted({f.made_by for f in replanned if f.made_by})
    busy = [
        f"{n + 1}: {f.busy_s:.2f} s, {f.to_replanned_s or 0:.2f} s"
        for n, f in enumerate(filings)
        if f.busy_s is not None
    ]
    lines = [
        f"### {backend}: {apis} API process(es), 2 workers",
        "",
        f"- load average {' / '.join(f'{x:.2f}' for x in loads[0])} at the start, "
        f"{' / '.join(f'{x:.2f}' for x in loads[1])} at the end (1 / 5 / 15 min)",
        "",
        "| figure | median / p95 / max |",
        "|---|---|",
        f"| POST /requests, ms ({len(filings)} filings) | {_stats([f.post_ms for f in filings], digits=1)} |",
        f"| GET placement from the other API process right after, ms | "
        f"{_stats([f.get_ms for f in filings], digits=1)} |",
        f"| POST answered to placement re-planned, s ({len(replanned)} of {len(filings)} seen re-planned; "
        f"{within} within 2 s) | {_stats(to_replanned)} |",
        f"| of which: the newest change's age when the re-plan started (debounce + its polling), s "
        f"({len(timed)} timed) | {_stats(part['waited'])} |",
        f"| of which: reading the queue, s | {_stats(part['read'])} |",
        f"| of which: the re-plan's search, s | {_stats(part['solve'])} |",
        f"| of which: storing the plan (and its events), s | {_stats(part['store'])} |",
        f"| of which: the rest (the client's 50 ms polling, the filing's commit to its change's time), s | "
        f"{_stats(rests)} |",
        f"| the re-plan thread's CPU time (reading, search, storing), s | {_stats(part['cpu'])} |",
        f"| on an idle core: debounce ({delay:g} s) + 0.05 s (half the re-planner's polling) + that CPU, s | "
        f"{_stats(idle)} |",
        f"| POST answered to `request.placed` received, s ({len(events)} received) | {_stats(events)} |",
        "",
        f"- the live queue caught up {settled_s:.2f} s after the hand-off ended; then the first filing",
        f"- filed while a re-plan of earlier changes (or the building of its placer) was still running: "
        f"{len(busy)} of {len(filings)} (filing: seconds it still ran, to re-planned): {', '.join(busy) or '-'}",
        f"- placement reads answered other than 200 while polling: "
        f"{sum(len(f.refused) for f in filings)} {sorted({c for f in filings for c in f.refused})}",
        f"- tentative place at once: {sum(f.placed_at_once for f in filings)} of {len(filings)} "
        f"(a tentative answer at all: {sum(f.tentative_at_once for f in filings)}); re-planned plans made by: "
        f"{', '.join(makers) or 'none'}",
        f"- hand-off: {handoff.summary}; notes delivered to the receiver and equal to the API's: "
        f"{'yes' if handoff.delivered else 'no'}; signatures refused: {receiver.refused}",
        f"- worker killed mid-plan: the job was `{kill.state_after_kill}` after the kill, `{kill.final_state}` "
        f"{kill.seconds_after_restart:.2f} s after the worker was started again ({kill.error or 'no error'}); "
        f"jobs left running: {kill.running_left}",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--size", default="M", choices=list(SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--filings", type=int, default=20)
    parser.add_argument(
        "--gap",
        type=float,
        nargs=2,
        default=(0.5, 2.0),
        metavar=("MIN", "MAX"),
        help="Seconds between a filing's re-plan and the next filing (uniform).",
    )
    parser.add_argument("--replan-bound", type=float, default=20.0, help="Seconds to wait for a re-planned place.")
    parser.add_argument(
        "--port", type=int, default=8430, help="First loopback port (API processes: it and the next; the receiver: +9)."
    )
    parser.add_argument("--database-prefix", default="tandem_deploy_", help="PostgreSQL database name prefix.")
    parser.add_argument("--logs", type=Path, help="Keep the processes' logs in this folder (one sub-folder a backend).")
    args = parser.parse_args(argv)
    agents, requests, days = SIZES[args.size]
    scenario = generate_scenario(agents, requests, days, args.seed)
    print(
        f"## deploy_bench at {args.size} ({agents} agents, {requests} requests), seed {args.seed}, "
        f"{args.filings} filings; {platform.node()} ({os.cpu_count()} cores), python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
    )
    for backend in args.backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory(prefix="tandem-deploy-db-") as folder:
                print(run_backend(backend, f"sqlite:///{Path(folder) / 'deploy.db'}", scenario, args), flush=True)
            continue
        found = postgres_database(args.database_prefix)
        if found is None:
            print("### postgresql: not run (no server)\n")
            continue
        try:
            print(run_backend(backend, found[0], scenario, args), flush=True)
        finally:
            drop_postgres(found[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
