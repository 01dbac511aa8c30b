"""A strong peer for the planner: an ATC-style (apparent tardiness cost) list dispatcher, with its
constants tuned on seeds the benchmark does not use.

    python -m benchmarks.atc --tune                      # the tuning table (seeds 101-105, S, M and L)
    python -m benchmarks.atc --tune --sizes S M --seeds 101 102

The rule (Vepsalainen and Morton's ATC, for parallel agents with skills): whenever an agent becomes free
(the agent who is free earliest on the team's axis goes first), they take, among the open requests they
qualify for, that are filed by then and that still fit in their horizon, the one with the highest index

    weight / effort x exp(-slack / (LOOK_AHEAD x mean effort)),

where weight is the policy's cost of a minute late (priority x department x ageing), effort is in minutes,
and slack is the minutes between the time the request would end with this agent (their own hours and
absences counted: work pauses over an absence, as Tandem's rules allow) and its due time, at least 0. An
agent with nothing filed yet waits for the next filing among their requests. A request with a current owner
goes only to its owner when OWNER_FIRST holds (churn is priced by the policy), work in progress always.
Requests no agent takes before the horizon's end are left out (deferred). Priced afterwards by the
planner's own direct price (`benchmarks.pricing`), like every planner in the benchmark. The rule does not
price deferral (what is left out is what no agent reached), so an effort price on deferral changes its
plans' cost, not its choices.

Work that may not pause (`Policy.may_pause`) starts at the first start from the agent's free time that
keeps it within one of their windows (`solver.compile.Candidate.fit`); the index of such a request is
discounted by the wait, exp(-wait / (LOOK_AHEAD x mean effort)), as ATC with release times does (Pinedo's
ATCR form), so that an agent does not idle for work that could wait (not tuned: the constants were tuned
with work that pauses).

Tuning: every (look-ahead, owner-first) pair of TUNING_GRID on peer-profile scenarios (fixtures/peers.py)
of sizes S, M and L, seeds 101-105 (the benchmark runs seeds 1, 2, 3, ...), scored by the geometric mean
over scenarios of the cost divided by the best pair's cost on that scenario. The chosen constants and the
table are in benchmarks/RESULTS.md ("ATC dispatcher: tuning").
"""

from __future__ import annotations

import argparse
import heapq
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.pricing import plan_from_placements
from fixtures.generate import SIZES
from fixtures.peers import generate_peer_scenario
from solver.compile import Candidate, Compiled, compile_scenario
from solver.evaluate import Placements, total_cost
from triage.model import Scenario
from triage.results import Plan

LOOK_AHEAD = 0.5
"""The index's look-ahead in mean efforts: tuned (see the module docstring); best of TUNING_GRID, geometric
mean 0.8 % above the best pair per scenario, worst 3.9 % (benchmarks/RESULTS.md)."""
OWNER_FIRST = False
"""Whether a request with a current owner goes only to its owner: tuned; off was better at every look-ahead
(the policy's churn of 240 is small beside the lateness it saves)."""
TUNING_GRID = [(k, owner) for k in (0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 4.0, 8.0, 16.0) for owner in (True, False)]
TUNING_SEEDS = (101, 102, 103, 104, 105)
SOURCE = "none: ATC dispatcher, no search and no bound"


@dataclass(frozen=True)
class AgentQueue:
    """What one agent may take, as arrays over their candidate requests."""

    jobs: np.ndarray  # job indices
    earliest: np.ndarray  # own-axis minute the request is filed by
    latest: np.ndarray  # own-axis latest start that still ends within the horizon
    weight: np.ndarray  # cost of a minute late
    effort: np.ndarray  # minutes
    due: np.ndarray  # team-axis due minute
    opens: np.ndarray  # own-axis position where each of the agent's windows opens
    window_starts: np.ndarray  # team-axis minute each window opens
    rigid: np.ndarray  # work that may not pause: its start comes from `candidates[k].fit`
    candidates: list[Candidate]


