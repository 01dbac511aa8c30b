"""The live re-plan after one new request: how long it takes, how much of the plan it moves, whether it is
repeatable, against a cold plan of the same data.

    python -m benchmarks.replan_bench                      # the demo and M (25 agents, 300 requests), seed 1
    python -m benchmarks.replan_bench --seed 1 2 3 --details   # more seeds; each moved request listed

For each organisation: the current plan is planned with the live re-plan's parameters
(`api.live.replanning.live_params` with the default settings unless --time-limit / --work say otherwise: one
worker, seed 0, a deterministic work limit, a wall-clock backstop); one request is added (the skills, effort
and cell of an existing request, drawn with the seed, filed at the scenario's now); then the live re-plan
(`api.live.replanning.live_replan`, from the current plan) and the cold plan (no previous plan) of the new
data, each timed, each compared with the current plan: the share of the previous requests that changed agent
or whose finish moved by more than 30 minutes, and how many of those are on agents who share no skill with
the new request; and the costs of the live re-plan, of the tentative plan (the current plan with the new
request inserted, as instant placement does) and of the cold plan. The live re-plan is run twice: the same
plan both times is what "repeatable" means here.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from datetime import timedelta

from api.demo import DEMO_FILE, read_scenario
from api.live.replanning import live_params, live_replan
from api.settings import Settings
from fixtures.generate import SIZES, generate_scenario
from solver.compile import compile_scenario
from solver.evaluate import total_cost
from solver.replan import placements_from
from solver.run import plan
from triage.model import Request, Scenario
from triage.names import RequestStatus
from triage.results import Plan

THRESHOLD = timedelta(minutes=30)


def with_one_more(scenario: Scenario, seed: int) -> tuple[Scenario, Request]:
    model = random.Random(seed).choice(scenario.requests)
    new = model.model_copy(
        update={
            "id": "NEW-1",
            "created_at": scenario.now,
            "owner": None,
            "deadline": None,
            "status": RequestStatus.OPEN,
            "department_rank": None,
        }
    )
    return scenario.model_copy(update={"requests": [*scenario.requests, new]}), new


def moved(before: Plan, after: Plan) -> list[str]:
    """Requests of `before` that changed agent, left, or finish more than 30 minutes apart in `after`."""
    now = {a.request_id: a for a in after.assignments}
    found = []
    for old in before.assignments:
        new = now.get(old.request_id)
        if new is None or new.agent_id != old.agent_id or abs(new.end - old.end) > THRESHOLD:
            found.append(old.request_id)
    return found


def unrelated(scenario: Scenario, before: Plan, rids: list[str], new: Request) -> int:
    """How many of `rids` were on an agent who shares no skill with the new request."""
    skills = {a.id: set(a.skills) for a in scenario.agents}
    agent_of = {a.request_id: a.agent_id for a in before.assignments}
    needed = set(new.required_skills)
    return sum(1 for r in rids if needed and not (skills[agent_of[r]] & needed))


def run(name: str, scenario: Scenario, seed: int, settings: Settings, details: bool = False) -> str:
    params = live_params(settings)
    current = plan(scenario, params)
    changed, new = with_one_more(scenario, seed)
    started, cpu = time.perf_counter(), time.process_time()
    warm = live_replan(changed, params, current, scenario)
    warm_seconds, warm_cpu = time.perf_counter() - started, time.process_time() - cpu
    again = live_replan(changed, params, current, scenario)
    started = time.perf_counter()
    cold = plan(changed, params)
    cold_seconds = time.perf_counter() - started
    same = [(a.request_id, a.agent_id, a.start) for a in warm.assignments] == [
        (a.request_id, a.agent_id, a.start) for a in again.assignments
    ]
    n = len(current.assignments)
    compiled = compile_scenario(changed, current)
    tentative = total_cost(compiled, placements_from(compiled, current, fallback={}))
    warm_moved, cold_moved = moved(current, warm), moved(current, cold)
    row = (
        f"| {name} | {n} | {warm_seconds:.2f} ({warm_cpu:.2f}) | {len(warm_moved)} "
        f"({100 * len(warm_moved) / n:.1f} %) | {unrelated(scenario, current, warm_moved, new)} | "
        f"{len(warm.changes)} | {'yes' if same else 'no'} | {cold_seconds:.2f} | {len(cold_moved)} "
        f"({100 * len(cold_moved) / n:.1f} %) | {warm.objective:,} / {tentative:,} / {cold.objective:,} | "
        f"{_pct(warm.objective, tentative)} / {_pct(warm.objective, cold.objective)} |"
    )
    if details:
        row += "\n" + "\n".join(_details(scenario, current, warm, warm_moved, new))
    return row


def _pct(cost: int, other: int) -> str:
    return f"{100 * (cost - other) / other:+.2f} %"


def _details(scenario: Scenario, before: Plan, after: Plan, rids: list[str], new: Request) -> list[str]:
    """One line per moved request: its agents, whether its agent shares a skill with the new request, how
    far its finish moved, and the reasons the re-plan lists."""
    skills = {a.id: set(a.skills) for a in scenario.agents}
    then, now = {a.request_id: a for a in before.assignments}, {a.request_id: a for a in after.assignments}
    reasons = {m.request_id: "; ".join(m.reasons) for m in after.changes}
    placed = now.get(new.id)
    lines = [
        f"    new request {new.id} ({', '.join(new.required_skills)}, {new.effort_minutes} min): "
        f"{placed.agent_id if placed else 'not planned'}; live re-plan: {after.bound_source}"
    ]
    for rid in rids:
        old, moved_to = then[rid], now.get(rid)
        shares = bool(skills[old.agent_id] & set(new.required_skills))
        shift = f"{(moved_to.end - old.end).total_seconds() / 60:+.0f} min" if moved_to else "left the plan"
        to = moved_to.agent_id if moved_to else "-"
        lines.append(
            f"    {rid} {old.priority.value} {old.agent_id} -> {to}, shares a skill: "
            f"{'yes' if shares else 'no'}, finish {shift}: {reasons.get(rid, '')}"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, nargs="+", default=[1], help="one row per seed and organisation")
    parser.add_argument("--time-limit", type=float, default=None, help="live_replan_time_limit_seconds")
    parser.add_argument("--work", type=float, default=None, help="live_replan_work_units")
    parser.add_argument("--details", action="store_true", help="list each moved request under its row")
    args = parser.parse_args(argv)
    given = {"live_replan_time_limit_seconds": args.time_limit, "live_replan_work_units": args.work}
    settings = Settings(**{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]
    print(
        f"# live re-plan after one new request, {settings.live_replan_time_limit_seconds} s, "
        f"{settings.live_replan_work_units} units, {platform.node()} ({os.cpu_count()} cores), "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        "| organisation | planned | warm s (cpu s) | warm moved | of them on agents without its skills | "
        "moves listed | repeatable | cold s | cold moved | cost warm / tentative / cold | "
        "warm vs tentative / vs cold |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for seed in args.seed:
        print(run(f"demo, seed {seed}", read_scenario(DEMO_FILE), seed, settings, args.details))
        print(run(f"M, seed {seed}", generate_scenario(*SIZES["M"], seed=seed), seed, settings, args.details))


if __name__ == "__main__":
    main()
