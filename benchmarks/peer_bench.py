"""The planner against strong peers (issue 16): every planner under the same policy, at equal wall time.

    python -m benchmarks.peer_bench                                   # the full table (S, M, L, XL; seeds 1-3)
    python -m benchmarks.peer_bench --sizes S M L --seeds 1 --limits-M 10 --limits-L 30 --markdown /tmp/p.md
    python -m benchmarks.peer_bench --sizes S M --seeds 1 --limits-M 10 --variants all   # the policy variants

Scenarios come from the peer profile (`fixtures.peers`: rare skills, part-timers and off days, load 0.9-1.3,
priorities 4/14/42/40 %, a third owned, release and due times). Planners:

- `planner`: Tandem's `solver.run.plan` with the time limit (its default workers unless --planner-workers, its
  default `SearchSchedule` but for each --planner-schedule NAME=VALUE);
- `interval-model`: the plain CP-SAT interval model, 2 workers, hinted with routing (`benchmarks.interval_peer`),
  with the same time limit for its whole call;
- `atc`: the ATC dispatcher with its tuned constants (`benchmarks.atc`);
- `atc-within-caps`: the same dispatcher held to the policy's urgent caps (`benchmarks.atc.plan_atc_within_caps`:
  P1 and P2 work where the caps' witness, the help desk's routing, places it; the rest dispatched after it);
  with protection off it is `atc`'s plan;
- `earliest-start` (routing) and `round-robin`: the help-desk baselines (`benchmarks.baselines`).

Policy variants (`--variants`, default `base`): every planner runs under each, on the same scenario:

- `base`: the generated policy (deferral priced by due time, work may pause over an absence);
- `effort`: deferral priced by effort too, `deferral_per_effort_minute` = EFFORT_PRICE (10: the independent
  benchmark's 10 x weight x effort for work left out);
- `no-pause`: `pausable` false, work may not pause over an absence;
- `effort-no-pause`: both;
- `protect-off`: `protect_priorities` false: no urgent caps and no protected weights (the policy's weights
  as written), so every peer's plan is within the policy's hard limits and plain `atc` is a fair peer.

Under `protect_priorities` (every variant but `protect-off`) the P1 and P2 minutes late are hard limits of the
policy (`solver.protect.UrgentCaps`); the column "caps" says whether each plan keeps them ("yes", or by how
many minutes it breaks them, P1 / P2; "off" where the policy sets none). A plan that breaks them is not a plan
the policy allows: the targets compare the planner with the cheapest peer of all and with the cheapest peer
whose plan keeps the caps.

Every peer honours the variant: routing, round robin and ATC start work that may not pause only where it
fits in one window; the interval model never pauses in any variant (under `base` and `effort` it is
stricter than the policy, and its rows say "never pauses"); the interval model prices deferral with the
policy's effort price; the dispatchers do not price deferral at all (what they leave out is what no agent
reached), so the effort price changes their cost, not their choices.

The timed planners run once per time limit, the instant ones once per scenario (their rows repeat in each
time-limit block with their own time). Every run is in a fresh process (its peak memory is its own). Every
plan is held to the independent checker (`triage.validation.check_plan`, violations counted) and priced by
it (`triage.validation.term_quantities` x the policy's weights, `Compiled.weights`, which `protect_priorities`
scales: the table's cost, for every planner the same). Besides the policy's cost the table gives the
independent benchmark's cost ("bench cost": weighted
minutes late + 10 x weight x effort for each request left out, with the policy's weight per minute), P1 and
P2 minutes late (planned minutes past due; a request left out counts from its due time to the horizon's
end), requests on time, left out, wall time and peak memory; then medians over seeds and the distance to
the issue's targets. Progress goes to stderr, the tables to stdout and, with --markdown, to a file.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from benchmarks.atc import plan_atc, plan_atc_within_caps
from benchmarks.baselines import plan_earliest_start, plan_round_robin
from benchmarks.interval_peer import MAX_PAIRS, plan_interval_model
from benchmarks.isolate import Measured, run_isolated
from benchmarks.plan_bench import machine
from fixtures.generate import SIZES
from fixtures.peers import generate_peer_scenario
from solver.compile import Compiled, compile_scenario
from solver.params import SearchSchedule, SolveParams
from solver.protect import urgent_minutes
from solver.run import plan
from triage.model import Scenario
from triage.names import Priority
from triage.results import Plan
from triage.validation import check_plan, term_quantities

PLANNER, INTERVAL, ROUTING = "planner", "interval-model", "earliest-start"
TIMED = (PLANNER, INTERVAL)
INSTANT: dict[str, Callable[[Scenario], Plan]] = {
    "atc": plan_atc,
    "atc-within-caps": plan_atc_within_caps,
    ROUTING: plan_earliest_start,
    "round-robin": plan_round_robin,
}
DEFAULT_LIMITS = {"S": [10.0], "M": [10.0, 60.0], "L": [30.0, 60.0], "XL": [60.0]}
EFFORT_PRICE = 10
"""`deferral_per_effort_minute` of the effort variants: the independent benchmark's 10 x weight x effort."""
VARIANTS: dict[str, dict[str, object]] = {
    "base": {},
    "effort": {"deferral_per_effort_minute": EFFORT_PRICE},
    "no-pause": {"pausable": False},
    "effort-no-pause": {"deferral_per_effort_minute": EFFORT_PRICE, "pausable": False},
    "protect-off": {"protect_priorities": False},
}
"""Policy changes per variant (see the module docstring)."""
LEFT_OUT_FACTOR = 10  # the independent benchmark's price of left-out work: 10 x weight x effort


