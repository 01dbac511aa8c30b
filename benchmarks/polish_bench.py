"""The local search's speed on a fixed move budget: moves per second and the cost reached.

    python -m benchmarks.polish_bench --sizes S XL --seeds 1 2 3 --moves 100000

For each size and seed: the generated scenario, the routing start (`solver.search.heuristic.best_routing`), then
`solver.search.polish.polish` with a fixed number of moves and no time limit (seed 0). With the same code the cost
reached is the same on any machine (the search is seeded and counts moves, not seconds), so two versions of
the pricing can be compared on both speed and answer; the seconds depend on the machine and its load, the
process's CPU seconds less so (on a shared machine, compare moves per CPU second).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence

from fixtures.generate import SIZES, generate_scenario
from solver.budget import Budget
from solver.compile import compile_scenario
from solver.evaluate import total_cost
from solver.search.heuristic import best_routing
from solver.search.polish import polish


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.polish_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["S", "XL"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--moves", type=int, default=100_000, help="moves tried per run")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_arguments(argv)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| size | seed | moves | wall s | moves/s | CPU s | moves/CPU s | routing cost | cost after |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        for seed in args.seeds:
            compiled = compile_scenario(generate_scenario(*SIZES[size], seed=seed))
            start = best_routing(compiled)
            began, began_cpu = time.perf_counter(), time.process_time()
            found, tried = polish(compiled, start, Budget.of(float("inf")), 0, args.moves)
            seconds, cpu = time.perf_counter() - began, time.process_time() - began_cpu
            print(
                f"| {size} | {seed} | {tried:,} | {seconds:.2f} | {tried / seconds:,.0f} | {cpu:.2f} | "
                f"{tried / cpu:,.0f} | "
                f"{total_cost(compiled, start):,} | {total_cost(compiled, found):,} |",
                flush=True,
            )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
