"""A lower bound by agents' schedules: column generation, each column one agent's whole schedule.

The relaxation. A plan is, per agent, a schedule (which requests, in one piece each, at which own-axis starts,
one at a time) and a set of deferred requests, each request placed once or deferred. Keeping each agent's
schedule whole but linking agents only through "each request once" and the fairness and share rows gives
the master linear program

    minimise  sum_j D_j d_j + sum_(a, s) c_s z_(a,s) + fairness weight x (1000 - low) + sum share weight x short
    such that sum_(s holds j) z_(a,s) + d_j >= 1 for every request j,  sum_s z_(a,s) <= 1 for every agent a,
              low <= 1000 x (on-time requests of department d in the chosen schedules) / d's requests,
              short_(k,d) >= (fair share x planned minutes of priority k - 1000 x d's) / 1000,

where D_j is what leaving j out costs (deferral and waiting) and c_s is the schedule's own cost: its
requests' lateness, waiting and churn at the ends it gives them, and the agent's overload, all exactly as
the model prices them (`solver.terms`). Any plan's schedules are columns of it, so its optimum over all
columns is a lower bound on the plan's cost; unlike the time-indexed LP (`solver.bound.time_indexed_bound`)
a column never splits a request or runs two at once.

What the bound covers (`EXACT_TERMS`). Exactly: lateness, deferral, waiting, churn (per request) and overload
(per agent). Share and fairness as the linear rows above (their rounding dropped, which only lowers them).
Bounded by 0 (they couple agents' ends or loads, and each is at least 0): spread and rank. Pins and the
urgent caps of `protect_priorities` (`Compiled.urgent_caps`) are dropped (a relaxation: fewer rules can only
lower the minimum, so under the caps the bound may lie further below the optimum). A request shared by an
accepted share is priced by its own end, and its parts at nothing on the terms that read the end (lateness,
waiting, on time), as in `solver.bound`: at most what the group costs, priced by its later end.

How it is computed. Columns come from the starting plan and from pricing: with the master's duals as prices
(per request, per department's fairness row, per share row), each agent's best schedule minimises its cost
less its requests' prices, a prize-collecting single-agent scheduling problem (each request at most once,
by construction). It is searched with CP-SAT (`search_agent`: quick columns) and proven as a time-indexed
integer program with HiGHS (`prove_agent`). The number reported is never the master's value, which is a
bound only once no column is missing; it is the Lagrangian bound of the prices (each pricing coefficient
rounded to the side that keeps it valid)

    L = sum_j min(lambda_j, D_j) + fairness weight x 1000 + 1000 x min(0, sum_d eta_d - fairness weight)
        + sum_a min(0, Z_a),

where Z_a is a proven lower bound on agent a's pricing minimum: valid for any prices, whether or not the
generation converged, and the best over the rounds is kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array

from solver.budget import Budget
from solver.build import Built, Model, Scope
from solver.compile import Candidate, Compiled
from solver.evaluate import Placements, job_cost
from solver.rules.assignment import add_assignment
from solver.rules.calendar import add_availability_and_release, add_team_ends
from solver.rules.no_overlap import add_no_overlap
from solver.terms import REQUEST_TERMS, fairness
from solver.terms.base import past
from solver.terms.fairness import department_totals
from solver.terms.overload import above_target
from triage.names import Term

PRICING_WORKERS = 1
"""CP-SAT workers per pricing solve: the bound runs beside the search on a shared machine."""

MAX_PAIRS = 6_000
"""Above this many (request, qualified agent) pairs the pricing problems are too large to solve in time."""

MAX_NONZEROS = 400_000
"""The largest pricing program solved at its exact step; above, a coarser step (`grid_step`)."""

COARSER_STEPS = (5, 10, 15, 30, 60, 120, 240)

_EPSILON = 1e-6
_SAFETY_SHARE, _SAFETY_ABSOLUTE = 1e-6, 1.0
"""Taken off each bound HiGHS proves (floating point, within its tolerances)."""

EXACT_TERMS = frozenset({Term.LATENESS, Term.DEFERRAL, Term.WAITING, Term.CHURN, Term.OVERLOAD})
"""The terms the column generation prices exactly; share and fairness enter its master as linear rows
(their rounding dropped), spread and rank are bounded by 0."""


@dataclass(frozen=True)
class Column:
    """One agent's schedule: its requests, its own cost (`c_s`: the per-request terms and overload), and
    what it adds to the master's fairness and share rows."""

    agent: int
    jobs: frozenset[int]
    cost: int
    on_time: tuple[int, ...]  # per department: its requests in the schedule that end by their due
    planned: tuple[tuple[int, ...], ...]  # per share class, per department of compiled.departments: minutes


