"""Explanation speed: all counterfactual explanations of the demo plan, the trade-off list of an M
scenario, and one what-if at M. Targets (issue 4): under 5 s, 30 s and 3 s.

    python -m benchmarks.explain_bench [--repeats 3] [--seed 1]

Each figure is the median of the repeats; the plans themselves are made before timing starts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from fixtures.generate import SIZES, generate_scenario
from solver.counterfactual import what_if
from solver.params import SolveParams
from solver.run import plan
from solver.tradeoffs import DEFAULT_PARAMS, explain_all, trade_offs
from triage.intake import load_scenario_json
from triage.model import Change

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo.json"


def median_seconds(run: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    demo = load_scenario_json(DEMO.read_bytes())
    demo_plan = plan(demo, SolveParams(time_limit_seconds=10))
    agents, requests, days = SIZES["M"]
    medium = generate_scenario(agents, requests, days, args.seed)
    medium_plan = plan(medium, SolveParams(time_limit_seconds=10))
    late = max(medium_plan.assignments, key=lambda a: a.minutes_late)
    rows = []
    seconds, found = median_seconds(lambda: explain_all(demo, demo_plan, DEFAULT_PARAMS), args.repeats)
    rows.append(("all explanations of the demo plan", len(found), seconds, 5.0))  # type: ignore[arg-type]
    seconds, found = median_seconds(lambda: trade_offs(medium, medium_plan, DEFAULT_PARAMS, limit=50), args.repeats)
    rows.append((f"trade-off list at M (seed {args.seed}, up to 50)", len(found), seconds, 30.0))  # type: ignore[arg-type]
    change = Change(kind="first", request=late.request_id)
    seconds, _ = median_seconds(lambda: what_if(medium, medium_plan, change, DEFAULT_PARAMS), args.repeats)
    rows.append((f"one what-if at M ({late.request_id} first)", 1, seconds, 3.0))
    print("| measurement | explanations | median seconds | target | met |")
    print("|---|---|---|---|---|")
    for name, count, seconds, target in rows:
        print(f"| {name} | {count} | {seconds:.2f} | {target:.0f} | {'yes' if seconds < target else 'no'} |")


if __name__ == "__main__":
    main()