@dataclass(frozen=True)
class PeerRow:
    """One planner on one scenario at one time limit, priced by the independent checker."""

    size: str
    seed: int
    variant: str
    limit_seconds: float
    planner: str
    cost: int  # the policy's cost, recomputed by triage.validation
    objective_matches: bool  # the plan's own objective equals the checker's price
    bench_cost: int  # weighted minutes late + 10 x weight x effort left out
    p1_late_minutes: int
    p2_late_minutes: int
    on_time: int
    planned: int
    left_out: int
    wall_seconds: float
    peak_rss_mb: float
    violations: int
    note: str  # how the plan was obtained (bound source, shortened)
    caps_excess: tuple[int, ...] | None = None  # per urgent tier, minutes above the caps; None: no caps


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peer_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    for size, limits in DEFAULT_LIMITS.items():
        shown = ", ".join(f"{x:g}" for x in limits)
        parser.add_argument(
            f"--limits-{size}",
            nargs="+",
            type=float,
            default=limits,
            metavar="SECONDS",
            help=f"time limits at {size} (default {shown})",
        )
    parser.add_argument("--planners", nargs="+", choices=[*TIMED, *INSTANT], default=[*TIMED, *INSTANT])
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=[*VARIANTS, "all"],
        default=["base"],
        help="policy variants (default base; all: every one)",
    )
    parser.add_argument("--planner-workers", type=int, default=None, help="the planner's CP-SAT workers")
    parser.add_argument(
        "--planner-schedule",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        type=schedule_setting,
        help="the planner's SearchSchedule fields to change, e.g. small_polish_share=0.9",
    )
    parser.add_argument("--max-pairs", type=int, default=MAX_PAIRS, help="the interval model's size limit")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the tables as markdown here")
    parser.add_argument("--note", default="", help="a line for the header, e.g. the commit measured")
    args = parser.parse_args(argv)
    args.variants = list(VARIANTS) if "all" in args.variants else list(dict.fromkeys(args.variants))
    try:
        args.schedule = SearchSchedule(**dict(args.planner_schedule))  # checked once, used by every plan
    except ValidationError as error:
        parser.error(f"--planner-schedule: {error.errors()[0]['loc'][0]}: {error.errors()[0]['msg']}")
    return args


def with_variant(scenario: Scenario, variant: str) -> Scenario:
    """The scenario under a variant's policy."""
    policy = scenario.policy.model_copy(update=VARIANTS[variant])
    return scenario.model_copy(update={"policy": policy})


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def schedule_setting(text: str) -> tuple[str, float]:
    """One --planner-schedule NAME=VALUE: a `SearchSchedule` field and its number."""
    name, _, value = text.partition("=")
    if name not in SearchSchedule.model_fields or not value:
        fields = ", ".join(SearchSchedule.model_fields)
        raise argparse.ArgumentTypeError(f"{text!r}: NAME=VALUE with NAME one of {fields}")
    try:
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {value!r} is not a number") from None