@dataclass
class AgentBound:
    """What the column generation reached: the best Lagrangian bound, the master's last value (what the
    bound would be if no improving column were left), rounds, columns, and whether it converged (the last
    round proved every agent's pricing optimal and found no improving column: the bound is then the
    master's value up to rounding, the column generation's own optimum)."""

    bound: int
    master: float
    rounds: int
    columns: int
    converged: bool
    exact: bool  # the proofs of the bound were on the exact grid (`prove_agent`), not a coarser relaxation


@dataclass(frozen=True)
class Prices:
    """The multipliers of one round: lambda per request (cover rows), eta per department (fairness rows),
    nu per share class and eligible department (share rows); each clipped to where the Lagrangian is finite."""

    cover: list[float]
    fairness: list[float]
    share: list[dict[int, float]]

    def toward(self, other: Prices, weight: float) -> Prices:
        """These prices moved `weight` of the way to `other` (every clip still holds: each is convex)."""

        def mix(a: float, b: float) -> float:
            return (1 - weight) * a + weight * b

        return Prices(
            [mix(a, b) for a, b in zip(self.cover, other.cover, strict=True)],
            [mix(a, b) for a, b in zip(self.fairness, other.fairness, strict=True)],
            [{d: mix(mine[d], theirs[d]) for d in mine} for mine, theirs in zip(self.share, other.share, strict=True)],
        )


class Problem:
    """The scenario's data the master and the pricing read, computed once."""

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        weights = compiled.weights
        self.deferred = [0] * len(compiled.jobs)
        for j in range(len(compiled.jobs)):
            left_out = job_cost(compiled, j, None)
            self.deferred[j] = weights[Term.DEFERRAL] * left_out.deferral + weights[Term.WAITING] * left_out.waiting
        self.never = sum(self.deferred[j] for j, job in enumerate(compiled.jobs) if not job.candidates)
        self.totals = department_totals(compiled)
        self.fair_weight = weights[Term.FAIRNESS] if fairness.measured(len(compiled.departments)) else 0
        self.share_weights = [weights[Term.SHARE] * k.priority_weight for k in compiled.share_classes]
        self.agents = sorted({c.agent for job in compiled.jobs for c in job.candidates})

    def column(self, agent: int, starts: Mapping[int, int]) -> Column:
        """The column of one agent's schedule (job -> own-axis start)."""
        compiled = self.compiled
        weights = compiled.weights
        time = compiled.agents[agent]
        cost, load = 0, 0
        on_time = [0] * len(compiled.departments)
        planned = [[0] * len(compiled.departments) for _ in compiled.share_classes]
        for j, start in starts.items():
            job = compiled.jobs[j]
            end = time.team_end(start + job.effort)
            cost += sum(weights[term] * value(compiled, job, agent, end) for term, value in REQUEST_TERMS)
            load += job.effort
            on_time[job.department] += fairness.on_time(job, end)
            for k, share_class in enumerate(compiled.share_classes):
                if job.triage.priority == share_class.priority:
                    planned[k][job.department] += job.effort
        cost += weights[Term.OVERLOAD] * above_target(load, time.target_minutes)
        return Column(agent, frozenset(starts), cost, tuple(on_time), tuple(map(tuple, planned)))

    def share_rate(self, k: int, d: int, planned: Sequence[int]) -> float:
        """Share row (k, d)'s value of planned minutes per department: (fair x all - 1000 x d's) / 1000."""
        share_class = self.compiled.share_classes[k]
        return (share_class.fair[d] * sum(planned) - 1000 * planned[d]) / 1000

    def lagrangian(self, prices: Prices, pricing_bounds: Sequence[float]) -> float:
        """L(prices) given a lower bound on each agent's pricing problem (see the module's docstring)."""
        value = self.never + sum(
            min(p, self.deferred[j]) for j, p in enumerate(prices.cover) if self.compiled.jobs[j].candidates
        )
        if self.fair_weight:
            value += 1000 * self.fair_weight + 1000 * min(0.0, sum(prices.fairness) - self.fair_weight)
        return value + sum(min(0.0, low) for low in pricing_bounds)


