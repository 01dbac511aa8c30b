"""A staffing simulation: the team works through the days one at a time, under each variant, on the same
arrivals.

Each simulated working day: the day's arrivals join the open requests (each released at its arrival time),
the day is planned (`solver.simulation.day.plan_day`: the routing heuristic, or routing and a fixed neighbourhood
search; deterministic either way), and the plan is carried out up to the day's close: what finishes by then
is done, at its planned finish; what has started stays with its agent as work in progress with its remaining
effort; the rest waits for tomorrow's plan. Work in progress whose owner is away on a day is handed back to
the queue. "Now" then rolls to the next working morning.

`simulate` runs the baseline and every variant on every seed; the runs are independent, so with
`processes` > 1 they run in a process pool, and the result is the same whatever the number of processes.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from solver.compile import Compiled
from solver.simulation.day import plan_day
from triage.calendar import BusinessAxis
from triage.model import Request, Scenario
from triage.names import Planner, Priority, RequestStatus
from triage.results import Plan
from triage.simulation.arrivals import Arrival, ArrivalRates, draw_arrivals, surged
from triage.simulation.changes import BASELINE, Variant, apply_changes, check_variants, describe, surges
from triage.simulation.outcomes import AgentTime, BacklogDay, Judged, Run, Simulation, outcome
from triage.simulation.text import compare


class SimulationParams(BaseModel):
    """How long, on how many seeds, how each day is planned, and in how many processes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(10, ge=1, le=60, description="Working days simulated, from the scenario's now.")
    seed: int = Field(1, ge=0, description="First seed of the arrivals.")
    seeds: int = Field(1, ge=1, le=20, description="Seeds seed, seed + 1, ...; outcomes are pooled over them.")
    planner: Planner = Field(Planner.ROUTING, description="How each day is planned.")
    search_rounds: int = Field(4, ge=1, le=200, description="Neighbourhoods per day with planner 'search'.")
    search_work: float = Field(0.1, gt=0, le=60, description="CP-SAT's deterministic work limit per neighbourhood.")
    processes: int = Field(1, ge=1, le=64, description="Processes for the runs; 1 runs them in this process.")


@dataclass(frozen=True)
class Progress:
    """Simulated days done out of all days of all runs, and the run that reported."""

    done: int
    total: int
    variant: str
    seed: int
    day: int  # 1-based day of that run just done
    days: int


ProgressFn = Callable[[Progress], None]
Observer = Callable[[int, Scenario, Plan], None]
"""Called with (day index, the day's scenario, its plan): tests hold each plan to the checker."""


def simulate(
    scenario: Scenario,
    variants: list[Variant],
    rates: ArrivalRates,
    params: SimulationParams,
    progress: ProgressFn | None = None,
) -> Simulation:
    """Baseline and variants over the days and seeds, pooled per variant and compared with the baseline."""
    check_variants(scenario, variants)
    everyone = [Variant(name=BASELINE), *variants]
    seeds = [params.seed + k for k in range(params.seeds)]
    tasks = [(v, s) for s in seeds for v in everyone]
    runs = _run_all(scenario, tasks, rates, params, progress)
    outcomes = [
        outcome(scenario, v.name, [describe(c) for c in v.changes], [r for r in runs if r.variant == v.name])
        for v in everyone
    ]
    days = simulation_days(scenario, params.days)
    return Simulation(
        start=days[0],
        days=days,
        seeds=seeds,
        planner=params.planner,
        arrivals_per_day=round(rates.per_day, 2),
        baseline=outcomes[0],
        variants=outcomes[1:],
        comparisons=[compare(scenario, outcomes[0], o) for o in outcomes[1:]],
    )


def _run_all(
    scenario: Scenario,
    tasks: list[tuple[Variant, int]],
    rates: ArrivalRates,
    params: SimulationParams,
    progress: ProgressFn | None,
) -> list[Run]:
    total = len(tasks) * params.days
    done = 0

    def report(p: Progress) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(Progress(done, total, p.variant, p.seed, p.day, p.days))

    if params.processes == 1:
        return [run_variant(scenario, v, s, rates, params, report) for v, s in tasks]
    # spawn: a fresh interpreter per worker, never a fork of a process that may hold CP-SAT's threads
    with ProcessPoolExecutor(max_workers=params.processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(run_variant, scenario, v, s, rates, params) for v, s in tasks]
        out = []
        for (variant, seed), future in zip(tasks, futures, strict=True):
            out.append(future.result())
            for day in range(params.days):
                report(Progress(0, total, variant.name, seed, day + 1, params.days))
        return out


def simulation_days(scenario: Scenario, days: int) -> list[date]:
    """The team's first `days` working days from now (today counts while it has working time left)."""
    out: list[date] = []
    now = scenario.now
    while len(out) < days:
        axis = BusinessAxis(scenario.calendar, now, 1)
        close = axis.moment_of(axis.horizon_minutes, closing=True)
        out.append(close.date())
        now = axis.moment_of(axis.horizon_minutes)  # the next working period's opening
        if now <= close:
            now = close + timedelta(minutes=1)
    return out


