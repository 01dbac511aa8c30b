"""The time guarantee on the wall clock: how far `solver.run.plan` overshoots its limit, by size.

    python -m benchmarks.guard_bench --sizes S M L XL --seeds 1 2 --limits 1 2 5
    python -m benchmarks.guard_bench --sizes L --shapes 5x295x5 250x2000x10 --limits 1 2 5

For each size (or shape, AGENTSxREQUESTSxDAYS: few agents with many requests, the largest admitted size), seed
and time limit: the generated scenario, then `plan` with `started` taken just before it (workers 2, as the
API's default), timed on the wall clock. A limit below the scenario's least (`api.limits.least_time_limit`,
what admission lets a caller ask) is raised to it, as the API raises a default and refuses an asked one.
Overshoot = seconds waited - the limit; its p50, p99 and max per size and over all runs, with the time of
model building and the routing start measured apart (the part no clock can cut: `plan` returns the routing
plan unsearched when it used the time). The machine is shared: the load average is printed at the start and
the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Sequence

from api.limits import Limits, least_time_limit
from fixtures.generate import SIZES, generate_scenario
from solver.compile import compile_scenario
from solver.params import SolveParams
from solver.run import MARGIN_SECONDS, plan
from solver.search.heuristic import best_routing


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.guard_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="*", choices=list(SIZES), default=["S", "M", "L", "XL"])
    parser.add_argument("--shapes", nargs="*", default=[], help="AGENTSxREQUESTSxDAYS, e.g. 5x295x5")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--limits", nargs="+", type=float, default=[1.0, 2.0, 5.0], help="time limits, seconds")
    return parser.parse_args(argv)


def quantile(values: list[float], share: float) -> float:
    """The nearest-rank quantile (p99 of few runs is their max)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_arguments(argv)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; margin {MARGIN_SECONDS} s")
    print("| size | seed | limit s | waited s | overshoot s | build + routing s | searched |")
    print("|---|---|---|---|---|---|---|")
    by_size: dict[str, list[float]] = {}
    shapes = [(size, SIZES[size]) for size in args.sizes]
    shapes += [(shape, tuple(int(x) for x in shape.split("x"))) for shape in args.shapes]
    for size, (agents, requests, days) in shapes:
        for seed in args.seeds:
            scenario = generate_scenario(agents, requests, days, seed)
            least = least_time_limit(scenario, Limits())
            before = time.perf_counter()
            best_routing(compile_scenario(scenario))
            building = time.perf_counter() - before
            for asked in args.limits:
                limit = max(asked, least)
                started = time.perf_counter()
                result = plan(scenario, SolveParams(time_limit_seconds=limit, workers=2), started=started)
                waited = time.perf_counter() - started
                by_size.setdefault(size, []).append(waited - limit)
                searched = "no" if "not searched" in result.bound_source else "yes"
                row = f"| {size} | {seed} | {limit:g} | {waited:.2f} | {waited - limit:+.2f} | {building:.2f} |"
                print(f"{row} {searched} |", flush=True)
    print()
    print("| size | runs | overshoot p50 s | p99 s | max s |")
    print("|---|---|---|---|---|")
    every = [x for values in by_size.values() for x in values]
    for name, values in [*by_size.items(), ("all", every)]:
        print(
            f"| {name} | {len(values)} | {statistics.median(values):+.2f} | {quantile(values, 0.99):+.2f} | "
            f"{max(values):+.2f} |"
        )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