def _master(problem: Problem, columns: list[Column], seconds: float) -> tuple[float, Prices] | None:
    """The master LP over these columns: its value and its duals as prices, or None when not solved."""
    compiled = problem.compiled
    n_jobs, n_depts = len(compiled.jobs), len(compiled.departments)
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    rhs: list[float] = []
    cost: list[float] = []
    upper: list[float] = []

    def var(c: float, hi: float = np.inf) -> int:
        cost.append(c)
        upper.append(hi)
        return len(cost) - 1

    def entry(r: int, v: int, x: float) -> None:
        rows.append(r)
        cols.append(v)
        values.append(x)

    cover = list(range(n_jobs))  # rows: -sum z - d <= -1
    rhs += [-1.0] * n_jobs
    agent_row = {a: len(rhs) + i for i, a in enumerate(problem.agents)}
    rhs += [1.0] * len(problem.agents)
    fair_row: dict[int, int] = {}
    constant = 0.0
    if problem.fair_weight:
        low = var(-problem.fair_weight, 1000.0)
        constant += 1000 * problem.fair_weight
        for d in range(n_depts):
            if problem.totals[d]:
                fair_row[d] = len(rhs)
                rhs.append(0.0)
                entry(fair_row[d], low, 1.0)  # low - 1000 x on time / total <= 0
    share_row: list[dict[int, int]] = []
    for k, share_class in enumerate(compiled.share_classes):
        share_row.append({})
        for d in sorted(share_class.eligible):
            share_row[k][d] = len(rhs)
            rhs.append(0.0)
            entry(share_row[k][d], var(problem.share_weights[k]), -1.0)  # rate - short <= 0
    for column in columns:
        z = var(column.cost)
        for j in column.jobs:
            entry(cover[j], z, -1.0)
        entry(agent_row[column.agent], z, 1.0)
        for d, row in fair_row.items():
            if column.on_time[d]:
                entry(row, z, -1000 * column.on_time[d] / problem.totals[d])
        for k, by_dept in enumerate(share_row):
            for d, row in by_dept.items():
                rate = problem.share_rate(k, d, column.planned[k])
                if rate:
                    entry(row, z, rate)
    for j in range(n_jobs):
        entry(cover[j], var(problem.deferred[j], 1.0), -1.0)
    matrix = coo_array((values, (rows, cols)), shape=(len(rhs), len(cost))).tocsr()
    result = linprog(
        cost,
        A_ub=matrix,
        b_ub=rhs,
        bounds=np.column_stack([np.zeros(len(cost)), upper]),
        method="highs",
        options={"time_limit": max(seconds, 0.01)},
    )
    if result.status != 0:
        return None
    duals = -result.ineqlin.marginals  # >= 0 for <= rows of a minimisation
    prices = Prices(
        [max(float(duals[j]), 0.0) for j in range(n_jobs)],
        [max(float(duals[fair_row[d]]), 0.0) if d in fair_row else 0.0 for d in range(n_depts)],
        [
            {d: min(max(float(duals[row]), 0.0), problem.share_weights[k]) for d, row in by_dept.items()}
            for k, by_dept in enumerate(share_row)
        ],
    )
    return constant + float(result.fun), prices


class _Collector(cp_model.CpSolverSolutionCallback):
    """Every schedule a pricing solve finds, as (job -> own-axis start)."""

    def __init__(self, built: Built, agent: int, jobs: list[int]) -> None:
        super().__init__()
        self.built, self.agent, self.jobs = built, agent, jobs
        self.found: list[dict[int, int]] = []

    def on_solution_callback(self) -> None:
        a = self.agent
        chosen = [j for j in self.jobs if self.boolean_value(self.built.present[j, a])]
        self.found.append({j: self.value(self.built.own_start[j, a]) for j in chosen})


def job_coefficients(problem: Problem, prices: Prices, agent: int, j: int) -> tuple[int, int]:
    """(what placing j with the agent adds to the pricing objective beside its own terms, the bonus for
    ending it by its due), rounded so that the pricing objective is never above its exact value: the
    first down, the bonus up."""
    compiled = problem.compiled
    job = compiled.jobs[j]
    constant = -prices.cover[j]
    for k, share_class in enumerate(compiled.share_classes):
        if job.triage.priority == share_class.priority:
            for d, nu in prices.share[k].items():
                constant += nu * (share_class.fair[d] - (1000 if job.department == d else 0)) / 1000 * job.effort
    bonus = 1000 * prices.fairness[job.department] / problem.totals[job.department] if problem.fair_weight else 0.0
    return math.floor(constant + _EPSILON), math.ceil(bonus - _EPSILON)


