"""Load on the HTTP API: filing requests and reading the queue, against a real uvicorn on loopback, with wrk.

    python -m benchmarks.load_bench                       # SQLite, and PostgreSQL if it answers
    python -m benchmarks.load_bench --backends sqlite --duration 10 --connections 8 --markdown /tmp/load.md

For each backend: a fresh database (a SQLite file in a temporary folder; a database of its own on the local
PostgreSQL server, dropped afterwards) holding the demo organisation (`fixtures/demo.json`) and 2,000 more
open requests; one uvicorn process (`api.app:create_app`, access log off) on 127.0.0.1; then wrk
(Debian's package, a C load generator) twice:

1. queue read: `GET /requests?status=open&limit=2000` as the queue lead, one connection (each answer carries
   2,000 requests, about 1.3 MB);
2. filing: `POST /requests` as the Sales requester, each with its own Idempotency-Key, over `--connections`
   connections for `--duration` seconds.

Both run first for `--warmup` seconds, unmeasured: a fresh server process gets faster over its first 10 to 15
seconds of load (compiled SQL, the thread pool, SQLite's page cache), so a cold run would measure start-up.

It prints requests per second, latency percentiles (wrk's 50/75/90/99 %), errors (non-2xx answers and
socket errors must be 0), and the CPU time the server's processes spent per answer (user + system, from
/proc, over the measured run: less noisy than the rate on a shared machine, since wrk and other jobs take the
cores but not this time), then checks the rows stored. Loopback only; every run is bounded in time.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text

from api.demo import DEMO_FILE, read_scenario, seed
from api.settings import Settings
from api.store.session import Database
from api.store.tables import RequestRow
from benchmarks.databases import drop_postgres, postgres_database
from benchmarks.servers import piped_output, wait_until_ready

QUEUE_SIZE = 2000

FILE_SCRIPT = """
local counter = 0
local prefix = ""
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("prefix", "t" .. threads .. "-" .. os.time())
end
request = function()
  counter = counter + 1
  local body = '{"requester": "Load Test", "title": "Load ' .. prefix .. '-' .. counter .. '", "impact": "team", '
    .. '"urgency": "degraded", "effort_minutes": 30}'
  return wrk.format("POST", "/requests", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("TANDEM_TOKEN"), ["Idempotency-Key"] = prefix .. "-" .. counter}, body)
end
"""

READ_SCRIPT = """
request = function()
  local headers = {["Authorization"] = "Bearer " .. os.getenv("TANDEM_TOKEN")}
  return wrk.format("GET", "/requests?status=open&limit=2000", headers)
end
"""


@dataclass(frozen=True)
class Run:
    """One wrk run: throughput, latency percentiles in milliseconds, errors."""

    name: str
    backend: str
    connections: int
    seconds: float
    requests: int
    per_second: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    errors: int
    server_cpu_ms: float  # server CPU time (user + system, all its processes) per answer


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` and its descendants so far (Linux /proc; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15 of stat)
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output: str, name: str, backend: str, connections: int, seconds: float, cpu_seconds: float) -> Run:
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.M))
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return Run(
        name=name,
        backend=backend,
        connections=connections,
        seconds=seconds,
        requests=requests,
        per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(percentiles["50"]),
        p75_ms=_ms(percentiles["75"]),
        p90_ms=_ms(percentiles["90"]),
        p99_ms=_ms(percentiles["99"]),
        errors=errors,
        server_cpu_ms=1000 * cpu_seconds / max(requests, 1),
    )


def wrk(url: str, script: str, token: str, *, connections: int, seconds: float, threads: int) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        command = [
            "wrk",
            "--latency",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "10s",
            "-s",
            lua.name,
            url,
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, env={**os.environ, "TANDEM_TOKEN": token}
        )
    finally:
        os.unlink(lua.name)
    if done.returncode != 0 or "Requests/sec" not in done.stdout:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def add_open_requests(database_url: str, count: int, department: str) -> None:
    """`count` open requests, written directly (the queue read measures reading, not filing)."""
    database = Database(database_url)
    now = datetime.now(UTC)
    with database.writing() as session:
        start = int(session.scalar(select(func.max(RequestRow.pk))) or 0) + 1
        session.add_all(
            RequestRow(
                pk=n,
                id=f"REQ-{n}",
                department_id=department,
                requester="Queue Filler",
                title=f"Queued {n}",
                impact="team",
                urgency="degraded",
                effort_minutes=30,
                required_skills={},
                created_at=now - timedelta(minutes=n % 600),
                status="open",
                updated_at=now,
                version=1,
            )
            for n in range(start, start + count)
        )
        session.commit()
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as connection:
            connection.execute(text("SELECT setval(pg_get_serial_sequence('requests', 'pk'), MAX(pk)) FROM requests"))
    database.dispose()


def count_requests(database_url: str) -> tuple[int, int]:
    """(requests filed by the load test, distinct titles among them)."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT count(*), count(DISTINCT title) FROM requests WHERE requester = 'Load Test'")
        )
        filed, distinct = rows.one()
    engine.dispose()
    return int(filed), int(distinct)


