"""Lower bounds on the cost of any plan, so that a plan can say how far from the best it may be.

- `per_request_bound`: each request alone at its cheapest option (its earliest end, or deferred), every
  other request ignored. Instant, and weak when requests compete for the same people.
- `time_indexed_bound`: a linear relaxation that does see the competition. Time is cut into buckets
  (short early, longer later: `bucket_grid`);
  y[j, a, t] is how many minutes of request j agent a works in bucket t (work may be split, the relaxed
  part), at most the agent's working minutes in the bucket in total, none before the request exists,
  only by qualified agents; x[j] is the share of j placed (the rest deferred). A request's end is at
  least its mean busy time plus half its effort, and its mean busy time is at least the average bucket
  start of its minutes, so lateness >= weight x (busy + effort/2 - due) and the same for waiting. Overload
  is exact in the relaxed minutes. For fairness, a request counts as on time at most for the share of its
  minutes worked before its due by agents who could end it by then. Spread and rank are left at 0. Under
  `protect_priorities` the urgent caps are rows too (`_cap_terms`). Solved with HiGHS (scipy) on sparse
  matrices; used only when proven optimal within its limit.

A request shared by an accepted share and its parts are priced once, by the later end of them
(`solver.terms.base`); both bounds price the shared request alone, by its own end, and its parts at nothing on
the terms that read the end (lateness, waiting, on time): the later end of the group is at least the request's
own, so this is at most what the group costs in any plan (the parts' deferral and their minutes of work still
count, as in every plan).

Work that may not pause (`Policy.may_pause`) only removes plans: both bounds read its candidates, whose
earliest start is already that of its first stretch long enough (a tighter, still valid, earliest end), and
otherwise relax it as if it could pause. A bound of the pausing problem stays a valid bound of the
non-pausing one, weaker by what the stretches cost; a request with no stretch long enough has no candidate
and is priced as deferred, which every plan must do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_array

from solver.budget import Budget
from solver.compile import Compiled, Job
from solver.evaluate import job_cost, on_time_rate
from solver.terms import fairness, request_price
from triage.names import Term

Cell = tuple[int, int, int]
"""(agent, bucket start on the team axis, the variable: minutes of the request that agent works in that bucket)."""

# The default bucket of `time_indexed_bound` (`bucket_minutes`) keeps the LP under this (measured at M when the
# buckets were even, 120 minutes, 56,000-61,000 variables: 0.6 s to build, 3-5 s to solve).
MAX_VARIABLES = 64_000
# The finest LP `solver.run.lower_bounds` refines to while its time allows; at most this many variables, as
# estimated by `estimated_variables` (measured, benchmarks/RESULTS.md run 16: peers M at 10-minute first
# buckets, 190,000-208,000, 8-19 s and about 470 MB alone; L at 480 minutes, 151,000, 8 s and 487 MB).
REFINE_VARIABLES = 200_000
BUCKETS = (480, 240, 120, 60, 30, 15, 10, 5, 2, 1)  # the first buckets' minutes, coarse to fine
GRADE = 16  # buckets of each length before the length doubles (twice, then it stays)


def per_request_bound(compiled: Compiled) -> int:
    """Each request alone at its cheapest option, priced by the per-request terms (`REQUEST_TERMS`); the
    other terms at 0. The options: deferred, the earliest end over its candidates, and its reference
    agent's earliest end (where churn is 0): every per-request term grows with the end or is churn."""
    price = request_price(compiled)
    total = 0
    for job in compiled.jobs:
        options: list[tuple[int | None, int | None]] = [(None, None)]
        if job.candidates:
            ends = [(compiled.agents[c.agent].team_end(c.earliest_start + job.effort), c.agent) for c in job.candidates]
            options.append(min(ends))
            options += [(end, agent) for end, agent in ends if agent == job.reference_agent]
        total += min(price(job, agent, end) for end, agent in options)
    return total