def agent_queues(compiled: Compiled, owner_first: bool) -> list[AgentQueue]:
    """Each agent's candidate requests; an owned request is a candidate of its owner only when
    `owner_first` holds and the owner is one of its candidates."""
    per_agent: list[list[tuple[int, Candidate]]] = [[] for _ in compiled.agents]
    for j, job in enumerate(compiled.jobs):
        candidates = job.candidates
        if owner_first and any(c.agent == job.reference_agent for c in candidates):
            candidates = [c for c in candidates if c.agent == job.reference_agent]
        for c in candidates:
            per_agent[c.agent].append((j, c))
    out = []
    for a, items in enumerate(per_agent):
        jobs = np.array([j for j, _ in items], dtype=np.int64)
        agent = compiled.agents[a]
        opens, total = [], 0
        for low, high in agent.windows:
            opens.append(total)
            total += high - low
        out.append(
            AgentQueue(
                jobs=jobs,
                earliest=np.array([c.earliest_start for _, c in items], dtype=np.int64),
                latest=np.array([c.latest_start for _, c in items], dtype=np.int64),
                weight=np.array([compiled.jobs[j].triage.weight for j in jobs], dtype=np.float64),
                effort=np.array([compiled.jobs[j].effort for j in jobs], dtype=np.int64),
                due=np.array([compiled.jobs[j].triage.due_minute for j in jobs], dtype=np.int64),
                opens=np.array(opens or [0], dtype=np.int64),
                window_starts=np.array([low for low, _ in agent.windows] or [0], dtype=np.int64),
                rigid=np.array([c.stretches is not None for _, c in items], dtype=bool),
                candidates=[c for _, c in items],
            )
        )
    return out


def team_ends(queue: AgentQueue, own_ends: np.ndarray) -> np.ndarray:
    """Team-axis minutes at which work ending at these own-axis minutes ends (AgentTime.team_end, vectorised)."""
    index = np.maximum(np.searchsorted(queue.opens, own_ends, side="left") - 1, 0)
    ends: np.ndarray = queue.window_starts[index] + own_ends - queue.opens[index]
    return ends


def dispatch(
    compiled: Compiled,
    look_ahead: float = LOOK_AHEAD,
    owner_first: bool = OWNER_FIRST,
    fixed: Placements | None = None,
) -> Placements:
    """The dispatcher's placements {job: (agent, own-axis start)}; see the module docstring. `fixed`
    placements are kept, as blocks on their agents' own axes: before each block an agent takes only work
    that ends by its start (waiting for a filing still to come when something could fit in the gap, else
    going on after the block), as `solver.search.heuristic.dispatch_atc` does."""
    fixed = dict(fixed or {})
    queues = agent_queues(compiled, owner_first)
    mean_effort = sum(job.effort for job in compiled.jobs) / max(len(compiled.jobs), 1)
    scale = look_ahead * mean_effort
    is_open = np.ones(len(compiled.jobs), dtype=bool)
    free = [0] * len(compiled.agents)  # own-axis minute each agent is free from
    blocks: list[list[tuple[int, int]]] = [[] for _ in compiled.agents]  # per agent, its fixed work, latest first
    for j, (a, start) in fixed.items():
        is_open[j] = False
        blocks[a].append((start, start + compiled.jobs[j].effort))
    for held in blocks:
        held.sort(reverse=True)
    agents = compiled.agents
    ready = [(0, a) for a, q in enumerate(queues) if len(q.jobs) and agents[a].capacity_minutes]
    heapq.heapify(ready)  # (team-axis minute the agent is free, agent): the earliest free agent first
    out: dict[int, tuple[int, int]] = dict(fixed)
    while ready:
        _, a = heapq.heappop(ready)
        held = blocks[a]
        while held and held[-1][1] <= free[a]:
            held.pop()  # blocks behind the agent
        if held and held[-1][0] <= free[a]:
            free[a] = held.pop()[1]  # inside a block: after it
        q, now = queues[a], free[a]
        starts = np.maximum(q.earliest, now)
        for r in np.flatnonzero(q.rigid & is_open[q.jobs]):
            fitted = q.candidates[r].fit(now)
            starts[r] = q.latest[r] + 1 if fitted is None else fitted
        possible = is_open[q.jobs] & (q.latest >= starts)
        if not possible.any():
            continue  # nothing left this agent can take
        fits = possible if not held else possible & (starts + q.effort <= held[-1][0])
        filed = fits & (q.earliest <= now)
        if not filed.any():
            waiting = fits & (q.earliest > now)
            if waiting.any():
                free[a] = int(q.earliest[waiting].min())  # wait for the next filing that fits
            elif held:
                free[a] = held.pop()[1]  # nothing fits before the next block: after it
            else:
                continue  # not reached: without a block ahead, what is possible and filed fits
            heapq.heappush(ready, (compiled.agents[a].team_start(free[a]), a))
            continue
        slack = np.maximum(q.due - team_ends(q, starts + q.effort), 0)
        index = np.where(filed, q.weight / q.effort * np.exp(-(slack + starts - now) / scale), -1.0)
        k = int(np.argmax(index))
        j = int(q.jobs[k])
        out[j] = (a, int(starts[k]))
        is_open[j] = False
        free[a] = int(starts[k]) + int(q.effort[k])
        heapq.heappush(ready, (compiled.agents[a].team_start(free[a]), a))
    return out


