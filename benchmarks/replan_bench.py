"""The live re-plan after one new request: how long it takes, how much of the plan it moves, whether it is
repeatable, against a cold plan of the same data.

    python -m benchmarks.replan_bench                      # the demo and M (25 agents, 300 requests), seed 1

For each organisation: the current plan is planned with the live re-plan's parameters
(`api.live.replanning.live_params` with the default settings unless --time-limit / --work say otherwise: one
worker, seed 0, a deterministic work limit, a wall-clock backstop); one request is added (the skills, effort
and cell of an existing request, drawn
with the seed, filed at the scenario's now); then the warm re-plan (from the current plan) and the cold
plan (no previous plan) of the new data, each timed, each compared with the current plan: the share of the
previous requests that changed agent or whose finish moved by more than 30 minutes, and how many of those
are on agents who share no skill with the new request. The warm re-plan is run twice: the same plan both
times is what "repeatable" means here.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from datetime import timedelta

from api.demo import DEMO_FILE, read_scenario
from api.live.replanning import live_params
from api.settings import Settings
from fixtures.generate import SIZES, generate_scenario
from solver.run import plan
from triage.model import Request, Scenario
from triage.results import Plan

THRESHOLD = timedelta(minutes=30)


def with_one_more(scenario: Scenario, seed: int) -> tuple[Scenario, Request]:
    model = random.Random(seed).choice(scenario.requests)
    new = model.model_copy(update={"id": "NEW-1", "created_at": scenario.now, "owner": None, "deadline": None,
                                   "status": "open", "department_rank": None})  # fmt: skip
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


def run(name: str, scenario: Scenario, seed: int, settings: Settings) -> str:
    params = live_params(settings)
    current = plan(scenario, params)
    changed, new = with_one_more(scenario, seed)
    started = time.perf_counter()
    warm = plan(changed, params, current)
    warm_seconds = time.perf_counter() - started
    again = plan(changed, params, current)
    started = time.perf_counter()
    cold = plan(changed, params)
    cold_seconds = time.perf_counter() - started
    same = [(a.request_id, a.agent_id, a.start) for a in warm.assignments] == [
        (a.request_id, a.agent_id, a.start) for a in again.assignments
    ]
    n = len(current.assignments)
    warm_moved, cold_moved = moved(current, warm), moved(current, cold)
    return (f"| {name} | {n} | {warm_seconds:.2f} | {len(warm_moved)} ({100 * len(warm_moved) / n:.1f} %) | "
            f"{unrelated(scenario, current, warm_moved, new)} | {len(warm.changes)} | {'yes' if same else 'no'} | "
            f"{cold_seconds:.2f} | {len(cold_moved)} ({100 * len(cold_moved) / n:.1f} %) | "
            f"{warm.objective:,} / {cold.objective:,} |")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=None, help="live_replan_time_limit_seconds")
    parser.add_argument("--work", type=float, default=None, help="live_replan_work_units")
    args = parser.parse_args(argv)
    given = {"live_replan_time_limit_seconds": args.time_limit, "live_replan_work_units": args.work}
    settings = Settings(**{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]
    print(f"# live re-plan after one new request, seed {args.seed}, {settings.live_replan_time_limit_seconds} s, "
          f"{settings.live_replan_work_units} units, {platform.node()} ({os.cpu_count()} cores)")  # fmt: skip
    print("| organisation | planned | warm s | warm moved | of them on agents without its skills | moves listed | "
          "repeatable | cold s | cold moved | cost warm / cold |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(run("demo", read_scenario(DEMO_FILE), args.seed, settings))
    print(run("M", generate_scenario(*SIZES["M"], seed=args.seed), args.seed, settings))


if __name__ == "__main__":
    main()