def bucket_grid(horizon: int, minutes: int) -> list[tuple[int, int]]:
    """The LP's buckets over the horizon, (start, end) on the team axis: GRADE buckets of `minutes`, GRADE of
    twice that, then four times that to the end. Fine where it pays: most lateness is bought early (work
    overdue already, due today), and a late minute costs the same in a long bucket as in many short ones.
    Measured (benchmarks/RESULTS.md run 16, peers M): 30-minute buckets graded so, 40 of them, bound
    within 0.4 % of 80 even 30-minute buckets at a quarter to a half of the time. Any cut of the horizon
    keeps the bound valid (a minute's bucket starts no later than the minute)."""
    buckets: list[tuple[int, int]] = []
    start, length = 0, minutes
    for stage in range(3):
        until = horizon if stage == 2 else min(start + GRADE * length, horizon)
        while start < until:
            buckets.append((start, min(start + length, horizon)))
            start += length
        length *= 2
    return buckets


def estimated_variables(compiled: Compiled, minutes: int) -> int:
    """At most this many variables in the LP at `bucket_grid(..., minutes)`: one per (request, qualified
    agent) pair and bucket (the LP leaves out the buckets before a request exists or with nobody working)."""
    pairs = sum(len(job.candidates) for job in compiled.jobs)
    return pairs * len(bucket_grid(compiled.horizon_minutes, minutes))


def bucket_minutes(compiled: Compiled, limit: int = MAX_VARIABLES) -> int | None:
    """The finest first buckets (`BUCKETS`, graded by `bucket_grid`) that keep the LP under `limit`
    variables; None when even 480 minutes would be too many."""
    return next((m for m in reversed(BUCKETS) if estimated_variables(compiled, m) <= limit), None)


def bucket_ladder(compiled: Compiled) -> list[int]:
    """The first buckets' minutes to solve the LP at, coarse to fine, down to the finest under
    REFINE_VARIABLES (empty when even 480 minutes is over): `solver.run.lower_bounds` starts at the finest
    expected to fit in a part of its time and refines while the time allows."""
    return [m for m in BUCKETS if estimated_variables(compiled, m) <= REFINE_VARIABLES]


@dataclass
class _LP:
    """A linear program held as sparse rows: minimise constant + cost . v, rows . v <= rhs and = rhs."""

    constant: float = 0.0
    cost: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    rows: dict[bool, tuple[list[int], list[int], list[float], list[float]]] = field(
        default_factory=lambda: {False: ([], [], [], []), True: ([], [], [], [])}
    )

    def var(self, upper: float = np.inf, cost: float = 0.0) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        return len(self.cost) - 1

    def row(self, coefficients: list[tuple[int, float]], rhs: float, *, equal: bool = False) -> None:
        rows, cols, values, rhss = self.rows[equal]
        rows.extend([len(rhss)] * len(coefficients))
        cols.extend(v for v, _ in coefficients)
        values.extend(c for _, c in coefficients)
        rhss.append(rhs)

    def minimum(self, seconds: float) -> float | None:
        n = len(self.cost)
        matrices = {}
        for equal, (rows, cols, values, rhss) in self.rows.items():
            matrices[equal] = (
                (coo_array((values, (rows, cols)), shape=(len(rhss), n)).tocsr(), rhss) if rhss else (None, None)
            )
        result = linprog(
            self.cost,
            A_ub=matrices[False][0],
            b_ub=matrices[False][1],
            A_eq=matrices[True][0],
            b_eq=matrices[True][1],
            bounds=np.column_stack([np.zeros(n), self.upper]),
            method="highs",
            options={"time_limit": seconds},
        )
        return None if result.status != 0 else self.constant + float(result.fun)