def plan_atc(scenario: Scenario) -> Plan:
    """The dispatcher's plan with the tuned constants, priced under the scenario's policy."""
    compiled = compile_scenario(scenario)
    return plan_from_placements(compiled, dispatch(compiled), source=SOURCE)


def plan_atc_within_caps(scenario: Scenario) -> Plan:
    """The dispatcher held to the policy's urgent caps (`solver.protect.UrgentCaps`, with
    `protect_priorities`): the P1 and P2 requests exactly where the caps' witness (the help desk's routing)
    places them, so their minutes late equal the caps, and the rest dispatched as `plan_atc` does, around
    that urgent work (in the gaps before it where work fits, and after it). Without caps (protection off,
    or no urgent work), `plan_atc`'s plan."""
    compiled = compile_scenario(scenario)
    caps = compiled.urgent_caps
    if caps is None:
        return plan_from_placements(compiled, dispatch(compiled), source=SOURCE)
    urgent = {j: p for j, p in caps.plan.items() if j in caps.tier_of}
    source = f"{SOURCE}; P1 and P2 as {caps.witness} places them"
    return plan_from_placements(compiled, dispatch(compiled, fixed=urgent), source=source)


def tune(sizes: Sequence[str], seeds: Sequence[int]) -> list[tuple[tuple[float, bool], float, float]]:
    """(pair, geometric mean of cost / best pair's cost, worst ratio) per TUNING_GRID pair, best first."""
    ratios: dict[tuple[float, bool], list[float]] = {pair: [] for pair in TUNING_GRID}
    for size in sizes:
        for seed in seeds:
            compiled = compile_scenario(generate_peer_scenario(*SIZES[size], seed=seed))
            costs = {pair: total_cost(compiled, dispatch(compiled, *pair)) for pair in TUNING_GRID}
            best = min(costs.values())
            for pair, cost in costs.items():
                ratios[pair].append(cost / best)
            print(f"{size} seed {seed}: best {best:,}", file=sys.stderr, flush=True)
    scored = [(pair, math.exp(sum(map(math.log, r)) / len(r)), max(r)) for pair, r in ratios.items()]
    return sorted(scored, key=lambda item: item[1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.atc", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tune", action="store_true", help="print the tuning table")
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["S", "M", "L"])
    parser.add_argument("--seeds", nargs="+", type=int, default=list(TUNING_SEEDS))
    args = parser.parse_args(argv)
    if not args.tune:
        parser.error("nothing to do: give --tune")
    print("| look-ahead | owner first | geometric mean cost / best | worst |\n|---|---|---|---|")
    for (k, owner), mean, worst in tune(args.sizes, args.seeds):
        print(f"| {k:g} | {'yes' if owner else 'no'} | {mean:.4f} | {worst:.4f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
