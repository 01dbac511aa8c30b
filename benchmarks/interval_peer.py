"""A strong peer for the planner: a plain CP-SAT interval model of the same problem, as issue 16 describes it.

One optional interval per request x qualified agent on the team's business-time axis, one no-overlap per
agent with the agent's absences (part-time hours, days off: every minute of the horizon outside their
working windows) as fixed intervals, hinted with earliest-start routing, solved with 2 workers within the
time limit of the whole call (compiling, model building and reading the plan out included).

Work never pauses over an absence in this model (an interval cannot overlap a fixed one), so each of its
plans is also valid under Tandem's rules, where work may pause, and exactly the rule of work that may not
pause (`Policy.pausable` false). Under a policy that lets work pause the model is stricter than the policy
(a plain interval model has no pausing interval), and its plans say so (`bound_source`). Its objective is
the policy's cost where a linear model expresses it directly, with the policy's own weights:

- lateness: the request's weight (priority x department x ageing) x minutes past due;
- deferral: a request left out pays the policy's deferral price (weight x (minutes from due to the horizon's
  end + `deferral_extra_minutes` + `deferral_per_effort_minute` x effort): `Compiled.deferral_minutes`) and
  its waiting to the horizon's end;
- waiting: minutes past the priority's maximum wait;
- churn: a request planned with another agent than its owner;
- overload: minutes planned above each agent's target load.

Spread, rank, share and fairness are left out of its objective (a plain model does not carry them); every
plan is priced afterwards by the planner's own direct price (`solver.evaluate` through
`benchmarks.pricing`), so all planners are compared under one cost. Above `max_pairs` request x agent
pairs the model is not built (at XL, about 465,000 intervals, it does not fit in memory or time) and the
peer returns its routing hint, saying so in the plan's `bound_source`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from benchmarks.pricing import plan_from_placements
from solver.compile import PRIORITY_ORDER, Compiled, compile_scenario
from solver.evaluate import Placements
from triage.model import Scenario
from triage.names import Term
from triage.results import Plan

WORKERS = 2
MAX_PAIRS = 60_000
"""Above this many request x agent pairs the model is not built: L has about 30,000 (model building about
3 s, presolve about 5 s, 1.5 GB, DESIGN.md), XL about 465,000."""
READ_OUT_SECONDS = 0.3  # kept back from the solver for reading the plan out and pricing it

TeamPlacements = dict[int, tuple[int, int]]
"""job index -> (agent index, team-axis start)."""


def fitting_starts(windows: list[tuple[int, int]], release: int, effort: int) -> list[tuple[int, int]]:
    """Closed ranges [low, high] of team-axis starts at which `effort` minutes fit inside one working window,
    not before `release`."""
    out = []
    for low, high in windows:
        first, last = max(low, release), high - effort
        if first <= last:
            out.append((first, last))
    return out


def route_without_pauses(compiled: Compiled) -> TeamPlacements:
    """Earliest-start routing that never pauses: requests in help-desk queue order (priority, due, id),
    each to the qualified agent who can start it earliest in one working window after their earlier work
    (its owner while the owner has room); a request nobody has room for is left out."""
    free = [0] * len(compiled.agents)
    order = sorted(
        range(len(compiled.jobs)),
        key=lambda j: (
            PRIORITY_ORDER[compiled.jobs[j].triage.priority],
            compiled.jobs[j].triage.due_minute,
            compiled.jobs[j].request.id,
        ),
    )
    out: TeamPlacements = {}
    for j in order:
        job = compiled.jobs[j]
        options = []
        for candidate in job.candidates:
            a = candidate.agent
            ranges = fitting_starts(compiled.agents[a].windows, max(free[a], job.triage.release_minute), job.effort)
            if ranges:
                options.append((a != job.reference_agent, ranges[0][0], a))
        if options:
            _, start, a = min(options)
            out[j] = (a, start)
            free[a] = start + job.effort
    return out


def own_axis(compiled: Compiled, placements: TeamPlacements) -> Placements:
    """Team-axis starts as the planner's own-axis placements (each start lies inside a working window)."""
    return {j: (a, compiled.agents[a].own_minute(start)) for j, (a, start) in placements.items()}


def pair_count(compiled: Compiled) -> int:
    return sum(len(job.candidates) for job in compiled.jobs)


def plan_interval_model(scenario: Scenario, time_limit_seconds: float, max_pairs: int = MAX_PAIRS) -> Plan:
    """The peer's plan within `time_limit_seconds` for the whole call, priced under the scenario's policy."""
    started = time.perf_counter()
    compiled = compile_scenario(scenario)
    stricter = any(job.pausable for job in compiled.jobs)
    never = "; work never pauses, stricter than the policy" if stricter else ""
    hint = route_without_pauses(compiled)
    pairs = pair_count(compiled)
    if pairs > max_pairs:
        source = f"interval model not built: {pairs:,} request x agent pairs (limit {max_pairs:,}); routing hint{never}"
        return plan_from_placements(compiled, own_axis(compiled, hint), source=source)
    built = build_interval_model(compiled)
    built.add_full_hint(compiled, hint)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = WORKERS
    solver.parameters.max_time_in_seconds = max(
        time_limit_seconds - (time.perf_counter() - started) - READ_OUT_SECONDS, 0.05
    )
    status = solver.solve(built.model)
    name = solver.status_name(status).lower()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return plan_from_placements(compiled, own_axis(compiled, hint), source=f"CP-SAT {name}; routing hint{never}")
    found = {j: (a, solver.value(built.starts[j, a])) for (j, a), x in built.present.items() if solver.boolean_value(x)}
    source = (
        f"interval model, CP-SAT {name}, {WORKERS} workers, {pairs:,} intervals, own objective "
        f"{solver.objective_value:,.0f} (bound {solver.best_objective_bound:,.0f}), {solver.wall_time:.1f} s{never}"
    )
    return plan_from_placements(compiled, own_axis(compiled, found), source=source)