def time_indexed_bound(
    compiled: Compiled, budget: Budget, minutes: int | None = None, *, caps: bool = True
) -> tuple[int, int] | None:
    """(bound, bucket minutes) from the LP relaxation, or None when too large or not solved within the
    budget (building the LP counts too). The bucket is the finest that fits (`bucket_minutes`) unless given.
    `caps`: the urgent caps of `protect_priorities` as rows (`_cap_terms`); off only to measure what they add."""
    minutes = minutes or bucket_minutes(compiled)
    if minutes is None or not compiled.jobs or budget.left() <= 0:
        return None
    buckets = bucket_grid(compiled.horizon_minutes, minutes)
    capacity = {
        (a, b): sum(max(0, min(hi, end) - max(lo, start)) for start, end in agent.windows)
        for a, agent in enumerate(compiled.agents)
        for b, (lo, hi) in enumerate(buckets)
    }
    lp = _LP()
    usage: dict[tuple[int, int], list[int]] = {}
    cells: dict[int, list[Cell]] = {}
    late: dict[int, tuple[int, int | None]] = {}
    for j, job in enumerate(compiled.jobs):
        late[j] = _job_terms(compiled, lp, j, job, buckets, capacity, usage, cells)
    for key, used in usage.items():
        lp.row([(y, 1.0) for y in used], capacity[key])
    if caps:
        _cap_terms(compiled, lp, late)
    _share_terms(compiled, lp, cells)
    _overload_terms(compiled, lp, cells)
    _fairness_terms(compiled, lp, cells)
    left = budget.left()
    value = lp.minimum(left) if left > 0 else None
    if value is None:
        return None
    return int(value - 1e-6 * max(1.0, abs(value))), minutes


def _job_terms(
    compiled: Compiled,
    lp: _LP,
    j: int,
    job: Job,
    buckets: list[tuple[int, int]],
    capacity: dict[tuple[int, int], int],
    usage: dict[tuple[int, int], list[int]],
    cells_of: dict[int, list[Cell]],
) -> tuple[int, int | None]:
    """One request's share of the relaxed objective, with its variables and rows. Returns its variables
    (placed share, minutes past due; None when it has no candidate)."""
    weights = compiled.weights
    left_out = job_cost(compiled, j, None)
    deferred_cost = weights[Term.DEFERRAL] * left_out.deferral + weights[Term.WAITING] * left_out.waiting
    lp.constant += deferred_cost  # paid as (1 - placed) x the cost of leaving it out
    placed = lp.var(1.0 if job.candidates else 0.0, -deferred_cost)
    if not job.candidates:
        return placed, None
    effort = job.effort
    worked: list[tuple[int, float]] = []
    busy: list[tuple[int, float]] = []
    cells: list[Cell] = []
    for candidate in job.candidates:
        agent = compiled.agents[candidate.agent]
        release = agent.team_start(candidate.earliest_start)
        moved = job.reference_agent is not None and candidate.agent != job.reference_agent
        for b, (lo, hi) in enumerate(buckets):
            if hi <= release or capacity[candidate.agent, b] == 0:
                continue
            y = lp.var(min(effort, capacity[candidate.agent, b]), weights[Term.CHURN] / effort if moved else 0.0)
            usage.setdefault((candidate.agent, b), []).append(y)
            worked.append((y, 1.0))
            cells.append((candidate.agent, lo, y))
            busy.append((y, max(lo, release) / effort))
    lp.row([*worked, (placed, -effort)], 0.0, equal=True)
    cells_of[j] = cells
    if job.is_part:  # priced with its shared request, which reads the end for both
        return placed, None
    earliest_end = min(compiled.agents[c.agent].team_end(c.earliest_start + effort) for c in job.candidates)
    pasts = []
    for limit, weight in (
        (job.triage.due_minute, weights[Term.LATENESS] * job.triage.weight),
        (job.triage.max_wait_minute, weights[Term.WAITING]),
    ):
        past = lp.var(cost=weight)
        lp.row([*busy, (placed, effort / 2 - limit), (past, -1.0)], 0.0)  # past >= mean busy + effort/2 - limit
        lp.row([(placed, earliest_end - limit), (past, -1.0)], 0.0)
        pasts.append(past)
    return placed, pasts[0]