def run_planner(args: argparse.Namespace, name: str, scenario: Scenario, limit: float) -> Measured:
    if name == PLANNER:
        workers = {"workers": args.planner_workers} if args.planner_workers else {}
        params = SolveParams(time_limit_seconds=limit, schedule=args.schedule, **workers)
        return run_isolated(plan, scenario, params)
    if name == INTERVAL:
        return run_isolated(plan_interval_model, scenario, limit, args.max_pairs)
    return run_isolated(INSTANT[name], scenario)


def caps_excess(compiled: Compiled, result: Plan) -> tuple[int, ...] | None:
    """Per urgent tier (P1, P2), the plan's minutes late above the policy's caps (0: kept), counted from the
    plan's presented ends as `solver.protect.UrgentCaps` counts them (a shared request by its later part, as
    presented, a planned part at 0); None when the policy sets no caps."""
    caps = compiled.urgent_caps
    if caps is None:
        return None
    jobs = compiled.job_index()
    ends = {a.request_id: a.end_minute for a in result.assignments}
    totals = [0] * len(caps.caps)
    for j, t in caps.tier_of.items():
        job = compiled.jobs[j]
        end = ends.get(job.request.id)
        totals[t] += 0 if job.is_part and end is not None else urgent_minutes(compiled, job, end)
    assert set(jobs) >= ends.keys()
    return tuple(max(total - cap, 0) for total, cap in zip(totals, caps.caps, strict=True))


def make_row(
    size: str,
    seed: int,
    variant: str,
    limit: float,
    name: str,
    scenario: Scenario,
    measured: Measured,
    compiled: Compiled | None = None,
) -> PeerRow:
    """The row of one measured plan, every figure recomputed from the scenario and the plan (`compiled`:
    the scenario compiled, when the caller has it)."""
    result: Plan = measured.result
    compiled = compiled or compile_scenario(scenario)
    triages = {job.request.id: job.triage for job in compiled.jobs}
    horizon = compiled.horizon_minutes
    weights = compiled.weights  # the policy's, scaled by `solver.protect` when it protects priorities
    cost = sum(weights[term] * quantity for term, quantity in term_quantities(scenario, result).items())
    effort = {r.id: r.effort_minutes for r in scenario.requests}
    late = {p: 0 for p in Priority}
    for a in result.assignments:
        late[a.priority] += a.minutes_late
    for u in result.unassigned:
        late[u.priority] += max(horizon - triages[u.request_id].due_minute, 0)
    weighted_late = sum(triages[a.request_id].weight * a.minutes_late for a in result.assignments)
    left_out = sum(LEFT_OUT_FACTOR * triages[u.request_id].weight * effort[u.request_id] for u in result.unassigned)
    return PeerRow(
        size=size,
        seed=seed,
        variant=variant,
        limit_seconds=limit,
        planner=name,
        cost=cost,
        objective_matches=cost == result.objective,
        bench_cost=weighted_late + left_out,
        p1_late_minutes=late[Priority.P1],
        p2_late_minutes=late[Priority.P2],
        on_time=sum(1 for a in result.assignments if a.minutes_late == 0),
        planned=len(result.assignments),
        left_out=len(result.unassigned),
        wall_seconds=measured.wall_seconds,
        peak_rss_mb=measured.peak_rss_mb,
        violations=len(check_plan(scenario, result)),
        note=short_note(name, result),
        caps_excess=caps_excess(compiled, result),
    )


def short_note(name: str, result: Plan) -> str:
    """What the table says about how a plan was obtained."""
    if name == INTERVAL:
        note = result.bound_source.split(", own objective")[0].removeprefix("interval model, ")
        never = "never pauses" in result.bound_source and "never pauses" not in note
        return note + ("; never pauses (stricter than the policy)" if never else "")
    if name == PLANNER:
        return f"{result.status.value}, gap {result.gap:.1%} to its bound ({bound_origin(result.bound_source)})"
    return ""