@dataclass
class _State:
    """A run in progress: the open requests and what has been recorded so far."""

    open: dict[str, Request]
    due: dict[str, tuple[Priority, datetime]] = field(default_factory=dict)
    finished: dict[str, tuple[datetime, bool]] = field(default_factory=dict)  # id -> (finish, on time)
    worked: dict[str, int] = field(default_factory=dict)
    available: dict[str, int] = field(default_factory=dict)
    backlog: list[BacklogDay] = field(default_factory=list)
    effort: dict[str, int] = field(default_factory=dict)  # original effort of every request seen
    requests: dict[str, Request] = field(default_factory=dict)  # as first seen
    closed_at: datetime | None = None  # the close of the last day simulated


def run_variant(
    scenario: Scenario,
    variant: Variant,
    seed: int,
    rates: ArrivalRates,
    params: SimulationParams,
    progress: ProgressFn | None = None,
    observe: Observer | None = None,
) -> Run:
    """One variant on one seed's arrivals, day by day."""
    organisation = apply_changes(scenario, variant)
    days = simulation_days(scenario, params.days)
    axis = BusinessAxis(scenario.calendar, scenario.now, 1)
    base = draw_arrivals(rates, axis, days, seed)
    arrivals = surged(base, rates, axis, days, seed, surges(variant))
    state = _State(open={r.id: r for r in scenario.requests if r.status.plannable})
    for r in state.open.values():
        state.effort[r.id], state.requests[r.id] = r.effort_minutes, r
    now = scenario.now
    for k, day in enumerate(days):
        todays = [a.request for a in arrivals if a.day == day]
        now = _simulate_day(organisation, state, now, todays, params, seed * 1000 + k, k, observe)
        if progress is not None:
            progress(Progress(0, 0, variant.name, seed, k + 1, len(days)))
    return _record(scenario, variant, seed, state, arrivals, axis)


def _simulate_day(
    organisation: Scenario,
    state: _State,
    now: datetime,
    todays: list[Request],
    params: SimulationParams,
    seed: int,
    index: int,
    observe: Observer | None,
) -> datetime:
    """Plan and carry out one day; returns the next working morning."""
    for r in todays:
        state.open[r.id], state.effort[r.id], state.requests[r.id] = r, r.effort_minutes, r
    day_axis = BusinessAxis(organisation.calendar, now, 1)
    _hand_back_work_of_absent(organisation, state, day_axis)
    open_ids = set(state.open)
    pins = [p for p in organisation.pins if p.request in open_ids and (p.other is None or p.other in open_ids)]
    today = organisation.model_copy(update={"now": now, "requests": list(state.open.values()), "pins": pins})
    plan, compiled = plan_day(
        today, params.planner, rounds=params.search_rounds, work_limit=params.search_work, seed=seed
    )
    if observe is not None:
        observe(index, today, plan)
    close = day_axis.horizon_minutes
    state.closed_at = day_axis.moment_of(close, closing=True)
    _carry_out(compiled, plan, state, close)
    remaining = list(state.open.values())
    state.backlog.append(
        BacklogDay(
            day=state.closed_at.date(),
            open_requests=len(remaining),
            open_hours=round(sum(r.effort_minutes for r in remaining) / 60, 1),
        )
    )
    return day_axis.moment_of(close)


def _hand_back_work_of_absent(organisation: Scenario, state: _State, day_axis: BusinessAxis) -> None:
    """Work in progress of an agent with no working time today goes back to the queue (someone else may take
    it); its remaining effort stays."""
    away = {a.id for a in organisation.agents if not day_axis.agent_windows(a)}
    known = {a.id for a in organisation.agents}
    for rid, r in list(state.open.items()):
        if r.status == RequestStatus.IN_PROGRESS and (r.owner in away or r.owner not in known):
            state.open[rid] = r.model_copy(update={"status": RequestStatus.OPEN, "owner": None})


def _carry_out(compiled: Compiled, plan: Plan, state: _State, close: int) -> None:
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


def _record(
    scenario: Scenario, variant: Variant, seed: int, state: _State, arrivals: list[Arrival], axis: BusinessAxis
) -> Run:
    close = state.closed_at or scenario.now
    judged = []
    for rid, (priority, due) in sorted(state.due.items()):
        done = state.finished.get(rid)
        if done is None and due > close:
            continue
        request = state.requests[rid]
        minutes = axis.minute_of(done[0]) - axis.minute_of(request.created_at) if done else None
        judged.append(
            Judged(
                request_id=rid,
                department=request.department,
                priority=priority,
                effort_minutes=state.effort[rid],
                finished=done is not None,
                on_time=bool(done and done[1]),
                minutes_to_finish=minutes,
            )
        )
    counts: dict[str, int] = {}
    for a in arrivals:
        counts[a.request.department] = counts.get(a.request.department, 0) + 1
    targets = {a.id: a.target_load_pct for a in apply_changes(scenario, variant).agents}
    agents = [
        AgentTime(
            agent_id=k,
            worked_minutes=state.worked.get(k, 0),
            available_minutes=state.available.get(k, 0),
            target_load_pct=targets[k],
        )
        for k in targets
    ]
    return Run(
        variant=variant.name,
        seed=seed,
        arrivals=counts,
        judged=judged,
        backlog=state.backlog,
        agents=agents,
        plans_checked=len(state.backlog),
    )
