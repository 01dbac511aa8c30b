"""Lower bounds on the cost of any plan, so that a plan can say how far from the best it may be.

- `per_request_bound`: each request alone at its cheapest option (its earliest end, or deferred), every
  other request ignored. Instant, and weak when requests compete for the same people.
- `time_indexed_bound`: a linear relaxation that does see the competition. Time is cut into buckets;
  y[j, a, t] is how many minutes of request j agent a works in bucket t (work may be split, the relaxed
  part), at most the agent's working minutes in the bucket in total, none before the request exists,
  only by qualified agents; x[j] is the share of j placed (the rest deferred). A request's end is at
  least its mean busy time plus half its effort, and its mean busy time is at least the average bucket
  start of its minutes, so lateness >= weight x (busy + effort/2 - due) and the same for waiting. Overload
  is exact in the relaxed minutes. For fairness, a request counts as on time at most for the share of its
  minutes worked before its due by agents who could end it by then. Spread and rank are left at 0. Solved
  with GLOP; used only when proven optimal within its limit.
"""

from __future__ import annotations

from ortools.linear_solver import pywraplp

from solver.compile import Compiled, Job
from solver.evaluate import job_cost, on_time_rate

Cell = tuple[int, int, pywraplp.Variable]
"""(agent, bucket start on the team axis, minutes of the request that agent works in that bucket)."""

MAX_VARIABLES = 60_000  # measured: about 2.5 s to build and solve on this 2-core machine at M (300 requests)


def per_request_bound(compiled: Compiled) -> int:
    """Each request alone at its cheapest option; load and fairness terms at 0."""
    weights = compiled.scenario.policy.term_weights
    total = 0
    for j, job in enumerate(compiled.jobs):
        options = [job_cost(compiled, j, None)]
        if job.candidates:
            ends = [(compiled.agents[c.agent].team_end(c.earliest_start + job.effort), c) for c in job.candidates]
            _, first = min(ends, key=lambda pair: pair[0])
            options.append(job_cost(compiled, j, (first.agent, first.earliest_start)))
            own = next((c for c in job.candidates if c.agent == job.reference_agent), None)
            if own is not None:
                options.append(job_cost(compiled, j, (own.agent, own.earliest_start)))
        total += min(
            weights.lateness * o.lateness + weights.deferral * o.deferral + weights.waiting * o.waiting
            + weights.churn * o.churn
            for o in options
        )  # fmt: skip
    return total