def bound_origin(source: str) -> str:
    """Which bound a planner's plan was measured against, in a few words (from `Plan.bound_source`)."""
    first = source.split(";")[0]
    if match := re.search(r"start-indexed LP relaxation \((\d+)-minute slots\)", first):
        return f"start LP, {match[1]}-minute slots"
    if match := re.search(r"time-indexed LP relaxation \((\d+)-minute buckets", first):
        return f"bucket LP, {match[1]}-minute buckets"
    if "column generation" in first:
        return "agents' schedules"
    if "each request alone" in first:
        return "each request alone"
    return first.split(",")[0]  # CP-SAT's own, or a proven optimum


def run(args: argparse.Namespace, failures: list[str]) -> list[PeerRow]:
    """Every planner on every scenario and time limit; a failed run is listed and left out."""
    rows: list[PeerRow] = []
    for size in args.sizes:
        limits = getattr(args, f"limits_{size}")
        for seed in args.seeds:
            generated = generate_peer_scenario(*SIZES[size], seed=seed)
            for variant in args.variants:
                scenario = with_variant(generated, variant)
                compiled = compile_scenario(scenario)
                instant: dict[str, Measured] = {}
                for limit in limits:
                    for name in args.planners:
                        label = f"{size} seed {seed} {variant} {limit:g} s {name}"
                        progress(label)
                        try:
                            if name in INSTANT and name not in instant:
                                instant[name] = run_planner(args, name, scenario, limit)
                            measured = instant[name] if name in INSTANT else run_planner(args, name, scenario, limit)
                            rows.append(make_row(size, seed, variant, limit, name, scenario, measured, compiled))
                        except Exception as exc:  # one failed run is reported, the others still count
                            failures.append(f"{label}: {type(exc).__name__}: {exc}")
                            progress("  failed: " + failures[-1])
    return rows


HEADERS = [
    "size",
    "seed",
    "variant",
    "limit s",
    "planner",
    "cost",
    "bench cost",
    "P1 min late",
    "P2 min late",
    "caps",
    "on time",
    "left out",
    "wall s",
    "peak MB",
    "violations",
    "how",
]


def caps_cell(row: PeerRow) -> str:
    """ "yes" when the plan keeps the urgent caps, else the minutes above them (P1 / P2); "off" without caps."""
    if row.caps_excess is None:
        return "off"
    if not any(row.caps_excess):
        return "yes"
    return "**no**: +" + " / +".join(f"{x:,}" for x in row.caps_excess)


def keeps_caps(row: PeerRow) -> bool:
    """Whether the plan is within the policy's hard limits on urgent lateness (trivially, when it sets none)."""
    return row.caps_excess is None or not any(row.caps_excess)


def row_cells(row: PeerRow) -> list[str]:
    cost = f"{row.cost:,}" + ("" if row.objective_matches else " (plan says otherwise)")
    return [
        row.size,
        str(row.seed),
        row.variant,
        f"{row.limit_seconds:g}",
        row.planner,
        cost,
        f"{row.bench_cost:,}",
        f"{row.p1_late_minutes:,}",
        f"{row.p2_late_minutes:,}",
        caps_cell(row),
        f"{row.on_time}/{row.planned + row.left_out}",
        str(row.left_out),
        f"{row.wall_seconds:.1f}",
        f"{row.peak_rss_mb:,.0f}",
        str(row.violations),
        row.note,
    ]


def median_rows(rows: list[PeerRow]) -> list[list[str]]:
    """Median over seeds per (size, variant, time limit, planner) of cost, bench cost, P1 and P2 minutes late,
    wall, memory."""
    groups: dict[tuple[str, str, float, str], list[PeerRow]] = {}
    for row in rows:
        groups.setdefault((row.size, row.variant, row.limit_seconds, row.planner), []).append(row)
    out = []
    for (size, variant, limit, name), items in groups.items():

        def med(get: Callable[[PeerRow], float], items: list[PeerRow] = items) -> float:
            return statistics.median(get(r) for r in items)

        out.append(
            [
                size,
                variant,
                f"{limit:g}",
                name,
                str(len(items)),
                f"{med(lambda r: r.cost):,.0f}",
                f"{med(lambda r: r.bench_cost):,.0f}",
                f"{med(lambda r: r.p1_late_minutes):,.0f}",
                f"{med(lambda r: r.p2_late_minutes):,.0f}",
                f"{med(lambda r: r.wall_seconds):.1f}",
                f"{med(lambda r: r.peak_rss_mb):,.0f}",
            ]
        )
    return out


