"""The two LP bounds of `solver.bound` side by side (issue 16, item 5): on each peers' scenario and policy
variant, the bucket LP (`time_indexed_bound`) and the start LP (`start_indexed_bound`) at the resolutions
given, each alone with a budget of its own, its value and seconds ("not solved": HiGHS stopped at the budget;
"too large": over the LP's variable cap, which the planner would not build).

    python -m benchmarks.lp_bench --sizes S --seeds 1 2 3 --variants all --buckets 2 --slots 10 5
    python -m benchmarks.lp_bench --sizes S --variants all --buckets --slots 5 --methods highs highs-ipm

`--methods` solves the start LP with each of HiGHS's methods in turn (`solver.bound.START_METHOD`, one column
each), to compare them on the same scenarios in one run.

Each LP runs in this process, one after another (the load is printed at the start and the end).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence

import solver.bound
from benchmarks.peer_bench import VARIANTS, with_variant
from fixtures.generate import SIZES
from fixtures.peers import generate_peer_scenario
from solver.bound import (
    REFINE_VARIABLES,
    START_VARIABLES,
    estimated_variables,
    start_indexed_bound,
    start_variables,
    time_indexed_bound,
)
from solver.budget import Budget
from solver.compile import Compiled, compile_scenario


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(solve: Callable[[], int | None], size: int, cap: int) -> str:
    if size > cap:
        return f"too large ({size:,} variables)"
    began = time.perf_counter()
    value = solve()
    seconds = time.perf_counter() - began
    return f"not solved ({seconds:.1f} s)" if value is None else f"{value:,} ({seconds:.1f} s, {size:,} variables)"


def cells(compiled: Compiled, args: argparse.Namespace) -> list[str]:
    out = []
    for minutes in args.buckets:

        def bucket(m: int = minutes) -> int | None:
            relaxed = time_indexed_bound(compiled, Budget.of(args.seconds), m)
            return None if relaxed is None else relaxed[0]

        out.append(timed(bucket, estimated_variables(compiled, minutes), REFINE_VARIABLES))
    default = solver.bound.START_METHOD
    try:
        for slot in args.slots:
            for method in args.methods:
                solver.bound.START_METHOD = method
                out.append(
                    timed(
                        lambda s=slot: start_indexed_bound(compiled, Budget.of(args.seconds), s),
                        start_variables(compiled, slot),
                        START_VARIABLES,
                    )
                )
    finally:
        solver.bound.START_METHOD = default
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lp_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["S"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--variants", nargs="+", choices=[*VARIANTS, "all"], default=["base"])
    parser.add_argument("--buckets", nargs="*", type=int, default=[2], help="the bucket LP's first buckets, minutes")
    parser.add_argument("--slots", nargs="*", type=int, default=[10, 5], help="the start LP's slots, minutes")
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=["highs", "highs-ds", "highs-ipm"],
        default=[solver.bound.START_METHOD],
        help="HiGHS's methods for the start LP, one column each",
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="each LP's budget")
    args = parser.parse_args(argv)
    variants = list(VARIANTS) if "all" in args.variants else args.variants
    print(f"load average at start: {load()}; each LP given {args.seconds:g} s")
    headers = [
        "size",
        "seed",
        "variant",
        *(f"bucket {m}" for m in args.buckets),
        *(f"start {s}" + (f" {m}" if len(args.methods) > 1 else "") for s in args.slots for m in args.methods),
    ]
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for size in args.sizes:
        for seed in args.seeds:
            generated = generate_peer_scenario(*SIZES[size], seed=seed)
            for variant in variants:
                compiled = compile_scenario(with_variant(generated, variant))
                print("| " + " | ".join([size, str(seed), variant, *cells(compiled, args)]) + " |", flush=True)
    print(f"load average at end: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
