"""A simulated day: its plan, fast and deterministic, so that a simulation gives the same answer on any machine
and whatever the number of processes; and its carrying out (`carry_out`), shared by the simulation
(`solver.simulation.run`) and the replay (`solver.simulation.replay`).

`routing`: the cheapest routing order (`solver.search.heuristic.best_routing`), shifted left. `search`: then a fixed
number of rounds of the large-neighbourhood search (`solver.search.lns.search`, from a seeded generator), each
neighbourhood solved by CP-SAT with one worker under a deterministic work limit (not a wall-clock one), an
improving answer kept. Neither depends on the clock; the wall-clock limit of a neighbourhood is only a guard
against a stuck machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from solver.budget import Budget
from solver.compile import Compiled, compile_scenario
from solver.evaluate import Placements, total_cost
from solver.params import SolveParams
from solver.run import extract_plan
from solver.search.heuristic import best_routing, left_shift
from solver.search.lns import search
from triage.calendar import BusinessAxis
from triage.model import Request, Scenario
from triage.names import Planner, PlanStatus, Priority, RequestStatus
from triage.results import Plan
from triage.simulation.outcomes import BacklogDay

GUARD_SECONDS = 30.0  # per neighbourhood; never reached on a working machine (the work limit ends it first)


def plan_day(
    scenario: Scenario, planner: Planner, *, rounds: int, work_limit: float, seed: int
) -> tuple[Plan, Compiled]:
    """The day's plan (without explanations) and the compiled scenario it was read from."""
    compiled = compile_scenario(scenario)
    placements: Placements = best_routing(compiled)
    source = "routing heuristic"
    if planner == Planner.SEARCH and compiled.jobs:
        placements, improved = _search(compiled, placements, rounds, work_limit, seed)
        source = f"routing heuristic, then {improved} of {rounds} neighbourhoods improved it"
    shifted = left_shift(compiled, dict(placements))
    if total_cost(compiled, shifted) <= total_cost(compiled, placements):
        placements = shifted
    return extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, f"none: {source}"), compiled


def _search(compiled: Compiled, start: Placements, rounds: int, work_limit: float, seed: int) -> tuple[Placements, int]:
    """`rounds` neighbourhoods of the large-neighbourhood search (`solver.search.lns.search`), one worker each
    under the work limit, with no budget of seconds: the clock enters only as each solve's guard."""
    params = SolveParams(
        workers=1, random_seed=seed, deterministic_limit=work_limit, neighbourhood_seconds=GUARD_SECONDS
    )
    current, _, improved = search(compiled, start, params, Budget.of(math.inf), rounds=rounds)
    return current, improved


@dataclass
class WorkState:
    """A run in progress (a simulation's or a replay's): the open requests and what has been recorded so far."""

    open: dict[str, Request]
    due: dict[str, tuple[Priority, datetime]] = field(default_factory=dict)
    finished: dict[str, tuple[datetime, bool]] = field(default_factory=dict)  # id -> (finish, on time)
    worked: dict[str, int] = field(default_factory=dict)
    available: dict[str, int] = field(default_factory=dict)
    backlog: list[BacklogDay] = field(default_factory=list)
    effort: dict[str, int] = field(default_factory=dict)  # original effort of every request seen
    requests: dict[str, Request] = field(default_factory=dict)  # as first seen
    closed_at: datetime | None = None  # the close of the last day simulated


def hand_back_work_of_absent(organisation: Scenario, state: WorkState, day_axis: BusinessAxis) -> None:
    """Work in progress of an agent with no working time today goes back to the queue (someone else may take
    it); its remaining effort stays."""
    away = {a.id for a in organisation.agents if not day_axis.agent_windows(a)}
    known = {a.id for a in organisation.agents}
    for rid, r in list(state.open.items()):
        if r.status == RequestStatus.IN_PROGRESS and (r.owner in away or r.owner not in known):
            state.open[rid] = r.model_copy(update={"status": RequestStatus.OPEN, "owner": None})


def carry_out(compiled: Compiled, plan: Plan, state: WorkState, close: int) -> None:
    """What finishes by the close is done; what started is in progress with its remaining effort."""
    agents = {a.agent.id: a for a in compiled.agents}
    for agent_id, time in agents.items():
        state.available[agent_id] = state.available.get(agent_id, 0) + time.own_minute(close)
    for u in plan.unassigned:
        state.due[u.request_id] = (u.priority, u.due)
    for a in plan.assignments:
        state.due[a.request_id] = (a.priority, a.due)
        if a.start_minute >= close:
            continue
        time = agents[a.agent_id]
        worked = time.own_minute(min(a.end_minute, close)) - time.own_minute(a.start_minute)
        state.worked[a.agent_id] = state.worked.get(a.agent_id, 0) + worked
        request = state.open[a.request_id]
        if a.end_minute <= close:
            state.finished[a.request_id] = (a.end, a.minutes_late == 0)
            del state.open[a.request_id]
        else:
            state.open[a.request_id] = request.model_copy(
                update={
                    "status": RequestStatus.IN_PROGRESS,
                    "owner": a.agent_id,
                    "effort_minutes": max(request.effort_minutes - worked, 1),
                }
            )
