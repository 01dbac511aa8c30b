"""A staffing simulation: the team works through the days one at a time, under each variant, on the same
arrivals.

Each simulated working day: the day's arrivals join the open requests (each released at its arrival time),
the day is planned (`solver.simulation.day.plan_day`: the routing heuristic, or routing and a fixed neighbourhood
search; deterministic either way), and the plan is carried out up to the day's close: what finishes by then
is done, at its planned finish; what has started stays with its agent as work in progress with its remaining
effort; the rest waits for tomorrow's plan. Work in progress whose owner is away on a day is handed back to
the queue. "Now" then rolls to the next working morning.

`simulate` runs the baseline and every variant on every seed; the runs are independent, so what runs them
(`RunAll`) is passed in: one after the other in this process (`in_turn`), or side by side by the edge
(`api.simulations.pool.side_by_side`, a process pool of `processes`), the same result either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from solver.simulation.day import WorkState, carry_out, hand_back_work_of_absent, plan_day
from triage.calendar import BusinessAxis
from triage.model import Request, Scenario
from triage.names import Planner
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
    processes: int = Field(
        1, ge=1, le=64, description="Processes for the runs, read by the edge's runner; 1 runs them in this process."
    )


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


Task = tuple[Variant, int]
"""One run to make: a variant (the baseline included) on one seed."""

RunAll = Callable[[Scenario, list[Task], ArrivalRates, "SimulationParams", ProgressFn], list[Run]]
"""Makes every task's run (`run_variant`) and returns them in the tasks' order, calling the `ProgressFn` once
per simulated day of each run (its `Progress` carries the run and the day; `simulate` counts)."""


def in_turn(
    scenario: Scenario, tasks: list[Task], rates: ArrivalRates, params: SimulationParams, report: ProgressFn
) -> list[Run]:
    """The runs one after the other in this process."""
    return [run_variant(scenario, v, s, rates, params, report) for v, s in tasks]


def simulate(
    scenario: Scenario,
    variants: list[Variant],
    rates: ArrivalRates,
    params: SimulationParams,
    progress: ProgressFn | None = None,
    run_all: RunAll = in_turn,
) -> Simulation:
    """Baseline and variants over the days and seeds, pooled per variant and compared with the baseline."""
    check_variants(scenario, variants)
    everyone = [Variant(name=BASELINE), *variants]
    seeds = [params.seed + k for k in range(params.seeds)]
    tasks = [(v, s) for s in seeds for v in everyone]
    total = len(tasks) * params.days
    done = 0

    def report(p: Progress) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(Progress(done, total, p.variant, p.seed, p.day, p.days))

    runs = run_all(scenario, tasks, rates, params, report)
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
    state = WorkState(open={r.id: r for r in scenario.requests if r.status.plannable})
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
    state: WorkState,
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
    hand_back_work_of_absent(organisation, state, day_axis)
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
    carry_out(compiled, plan, state, close)
    remaining = list(state.open.values())
    state.backlog.append(
        BacklogDay(
            day=state.closed_at.date(),
            open_requests=len(remaining),
            open_hours=round(sum(r.effort_minutes for r in remaining) / 60, 1),
        )
    )
    return day_axis.moment_of(close)


def _record(
    scenario: Scenario, variant: Variant, seed: int, state: WorkState, arrivals: list[Arrival], axis: BusinessAxis
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
