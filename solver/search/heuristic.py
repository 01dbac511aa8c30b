"""A fast routing heuristic: requests in (priority, due, cost, department rank) order, each to the qualified
agent who would finish it first, appended after that agent's earlier work (work that may not pause at the
first start after it that keeps it within one window: `solver.compile.Candidate.fit`). It keeps the lead's pins
where it can (assign: only that agent; first: routed before anything else; before: routed after, and
started after, the request it waits for). Instant at any size; its plan is one of the solver's starting points
(`best_routing`: with the ATC dispatcher where no pin binds and all work may pause, and the urgent caps'
witness), and the planner never ends worse than the cheapest start it priced. What each pin means:
`solver.rules.pins`."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from solver.budget import Budget
from solver.compile import PRIORITY_ORDER, Candidate, Compiled
from solver.evaluate import total_cost
from triage.names import PinKind


@dataclass(frozen=True)
class Placement:
    """A request placed on an agent's own axis."""

    job: int  # index into Compiled.jobs
    agent: int  # index into Compiled.agents
    own_start: int


def apparent_tardiness_cost(compiled: Compiled, j: int, look_ahead: float, mean_effort: float) -> float:
    """The static ATC index of a request (Vepsalainen and Morton): cost per minute of work (weight / effort),
    discounted by how much slack it has before it must start to be on time, in units of look_ahead x the
    mean effort. Higher goes first."""
    job = compiled.jobs[j]
    slack = max(job.triage.due_minute - job.effort, 0)
    return job.triage.weight / job.effort * math.exp(-slack / (look_ahead * mean_effort))


def routing_order(compiled: Compiled, look_ahead: float | None = None) -> list[int]:
    """Jobs in routing order: pinned-first jobs, then by (priority, due, cost, rank) or, with a look-ahead,
    by apparent tardiness cost; each job after the jobs pinned before it."""
    first = compiled.pins.first
    if look_ahead is None:
        order = sorted(range(len(compiled.jobs)), key=lambda j: (j not in first, compiled.jobs[j].sort_key()))
    else:
        mean = sum(job.effort for job in compiled.jobs) / max(len(compiled.jobs), 1)
        index = [apparent_tardiness_cost(compiled, j, look_ahead, mean) for j in range(len(compiled.jobs))]
        order = sorted(
            range(len(compiled.jobs)), key=lambda j: (j not in first, -index[j], compiled.jobs[j].sort_key())
        )
    waits_for = compiled.pins.waits_for
    if not waits_for:
        return order
    placed: list[int] = []
    done: set[int] = set()

    def visit(j: int, path: set[int]) -> None:
        if j in done or j in path:
            return  # a cycle of before-pins is left to the solver to report
        for k in sorted(waits_for.get(j, ()), key=order.index):
            visit(k, path | {j})
        done.add(j)
        placed.append(j)

    for j in order:
        visit(j, set())
    return placed


def route_earliest_finish(compiled: Compiled, look_ahead: float | None = None) -> list[Placement]:
    """Place every request it can, in routing order (see `routing_order`); the rest are left out (deferred)."""
    free = [0] * len(compiled.agents)
    booked = [0] * len(compiled.agents)
    pinned_to = {j: a for j, a in compiled.pins.assigned_to.items() if a is not None}
    waits_for = compiled.pins.waits_for
    ends: dict[int, int] = {}
    placements = []
    for j in routing_order(compiled, look_ahead):
        job = compiled.jobs[j]
        not_before = max((ends.get(k, 0) for k in waits_for.get(j, [])), default=0)
        best: tuple[int, int, int, int] | None = None  # (team end, booked minutes, agent, own start)
        for candidate in job.candidates:
            if j in pinned_to and candidate.agent != pinned_to[j]:
                continue
            agent = compiled.agents[candidate.agent]
            start = candidate.fit(max(free[candidate.agent], agent.own_minute(not_before)))
            if start is None:
                continue
            option = (agent.team_end(start + job.effort), booked[candidate.agent], candidate.agent, start)
            if best is None or option < best:
                best = option
        if best is not None:
            end, _, agent_index, start = best
            free[agent_index] = start + job.effort
            booked[agent_index] += job.effort
            ends[j] = end
            placements.append(Placement(j, agent_index, start))
    return placements