def attractive(problem: Problem, prices: Prices, agent: int) -> list[tuple[int, Candidate, int, int]]:
    """The requests worth pricing for the agent, with their coefficients (`job_coefficients`): those whose
    contribution is negative at their earliest end. The others are left out of the pricing problem, which
    keeps its minimum: dropping a request from a schedule never raises the others' costs."""
    out = []
    for j, job in enumerate(problem.compiled.jobs):
        candidate = next((c for c in job.candidates if c.agent == agent), None)
        if candidate is None:
            continue
        constant, bonus = job_coefficients(problem, prices, agent, j)
        if _contribution(problem.compiled, agent, j, candidate.earliest_start, constant, bonus) < 0:
            out.append((j, candidate, constant, bonus))
    return out


def prove_agent(
    problem: Problem, prices: Prices, agent: int, seconds: float
) -> tuple[float, list[dict[int, int]], bool, bool]:
    """Agent a's pricing problem, solved as a time-indexed integer program (HiGHS): (a proven lower bound
    on its minimum, the best schedule found as job -> own-axis start, proven optimal, exact).

    On a grid of starts (`grid_step`), each request's earliest start rounded down to the grid. Exact when
    the step divides every effort and earliest start: the schedules that start each request as early as its
    order allows, among which a best one lies (every term grows with the end), then start on the grid.
    Otherwise a relaxation: for any real schedule, the same order on the grid starts each request no later."""
    compiled = problem.compiled
    weights = compiled.weights
    time = compiled.agents[agent]
    chosen = attractive(problem, prices, agent)
    if not chosen:
        return 0.0, [], True, True
    step = grid_step(compiled, chosen)
    exact = all(compiled.jobs[j].effort % step == 0 and c.earliest_start % step == 0 for j, c, *_ in chosen)
    slots = -(-time.capacity_minutes // step)
    cost: list[float] = []
    starts: list[tuple[int, int]] = []  # per variable: (job, own-axis start)
    rows: list[int] = []
    cols: list[int] = []
    once_rows = len(chosen)  # rows 0..: each request at most once; then one row per slot
    for i, (j, candidate, constant, bonus) in enumerate(chosen):
        effort = compiled.jobs[j].effort
        for slot in range(candidate.earliest_start // step, candidate.latest_start // step + 1):
            v = len(cost)
            cost.append(_contribution(compiled, agent, j, slot * step, constant, bonus))
            starts.append((j, slot * step))
            rows.append(i)
            cols.append(v)
            for busy in range(slot, min(slot + effort // step, slots)):
                rows.append(once_rows + busy)
                cols.append(v)
    n = len(cost)
    over = n  # minutes above the target: >= planned - target
    cost.append(float(weights[Term.OVERLOAD]))
    load_row = once_rows + slots
    values = [1.0] * len(rows)
    for v, (j, _) in enumerate(starts):
        rows.append(load_row)
        cols.append(v)
        values.append(float(compiled.jobs[j].effort))
    rows.append(load_row)
    cols.append(over)
    values.append(-1.0)
    matrix = coo_array((values, (rows, cols)), shape=(load_row + 1, n + 1)).tocsr()
    upper = np.concatenate([np.ones(once_rows + slots), [float(time.target_minutes)]])
    integrality = np.concatenate([np.ones(n), [0]])
    result = milp(
        cost,
        constraints=LinearConstraint(matrix, -np.inf, upper),
        integrality=integrality,
        bounds=Bounds(0, np.concatenate([np.ones(n), [np.inf]])),
        options={"time_limit": max(seconds, 0.01), "mip_rel_gap": 0.0, "presolve": False},
    )
    bound = getattr(result, "mip_dual_bound", None)
    if bound is None or not math.isfinite(bound):
        bound = -math.inf
    bound -= _SAFETY_SHARE * abs(bound) + _SAFETY_ABSOLUTE  # HiGHS's tolerances, kept on the safe side
    if result.x is None:
        return bound, [], False, exact
    schedule = {starts[v][0]: starts[v][1] for v in range(n) if result.x[v] > 0.5}
    return bound, [schedule] if schedule else [], result.status == 0, exact


def grid_step(compiled: Compiled, chosen: Sequence[tuple[int, Candidate, int, int]]) -> int:
    """The pricing program's time step: the efforts' greatest common divisor (exact), or the finest coarser
    step that keeps the program under MAX_NONZEROS (a relaxation: each request then occupies its effort
    rounded down to the step, and starts rounded down still end at their true effort)."""
    exact = math.gcd(*(compiled.jobs[j].effort for j, *_ in chosen))
    for step in [exact, *(s for s in COARSER_STEPS if s > exact)]:
        size = sum(
            (c.latest_start // step - c.earliest_start // step + 1) * (1 + compiled.jobs[j].effort // step)
            for j, c, *_ in chosen
        )
        if size <= MAX_NONZEROS:
            return step
    return COARSER_STEPS[-1]


def _contribution(compiled: Compiled, agent: int, j: int, own_start: int, constant: int, bonus: int) -> float:
    """What placing j with the agent at this own-axis start adds to its pricing objective (overload apart)."""
    job = compiled.jobs[j]
    end = compiled.agents[agent].team_end(own_start + job.effort)
    own = sum(compiled.weights[term] * value(compiled, job, agent, end) for term, value in REQUEST_TERMS)
    return float(own + constant - (bonus if fairness.on_time(job, end) else 0))


def search_agent(
    problem: Problem, prices: Prices, agent: int, seconds: float, hint: Mapping[int, int] | None
) -> tuple[float, list[dict[int, int]], bool]:
    """Agent a's pricing problem searched with CP-SAT (intervals on the agent's own axis, the model's own
    rules and terms): (its proven lower bound on the minimum, every schedule found, proven optimal). Quick
    to find good schedules, slow to prove; `prove_agent` proves. Only the `attractive` requests."""
    compiled = problem.compiled
    weights = compiled.weights
    time = compiled.agents[agent]
    coefficients = {j: (constant, bonus) for j, _, constant, bonus in attractive(problem, prices, agent)}
    if not coefficients:
        return 0.0, [], True
    jobs = sorted(coefficients)
    built = Built(Model(), Scope(frozenset(jobs), {}, frozenset({agent})))
    add_assignment(built, compiled)
    add_availability_and_release(built, compiled)
    add_no_overlap(built, compiled)
    add_team_ends(built, compiled)
    model = built.model
    parts: list[cp_model.LinearExprT] = []
    for j in jobs:
        job = compiled.jobs[j]
        present = built.present[j, agent]
        constant, bonus = coefficients[j]
        if not job.is_part:  # a part: priced with its shared request, at nothing on the terms that read the end
            late = past(built, compiled, j, job.triage.due_minute, Term.LATENESS)
            wait = past(built, compiled, j, job.triage.max_wait_minute, Term.WAITING)
            parts += [weights[Term.LATENESS] * job.triage.weight * late, weights[Term.WAITING] * wait]
        moved = job.reference_agent is not None and job.reference_agent != agent
        parts.append((constant + (weights[Term.CHURN] if moved else 0)) * present)
        if bonus and not job.is_part:
            on = model.new_bool_var(f"on_time[{job.request.id}]")
            model.add_implication(on, present)
            model.add(built.team_end[j] <= job.triage.due_minute).only_enforce_if(on)
            parts.append(-bonus * on)
    load = cp_model.LinearExpr.sum([compiled.jobs[j].effort * built.present[j, agent] for j in jobs])
    most = sum(compiled.jobs[j].effort for j in jobs)
    over = model.new_int_var(0, max(most - time.target_minutes, 0), f"overload[{time.agent.id}]")
    model.add(over >= load - time.target_minutes)
    parts.append(weights[Term.OVERLOAD] * over)
    model.minimize(cp_model.LinearExpr.sum(parts))
    for j in jobs if hint is not None else ():
        placed = j in hint  # type: ignore[operator]
        model.add_hint(built.present[j, agent], placed)
        if placed:
            model.add_hint(built.own_start[j, agent], hint[j])  # type: ignore[index]
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.01)
    solver.parameters.num_workers = PRICING_WORKERS
    collector = _Collector(built, agent, jobs)
    status = solver.solve(model, collector)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # stopped before its first schedule (the empty one is always feasible): CP-SAT's response then
        # holds no bound of its own (its field reads 0, which would claim too much), so none is claimed
        return -math.inf, collector.found, False
    bound = solver.best_objective_bound
    return (bound if math.isfinite(bound) else -math.inf), collector.found, status == cp_model.OPTIMAL


def reduced_cost(problem: Problem, prices: Prices, column: Column) -> float:
    """A column's value in its agent's pricing problem at these prices (exact, unrounded)."""
    value = column.cost - sum(prices.cover[j] for j in column.jobs)
    if problem.fair_weight:
        on_time = zip(prices.fairness, column.on_time, problem.totals, strict=True)
        value -= sum(1000 * eta * on / total for eta, on, total in on_time)
    for k, by_dept in enumerate(prices.share):
        value += sum(nu * problem.share_rate(k, d, column.planned[k]) for d, nu in by_dept.items())
    return value


def agent_bound(
    compiled: Compiled,
    budget: Budget,
    start: Placements | None = None,
    *,
    search_seconds: float = 0.3,
    proof_share: float = 0.5,
    smoothing: float = 0.5,
    trace: Callable[[int, float, int, bool, int], None] | None = None,
) -> AgentBound | None:
    """The column generation's best Lagrangian bound within the budget (see the module's docstring), or
    None when the scenario is too large for it or no proof finished. Each round solves the master, then
    searches each agent's pricing problem with CP-SAT for at most `search_seconds` (new columns); once a
    search round finds no improving column, or only `proof_share` of the budget is left, a round proves each
    agent's minimum (`prove_agent`) at the master's prices, which gives the bound and ends the generation
    when it finds no improving column either. `start`: a plan whose schedules are the first columns.
    `smoothing`: searches price at this share of the last searched prices plus the rest of the master's
    (steadier prices, a lower master in the same time: benchmarks/RESULTS.md); when that finds nothing, at
    the master's own."""
    pairs = sum(len(job.candidates) for job in compiled.jobs)
    if not compiled.jobs or pairs > MAX_PAIRS or budget.left() <= 0:
        return None
    problem = Problem(compiled)
    proving_from = budget.now() + budget.left() * (1 - proof_share)
    schedules: dict[int, dict[int, int]] = {}  # per agent, its latest schedule: the next search's hint
    for j, (a, own) in (start or {}).items():
        schedules.setdefault(a, {})[j] = own
    columns = [problem.column(a, starts) for a, starts in schedules.items()]
    seen = {(c.agent, c.jobs) for c in columns}
    best: AgentBound | None = None

    def price_all(prices: Prices, prove: bool) -> tuple[list[float], int, bool, bool]:
        """(each agent's proven lower bound, columns added, every agent proven optimal, every proof exact)."""
        lows: list[float] = []
        added, optimal, exact = 0, True, True
        for i, a in enumerate(problem.agents):
            left = budget.left()
            if left <= 0:
                return lows, added, False, False
            share = left / (len(problem.agents) - i)
            if prove:
                low, found, proven, on_grid = prove_agent(problem, prices, a, share)
                exact &= on_grid
            else:
                low, found, proven = search_agent(problem, prices, a, min(share, search_seconds), schedules.get(a))
            values = [reduced_cost(problem, prices, problem.column(a, starts)) for starts in found]
            lows.append(min([low, *values]))  # a proven bound is never above a schedule found; kept so
            optimal &= proven
            for starts in found:
                column = problem.column(a, starts)
                if (a, column.jobs) not in seen and reduced_cost(problem, prices, column) < -_EPSILON:
                    seen.add((a, column.jobs))
                    columns.append(column)
                    added += 1
            if found and not prove:
                schedules[a] = found[-1]
        return lows, added, optimal, exact

    rounds = 0
    center: Prices | None = None  # the prices the last search round priced at
    while budget.left() > 0:
        rounds += 1
        solved = _master(problem, columns, budget.left())
        if solved is None:
            break
        value, prices = solved
        proving = budget.now() >= proving_from
        used = prices  # the prices priced at: the bound is theirs
        if not proving:
            if center is not None and smoothing:
                used = center.toward(prices, 1 - smoothing)
            lows, added, optimal, exact = price_all(used, prove=False)
            if added == 0 and used is not prices:  # the smoothed prices found nothing: the master's own
                used = prices
                lows, added, optimal, exact = price_all(prices, prove=False)
            center = used
            proving = added == 0 and len(lows) == len(problem.agents)
        if proving:
            used = prices
            lows, added, optimal, exact = price_all(prices, prove=True)
        lagrangian = problem.lagrangian(used, lows) if len(lows) == len(problem.agents) else -math.inf
        if math.isfinite(lagrangian):  # every agent's pricing problem has a proven bound
            bound = math.floor(lagrangian)
            if best is None or bound > best.bound:
                best = AgentBound(bound, value, rounds, len(columns), False, exact)
        if trace is not None:
            trace(rounds, value, best.bound if best else 0, proving, added)
        if best is not None:
            best.master, best.rounds, best.columns = value, rounds, len(columns)
        if proving:
            if best is not None and added == 0 and optimal and len(lows) == len(problem.agents):
                best.converged, best.exact = True, exact
            break
    return best