def serve(database_url: str, port: int, workers: int) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
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
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", process, seconds=60, output=piped_output(process))
    except RuntimeError:
        process.kill()
        raise
    return process


def bench_backend(backend: str, database_url: str, args: argparse.Namespace) -> list[Run]:
    scenario = read_scenario(DEMO_FILE)
    tokens = {t.role.value: t.token for t in seed(database_url=database_url, scenario=scenario, at=datetime.now(UTC))}
    already_open = sum(1 for r in scenario.requests if r.status == "open")
    add_open_requests(database_url, QUEUE_SIZE - already_open, department="sales")
    port = free_port()
    server = serve(database_url, port, args.workers)
    url = f"http://127.0.0.1:{port}"
    try:
        check = httpx.get(
            f"{url}/requests",
            params={"status": "open", "limit": QUEUE_SIZE},
            headers={"Authorization": f"Bearer {tokens['lead']}"},
            timeout=30,
        ).json()
        assert len(check["items"]) == QUEUE_SIZE, len(check["items"])
        print(f"[{backend}] warming up ({args.warmup:g} s of each) ...", file=sys.stderr)
        wrk(url, READ_SCRIPT, tokens["lead"], connections=1, seconds=args.warmup, threads=1)
        wrk(
            url,
            FILE_SCRIPT,
            tokens["requester"],
            connections=args.connections,
            seconds=args.warmup,
            threads=args.threads,
        )
        print(f"[{backend}] queue read ({QUEUE_SIZE} open requests) ...", file=sys.stderr)
        before = server_cpu_seconds(server.pid)
        read = wrk(url, READ_SCRIPT, tokens["lead"], connections=1, seconds=args.duration, threads=1)
        cpu = server_cpu_seconds(server.pid)
        runs = [parse_wrk(read, f"queue read ({QUEUE_SIZE} open)", backend, 1, args.duration, cpu - before)]
        print(f"[{backend}] filing, {args.connections} connections ...", file=sys.stderr)
        filing = wrk(
            url,
            FILE_SCRIPT,
            tokens["requester"],
            connections=args.connections,
            seconds=args.duration,
            threads=args.threads,
        )
        spent = server_cpu_seconds(server.pid) - cpu
        runs.append(parse_wrk(filing, "file a request", backend, args.connections, args.duration, spent))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        if server.stdout:
            server.stdout.close()
    filed, distinct = count_requests(database_url)
    print(
        f"[{backend}] stored {filed} filed requests, {distinct} distinct, wrk counted {runs[-1].requests}",
        file=sys.stderr,
    )
    assert filed == distinct, "a request was stored twice"
    return runs


def markdown(runs: list[Run], args: argparse.Namespace) -> str:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average at the end {load} (1 / 5 / 15 min)",
        f"- server: uvicorn (`--workers {args.workers}`, httptools, uvloop), SQLite in WAL mode with synchronous "
        f"{_synchronous()}; wrk {args.threads} thread(s), {args.duration:g} s per run after {args.warmup:g} s of "
        "warm-up",
        "",
        "| backend | what | connections | requests | req/s | p50 ms | p75 ms | p90 ms | p99 ms | errors "
        "| server CPU ms/answer |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.backend} | {r.name} | {r.connections} | {r.requests} | {r.per_second:.0f} | {r.p50_ms:.1f} | "
        f"{r.p75_ms:.1f} | {r.p90_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | {r.server_cpu_ms:.2f} |"
        for r in runs
    ]
    return "\n".join(lines) + "\n"


def _synchronous() -> str:
    """The SQLite synchronous setting the server gets (it inherits this environment)."""
    default = Settings.model_fields["sqlite_synchronous"].default
    return os.environ.get("TANDEM_SQLITE_SYNCHRONOUS", default).upper()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=10.0, help="unmeasured seconds of each load first")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections while filing")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn processes (PostgreSQL only beyond 1)")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    runs: list[Run] = []
    for backend in args.backends:
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="tandem-load-"))
            try:
                runs += bench_backend(backend, f"sqlite:///{folder / 'load.db'}", args)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        else:
            found = postgres_database()
            if found is None:
                continue
            try:
                runs += bench_backend(backend, found[0], args)
            finally:
                drop_postgres(found[1])
    table = markdown(runs, args)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