MEDIAN_HEADERS = [
    "size",
    "variant",
    "limit s",
    "planner",
    "seeds",
    "cost",
    "bench cost",
    "P1 min late",
    "P2 min late",
    "wall s",
    "peak MB",
]


def target_lines(rows: list[PeerRow]) -> list[str]:
    """Per scenario and time limit: the planner's cost against the cheapest peer (both costs), and its P1
    and P2 minutes late against routing's (earliest start)."""
    out = []
    scenarios = dict.fromkeys((r.size, r.seed, r.variant, r.limit_seconds) for r in rows)
    for size, seed, variant, limit in scenarios:
        key = (size, seed, variant, limit)
        here = {r.planner: r for r in rows if (r.size, r.seed, r.variant, r.limit_seconds) == key}
        ours = here.get(PLANNER)
        peers = [r for name, r in here.items() if name != PLANNER]
        if ours is None or not peers:
            continue
        label = f"{size} seed {seed} {variant} at {limit:g} s"
        measures: list[tuple[str, Callable[[PeerRow], int]]] = [
            ("cost", lambda r: r.cost),
            ("bench cost", lambda r: r.bench_cost),
        ]
        within = [r for r in peers if keeps_caps(r)]
        groups = [("peer's", peers)] + (
            [("peer's within the caps", within)] if within and len(within) < len(peers) else []
        )
        for what, get in measures:
            for kind, group in groups:
                best = min(group, key=get)
                distance = 100 * (get(ours) - get(best)) / get(best) if get(best) else 0.0
                verdict = "MET" if get(ours) < get(best) else "MISSED"
                out.append(
                    f"{verdict:6} {label}: {what} {get(ours):,} against the cheapest {kind} {get(best):,} "
                    f"({best.planner}): {distance:+.1f} %"
                )
        if not keeps_caps(ours):
            out.append(f"BROKEN {label}: the planner's plan is above the urgent caps ({caps_cell(ours)})")
        routing = here.get(ROUTING)
        if routing is not None:
            met = ours.p1_late_minutes <= routing.p1_late_minutes and ours.p2_late_minutes <= routing.p2_late_minutes
            out.append(
                f"{'MET' if met else 'MISSED':6} {label}: P1 / P2 minutes late {ours.p1_late_minutes:,} / "
                f"{ours.p2_late_minutes:,} against routing's {routing.p1_late_minutes:,} / "
                f"{routing.p2_late_minutes:,}"
            )
    bad = [r for r in rows if r.violations or not r.objective_matches]
    out += [f"INVALID {r.size} seed {r.seed} {r.variant} {r.planner}: {r.violations} violations" for r in bad]
    return out


def markdown_table(headers: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join(lines + ["| " + " | ".join(cells) + " |" for cells in body])


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    command = "python -m benchmarks.peer_bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    header = [f"command: {command}", f"date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}", *machine()]
    header += [f"note: {args.note}"] if args.note else []
    failures: list[str] = []
    rows = run(args, failures)
    header.append("load average (1, 5, 15 min) at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    sections: list[tuple[str, str]] = [
        ("Per scenario", markdown_table(HEADERS, [row_cells(r) for r in rows])),
        ("Medians over seeds", markdown_table(MEDIAN_HEADERS, median_rows(rows))),
    ]
    targets = target_lines(rows) + [f"FAILED {failure}" for failure in failures]
    text = [f"- {h}" for h in header]
    for title, table in sections:
        text += ["", f"#### {title}", "", table]
    text += ["", "#### Targets", ""] + [f"- `{t}`" for t in targets]
    document = "\n".join(text) + "\n"
    print(document)
    if args.markdown:
        args.markdown.write_text(document)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