@dataclass
class IntervalModel:
    """The model and the variables a hint or a read-out needs."""

    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    present: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # (job, agent) -> planned there
    starts: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # (job, agent) -> team-axis start
    ends_past: list[tuple[int, int, int, cp_model.IntVar]] = field(
        default_factory=list
    )  # (job, agent, limit, minutes past)
    overload: list[tuple[int, cp_model.IntVar]] = field(default_factory=list)  # (agent, minutes above target)

    def add_full_hint(self, compiled: Compiled, hint: TeamPlacements) -> None:
        """Hint every variable with the routing plan, the lateness, waiting and overload it implies included:
        a partial hint leaves CP-SAT to complete it by search, which at L did not finish within 30 s."""
        for (j, a), var in self.present.items():
            on_it = hint.get(j, (-1, 0))[0] == a
            self.model.add_hint(var, on_it)
            self.model.add_hint(self.starts[j, a], hint[j][1] if on_it else self.starts[j, a].proto.domain[0])
        for j, a, limit, var in self.ends_past:
            on_it = hint.get(j, (-1, 0))[0] == a
            self.model.add_hint(var, max(hint[j][1] + compiled.jobs[j].effort - limit, 0) if on_it else 0)
        booked = [0] * len(compiled.agents)
        for j, (a, _) in hint.items():
            booked[a] += compiled.jobs[j].effort
        for a, var in self.overload:
            self.model.add_hint(var, max(booked[a] - compiled.agents[a].target_minutes, 0))


def build_interval_model(compiled: Compiled) -> IntervalModel:
    """The model of the module docstring."""
    weights = compiled.scenario.policy.term_weights
    w_late, w_defer, w_wait = weights.of(Term.LATENESS), weights.of(Term.DEFERRAL), weights.of(Term.WAITING)
    w_churn, w_over = weights.of(Term.CHURN), weights.of(Term.OVERLOAD)
    extra = compiled.scenario.policy.deferral_extra_minutes
    horizon = compiled.horizon_minutes
    built = IntervalModel()
    model, present, starts = built.model, built.present, built.starts
    intervals: list[list[cp_model.IntervalVar]] = [[] for _ in compiled.agents]
    work: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in compiled.agents]
    objective: list[cp_model.LinearExprT] = []
    constant = 0
    for j, job in enumerate(compiled.jobs):
        triage, effort = job.triage, job.effort
        chosen = []
        for candidate in job.candidates:
            a = candidate.agent
            ranges = fitting_starts(compiled.agents[a].windows, triage.release_minute, effort)
            if not ranges:
                continue
            x = model.new_bool_var(f"x{j}_{a}")
            s = model.new_int_var_from_domain(cp_model.Domain.from_intervals([list(r) for r in ranges]), f"s{j}_{a}")
            intervals[a].append(model.new_optional_fixed_size_interval_var(s, effort, x, f"i{j}_{a}"))
            work[a].append((effort, x))
            present[j, a], starts[j, a] = x, s
            chosen.append(x)
            if triage.due_minute < ranges[-1][1] + effort:
                late = model.new_int_var(0, horizon - min(triage.due_minute, 0), f"late{j}_{a}")
                model.add(late >= s + effort - triage.due_minute).only_enforce_if(x)
                objective.append(w_late * triage.weight * late)
                built.ends_past.append((j, a, triage.due_minute, late))
            if triage.max_wait_minute < ranges[-1][1] + effort:
                wait = model.new_int_var(0, horizon - min(triage.max_wait_minute, 0), f"wait{j}_{a}")
                model.add(wait >= s + effort - triage.max_wait_minute).only_enforce_if(x)
                objective.append(w_wait * wait)
                built.ends_past.append((j, a, triage.max_wait_minute, wait))
            if job.reference_agent is not None and job.reference_agent != a:
                objective.append(w_churn * x)
        deferral = w_defer * triage.weight * compiled.deferral_minutes(job)
        deferral += w_wait * (max(horizon - triage.max_wait_minute, 0) + extra)
        constant += deferral  # paid unless planned: deferral x (1 - sum of presences)
        if chosen:
            model.add(sum(chosen) <= 1)
            objective.append(-deferral * sum(chosen))
    for a, agent in enumerate(compiled.agents):
        absences = _absences(agent.windows, horizon)
        fixed = [model.new_fixed_size_interval_var(low, high - low, f"off{a}_{low}") for low, high in absences]
        if intervals[a]:
            model.add_no_overlap(intervals[a] + fixed)
            over = model.new_int_var(0, sum(e for e, _ in work[a]), f"over{a}")
            model.add(over >= sum(e * x for e, x in work[a]) - agent.target_minutes)
            objective.append(w_over * over)
            built.overload.append((a, over))
    model.minimize(sum(objective) + constant)
    return built


def _absences(windows: list[tuple[int, int]], horizon: int) -> list[tuple[int, int]]:
    """The minutes of [0, horizon) outside the windows, as half-open spans."""
    out, previous = [], 0
    for low, high in windows:
        if low > previous:
            out.append((previous, low))
        previous = high
    if previous < horizon:
        out.append((previous, horizon))
    return out
