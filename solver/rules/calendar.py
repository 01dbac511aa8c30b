"""Rules availability, release and horizon, and the team-axis moments the other builders read.

A start lives on the agent's own axis (their working minutes only, `solver.compile.AgentTime`), so
availability holds by construction; its range keeps it after the request exists and early enough to end
within the horizon. Work that may not pause has a start domain of several ranges instead of one, those at
which its whole effort lies in one of the agent's windows (`solver.compile.Candidate.stretches`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from solver.build import Built, LinearExpr
    from solver.compile import Compiled


def add_availability_and_release(built: Built, compiled: Compiled) -> None:
    """Rules availability, release, horizon: a start on the agent's own axis (their working minutes only),
    not before the request exists, early enough to end within the horizon; for work that may not pause, only
    where its whole effort lies in one window of the agent."""
    for j, a in built.present:
        job = compiled.jobs[j]
        candidate = next(c for c in job.candidates if c.agent == a)
        name = f"start[{job.request.id},{compiled.agents[a].agent.id}]"
        if candidate.stretches is None:
            built.own_start[j, a] = built.model.new_int_var(candidate.earliest_start, candidate.latest_start, name)
        else:
            domain = cp_model.Domain.from_intervals([list(r) for r in candidate.stretches])
            built.own_start[j, a] = built.model.new_int_var_from_domain(domain, name)


def add_team_ends(built: Built, compiled: Compiled) -> None:
    """`team_end[R]` for every free request that has a candidate: what the pins and the terms read."""
    for j in sorted(built.scope.free):
        if compiled.jobs[j].candidates:
            built.team_end[j] = team_moment(built, compiled, j, ending=True)


def team_moment(built: Built, compiled: Compiled, j: int, *, ending: bool) -> cp_model.IntVar:
    """The team-axis end (or start) of a free request: its own-axis position plus the gaps in its agent's
    time that lie before it. An end exactly at a gap stays before it; a start there moves after it."""
    job = compiled.jobs[j]
    name = "team_end" if ending else "team_start"
    moment = built.model.new_int_var(0, compiled.horizon_minutes, f"{name}[{job.request.id}]")
    for a in built.pairs_of(j):
        agent = compiled.agents[a]
        candidate = next(c for c in job.candidates if c.agent == a)
        shift = job.effort if ending else 0
        position_expr = built.own_start[j, a] + shift
        low, high = candidate.earliest_start + shift, candidate.latest_start + shift
        offset = agent.windows[0][0]
        spanned: list[LinearExpr] = []
        for position, gap in agent.jumps():
            threshold = position + 1 if ending else position  # the own position from which the gap is passed
            if threshold > high:
                break
            if threshold <= low:
                offset += gap
                continue
            past = built.model.new_bool_var(f"past[{job.request.id},{agent.agent.id},{position}]")
            built.model.add(position_expr >= threshold).only_enforce_if(past)
            built.model.add(position_expr <= threshold - 1).only_enforce_if(~past)
            spanned.append(gap * past)
        team = position_expr + offset + cp_model.LinearExpr.sum(spanned)
        built.model.add(moment == team).only_enforce_if(built.present[j, a])
    return moment


def team_of_fixed(compiled: Compiled, k: int, placement: tuple[int, int], *, ending: bool) -> int:
    """The team-axis end (or start) of a request held at (agent, own start)."""
    agent, start = placement
    if ending:
        return compiled.agents[agent].team_end(start + compiled.jobs[k].effort)
    return compiled.agents[agent].team_start(start)
