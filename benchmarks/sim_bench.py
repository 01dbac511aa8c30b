"""Staffing simulation benchmark: wall time and peak memory of `tandem simulate`-like runs.

    python -m benchmarks.sim_bench --repeats 3

Cases: the demo organisation and a generated M scenario (`fixtures.generate.generate_scenario(25, 300, 5, 1)`),
each with two variants (a hire with the three most demanded skills at level 3, and the busiest department's
demand x2), 10 days, one seed, the routing planner (and `--planner search` for the slower one), run with 1 and
2 processes. Each run is a fresh interpreter (so peak memory is that run's alone): peak RSS of the parent and,
separately, the largest child (the pool's workers). Prints one line per run and the medians as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run(case: str, processes: int, planner: str, days: int) -> dict[str, float]:
    """Runs in the child interpreter: build the case, simulate, report time and memory."""
    from api.simulations.pool import side_by_side
    from fixtures.generate import generate_scenario
    from solver.simulation.run import SimulationParams, simulate
    from triage.demand import PROFILE
    from triage.intake import load_scenario_json
    from triage.simulation.arrivals import observed_rates
    from triage.simulation.changes import Variant

    scenario = (
        load_scenario_json((ROOT / "fixtures" / "demo.json").read_text())
        if case == "demo"
        else generate_scenario(25, 300, 5, 1)
    )
    demand = Counter(s for r in scenario.requests for s in r.required_skills)
    busiest = Counter(r.department for r in scenario.requests).most_common(1)[0][0]
    variants = [
        Variant.model_validate(
            {
                "name": "hire",
                "changes": [{"kind": "hire", "agent": "new-hire", "skills": {s: 3 for s, _ in demand.most_common(3)}}],
            }
        ),
        Variant.model_validate({"name": "surge", "changes": [{"kind": "surge", "department": busiest, "factor": 2}]}),
    ]
    rates = observed_rates(
        scenario, None, [float(n) for n in PROFILE.hour_counts], [float(n) for n in PROFILE.weekday_counts]
    )
    started = time.perf_counter()
    params = SimulationParams(days=days, processes=processes, planner=planner)
    sim = simulate(scenario, variants, rates, params, run_all=side_by_side)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "parent_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "child_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "arrivals": sim.baseline.arrivals,
        "requests": len(scenario.requests),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--planner", default="routing", choices=["routing", "search"])
    parser.add_argument("--cases", nargs="+", default=["demo", "M"])
    parser.add_argument("--child", nargs=3, metavar=("CASE", "PROCESSES", "PLANNER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        case, processes, planner = args.child
        print(json.dumps(one_run(case, int(processes), planner, args.days)))
        return
    rows = []
    for case in args.cases:
        for processes in (1, 2):
            runs = []
            for _ in range(args.repeats):
                command = [
                    sys.executable,
                    "-m",
                    "benchmarks.sim_bench",
                    "--days",
                    str(args.days),
                    "--child",
                    case,
                    str(processes),
                    args.planner,
                ]
                done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(case, processes, runs[-1], flush=True)
            rows.append((case, processes, runs))
    print(
        f"\n| case | processes | open requests | arrivals (baseline) | wall s (median of {args.repeats}) "
        "| peak RSS parent MiB | peak RSS largest child MiB |"
    )
    print("|---|---|---|---|---|---|---|")
    for case, processes, runs in rows:
        med = {k: statistics.median(r[k] for r in runs) for k in ("seconds", "parent_mib", "child_mib")}
        child = f"{med['child_mib']:.0f}" if processes > 1 else "-"
        print(
            f"| {case} | {processes} | {runs[0]['requests']} | {runs[0]['arrivals']} | {med['seconds']:.2f} "
            f"| {med['parent_mib']:.0f} | {child} |"
        )


if __name__ == "__main__":
    main()
