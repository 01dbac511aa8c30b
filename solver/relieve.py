"""A last pass over a plan: take requests off agents above their target load and give them to qualified peers
below theirs, where that makes the plan cheaper.

The search, working on neighbourhoods or a model it stops before proving, can leave an agent above target
while a peer who could take one of their requests sits below it with a free gap, even when the move would
lower the cost (measured: 3 such requests on a generated S scenario). Each move tried puts one request of an
agent above target into the earliest free gap of a qualified peer who stays within target with it; it is
kept only when the whole plan's cost goes down and every pin still holds. The hard rules hold by
construction: the peer is a candidate (skills), the gap is on their own axis (availability), not before
the request's release and early enough to end within the horizon, and free (no overlap).
"""

from __future__ import annotations

import time

from solver.compile import Compiled
from solver.evaluate import Placements, loads, pins_hold, total_cost
from solver.insert import Timelines


def relieve_overload(compiled: Compiled, placements: Placements, deadline: float) -> Placements:
    """The plan after every cost-lowering move found before `deadline` (a perf_counter time)."""
    current: Placements = dict(placements)
    cost = total_cost(compiled, current)
    targets = [t.target_minutes for t in compiled.agents]
    while time.perf_counter() < deadline:
        moved = _first_cheaper_move(compiled, current, cost, targets, deadline)
        if moved is None:
            break
        current, cost = moved
    return current


def _first_cheaper_move(
    compiled: Compiled, current: Placements, cost: int, targets: list[int], deadline: float
) -> tuple[Placements, int] | None:
    planned = loads(compiled, current)
    timelines = Timelines(compiled, dict(current))
    for j, (owner, _) in sorted(current.items()):
        if planned[owner] <= targets[owner]:
            continue
        job = compiled.jobs[j]
        for candidate in job.candidates:
            peer = candidate.agent
            if peer == owner or planned[peer] + job.effort > targets[peer]:
                continue
            start = timelines.earliest_gap(peer, candidate.earliest_start, candidate.latest_start, job.effort)
            if start is None:
                continue
            trial = {**current, j: (peer, start)}
            trial_cost = total_cost(compiled, trial)
            if trial_cost < cost and pins_hold(compiled, trial):
                return trial, trial_cost
            if time.perf_counter() >= deadline:
                return None
    return None
