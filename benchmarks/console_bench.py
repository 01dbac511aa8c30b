"""The console's board: server time and bytes, on the demo and on a generated L organisation (80 agents, 1,500
requests), against a real uvicorn on loopback.

    python -m benchmarks.console_bench                    # demo and L (seed 1)
    python -m benchmarks.console_bench --sizes demo --repeats 30

For each organisation: a fresh SQLite database in a temporary folder holding it (`api.demo.seed`: the
scenario and a token per role), a plan computed from the stored queue (`api.plans.service.snapshot`, the planner
with `--plan-seconds`) and saved as the API saves one, then one uvicorn process (`api.app:create_app`) on
127.0.0.1. The lead signs in through the console's form; after `--warmup` unmeasured loads, `GET
/console/board` is timed `--repeats` times (wall time from request to the last byte on loopback: the server's
time plus a loopback round trip, well under a millisecond). It prints the median, p90 and max, the page's
bytes, and the bytes of a first visit (the page and its static assets: style sheet and htmx).

Targets (issue 15): the demo under 300 ms, L under 1.5 s and under 2 MB transferred.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from api.demo import DEMO_FILE, read_scenario, seed
from api.plans.service import snapshot
from api.roles import Principal, Role
from api.store import plans
from api.store.session import Database
from benchmarks.servers import wait_until_ready
from solver.params import SolveParams
from solver.run import plan as make_plan

ROOT = Path(__file__).resolve().parents[1]
TARGETS_MS = {"demo": 300.0, "L": 1500.0}
MAX_BYTES = 2_000_000


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scenario_file(size: str, folder: Path, seed_number: int) -> Path:
    if size == "demo":
        return DEMO_FILE
    out = folder / f"{size}.json"
    subprocess.run(
        [sys.executable, "-m", "fixtures.generate", "--size", size, "--seed", str(seed_number), "--out", str(out)],
        check=True,
        cwd=ROOT,
    )
    return out


def _prepare(path: Path, url: str, plan_seconds: float) -> tuple[str, int, int, str]:
    """Seed the database, compute and save a plan; the lead's token, the requests, assignments and now."""
    scenario = read_scenario(path)
    tokens = {t.role: t.token for t in seed(database_url=url, scenario=scenario, at=scenario.now)}
    database = Database(url)
    try:
        with database.reading() as session:
            stored, versions = snapshot(session=session, now=scenario.now)
        result = make_plan(stored, SolveParams(time_limit_seconds=plan_seconds, workers=2))
        lead = Principal(id="lead", name="Lee Lead", role=Role.LEAD)
        with database.writing() as session:
            plans.save(
                session=session,
                actor=lead,
                plan=result,
                scenario=stored,
                versions=versions,
                at=scenario.now,
                reason="benchmark",
            )
            session.commit()
    finally:
        database.dispose()
    return tokens[Role.LEAD], len(stored.requests), len(result.assignments), scenario.now.isoformat()


def _sign_in(client: httpx.Client, token: str) -> None:
    form = client.get("/console/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    answer = client.post("/console/sign-in", data={"token": token, "csrf": csrf.group(1)})
    assert answer.status_code == 303, answer.text[:300]


def measure(size: str, *, repeats: int, warmup: int, plan_seconds: float, seed_number: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="console-bench-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'tandem.db'}"
        token, requests, assigned, now = _prepare(_scenario_file(size, folder, seed_number), url, plan_seconds)
        port = _port()
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "TANDEM_FIXED_NOW": now}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=folder,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_ready(base, server)
            with httpx.Client(base_url=base, timeout=60) as client:
                _sign_in(client, token)
                for _ in range(warmup):
                    client.get("/console/board")
                times, size_bytes = [], 0
                for _ in range(repeats):
                    started = time.perf_counter()
                    page = client.get("/console/board")
                    times.append((time.perf_counter() - started) * 1000)
                    assert page.status_code == 200 and page.text.count('class="bar ') == assigned
                    size_bytes = len(page.content)
                assets = sum(len(client.get(a).content) for a in ("/static/console.css", "/static/htmx.min.js"))
        finally:
            server.terminate()
            server.wait(timeout=20)
    times.sort()
    return {
        "requests": requests,
        "assigned": assigned,
        "median_ms": statistics.median(times),
        "p90_ms": times[int(0.9 * (len(times) - 1))],
        "max_ms": times[-1],
        "page_bytes": size_bytes,
        "first_visit_bytes": size_bytes + assets,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["demo", "L"], choices=["demo", "S", "M", "L", "XL"])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--plan-seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| organisation | requests | bars | board median | p90 | max | page | first visit | target |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        r = measure(
            size, repeats=args.repeats, warmup=args.warmup, plan_seconds=args.plan_seconds, seed_number=args.seed
        )
        target = TARGETS_MS.get(size)
        verdict = "" if target is None else f"< {target:.0f} ms: {'met' if r['p90_ms'] < target else 'NOT met'}"
        if size == "L":
            verdict += f"; < 2 MB: {'met' if r['first_visit_bytes'] < MAX_BYTES else 'NOT met'}"
        cells = [
            size,
            f"{r['requests']:.0f}",
            f"{r['assigned']:.0f}",
            f"{r['median_ms']:.0f} ms",
            f"{r['p90_ms']:.0f} ms",
            f"{r['max_ms']:.0f} ms",
            f"{r['page_bytes'] / 1000:.0f} kB",
            f"{r['first_visit_bytes'] / 1000:.0f} kB",
            verdict,
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
