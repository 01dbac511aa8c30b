"""Benchmark the planner against the help-desk baselines on generated scenarios.

    python -m benchmarks.plan_bench --sizes S M L XL --seeds 1 2 3 --markdown /tmp/bench.md
    python -m benchmarks.plan_bench --sizes M --seeds 1 --time-limit-M 5 --methods earliest-start planner

For each size and seed it generates a scenario (`fixtures.generate`), runs every method in a fresh process
(so that its peak memory is its own), holds every plan to the independent checker and prints one row per
scenario and method: cost under the policy, weighted lateness, requests late and unassigned, the highest
load and the spread of load, churn, load imbalance, wall time (the whole `plan` call, model building
included), peak memory, and the planner's bound, gap and how the bound was obtained. Then medians over
seeds, planner / baseline cost ratios, the warm re-plan (sizes in --warm-sizes) and single-request
insertion (sizes in --insert-sizes) measurements, and a verdict per target. Progress goes to stderr;
tables go to stdout, and with --markdown FILE to that file as markdown (overwritten).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.baselines import plan_earliest_start, plan_round_robin
from benchmarks.changes import changed_scenario, new_requests
from benchmarks.isolate import Measured, run_isolated, time_insertions
from benchmarks.metrics import plan_figures
from benchmarks.records import PLANNER, InsertRow, Row, WarmRow
from benchmarks.report import (
    as_markdown,
    as_text,
    insert_section,
    main_section,
    median_section,
    ratio_section,
    target_lines,
    warm_section,
)
from fixtures.generate import SIZES, generate_scenario
from solver.compile import compile_scenario
from solver.params import SolveParams
from solver.run import plan, plan_by_routing
from triage.model import Scenario
from triage.results import Plan
from triage.validation import check_plan, term_quantities

DEFAULT_LIMITS = {"S": 10.0, "M": 10.0, "L": 30.0, "XL": 60.0}
BASELINES: dict[str, Callable[[Scenario], Plan]] = {
    "earliest-start": plan_earliest_start,
    "round-robin": plan_round_robin,
    "routing": plan_by_routing,  # the planner's own starting heuristic (earliest finish); not run by default
}
DEFAULT_METHODS = ["earliest-start", "round-robin", PLANNER]


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.plan_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["S", "M"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--methods", nargs="+", choices=[*BASELINES, PLANNER], default=DEFAULT_METHODS)
    for size, limit in DEFAULT_LIMITS.items():
        parser.add_argument(
            f"--time-limit-{size}",
            type=float,
            default=limit,
            metavar="SECONDS",
            help=f"planner time limit at {size} (default {limit:g}; also the target)",
        )
    parser.add_argument("--workers", type=int, default=None, help="CP-SAT workers (default: SolveParams' default)")
    parser.add_argument("--warm-sizes", nargs="*", choices=list(SIZES), default=["M", "L"])
    parser.add_argument(
        "--warm-share", type=float, default=0.25, help="the warm re-plan's time limit as a share of the cold one"
    )
    parser.add_argument("--change-share", type=float, default=0.01, help="share of requests changed for re-plan")
    parser.add_argument("--insert-sizes", nargs="*", choices=list(SIZES), default=["L"])
    parser.add_argument("--insertions", type=int, default=100, help="new requests placed one by one")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the tables as markdown here")
    parser.add_argument("--note", default="", help="a line for the header, e.g. which commit of the solver ran")
    return parser.parse_args(argv)


def solve_params(args: argparse.Namespace, size: str, share: float = 1.0) -> SolveParams:
    limit = getattr(args, f"time_limit_{size}") * share
    return SolveParams(time_limit_seconds=limit, **({"workers": args.workers} if args.workers else {}))


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_method(method: str, scenario: Scenario, params: SolveParams) -> Measured:
    if method == PLANNER:
        return run_isolated(plan, scenario, params)
    return run_isolated(BASELINES[method], scenario)


def make_row(size: str, seed: int, method: str, scenario: Scenario, measured: Measured) -> Row:
    result: Plan = measured.result
    searched = method == PLANNER
    return Row(
        size=size,
        seed=seed,
        method=method,
        status=result.status.value,
        figures=plan_figures(compile_scenario(scenario), result),
        wall_seconds=measured.wall_seconds,
        peak_rss_mb=measured.peak_rss_mb,
        bound=result.best_bound if searched else None,
        gap=result.gap if searched else None,
        bound_source=result.bound_source,
        violations=len(check_plan(scenario, result)),
    )


def cost_as_replan(scenario: Scenario, result: Plan, previous: Plan) -> int:
    """A plan's cost with churn counted against the previous plan as well as owners (the checker's terms)."""
    weights = scenario.policy.term_weights
    return sum(weights.of(t) * q for t, q in term_quantities(scenario, result, previous).items())


def measure_warm(args: argparse.Namespace, size: str, seed: int, scenario: Scenario, cold: Plan) -> WarmRow:
    """Change a share of the requests, re-plan warm with --warm-share of the time, and cold with all of it."""
    changed, counts = changed_scenario(scenario, args.change_share, seed)
    full, third = solve_params(args, size), solve_params(args, size, args.warm_share)
    progress(f"  {size} seed {seed}: warm re-plan ({third.time_limit_seconds:.1f} s)")
    warm = run_isolated(plan, changed, third, cold)
    progress(f"  {size} seed {seed}: cold plan of the changed scenario ({full.time_limit_seconds:.1f} s)")
    again = run_isolated(plan, changed, full)
    return WarmRow(
        size=size,
        seed=seed,
        changes=", ".join(f"{n} {kind}" for kind, n in counts.items()),
        warm_limit_seconds=round(third.time_limit_seconds, 2),
        warm_seconds=warm.wall_seconds,
        warm_cost=cost_as_replan(changed, warm.result, cold),
        cold_limit_seconds=full.time_limit_seconds,
        cold_seconds=again.wall_seconds,
        cold_cost=again.result.objective,
        cold_cost_vs_previous=cost_as_replan(changed, again.result, cold),
        warm_violations=len(check_plan(changed, warm.result)),
        cold_violations=len(check_plan(changed, again.result)),
    )


def measure_insertions(args: argparse.Namespace, size: str, seed: int, scenario: Scenario, cold: Plan) -> InsertRow:
    progress(f"  {size} seed {seed}: {args.insertions} single insertions")
    requests = new_requests(scenario, args.insertions, seed)
    times = run_isolated(time_insertions, scenario, cold, requests).result
    return InsertRow(
        size, seed, len(requests), times.placed, times.build_ms, times.median_ms, times.p95_ms, max(times.place_ms)
    )


def machine() -> list[str]:
    """Cores, memory, CPU model and load, read from the system."""
    cpu = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")), "")
    memory = {line.split(":")[0]: line.split(":")[1].strip() for line in _lines("/proc/meminfo") if ":" in line}
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"machine: {os.cpu_count()} cores (nproc), {cpu or platform.processor()}, memory total "
        f"{_gib(memory.get('MemTotal'))}, available {_gib(memory.get('MemAvailable'))}",
        f"python {platform.python_version()}, load average (1, 5, 15 min) at start: {load}",
    ]


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _gib(kilobytes: str | None) -> str:
    return f"{int(kilobytes.split()[0]) / 2**20:.1f} GiB" if kilobytes else "?"


def _attempt(label: str, failures: list[str], fn: Callable[..., Any], *args: Any) -> list[Any]:
    """[fn(*args)], or [] with the failure listed."""
    try:
        return [fn(*args)]
    except Exception as exc:  # one failed measurement is reported, the others still count
        failures.append(f"{label}: {type(exc).__name__}: {exc}")
        progress("  failed: " + failures[-1])
        return []


def run(args: argparse.Namespace, failures: list[str]) -> tuple[list[Row], list[WarmRow], list[InsertRow]]:
    """Every method on every scenario, then the re-plan and insertion measurements; failed runs are
    listed in `failures` and left out."""
    rows: list[Row] = []
    warm: list[WarmRow] = []
    inserts: list[InsertRow] = []
    for size in args.sizes:
        params = solve_params(args, size)
        for seed in args.seeds:
            scenario = generate_scenario(*SIZES[size], seed=seed)
            plans: dict[str, Any] = {}
            for method in args.methods:
                label = f"{size} seed {seed} {method}"
                progress(label)
                for measured in _attempt(label, failures, run_method, method, scenario, params):
                    rows.append(make_row(size, seed, method, scenario, measured))
                    plans[method] = measured.result
            if PLANNER in plans and size in args.warm_sizes:
                label = f"{size} seed {seed} warm re-plan"
                warm += _attempt(label, failures, measure_warm, args, size, seed, scenario, plans[PLANNER])
            if PLANNER in plans and size in args.insert_sizes:
                label = f"{size} seed {seed} insertion"
                inserts += _attempt(label, failures, measure_insertions, args, size, seed, scenario, plans[PLANNER])
    return rows, warm, inserts


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    command = "python -m benchmarks.plan_bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    header = [f"command: {command}", f"date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}", *machine()]
    header += [f"note: {args.note}"] if args.note else []
    failures: list[str] = []
    rows, warm, inserts = run(args, failures)
    header.append("load average (1, 5, 15 min) at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    sections = [main_section(rows), median_section(rows), ratio_section(rows)]
    sections += [warm_section(warm)] if warm else []
    sections += [insert_section(inserts)] if inserts else []
    targets = target_lines(rows, warm, inserts) + [f"FAILED   {failure}" for failure in failures]
    print("\n".join(header))
    print(as_text(sections))
    print("\n== Targets ==\n" + "\n".join(targets))
    if args.markdown:
        lines = [f"- {h}" for h in header] + ["", as_markdown(sections), "#### Targets", ""]
        args.markdown.write_text("\n".join(lines + [f"- `{t}`" for t in targets]) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
