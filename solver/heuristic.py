"""A fast routing heuristic: requests in (priority, due, cost, department rank) order, each to the qualified
agent who would finish it first, appended after that agent's earlier work. Instant at any size; its
plan is the solver's starting point and its fallback, so the planner never ends worse than it."""

from __future__ import annotations

from dataclasses import dataclass

from solver.compile import Compiled


@dataclass(frozen=True)
class Placement:
    """A request placed on an agent's own axis."""

    job: int  # index into Compiled.jobs
    agent: int  # index into Compiled.agents
    own_start: int


def route_earliest_finish(compiled: Compiled) -> list[Placement]:
    """Place every request it can; the rest are left out (deferred)."""
    free = [0] * len(compiled.agents)
    booked = [0] * len(compiled.agents)
    placements = []
    order = sorted(range(len(compiled.jobs)), key=lambda j: compiled.jobs[j].sort_key())
    for j in order:
        job = compiled.jobs[j]
        best: tuple[int, int, int, int] | None = None  # (team end, booked minutes, agent, own start)
        for candidate in job.candidates:
            start = max(free[candidate.agent], candidate.earliest_start)
            if start > candidate.latest_start:
                continue
            end = compiled.agents[candidate.agent].team_end(start + job.effort)
            option = (end, booked[candidate.agent], candidate.agent, start)
            if best is None or option < best:
                best = option
        if best is not None:
            _, _, agent, start = best
            free[agent] = start + job.effort
            booked[agent] += job.effort
            placements.append(Placement(j, agent, start))
    return placements