def bucket_minutes(compiled: Compiled) -> int | None:
    """The finest bucket (30 min or more, a divisor-friendly step) that keeps the LP under MAX_VARIABLES;
    None when even whole days would be too many."""
    pairs = sum(len(job.candidates) for job in compiled.jobs)
    for minutes in (30, 60, 120, 240, 480):
        if pairs * -(-compiled.horizon_minutes // minutes) <= MAX_VARIABLES:
            return minutes
    return None


def time_indexed_bound(
    compiled: Compiled, time_limit_seconds: float, minutes: int | None = None
) -> tuple[int, int] | None:
    """(bound, bucket minutes) from the LP relaxation, or None when too large or not solved in time. The
    bucket is the finest that fits (`bucket_minutes`) unless given."""
    minutes = minutes or bucket_minutes(compiled)
    if minutes is None or not compiled.jobs:
        return None
    horizon = compiled.horizon_minutes
    buckets = [(t, min(t + minutes, horizon)) for t in range(0, horizon, minutes)]
    lp = pywraplp.Solver.CreateSolver("GLOP")
    lp.SetTimeLimit(int(time_limit_seconds * 1000))
    capacity = {
        (a, b): sum(max(0, min(hi, end) - max(lo, start)) for start, end in agent.windows)
        for a, agent in enumerate(compiled.agents)
        for b, (lo, hi) in enumerate(buckets)
    }
    usage: dict[tuple[int, int], list[pywraplp.Variable]] = {}
    cells: dict[int, list[Cell]] = {}
    objective = [
        _job_terms(compiled, lp, j, job, buckets, capacity, usage, cells) for j, job in enumerate(compiled.jobs)
    ]
    for key, minutes_used in usage.items():
        lp.Add(lp.Sum(minutes_used) <= capacity[key])
    objective += _share_terms(compiled, lp, cells)
    objective += _overload_terms(compiled, lp, cells)
    objective += _fairness_terms(compiled, lp, cells)
    lp.Minimize(lp.Sum(objective))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return int(lp.Objective().Value() - 1e-6 * max(1.0, abs(lp.Objective().Value()))), minutes


def _job_terms(
    compiled: Compiled,
    lp: pywraplp.Solver,
    j: int,
    job: Job,
    buckets: list[tuple[int, int]],
    capacity: dict[tuple[int, int], int],
    usage: dict[tuple[int, int], list[pywraplp.Variable]],
    cells_of: dict[int, list[Cell]],
) -> pywraplp.LinearExpr:
    """One request's share of the relaxed objective, with its variables and constraints."""
    weights = compiled.scenario.policy.term_weights
    left_out = job_cost(compiled, j, None)
    placed = lp.NumVar(0, 1 if job.candidates else 0, f"x[{job.request.id}]")
    terms = [(weights.deferral * left_out.deferral + weights.waiting * left_out.waiting) * (1 - placed)]
    if not job.candidates:
        return lp.Sum(terms)
    effort = job.effort
    worked, busy, cells = [], [], []
    for candidate in job.candidates:
        agent = compiled.agents[candidate.agent]
        release = agent.team_start(candidate.earliest_start)
        for b, (lo, hi) in enumerate(buckets):
            if hi <= release or capacity[candidate.agent, b] == 0:
                continue
            y = lp.NumVar(0, min(effort, capacity[candidate.agent, b]), "")
            usage.setdefault((candidate.agent, b), []).append(y)
            worked.append(y)
            cells.append((candidate.agent, lo, y))
            busy.append(y * max(lo, release))
            if job.reference_agent is not None and candidate.agent != job.reference_agent:
                terms.append(weights.churn * y * (1.0 / effort))
    lp.Add(lp.Sum(worked) == effort * placed)
    cells_of[j] = cells
    mean_busy = lp.Sum(busy) * (1.0 / effort)
    earliest_end = min(compiled.agents[c.agent].team_end(c.earliest_start + effort) for c in job.candidates)
    for limit, weight in ((job.triage.due_minute, weights.lateness * job.triage.weight),
                          (job.triage.max_wait_minute, weights.waiting)):  # fmt: skip
        past = lp.NumVar(0, lp.infinity(), "")
        lp.Add(past >= mean_busy + (effort / 2 - limit) * placed)
        lp.Add(past >= (earliest_end - limit) * placed)
        terms.append(weight * past)
    return lp.Sum(terms)


def _share_terms(compiled: Compiled, lp: pywraplp.Solver, cells: dict[int, list[Cell]]) -> list[pywraplp.LinearExpr]:
    """The share term on the relaxed minutes: per priority, priority weight x each eligible department's
    shortfall from its fair share of that priority's planned minutes."""
    weight = compiled.scenario.policy.term_weights.share
    out = []
    for share_class in compiled.share_classes:
        planned: dict[int, list[pywraplp.Variable]] = {d: [] for d in share_class.fair}
        for j, worked in cells.items():
            job = compiled.jobs[j]
            if job.triage.priority == share_class.priority:
                planned[job.department] += [y for _, _, y in worked]
        total = lp.Sum([y for ys in planned.values() for y in ys])
        for d in share_class.eligible:
            short = lp.NumVar(0, lp.infinity(), "")
            lp.Add(1000 * short >= share_class.fair[d] * total - 1000 * lp.Sum(planned[d]))
            out.append(weight * share_class.priority_weight * short)
    return out


def _overload_terms(compiled: Compiled, lp: pywraplp.Solver, cells: dict[int, list[Cell]]) -> list[pywraplp.LinearExpr]:
    """Overload on the relaxed minutes: the minutes each agent works above their target load. (Spread is left
    at 0: its max-min coupling of all agents tripled GLOP's time at M for under 0.5 % of bound.)"""
    minutes: dict[int, list[pywraplp.Variable]] = {}
    for worked in cells.values():
        for a, _, y in worked:
            minutes.setdefault(a, []).append(y)
    out = []
    for a, ys in minutes.items():
        agent = compiled.agents[a]
        over = lp.NumVar(0, lp.infinity(), "")
        lp.Add(over >= lp.Sum(ys) - agent.capacity_minutes * agent.agent.target_load_pct // 100)
        out.append(compiled.scenario.policy.term_weights.overload * over)
    return out


def _fairness_terms(compiled: Compiled, lp: pywraplp.Solver, cells: dict[int, list[Cell]]) -> list[pywraplp.LinearExpr]:
    """Fairness on the relaxed minutes: 1000 - the lowest department on-time rate, where a request is on time
    at most for the share of its minutes worked, before its due, by agents who could have ended it by then."""
    if not compiled.departments:
        return []
    on_time: list[list[pywraplp.LinearExpr]] = [[] for _ in compiled.departments]
    totals = [0] * len(compiled.departments)
    for j, job in enumerate(compiled.jobs):
        totals[job.department] += 1
        due = job.triage.due_minute
        able = {c.agent for c in job.candidates
                if compiled.agents[c.agent].team_end(c.earliest_start + job.effort) <= due}  # fmt: skip
        early = [y for a, lo, y in cells.get(j, []) if a in able and lo < due]
        if early:
            on_time[job.department].append(lp.Sum(early) * (1.0 / job.effort))
    low = lp.NumVar(0, 1000, "")
    for d, total in enumerate(totals):
        if total == 0:
            continue
        if not on_time[d]:
            lp.Add(low <= on_time_rate(0, total))
        else:
            lp.Add(low <= lp.Sum(on_time[d]) * (1000.0 / total))
    return [compiled.scenario.policy.term_weights.fairness * (1000 - low)]
