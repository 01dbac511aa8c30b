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
- `start_indexed_bound`: for small scenarios, a linear relaxation of when each request starts, in slots of
  each agent's working minutes, one request at a time per agent, every request priced at the end its slot
  allows: much stronger where lateness is most of the cost (no request split over agents, lateness priced at
  its end, not at a mean), but its size grows with the horizon's minutes per slot. Overload and the urgent
  caps as rows, share, fairness and rank only with the protection off; spread at 0.

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

Cell = tuple[int, int, float, bool]
"""(agent, variable, the request's minutes of work per unit of it, whether they may count as on time): how the
rows on work (share, overload, fairness) read one request's work. In the bucket LP a variable is minutes worked
in a bucket (1 minute a unit); in the start LP, the request started in a slot (its effort a unit)."""

# The default bucket of `time_indexed_bound` (`bucket_minutes`) keeps the LP under this (measured at M when the
# buckets were even, 120 minutes, 56,000-61,000 variables: 0.6 s to build, 3-5 s to solve).
MAX_VARIABLES = 64_000
# The finest LP `solver.run.lower_bounds` refines to while its time allows; at most this many variables, as
# estimated by `estimated_variables` (measured, benchmarks/RESULTS.md run 16: peers M at 10-minute first
# buckets, 190,000-208,000, 8-19 s and about 470 MB alone; L at 480 minutes, 151,000, 8 s and 487 MB).
REFINE_VARIABLES = 200_000
BUCKETS = (480, 240, 120, 60, 30, 15, 10, 5, 2, 1)  # the first buckets' minutes, coarse to fine
GRADE = 16  # buckets of each length before the length doubles (twice, then it stays)
SLOTS = (30, 15, 10, 5)  # the start LP's slots, coarse to fine (`start_indexed_bound`)
# The start LP is used while at most this many variables (`start_variables`). Measured (benchmarks/RESULTS.md run
# 18): the peers' S at 5 minutes, 31,000-38,000 variables, 2.2-4.8 s alone; its time grows much faster than its
# size beyond (M at 60 minutes, 70,000, 2.4 s; at 30 minutes, 138,000, not solved in 300 s).
START_VARIABLES = 40_000
# HiGHS's method for the start LP (scaled, every variable bounded): its interior point method with crossover.
# Measured (benchmarks/RESULTS.md run 18, second follow-up, `benchmarks.lp_bench --methods`): on the peers' S
# scenarios at 5-minute slots the same value as its default ("highs", its simplex here) in every variant, 1.4
# to 3.6 times sooner.
START_METHOD = "highs-ipm"


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


