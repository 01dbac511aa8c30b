"""Which of the soak's operations keeps memory in an API process: one at a time, in this process.

`python -m benchmarks.mem_probe --rounds 4 --calls 100 queue report help ...` serves the API on a fresh
PostgreSQL database (the demo seeded, uvicorn in a thread of this process, loopback only, as
`benchmarks.soak_bench` does with two processes) and, for each operation named, makes 20 calls to warm up,
then `--rounds` rounds of `--calls` calls (4 at a time). After the warm-up and after each round, once the
server has been idle 3 s (a live re-plan the calls started ends first), it collects Python's garbage, asks
glibc to return its free pages (`malloc_trim`) and prints what grew since the warm-up: glibc's MB in use
(`api.memtrace.native_heap`: Python's large objects, CP-SAT, HiGHS, psycopg, every arena), resident MB, and
resident MB by kind of mapping (the main heap, glibc's other arenas, thread stacks, other anonymous memory)
from `/proc/self/smaps`. The client's own records are dropped after each round, so what grows is the
server's. A number that keeps rising round after round is retention; one that levels off is a cache or a
heap filling to its working size.

Operations (the soak's, `benchmarks.soak_bench`): file+close, read_request, read_placement, list_own,
report, queue, explanations, what_if, help, plans, admin, handoffs, apply.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import uvicorn

import benchmarks.soak_bench as soak
from api.demo import DEMO_FILE, read_scenario, seed
from api.heap import HeapTrimmer
from api.memtrace import native_heap, resident_mb
from benchmarks.databases import drop_postgres, postgres_database

PORT = 8899
SETTLE_SECONDS = 3.0
WARM_CALLS = 20
AT_ONCE = 4


def mapping_kinds() -> dict[str, float]:
    """Resident MB by kind of mapping: the main heap, glibc's other arenas (anonymous, 64 MB-aligned, at most
    64 MB), thread stacks (anonymous, 8 MB: a malloc'd block of that size would count here too), files,
    shared anonymous memory, other anonymous memory."""
    kinds: dict[str, float] = {}
    kind = "anon"
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if fields and "-" in fields[0] and not fields[0].endswith(":"):
            low, high = (int(x, 16) for x in fields[0].split("-"))
            name = fields[5] if len(fields) > 5 else ""
            if name == "[heap]":
                kind = "main heap"
            elif name.startswith(("/dev/zero", "/memfd:", "/SYSV")):
                kind = "shared anon"
            elif name.startswith("/"):
                kind = "files"
            elif name:
                kind = name
            elif (high - low) // 1024 in (8188, 8192, 8196):
                kind = "thread stacks"
            elif (high - low) <= 64 << 20 and low % (64 << 20) == 0:
                kind = "arenas"
            else:
                kind = "anon"
        elif fields and fields[0] == "Rss:":
            kinds[kind] = kinds.get(kind, 0.0) + int(fields[1]) / 1024
    return kinds


def measure() -> tuple[float, float, dict[str, float]]:
    time.sleep(SETTLE_SECONDS)
    gc.collect()
    HeapTrimmer(every=0).trim()  # glibc's malloc_trim(0) where there is one
    return native_heap().get("in_use_mb", 0.0), resident_mb(), mapping_kinds()


def operations() -> dict[str, Callable[[soak.World], Awaitable[None]]]:
    async def file_close(world: soak.World) -> None:
        await soak.file_request(world)
        await soak.close_oldest(world)

    return {
        "file+close": file_close,
        "read_request": soak.read_request,
        "read_placement": soak.read_placement,
        "list_own": soak.list_own,
        "report": soak.department_report,
        "queue": lambda w: soak.read_queue(w, w.agents[0]),
        "explanations": lambda w: soak.read_explanations(w, w.agents[0]),
        "what_if": soak.what_if,
        "help": lambda w: soak.ask_help(w, w.agents[1]),
        "plans": soak.list_plans,
        "admin": soak.admin_reads,
        "handoffs": lambda w: soak.list_handoffs(w, w.agents[0]),
        "apply": soak.apply_plan,
    }


async def probe(names: list[str], rounds: int, calls: int, url: str) -> int:
    scenario = read_scenario(DEMO_FILE)
    tokens = {t.role.value: t.token for t in seed(database_url=url, scenario=scenario, at=scenario.now)}
    os.environ.update(DATABASE_URL=url, TANDEM_EMBEDDED_WORKER="false", TANDEM_FIXED_NOW=scenario.now.isoformat())
    from api.app import create_app  # after the environment names the database

    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=PORT, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        await asyncio.sleep(0.1)
    base = f"http://127.0.0.1:{PORT}"
    agents = [a.id for a in scenario.agents[:3]]
    tokens |= await asyncio.to_thread(soak.make_agents, base, tokens["admin"], agents)
    failures = 0
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        world = soak.World(
            clients=[client],
            tokens=tokens,
            agents=[f"agent-{a}" for a in agents],
            department="sales",
            deadline=time.monotonic() + 24 * 3600,
            budget=10**9,
            queue=40,
        )
        lead = {"Authorization": f"Bearer {tokens['lead']}"}
        first = await client.post("/plans", json={"reason": "probe"}, headers=lead)
        first.raise_for_status()
        world.plan_id = int(first.json()["id"])
        for _ in range(world.queue + 5):
            await soak.file_request(world)
        await soak.list_plans(world)
        table = operations()
        for name in names:
            action = table[name]
            for _ in range(WARM_CALLS):
                await action(world)
            start = await asyncio.to_thread(measure)
            print(f"{name}: after {WARM_CALLS} calls to warm up, {start[0]:.1f} MB in use, {start[1]:.0f} MB resident")
            for done in range(1, rounds + 1):
                for _ in range(calls // AT_ONCE):
                    await asyncio.gather(*(action(world) for _ in range(AT_ONCE)))
                bad = {op: dict(s) for op, s in world.tally.statuses.items() if any(x >= 500 or x == 0 for x in s)}
                failures += sum(n for s in bad.values() for x, n in s.items() if x >= 500 or x == 0)
                world.tally = soak.Tally()  # the client's records, dropped: what grows is the server's
                world.closed.clear()
                now = await asyncio.to_thread(measure)
                kinds = {k: round(v - start[2].get(k, 0.0), 1) for k, v in now[2].items()}
                grown = ", ".join(f"{k} {v:+.1f}" for k, v in kinds.items() if abs(v) >= 0.2) or "no kind by 0.2"
                print(
                    f"  {done * (calls // AT_ONCE) * AT_ONCE:5d} calls: in use {now[0] - start[0]:+.2f} MB, "
                    f"resident {now[1] - start[1]:+.1f} MB ({grown}){'; failures ' + str(bad) if bad else ''}",
                    flush=True,
                )
    server.should_exit = True
    thread.join(30)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mem_probe", description=__doc__.split("\n\n")[0])
    parser.add_argument("operations", nargs="+", choices=list(operations()))
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--calls", type=int, default=100, help="calls per round (4 at a time)")
    parser.add_argument("--database-prefix", default="tandem_probe_")
    args = parser.parse_args(argv)
    found = postgres_database(args.database_prefix)
    if found is None:
        return 2
    url, name = found
    try:
        return asyncio.run(probe(args.operations, args.rounds, args.calls, url))
    finally:
        drop_postgres(name)


if __name__ == "__main__":
    sys.exit(main())