def _cap_terms(compiled: Compiled, lp: _LP, late: dict[int, tuple[int, int | None]]) -> None:
    """The urgent caps of `protect_priorities` (`solver.protect.UrgentCaps`) on the relaxed minutes: per tier,
    its requests' minutes past due (at most their real minutes late in any plan) plus, for the share left out,
    its due time to the horizon's end, at most the cap. Every plan the policy allows keeps the caps, so each
    is a point of the LP still; the rows only cut relaxed plans that buy lower priorities' minutes with urgent
    lateness (or deferral).

    A shared request and its parts count once (`solver.protect.group_minutes`): the caps read the group's end,
    the latest of its members' when all are placed, a max the LP cannot express (it would need each part's
    end, and whether every part is placed, which a fractional share does not say). So the row reads the
    shared request's own minutes past due (`past`, at most the group's: the group ends no earlier than the
    request), a part adds nothing placed and its due time to the horizon's end for its share left out, as in
    the caps: a relaxation, every plan the caps allow is still a point of the LP."""
    caps = compiled.urgent_caps
    if caps is None:
        return
    rows: list[list[tuple[int, float]]] = [[] for _ in caps.caps]
    rhs = [float(cap) for cap in caps.caps]
    for j, t in caps.tier_of.items():
        placed, past = late[j]
        out = max(compiled.horizon_minutes - compiled.jobs[j].triage.due_minute, 0)
        rhs[t] -= out  # (1 - placed) x out, the constant part moved right
        rows[t].append((placed, -float(out)))
        if past is not None:
            rows[t].append((past, 1.0))
    for t, coefficients in enumerate(rows):
        lp.row(coefficients, rhs[t])


def _share_terms(compiled: Compiled, lp: _LP, cells: dict[int, list[Cell]]) -> None:
    """The share term on the relaxed minutes: per priority, priority weight x each eligible department's
    shortfall from its fair share of that priority's planned minutes."""
    weight = compiled.weights[Term.SHARE]
    for share_class in compiled.share_classes:
        minutes = [
            (compiled.jobs[j].department, y)
            for j, worked in cells.items()
            if compiled.jobs[j].triage.priority == share_class.priority
            for _, _, y in worked
        ]
        for d in share_class.eligible:  # 1000 x short >= fair x all minutes - 1000 x the department's
            short = lp.var(cost=weight * share_class.priority_weight)
            fair = share_class.fair[d]
            lp.row([*((y, fair - (1000.0 if dept == d else 0.0)) for dept, y in minutes), (short, -1000.0)], 0.0)


def _overload_terms(compiled: Compiled, lp: _LP, cells: dict[int, list[Cell]]) -> None:
    """Overload on the relaxed minutes: the minutes each agent works above their target load. (Spread is left
    at 0: its max-min coupling of all agents doubled the LP's time at M for under 0.5 % of bound.)"""
    minutes: dict[int, list[int]] = {}
    for worked in cells.values():
        for a, _, y in worked:
            minutes.setdefault(a, []).append(y)
    for a, ys in minutes.items():
        over = lp.var(cost=compiled.weights[Term.OVERLOAD])
        lp.row([*((y, 1.0) for y in ys), (over, -1.0)], compiled.agents[a].target_minutes)


def _fairness_terms(compiled: Compiled, lp: _LP, cells: dict[int, list[Cell]]) -> None:
    """Fairness on the relaxed minutes: 1000 - the lowest department on-time rate, where a request is on time
    at most for the share of its minutes worked, before its due, by agents who could have ended it by then."""
    if not fairness.measured(len(compiled.departments)):
        return
    early: list[list[tuple[int, float]]] = [[] for _ in compiled.departments]
    totals = fairness.department_totals(compiled)
    for j, worked in cells.items():
        job = compiled.jobs[j]
        if job.is_part:
            continue  # not counted: its shared request is
        due = job.triage.due_minute
        able = {
            c.agent for c in job.candidates if compiled.agents[c.agent].team_end(c.earliest_start + job.effort) <= due
        }
        scale = 1000.0 / (totals[job.department] * job.effort)
        early[job.department] += [(y, -scale) for a, lo, y in worked if a in able and lo < due]
    weight = compiled.weights[Term.FAIRNESS]
    lp.constant += 1000 * weight
    low = lp.var(1000.0, -weight)
    for d, total in enumerate(totals):
        if total:
            lp.row([(low, 1.0), *early[d]], 0.0 if early[d] else on_time_rate(0, total))