def start_variables(compiled: Compiled, slot: int, limit: int | None = None) -> int:
    """At most this many start variables in `start_indexed_bound` at `slot` minutes: one per candidate and slot
    of its start range. With `limit`, counting stops once over it (the count returned is then over the limit,
    not the total: at XL the whole count takes 0.3 s)."""
    total = 0
    for job in compiled.jobs:
        for c in job.candidates:
            total += (c.latest_start - c.earliest_start // slot * slot) // slot + 1
        if limit is not None and total > limit:
            break
    return total


def start_ladder(compiled: Compiled) -> list[int]:
    """The start LP's slots to solve it at, coarse to fine, while under START_VARIABLES (empty: the scenario is
    too large for it, and the bucket LP bounds it instead)."""
    out = []
    for slot in SLOTS:  # a finer slot has more variables (about by the slots' ratio): stop at the first over
        if start_variables(compiled, slot, START_VARIABLES) > START_VARIABLES:
            break
        out.append(slot)
    return out


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
        """The LP's least value, None when not solved in time. When every variable has a finite upper bound
        (the start LP), the costs are first scaled to at most 1 (unscaled, HiGHS's simplex stalled on some of
        the peers' S scenarios, costs 10^5 to 10^10 apart: run 18) and the value is the dual bound
        (`_dual_bound`), which holds whatever the solver's tolerances; else HiGHS's optimal value. The start LP
        is solved by `START_METHOD`."""
        n = len(self.cost)
        if n == 0:
            return self.constant  # nothing to decide (no request has a candidate)
        cost, upper = np.asarray(self.cost), np.asarray(self.upper)
        bounded = bool(np.isfinite(upper).all())
        scale = 1.0 / max(float(np.abs(cost).max()), 1.0) if bounded else 1.0
        matrices = {}
        for equal, (rows, cols, values, rhss) in self.rows.items():
            matrices[equal] = (
                (coo_array((values, (rows, cols)), shape=(len(rhss), n)).tocsr(), np.asarray(rhss))
                if rhss
                else (None, None)
            )
        result = linprog(
            cost * scale,
            A_ub=matrices[False][0],
            b_ub=matrices[False][1],
            A_eq=matrices[True][0],
            b_eq=matrices[True][1],
            bounds=np.column_stack([np.zeros(n), upper]),
            method=START_METHOD if bounded else "highs",
            options={"time_limit": seconds},
        )
        if result.status != 0:
            return None
        if not bounded:
            return self.constant + float(result.fun)
        duals = {False: result.ineqlin.marginals / scale, True: result.eqlin.marginals / scale}
        return self.constant + _dual_bound(cost, upper, matrices, duals)


def _dual_bound(
    cost: np.ndarray,
    upper: np.ndarray,
    matrices: dict[bool, tuple[object, np.ndarray | None]],
    duals: dict[bool, np.ndarray],
) -> float:
    """A lower bound on min cost . v over A_ub v <= b_ub, A_eq v = b_eq, 0 <= v <= upper, from any duals (weak
    duality): b . y + the sum of min(0, reduced cost) x upper, where the reduced costs are cost - A^T y and
    the inequalities' duals are at most 0. Near-optimal duals make it the LP's value; slightly infeasible ones
    (the solver's tolerances) only lower it, never above the LP's true least value."""
    value, reduced = 0.0, cost.astype(float).copy()
    for equal, (matrix, rhs) in matrices.items():
        if matrix is None or rhs is None:
            continue
        y = duals[equal] if equal else np.minimum(duals[equal], 0.0)
        value += float(rhs @ y)
        reduced -= matrix.T @ y
    return value + float(np.minimum(reduced, 0.0) @ upper)


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
    value = _solved(lp, budget)
    return None if value is None else (value, minutes)


def start_indexed_bound(compiled: Compiled, budget: Budget, slot: int, *, caps: bool = True) -> int | None:
    """The bound from the start-indexed LP at `slot`-minute slots (see `SLOTS`), or None when not solved within
    the budget (building it counts too). x[j, a, s] is the share of request j that agent a starts in slot s of
    their own working minutes (`AgentTime`: no gaps on that axis), and each agent runs at most one request at a
    time, slot by slot (as a flow: the requests running in slot t are those running in t - 1, plus those
    starting, minus those ending). Valid for every plan, pausing or not: round each start down to its slot and
    each effort down to whole slots (`floor(a + b) >= floor(a) + floor(b)`, so work that did not overlap still
    does not), and price x[j, a, s] at the earliest end a start in that slot allows (`Candidate.fit`: for work
    that may not pause, its first stretch long enough), every per-request term growing with the end. Unlike the
    bucket LP (`time_indexed_bound`) no request is split over agents or pieces of time, and lateness is priced
    at the end itself, not at a mean; with 5-minute slots (efforts in whole 5 minutes lose nothing to the
    rounding) it is 1-10 % above it on the peers' S scenarios under the protection (benchmarks/RESULTS.md
    run 18). Its size grows with the agents' working minutes / slot per candidate, so it is for small
    scenarios (`start_ladder`).
    Overload and the urgent caps are rows as in the bucket LP, share, fairness and rank (`_rank_terms`) too but
    only with the protection off; spread is left at 0 (a valid relaxation, every term being at least 0). Under
    `protect_priorities` share's and fairness's rows made HiGHS 8 to over 100 times slower at S for under a
    millionth of the bound; with it off they raise the bound by 7-18 % and cost no time, and rank's by 2.5-9.5 %
    more at 2.1-2.5 times the time (run 18 and its follow-ups)."""
    if not compiled.jobs or budget.left() <= 0:
        return None
    price = request_price(compiled)
    urgent = compiled.urgent_caps if caps else None
    cap_rows: list[list[tuple[int, float]]] = [[] for _ in urgent.caps] if urgent else []
    cap_rhs = [float(cap) for cap in urgent.caps] if urgent else []
    lp = _LP()
    flow: dict[int, dict[int, list[tuple[int, float]]]] = {}  # agent -> slot -> (x, -1 starting / +1 ending)
    cells: dict[int, list[Cell]] = {}
    ends: dict[int, list[tuple[int, int, int]]] = {}  # job -> (x, earliest end, latest end in its slot)
    for j, job in enumerate(compiled.jobs):
        left_out = price(job, None, None)
        lp.constant += left_out  # paid unless placed: each start's price is its own minus this
        tier = urgent.tier_of.get(j) if urgent else None
        out_minutes = max(compiled.horizon_minutes - job.triage.due_minute, 0)
        starts: list[tuple[int, float]] = []
        mine: list[Cell] = []
        slots = job.effort // slot
        for candidate in job.candidates:
            agent = compiled.agents[candidate.agent]
            slots_of = flow.setdefault(candidate.agent, {})
            for s in range(candidate.earliest_start // slot * slot, candidate.latest_start + 1, slot):
                real = candidate.fit(max(s, candidate.earliest_start))
                if real is None:
                    break
                if real >= s + slot:
                    continue  # no allowed start in this slot
                end = agent.team_end(real + job.effort)
                x = lp.var(1.0, price(job, candidate.agent, end) - left_out)
                starts.append((x, 1.0))
                latest = agent.team_end(min(s + slot - 1, candidate.latest_start) + job.effort)
                ends.setdefault(j, []).append((x, end, latest))  # real >= s + slot was skipped: latest >= end
                mine.append((candidate.agent, x, float(job.effort), fairness.on_time(job, end)))
                if slots:
                    slots_of.setdefault(s // slot, []).append((x, -1.0))
                    slots_of.setdefault(s // slot + slots, []).append((x, 1.0))
                if tier is not None:  # minutes late at this end (a part: none placed) instead of those left out
                    late = 0 if job.is_part else max(end - job.triage.due_minute, 0)
                    cap_rows[tier].append((x, float(late - out_minutes)))
        if tier is not None:
            cap_rhs[tier] -= out_minutes
        if starts:
            lp.row(starts, 1.0)
            cells[j] = mine
    for slots_of in flow.values():
        if not slots_of:
            continue  # nothing of a slot or more on this agent
        running = None  # requests running in the slot before: at most one
        for t in range(max(slots_of) + 1):
            now = lp.var(1.0)
            before = [(running, -1.0)] if running is not None else []
            lp.row([(now, 1.0), *before, *slots_of.get(t, [])], 0.0, equal=True)
            running = now
    for coefficients, rhs in zip(cap_rows, cap_rhs, strict=True):
        lp.row(coefficients, rhs)
    most = float(sum(job.effort for job in compiled.jobs))  # no plan's overload or shortfall is above this
    _overload_terms(compiled, lp, cells, most)
    if not compiled.scenario.policy.protect_priorities:  # else at 0: see the docstring
        _share_terms(compiled, lp, cells, most)
        _fairness_terms(compiled, lp, cells)
        _rank_terms(compiled, lp, ends)
    return _solved(lp, budget)


def _rank_terms(compiled: Compiled, lp: _LP, ends: dict[int, list[tuple[int, int, int]]]) -> None:
    """Rank in the start LP (the protection off): per rank pair (hi, lo), minutes >= hi's end - lo's end when
    both are placed, each start priced at the earliest end its slot allows for hi and the latest for lo (a
    start anywhere in the slot: the pair's real gap is at least the difference), and nothing owed when lo is
    left out (big M: the latest end hi may have, which also bounds the minutes above any plan's). hi left out
    has no end on the left-hand side, so the row asks nothing of it either."""
    weight = compiled.weights[Term.RANK]
    if not weight:
        return
    for hi, lo in compiled.rank_pairs:
        if hi not in ends or lo not in ends:
            continue  # one of them is never placed: the pair counts nothing
        most = float(max(latest for _, _, latest in ends[hi]))
        later = lp.var(most, cost=weight)
        # later >= sum x_hi earliest end - sum x_lo latest end - most x (1 - sum x_lo)
        lp.row(
            [
                *((x, float(earliest)) for x, earliest, _ in ends[hi]),
                *((x, most - float(latest)) for x, _, latest in ends[lo]),
                (later, -1.0),
            ],
            most,
        )


def _solved(lp: _LP, budget: Budget) -> int | None:
    """The LP solved within what is left of the budget: the bound, rounded down (by a millionth, for the
    solver's tolerance), or None."""
    left = budget.left()
    value = lp.minimum(left) if left > 0 else None
    if value is None:
        return None
    return int(value - 1e-6 * max(1.0, abs(value)))


def _able(compiled: Compiled, job: Job) -> set[int]:
    """The agents who could end the request by its due (for fairness's on-time share in the bucket LP)."""
    due = job.triage.due_minute
    return {c.agent for c in job.candidates if compiled.agents[c.agent].team_end(c.earliest_start + job.effort) <= due}


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
    able = _able(compiled, job)
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
            cells.append((candidate.agent, y, 1.0, candidate.agent in able and lo < job.triage.due_minute))
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


def _share_terms(compiled: Compiled, lp: _LP, cells: dict[int, list[Cell]], most: float = np.inf) -> None:
    """The share term on the relaxed minutes: per priority, priority weight x each eligible department's
    shortfall from its fair share of that priority's planned minutes."""
    weight = compiled.weights[Term.SHARE]
    for share_class in compiled.share_classes:
        minutes = [
            (compiled.jobs[j].department, v, per)
            for j, worked in cells.items()
            if compiled.jobs[j].triage.priority == share_class.priority
            for _, v, per, _ in worked
        ]
        for d in share_class.eligible:  # 1000 x short >= fair x all minutes - 1000 x the department's
            short = lp.var(most, cost=weight * share_class.priority_weight)  # `most`: above any plan's shortfall
            fair = share_class.fair[d]
            lp.row(
                [*((v, per * (fair - (1000.0 if dept == d else 0.0))) for dept, v, per in minutes), (short, -1000.0)],
                0.0,
            )


def _overload_terms(compiled: Compiled, lp: _LP, cells: dict[int, list[Cell]], most: float = np.inf) -> None:
    """Overload on the relaxed minutes: the minutes each agent works above their target load. (Spread is left
    at 0: its max-min coupling of all agents doubled the LP's time at M for under 0.5 % of bound.)"""
    minutes: dict[int, list[tuple[int, float]]] = {}
    for worked in cells.values():
        for a, v, per, _ in worked:
            minutes.setdefault(a, []).append((v, per))
    for a, terms in minutes.items():
        over = lp.var(most, cost=compiled.weights[Term.OVERLOAD])  # `most`: a bound no plan's overload exceeds
        lp.row([*terms, (over, -1.0)], compiled.agents[a].target_minutes)


def _fairness_terms(compiled: Compiled, lp: _LP, cells: dict[int, list[Cell]]) -> None:
    """Fairness on the relaxed minutes: 1000 - the lowest department on-time rate, where a request is on time
    at most for the share of its minutes that may count as on time (the bucket LP: worked before its due by
    agents who could have ended it by then; the start LP: started where its earliest end is by its due)."""
    if not fairness.measured(len(compiled.departments)):
        return
    early: list[list[tuple[int, float]]] = [[] for _ in compiled.departments]
    totals = fairness.department_totals(compiled)
    for j, worked in cells.items():
        job = compiled.jobs[j]
        if job.is_part:
            continue  # not counted: its shared request is
        scale = 1000.0 / (totals[job.department] * job.effort)
        early[job.department] += [(v, -scale * per) for _, v, per, counts in worked if counts]
    weight = compiled.weights[Term.FAIRNESS]
    lp.constant += 1000 * weight
    low = lp.var(1000.0, -weight)
    for d, total in enumerate(totals):
        if total:
            lp.row([(low, 1.0), *early[d]], 0.0 if early[d] else on_time_rate(0, total))