def left_shift(compiled: Compiled, placements: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """The same plan with every request started as early as its agent's earlier work, its release and
    the requests pinned before it allow; each agent keeps its order. Ends only move earlier."""
    waits_for = compiled.pins.waits_for
    order = sorted(placements, key=lambda j: compiled.agents[placements[j][0]].team_start(placements[j][1]))
    free = [0] * len(compiled.agents)
    ends: dict[int, int] = {}
    out: dict[int, tuple[int, int]] = {}
    for j in order:
        a, old = placements[j]
        agent, job = compiled.agents[a], compiled.jobs[j]
        candidate = next(c for c in job.candidates if c.agent == a)
        not_before = max((ends[k] for k in waits_for.get(j, []) if k in ends), default=0)
        fitted = candidate.fit(max(free[a], agent.own_minute(not_before)))
        start = old if fitted is None else min(old, fitted)
        out[j] = (a, start)
        free[a] = start + job.effort
        ends[j] = agent.team_end(start + job.effort)
    return out


LOOK_AHEADS = (None, 2.0, 4.0)
"""Routing orders tried for the start: the plain (priority, due) order and two ATC look-aheads, measured
on generated S, M and L scenarios to start 17-22 % cheaper than the plain order."""


DISPATCH_LOOK_AHEAD = 0.5
"""The dispatcher's look-ahead in mean efforts: the best of ten values tried on peer-profile scenarios of sizes
S, M and L (benchmarks/RESULTS.md, "ATC dispatcher: tuning")."""


def dispatch_atc(
    compiled: Compiled,
    look_ahead: float = DISPATCH_LOOK_AHEAD,
    fixed: Mapping[int, tuple[int, int]] | None = None,
    *,
    fill_gaps: bool = True,
) -> dict[int, tuple[int, int]]:
    """An apparent-tardiness-cost dispatcher (Vepsalainen and Morton's ATC for parallel agents with skills):
    whenever an agent becomes free (the earliest free on the team axis first), they take, among the open
    requests they qualify for that are filed by then and still fit in the horizon, the one with the highest
    weight / effort x exp(-slack / (look_ahead x mean effort)), slack being the minutes between the end with
    this agent (their absences counted) and the due time, at least 0. `fixed` placements are kept, as
    blocks on their agents' own axes: an agent takes, before each block, only work that ends by its start
    (the gap's filing still to come is waited for when something could fit in it, else the agent goes on
    after the block); without `fill_gaps`, each agent only after the last of its fixed work. Unlike the
    routing orders it reads the time each agent is free, not a static order. Pins and work that may not
    pause are not read (the caller keeps it only where no pin binds and all work may pause)."""
    fixed = dict(fixed or {})
    n, agents = len(compiled.jobs), compiled.agents
    mean_effort = sum(job.effort for job in compiled.jobs) / max(n, 1)
    scale = look_ahead * mean_effort
    weight = np.array([job.triage.weight for job in compiled.jobs], dtype=np.float64)
    effort = np.array([job.effort for job in compiled.jobs], dtype=np.int64)
    due = np.array([job.triage.due_minute for job in compiled.jobs], dtype=np.int64)
    per_agent: list[list[tuple[int, int, int]]] = [[] for _ in agents]
    for j, job in enumerate(compiled.jobs):
        if j not in fixed:
            for c in job.candidates:
                per_agent[c.agent].append((j, c.earliest_start, c.latest_start))
    blocks: list[list[tuple[int, int]]] = [[] for _ in agents]  # per agent, its fixed work, latest first
    for j, (a, start) in fixed.items():
        blocks[a].append((start, start + compiled.jobs[j].effort))
    for held in blocks:
        held.sort(reverse=True)
    free = [0] * len(agents)
    if not fill_gaps:  # after the last fixed work of each agent
        free = [held[0][1] if held else 0 for held in blocks]
        blocks = [[] for _ in agents]
    queues = []
    for a, items in enumerate(per_agent):
        lows = [low for low, _ in agents[a].windows]
        opens = np.cumsum([0] + [high - low for low, high in agents[a].windows[:-1]], dtype=np.int64)
        window_starts = np.array(lows or [0], dtype=np.int64)
        js = np.array([j for j, _, _ in items], dtype=np.int64)
        earliest = np.array([e for _, e, _ in items], dtype=np.int64)
        latest = np.array([la for _, _, la in items], dtype=np.int64)
        queues.append((js, earliest, latest, opens, window_starts))
    is_open = np.ones(n, dtype=bool)
    ready = [
        (agents[a].team_start(free[a]), a) for a, q in enumerate(queues) if len(q[0]) and agents[a].capacity_minutes
    ]
    heapq.heapify(ready)
    out = dict(fixed)
    while ready:
        _, a = heapq.heappop(ready)
        js, earliest, latest, opens, window_starts = queues[a]
        held = blocks[a]
        while held and held[-1][1] <= free[a]:
            held.pop()  # blocks behind the agent
        if held and held[-1][0] <= free[a]:
            free[a] = held.pop()[1]  # inside a block: after it
        now = free[a]
        possible = is_open[js] & (latest >= np.maximum(earliest, now))
        if not possible.any():
            continue  # nothing left this agent can take, now or later
        gap = held[-1][0] if held else None  # the next block's start: work before it must end by then
        fits = possible if gap is None else possible & (np.maximum(earliest, now) + effort[js] <= gap)
        filed = fits & (earliest <= now)
        if not filed.any():
            waiting = fits & (earliest > now)
            if waiting.any():
                free[a] = int(earliest[waiting].min())  # wait for the next filing that fits
            elif held:
                free[a] = held.pop()[1]  # nothing fits before the block: after it
            else:
                continue
            heapq.heappush(ready, (agents[a].team_start(free[a]), a))
            continue
        own_end = now + effort[js]
        index = np.maximum(np.searchsorted(opens, own_end, side="left") - 1, 0)
        team_end = window_starts[index] + own_end - opens[index]  # AgentTime.team_end, vectorised
        slack = np.maximum(due[js] - team_end, 0)
        score = np.where(filed, weight[js] / effort[js] * np.exp(-slack / scale), -1.0)
        j = int(js[int(np.argmax(score))])
        out[j] = (a, now)
        is_open[j] = False
        free[a] = now + int(effort[j])
        heapq.heappush(ready, (agents[a].team_start(free[a]), a))
    return out


def best_routing(compiled: Compiled, budget: Budget | None = None) -> dict[int, tuple[int, int]]:
    """The cheapest of the routing orders in LOOK_AHEADS and, where no pin binds and all work may pause, the
    ATC dispatcher's plan, as placements {job: (agent, own start)}. Under the urgent caps
    (`Compiled.urgent_caps`): the cheapest of those that keep them, the caps' witness plan, and the
    dispatcher around the witness's P1 and P2 placements (urgent work exactly as the witness has it, the rest
    dispatched in the gaps before it and after it: the caps hold). The first options are always tried: the
    witness (under the caps) and the dispatcher where it applies, else the plain order. With a `budget`, the
    others (the plain order, the dispatcher after the witness's urgent work, the plain dispatcher, the
    look-aheads) are tried only while it has at least
    twice what the last option took left: at L a 3 s limit leaves no time for all six, and at XL on a loaded
    machine the compile leaves time for the first ones only."""
    caps = compiled.urgent_caps
    # the dispatcher reads neither pins nor stretches: only where no pin binds and all work may pause
    dispatching = not compiled.pins.named and all(job.pausable for job in compiled.jobs)

    def route(k: float | None) -> Callable[[], dict[int, tuple[int, int]]]:
        return lambda: {p.job: (p.agent, p.own_start) for p in route_earliest_finish(compiled, k)}

    makers: list[Callable[[], dict[int, tuple[int, int]]]] = []
    if caps is not None:
        makers.append(lambda: dict(caps.plan))
    if dispatching:
        # the cheapest start on every peer scenario, S to XL, with the caps (around the witness's urgent work)
        # and without (benchmarks/RESULTS.md, "Cheaper at L and XL"): tried first, even with no time left, in
        # the plain order's place
        urgent = {} if caps is None else {j: p for j, p in caps.plan.items() if j in caps.tier_of}
        makers.append(lambda: dispatch_atc(compiled, fixed=urgent))
        always = len(makers)
        makers.append(route(LOOK_AHEADS[0]))
        if caps is not None:
            makers.append(lambda: dispatch_atc(compiled, fixed=urgent, fill_gaps=False))  # cheaper at times
            makers.append(lambda: dispatch_atc(compiled))
    else:
        makers.append(route(LOOK_AHEADS[0]))  # with the witness, always tried: the plan `plan_by_routing` gives
        always = len(makers)
    makers += [route(k) for k in LOOK_AHEADS[1:]]
    best: tuple[int, dict[int, tuple[int, int]]] | None = None
    took = 0.0
    for tried, make in enumerate(makers):
        # a further option only with time for it: at least twice what the last took (at the largest accepted
        # sizes one takes about a second on a loaded machine)
        if tried >= always and budget is not None and budget.left() < max(2 * took, 1e-9):
            break
        began = budget.now() if budget is not None else 0.0
        option = make()
        took = budget.now() - began if budget is not None else 0.0
        if caps is not None and not caps.hold(compiled, option):
            continue
        cost = total_cost(compiled, option)
        if best is None or cost < best[0]:
            best = cost, option
    assert best is not None  # the first option keeps the caps: it is their witness, or nothing is capped
    return best[1]


def route_help_desk(compiled: Compiled) -> dict[int, tuple[int, int]]:
    """The help desk's plain routing, the witness `solver.protect.UrgentCaps` caps urgent lateness at: the
    open requests in queue order (priority, due minute, request id), each appended to one qualified agent's
    queue: the lead's `assign` pin or the current owner while that agent has room, else the qualified agent
    who can start it first (ties: fewer minutes routed so far, then team order); a request no qualified agent
    has room for is left out. `first` and `before` pins are not read (the caller checks `pins_hold`)."""
    jobs = compiled.job_index()
    agents = compiled.agent_index()
    held = {j: agents[job.request.owner] for j, job in enumerate(compiled.jobs) if job.request.owner in agents}
    pinned: set[int] = set()
    for pin in compiled.scenario.pins:
        if pin.kind == PinKind.ASSIGN and pin.request in jobs:
            pinned.add(jobs[pin.request])
            if pin.agent in agents:
                held[jobs[pin.request]] = agents[pin.agent]

    def queue_key(j: int) -> tuple[int, int, str]:
        job = compiled.jobs[j]
        return PRIORITY_ORDER[job.triage.priority], job.triage.due_minute, job.request.id

    free = [0] * len(compiled.agents)
    booked = [0] * len(compiled.agents)
    placements: dict[int, tuple[int, int]] = {}
    for j in sorted(range(len(compiled.jobs)), key=queue_key):
        job = compiled.jobs[j]
        fitted = [(c, c.fit(free[c.agent])) for c in job.candidates]  # in range, and in one stretch if it may not pause
        options: list[tuple[Candidate, int]] = [(c, start) for c, start in fitted if start is not None]
        mine = [option for option in options if option[0].agent == held.get(j)]
        chosen: tuple[Candidate, int] | None = None
        if mine:
            chosen = mine[0]
        elif options and j not in pinned:
            chosen = min(
                options,
                key=lambda o: (compiled.agents[o[0].agent].team_start(o[1]), booked[o[0].agent], o[0].agent),
            )
            booked[chosen[0].agent] += job.effort
        if chosen is not None:
            candidate, start = chosen
            placements[j] = (candidate.agent, start)
            free[candidate.agent] = start + job.effort
    return placements
