"""The planner's plans against the bounds (issue 16, item 5): for each scenario, the plan at its time limit,
the time-indexed LP bound and the bound by agents' schedules (`solver.columns`) given a longer budget of
its own, and the plan's gap to the best of them. Optionally CP-SAT's interval model
(`benchmarks.interval_peer`) given a long run, against the plan.

    python -m benchmarks.bound_bench --family fixtures peers --sizes S --seeds 1 2 3 --columns-seconds 120

Each measurement runs in this process, one after another (load: `uptime` is printed with each row).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence

from benchmarks.interval_peer import plan_interval_model
from fixtures.generate import SIZES, generate_scenario
from fixtures.peers import generate_peer_scenario
from solver.budget import Budget
from solver.columns import agent_bound
from solver.compile import compile_scenario
from solver.params import SolveParams
from solver.run import lower_bounds, plan
from solver.search.heuristic import best_routing
from triage.model import Scenario

FAMILIES = {"fixtures": generate_scenario, "peers": generate_peer_scenario}


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def gap(cost: int, bound: int) -> str:
    return f"{(cost - bound) / cost:.1%}" if cost else "-"


def measure(args: argparse.Namespace, family: str, size: str, seed: int) -> list[str]:
    scenario: Scenario = FAMILIES[family](*SIZES[size], seed)
    started = time.perf_counter()
    result = plan(scenario, SolveParams(time_limit_seconds=args.limit))
    wall = time.perf_counter() - started
    compiled = compile_scenario(scenario)
    lp, _ = lower_bounds(compiled, Budget.of(args.lp_seconds))
    columns = agent_bound(compiled, Budget.of(args.columns_seconds), best_routing(compiled))
    column_bound = columns.bound if columns is not None else None
    best = max(lp, column_bound or 0)
    cells = [
        family,
        size,
        str(seed),
        f"{result.objective:,}",
        f"{result.status}, {result.gap:.1%} to its own bound",
        f"{wall:.1f}",
        f"{lp:,}",
        "-"
        if columns is None
        else f"{columns.bound:,} ({columns.rounds} rounds, master {columns.master:,.0f}"
        + (", converged)" if columns.converged else ")"),
        gap(result.objective, best),
    ]
    if args.interval_seconds:
        peer = plan_interval_model(scenario, args.interval_seconds)
        cells.append(f"{peer.objective:,} ({peer.objective / result.objective - 1:+.1%} against the plan)")
    cells.append(load())
    return cells


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", nargs="+", choices=list(FAMILIES), default=list(FAMILIES))
    parser.add_argument("--sizes", nargs="+", choices=["S", "M"], default=["S", "M"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--limit", type=float, default=10.0, help="the plan's time limit")
    parser.add_argument("--lp-seconds", type=float, default=60.0, help="the LP bound's budget")
    parser.add_argument("--columns-seconds", type=float, default=120.0, help="the column generation's budget")
    parser.add_argument("--interval-seconds", type=float, default=0.0, help="a long interval-model run (0: none)")
    args = parser.parse_args(argv)
    headers = ["family", "size", "seed", "plan cost", "plan", "wall s", "LP bound", "agents' bound", "gap"]
    headers += ["interval model"] * bool(args.interval_seconds) + ["load 1/5/15"]
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers), flush=True)
    for family in args.family:
        for size in args.sizes:
            for seed in args.seeds:
                print("| " + " | ".join(measure(args, family, size, seed)) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
