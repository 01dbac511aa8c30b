"""Explanations: speed, and every counterfactual claim re-solved.

    python -m benchmarks.explain_bench [--repeats 3] [--seed 1] [--recheck-seconds 2]

Speed (median of the repeats; plans are made before timing starts): all counterfactual explanations of the
demo plan (target 5 s), everything about one request at M (target 3 s), the M trade-off list and one what-if
at M.

Claims: each counterfactual claim of the demo plan and of a generated M scenario (300 requests) is rebuilt as
its forced alternative (`solver.counterfactual.apply_change`), the stated alternative plan is checked by the
independent checker (`triage.validation`: no broken rule, and its cost from the checker's own term
quantities equals the stated cost), and the alternative is planned again in full, warm-started from the
stated one. A claim is *confirmed* when the stated plan is valid, costs what the claim says, and the full
re-plan finds nothing cheaper with the alternative forced; *contradicted* otherwise (the reason is printed).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from fixtures.generate import SIZES, generate_scenario
from solver.counterfactual import apply_change, what_if
from solver.params import SolveParams
from solver.run import plan
from solver.tradeoffs import DEFAULT_PARAMS, Replans, explain_all, explain_request, trade_offs
from triage.intake import load_scenario_json
from triage.model import Change, Scenario
from triage.results import Plan, WhatIf
from triage.validation import check_plan, term_quantities

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo.json"


def median_seconds(run: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def checker_cost(scenario: Scenario, planned: Plan) -> int:
    """The plan's cost from the checker's own term quantities and the policy's weights."""
    weights = scenario.policy.term_weights
    return sum(weights.of(term) * q for term, q in term_quantities(scenario, planned).items())


def _change_of(key: tuple[str, str | None, str | None, str | None]) -> Change:
    kind, request, agent, other = key
    return Change(kind=kind, request=request, agent=agent, other=other)


def recheck(scenario: Scenario, key: tuple[str, str | None, str | None, str | None], stated: WhatIf,
            seconds: float) -> str:  # fmt: skip
    """ "" when the claim holds; otherwise why not."""
    if stated.after is None:
        return ""  # "cannot hold": the re-plan found no plan keeping it; nothing numeric is claimed
    forced = apply_change(scenario, _change_of(key))
    if broken := check_plan(forced, stated.after):
        return f"the stated plan breaks {broken[0]}"
    if (cost := checker_cost(forced, stated.after)) != stated.cost_after:
        return f"stated cost {stated.cost_after}, the checker's {cost}"
    full = plan(forced, SolveParams(time_limit_seconds=seconds, workers=2), warm_start=stated.after)
    if check_plan(forced, full) == [] and checker_cost(forced, full) < stated.cost_after:
        return f"a better alternative exists: {checker_cost(forced, full)} against {stated.cost_after} stated"
    return ""


def claims(scenario: Scenario, planned: Plan, cache: Replans, seconds: float, label: str) -> tuple[int, int]:
    """(confirmed, contradicted) over every alternative the explanations stated."""
    confirmed = contradicted = 0
    for key, stated in cache.items():
        why = recheck(scenario, key, stated, seconds)
        if why:
            contradicted += 1
            print(f"  contradicted ({label}): {stated.change}: {why}")
        else:
            confirmed += 1
    return confirmed, contradicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--recheck-seconds", type=float, default=2.0, help="Seconds of each full re-plan.")
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
    seconds, found = median_seconds(
        lambda: explain_request(medium, medium_plan, late.request_id, DEFAULT_PARAMS), args.repeats
    )
    rows.append((f"everything about one request at M ({late.request_id})", len(found), seconds, 3.0))  # type: ignore[arg-type]
    seconds, found = median_seconds(lambda: trade_offs(medium, medium_plan, DEFAULT_PARAMS, limit=50), args.repeats)
    rows.append((f"trade-off list at M (seed {args.seed}, up to 50)", len(found), seconds, 30.0))  # type: ignore[arg-type]
    change = Change(kind="first", request=late.request_id)
    seconds, _ = median_seconds(lambda: what_if(medium, medium_plan, change, DEFAULT_PARAMS), args.repeats)
    rows.append((f"one what-if at M ({late.request_id} first)", 1, seconds, 3.0))
    print("| measurement | explanations | median seconds | target | met |")
    print("|---|---|---|---|---|")
    for name, count, seconds, target in rows:
        print(f"| {name} | {count} | {seconds:.2f} | {target:.0f} | {'yes' if seconds < target else 'no'} |")
    print()
    demo_cache: Replans = {}
    explain_all(demo, demo_plan, DEFAULT_PARAMS, cache=demo_cache)
    for r in demo.requests:
        explain_request(demo, demo_plan, r.id, DEFAULT_PARAMS, demo_cache)
    medium_cache: Replans = {}
    explain_all(medium, medium_plan, DEFAULT_PARAMS, cache=medium_cache)
    print("| plan | alternatives stated | confirmed | contradicted |")
    print("|---|---|---|---|")
    for label, scenario, planned, cache in (("demo", demo, demo_plan, demo_cache),
                                            (f"M seed {args.seed}", medium, medium_plan, medium_cache)):  # fmt: skip
        confirmed, contradicted = claims(scenario, planned, cache, args.recheck_seconds, label)
        print(f"| {label} | {len(cache)} | {confirmed} | {contradicted} |")


if __name__ == "__main__":
    main()
