"""`plan(scenario, params, previous) -> Plan`: the planner's entry point; the only place a CpSolver runs.

The routing heuristic's plan (or the previous plan, on a re-plan) is the start. Small scenarios are solved
as one model, polished by the sequence local search (`solver.search.polish`) and solved again from its plan; large
ones are polished, then improved by large-neighbourhood search (`solver.search.lns`). If
nothing is found within the time limit, the starting plan is returned with an honest status. A plan is
always returned, never an exception; pins that cannot all hold give status `infeasible` with conflicts.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ortools.sat.python import cp_model

from solver.bound import (
    bucket_ladder,
    estimated_variables,
    per_request_bound,
    start_indexed_bound,
    start_ladder,
    start_variables,
    time_indexed_bound,
)
from solver.budget import Budget
from solver.build import Built, build_model
from solver.columns import agent_bound
from solver.compile import Compiled, candidate_of, compile_scenario
from solver.conflicts import find_conflicts
from solver.cpsat import add_hint, new_solver, read_placements
from solver.evaluate import Placements, pins_hold, term_quantities, total_cost
from solver.params import SolveParams
from solver.parts import present_parts
from solver.replan import changes_since, placements_from
from solver.search.heuristic import best_routing, left_shift, route_earliest_finish
from solver.search.lns import improve
from solver.search.polish import polish
from solver.search.relieve import relieve_overload
from solver.terms import UNITS, weighted_sum
from triage.explain import explain_plan, explain_plan_until, explain_priorities
from triage.model import Scenario
from triage.names import PlanStatus
from triage.report import department_shares
from triage.results import Assignment, Explanation, Plan, TermValue, Unassigned
from triage.scoring import Triage

# the CP-SAT helpers are also reachable from here, where callers imported them before solver/cpsat.py
MARGIN_SECONDS = 0.5
"""The time target: `plan` returns within its time limit plus this, counted from `started`, for every limit
admission lets a caller ask (`api.limits.least_time_limit`: compiling and the first routing order, which no
clock cuts, must fit). Measured in benchmarks/guard_bench.py (benchmarks/RESULTS.md, "The time guard at every
admitted size"): worst +0.36 s at M, +0.61 s at L, +0.83 s at the largest admitted size on the machine loaded
twelve times over its cores (held in 15 of 24 runs); at load 13 held in 23 of 24 (worst +0.54 s)."""

__all__ = [
    "MARGIN_SECONDS",
    "add_hint",
    "extract_plan",
    "lower_bounds",
    "new_solver",
    "plan",
    "plan_by_routing",
    "read_placements",
]


def plan(
    scenario: Scenario,
    params: SolveParams | None = None,
    previous: Plan | None = None,
    *,
    warm_start: Plan | None = None,
    started: float | None = None,
    budget: Budget | None = None,
) -> Plan:
    """Plan a scenario within the time limit; the plan says how good it is. With `previous`, a re-plan:
    warm-started from it, charging churn for moving its requests, and listing what moved and why. With
    `warm_start`, only started from that plan (what-if re-plans, priced like the plan they are compared to).

    The time is `budget` (`solver.budget.Budget`; a test passes one on a fake clock), else the time limit
    counted from `started` (a `time.perf_counter()` instant: when the caller began waiting, so that reading
    the input counts too), else from the call; every phase reads its part of it. The guard: when model
    building and the routing start leave less than the finishing reserve, nothing is searched and the
    routing plan is returned."""
    params = params or SolveParams()
    budget = budget or Budget.of(params.time_limit_seconds, started=started)
    compiled = compile_scenario(scenario, previous)
    # the start's options until a fifth of the time is gone (the first always): see best_routing
    hint: Placements = best_routing(compiled, budget.share(0.2))
    if previous is not None or warm_start is not None:
        hint = placements_from(compiled, previous or warm_start, fallback=hint)  # type: ignore[arg-type]
    schedule = params.schedule
    relieving = min(
        schedule.last_pass_share * params.time_limit_seconds,
        schedule.last_pass_seconds + schedule.last_pass_seconds_per_request * len(compiled.jobs),
    )
    # The priorities are explained first (the plan does not enter them); how long they took, on this machine
    # at this moment, sizes the reserve for the rest of the explanations.
    explaining = budget.now()
    priorities = explain_priorities(scenario, _triages(compiled), out_of_time=_spent(budget))
    explaining = budget.now() - explaining
    finishing = schedule.finishing_seconds + schedule.finishing_seconds_per_request * len(compiled.jobs)
    finishing += schedule.explaining_factor * explaining
    search = budget.less(finishing + relieving)
    if search.left() <= 0 and pins_hold(compiled, hint):
        return _finish(scenario, compiled, _cut(compiled, hint, budget), budget, previous, params, priorities)
    large = _size(compiled) > params.direct_pairs_limit or not _whole_model_fits(
        compiled, search.share(schedule.small_first_solve_share)
    )
    pool = ThreadPoolExecutor(max_workers=1)  # the LP beside the search: HiGHS releases the GIL
    try:
        share = schedule.large_bound_share if large else schedule.small_bound_share
        proven: list[tuple[int, str]] = []  # each better bound, as soon as the LP's thread has it
        bounding = pool.submit(lower_bounds, compiled, search.share(share), proven, hint, schedule.columns_min_seconds)
        placements, status, bound, source = (_solve_large if large else _solve_small)(compiled, hint, params, search)
        try:  # not waited for past the search's deadline: it ends on its own time limit, its answer unused
            relaxed = bounding.result(timeout=search.left() + schedule.bound_grace_seconds)
        except TimeoutError:
            relaxed = proven[-1] if proven else (0, _NO_BOUND)
    finally:
        pool.shutdown(wait=False)
    if status in (PlanStatus.FEASIBLE, PlanStatus.UNKNOWN) and relaxed[0] > bound:
        bound, source = relaxed[0], f"{relaxed[1]}; {source.removeprefix(_CP_SAT_BOUND)}"
    caps = compiled.urgent_caps
    stable = previous is not None and status != PlanStatus.INFEASIBLE and placements != hint
    stable = stable and (caps is None or caps.hold(compiled, hint))  # never a previous plan above the caps
    if stable and total_cost(compiled, hint) <= total_cost(compiled, placements) and pins_hold(compiled, hint):
        placements = hint  # a re-plan that finds nothing cheaper leaves the work where it was
    if status == PlanStatus.INFEASIBLE:
        result = _infeasible(compiled, params, source)
    else:
        placements = relieve_overload(compiled, placements, budget.less(finishing))
        shifted = left_shift(compiled, dict(placements))
        if total_cost(compiled, shifted) <= total_cost(compiled, placements):
            placements = shifted  # same cost or less, and nobody waits for no reason (ends only move earlier)
        if caps is not None and not caps.hold(compiled, placements):
            # a re-plan's previous plan the search could not bring within the caps in time: the witness can
            placements = dict(caps.plan)
            source += f"; urgent work above the caps: {caps.witness}'s plan"
        result = extract_plan(compiled, placements, status, bound, source)
    return _finish(scenario, compiled, result, budget, previous, params, priorities)


# An LP's time grows about as fast as its variables, at most this much faster: measured 0.95-1.3 times their
# ratio (benchmarks/RESULTS.md runs 15-16); the next is started when the last one's time x this x the ratio fits.
LP_GROWTH = 1.3
# Before any LP is timed: seconds per estimated variable, measured beside the search on this 2-core machine
# (run 16, peers M at 10 s: 4.5-4.9 x 10^-5 at 120, 60 and 30 minutes). The first LP is the finest rung whose
# time at this rate fits in FIRST_LP_SHARE of the bound's time, so a machine three times slower still gets it.
LP_SECONDS_PER_VARIABLE = 5e-5
# The same for the start LP (`start_indexed_bound`), whose time grows faster with its size. Measured beside the
# search of a 10-s S plan (the bound's thread given 6.4 s; benchmarks/RESULTS.md run 18, second follow-up), with
# HiGHS's interior point method: the peers' S at 5-minute slots, 31,300-37,700 variables, 3.4-3.9 s under the
# protection; with it off (share's, fairness's and rank's rows) 5.0-6.5 s, once past the time; the 10-minute LP
# at seed 2 (15,800 variables) took 2.5-3.0 s. Under the protection the first rung is the 5-minute one at 5 x 10^-5
# (the 10-minute one first left no time for the 5-minute one at seed 2: 10.4-11.0 % gaps against 5.2-8.3 %
# with effort-priced deferral); with it off, at 10^-4, the 10-minute one. (With the simplex, run 18, the
# 5-minute LP as first rung once did not end in the time and the plan kept CP-SAT's bound, a 26 % gap.)
START_SECONDS_PER_VARIABLE = 5e-5
START_SECONDS_PER_VARIABLE_UNPROTECTED = 1e-4
FIRST_LP_SHARE = 1 / 3
_PER_REQUEST = "bound from each request alone at its cheapest option"
_NO_BOUND = "no bound computed in the time"


def _triages(compiled: Compiled) -> dict[str, Triage]:
    return {j.request.id: j.triage for j in compiled.jobs}


def _spent(budget: Budget) -> Callable[[], bool]:
    """The question the explanations ask between requests (the core reads no clock of its own)."""
    return lambda: budget.left() <= 0


def _cut(compiled: Compiled, hint: Placements, budget: Budget) -> Plan:
    """The starting plan unsearched: model building and routing used the time (the guard of `plan`). Its
    bound is the per-request one while time is left (2 s of a pass over every candidate at 2,000 requests and
    250 agents on the loaded machine), else none."""
    bound, named = (per_request_bound(compiled), _PER_REQUEST) if budget.left() > 0 else (0, _NO_BOUND)
    source = f"{named}; not searched: model building used the time limit, the routing heuristic's plan"
    return extract_plan(compiled, hint, PlanStatus.FEASIBLE, bound, source)


def _finish(
    scenario: Scenario,
    compiled: Compiled,
    result: Plan,
    budget: Budget,
    previous: Plan | None,
    params: SolveParams,
    priorities: dict[str, Explanation],
) -> Plan:
    """The plan's time, department shares, moves (on a re-plan) and, last, its explanations, until the limit
    and its grace (the plan says what was left out)."""
    result = present_parts(compiled, result)
    result.solve_seconds = round(budget.spent(), 3)
    if result.status != PlanStatus.INFEASIBLE:
        result.departments = department_shares(scenario, result)
    if previous is not None and result.status != PlanStatus.INFEASIBLE:
        result.changes = changes_since(compiled, previous, result, params.move_threshold_minutes)
    until = budget.less(-params.schedule.explaining_grace_seconds)
    triages = _triages(compiled)
    result.explanations, missed, orders = explain_plan_until(
        scenario, result, triages, priorities=priorities, out_of_time=_spent(until)
    )
    if missed:
        planned = sum(1 for r in scenario.requests if r.id in triages and r.status.plannable)
        result.bound_source += f"; explanations cut at the time limit: {missed:,} of {planned:,} requests unexplained"
    elif not orders:
        result.bound_source += "; explanations cut at the time limit: some departments' orders unexplained"
    return result


def plan_by_routing(scenario: Scenario) -> Plan:
    """The routing heuristic's plan alone, priced under the policy: the baseline the planner must beat."""
    budget = Budget.of(0.0)  # nothing is searched: only the time spent is read
    compiled = compile_scenario(scenario)
    placements = {p.job: (p.agent, p.own_start) for p in route_earliest_finish(compiled)}
    result = extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, "none: routing heuristic, not searched")
    result = present_parts(compiled, result)
    result.solve_seconds = round(budget.spent(), 3)
    result.explanations = explain_plan(scenario, result, {j.request.id: j.triage for j in compiled.jobs})
    return result


def lower_bounds(
    compiled: Compiled,
    budget: Budget,
    proven: list[tuple[int, str]] | None = None,
    start: Placements | None = None,
    columns_min_seconds: float | None = None,
) -> tuple[int, str]:
    """The best bound of `solver.bound` within the budget (a tenth of a second at least), and how it was
    obtained; each better bound is appended to `proven` as soon as it is known (for a caller that stops
    waiting: the last one holds). The per-request bound first, then two LPs, each refined while its time
    allows: on scenarios small enough for it the start LP (`start_indexed_bound`, at finer and finer slots,
    `start_ladder`), then, in the time left, the bucket LP (`time_indexed_bound`, at finer and finer buckets,
    `bucket_ladder`: a different relaxation, neither above the other in general, as slots round efforts down;
    on the peers' S the start LP at 5 minutes was the higher in every variant, benchmarks/RESULTS.md run 18),
    the higher bound standing. On each ladder the first rung is the finest expected to take at most
    FIRST_LP_SHARE of the time (the coarsest when none is, none when even that is expected to take longer than
    the time; each LP's time expected at its own rate: START_SECONDS_PER_VARIABLE, or its _UNPROTECTED form with
    the protection off, and LP_SECONDS_PER_VARIABLE), each next one only when the last one's time, scaled by
    the variables, fits in what is left (`_refine`). Then, when `columns_min_seconds` is given and
    at least that much of the budget is left, the bound by agents' schedules (`solver.columns.agent_bound`,
    its first columns from `start`)."""
    budget = budget.at_least(0.1)
    proven = [] if proven is None else proven
    best = per_request_bound(compiled), _PER_REQUEST
    proven.append(best)
    slots = [(s, start_variables(compiled, s)) for s in start_ladder(compiled)]
    best = _refine(
        slots,
        lambda slot: start_indexed_bound(compiled, budget, slot),
        "bound from a start-indexed LP relaxation ({}-minute slots)",
        budget,
        best,
        proven,
        START_SECONDS_PER_VARIABLE
        if compiled.scenario.policy.protect_priorities
        else START_SECONDS_PER_VARIABLE_UNPROTECTED,
    )
    if budget.left() > 0:
        buckets = [(m, estimated_variables(compiled, m)) for m in bucket_ladder(compiled)]
        best = _refine(
            buckets,
            lambda minutes: relaxed[0] if (relaxed := time_indexed_bound(compiled, budget, minutes)) else None,
            "bound from a time-indexed LP relaxation ({}-minute buckets, longer later)",
            budget,
            best,
            proven,
            LP_SECONDS_PER_VARIABLE,
        )
    if columns_min_seconds is not None and budget.left() >= columns_min_seconds:
        columns = agent_bound(compiled, budget, start)
        if columns is not None and columns.bound > best[0]:
            state = "converged" if columns.converged else "not converged"
            best = (
                columns.bound,
                (
                    f"bound from column generation over agents' schedules ({columns.rounds:,} rounds, "
                    f"{columns.columns:,} schedules, {state})"
                ),
            )
            proven.append(best)
    return best


def _refine(
    rungs: list[tuple[int, int]],
    solve: Callable[[int], int | None],
    source: str,
    budget: Budget,
    best: tuple[int, str],
    proven: list[tuple[int, str]],
    seconds_per_variable: float,
) -> tuple[int, str]:
    """One LP's ladder, `rungs` (resolution, estimated variables) coarse to fine, solved while the time allows
    (the rule of `lower_bounds`, the first rung's time expected at `seconds_per_variable`); each better bound
    appended to `proven`. Returns the best bound so far (`source` formatted with the resolution that proved
    it)."""
    last: tuple[int, float] | None = None  # the last LP solved: its estimated variables and seconds
    first = budget.left() * FIRST_LP_SHARE
    fitting = [i for i, (_, n) in enumerate(rungs) if n * seconds_per_variable <= first]
    if fitting:
        rungs = rungs[fitting[-1] :]
    elif rungs and rungs[0][1] * seconds_per_variable > budget.left():
        rungs = []  # even the coarsest would not end in the time: building it would only delay the caller
    for resolution, size in rungs:
        if last is not None and last[1] * size / last[0] * LP_GROWTH > budget.left():
            break  # the finer LP would not finish in the time left: the last bound stands
        began = budget.now()
        value = solve(resolution)
        if value is None:
            break  # not solved in the time left: a finer one would not be either
        last = size, budget.now() - began
        if value > best[0]:
            best = value, source.format(resolution)
            proven.append(best)
        if budget.left() <= 0:
            break
    return best


def _size(compiled: Compiled) -> int:
    return sum(len(job.candidates) for job in compiled.jobs)


def _solve_large(
    compiled: Compiled, hint: Placements, params: SolveParams, budget: Budget
) -> tuple[Placements, PlanStatus, int, str]:
    """The sequence local search (`solver.search.polish`) for `large_polish_share` of the time, then neighbourhood
    search, which also re-places pinned requests and re-times starts minute by minute, from its plan (above
    `NEIGHBOURHOODS_MAX_REQUESTS` requests the local search alone, for the whole time). When
    the routing start breaks a pin, the whole model is solved first for a plan that keeps them (or the proof
    that none can)."""
    prefix = ""
    if not pins_hold(compiled, hint):
        if not _whole_model_fits(compiled, budget):
            return hint, PlanStatus.UNKNOWN, 0, f"{_UNBUILT}; the routing heuristic's plan breaks a pin"
        hint, status, bound, source = _solve_direct(compiled, hint, params, budget)
        if status != PlanStatus.FEASIBLE:
            return hint, status, bound, source
        prefix = f"{source}, then "
    if len(compiled.jobs) > NEIGHBOURHOODS_MAX_REQUESTS:  # the local search gets the whole time
        polished, moves = polish(compiled, hint, budget, params.random_seed, _moves(params))
        searched = f"no neighbourhood search (above {NEIGHBOURHOODS_MAX_REQUESTS:,} requests)"
        return polished, PlanStatus.FEASIBLE, 0, f"{prefix}sequence local search: {moves:,} moves tried, {searched}"
    polishing = budget.share(params.schedule.large_polish_share)
    polished, moves = polish(compiled, hint, polishing, params.random_seed, _moves(params))
    placements, status, bound, searched = improve(compiled, polished, params, budget)
    return placements, status, bound, f"{prefix}sequence local search: {moves:,} moves tried, then {searched}"


NEIGHBOURHOODS_MAX_REQUESTS = 4_000
"""Above this many requests `_solve_large` searches no neighbourhoods: each one's model holds the whole rest
of the plan, and at 8,000 requests building one took 21 s of a 60-s limit and improved nothing, where the
local search improves the plan all the time (benchmarks/RESULTS.md, "Cheaper at L and XL")."""

_CP_SAT_BOUND = "bound from CP-SAT's search; "


def _solve_small(
    compiled: Compiled, hint: Placements, params: SolveParams, budget: Budget
) -> tuple[Placements, PlanStatus, int, str]:
    """One model and a local search, as the schedule shares the time (`SearchSchedule`): the whole model
    first, to prove small cases optimal at once; then the sequence local search (`solver.search.polish`); then the
    whole model again from the best plan, for the rest, to improve it minute by minute and raise the bound."""
    first = budget.share(params.schedule.small_first_solve_share)
    built = _build_whole(compiled, budget)
    placements, status, bound, source = _solve_built(built, compiled, hint, params, first)
    if status in (PlanStatus.OPTIMAL, PlanStatus.INFEASIBLE, PlanStatus.UNKNOWN):
        return placements, status, bound, source
    second = budget.until(first.deadline + (budget.deadline - first.deadline) * params.schedule.small_polish_share)
    placements, moves = polish(compiled, placements, second, params.random_seed, _moves(params))
    runs = f"runs: {source}, then sequence local search: {moves:,} moves tried"
    if budget.left() < _LEAST_SOLVE_SECONDS:  # a solve begun now would only overrun the deadline
        return placements, status, bound, f"{_CP_SAT_BOUND}{runs}"
    # the same model again (building it is most of a short limit), hinted with the new plan
    built.model.clear_hints()  # type: ignore[no-untyped-call]
    final, status, last_bound, last_source = _solve_built(built, compiled, placements, params, budget)
    if total_cost(compiled, final) > total_cost(compiled, placements):
        final = placements  # the last phase found nothing as good in its time
    caps = compiled.urgent_caps
    start_valid = pins_hold(compiled, hint) and (caps is None or caps.hold(compiled, hint))
    if start_valid and total_cost(compiled, hint) < total_cost(compiled, final):
        final = hint  # never dearer than the start (CP-SAT's first plan need not be its hint)
    return final, status, max(bound, last_bound), f"{_CP_SAT_BOUND}{runs}, then {last_source}"


def _moves(params: SolveParams) -> int | None:
    """The local search's move budget: none (the time limit decides) unless the caller asked for
    repeatable answers with a deterministic limit, which buys `moves_per_work_unit` moves a unit."""
    if params.deterministic_limit is None:
        return None
    return round(params.schedule.moves_per_work_unit * params.deterministic_limit)


_LEAST_SOLVE_SECONDS = 0.05
_UNBUILT = "not searched: the whole model could not be built in the time left"
BUILD_SECONDS_PER_PAIR = 0.002
"""The first estimate of building the whole CP-SAT model, per (request, qualified agent) pair: 0.65-1.9 ms
measured with few agents and many requests at load 10-13 (benchmarks/RESULTS.md, "The time guard ..."). Each
whole build in the process then updates `_build_rate`, so that the estimate follows the machine."""
_build_rate = [BUILD_SECONDS_PER_PAIR]
_RATE_FROM_PAIRS = 200


def _whole_model_fits(compiled: Compiled, budget: Budget) -> bool:
    """Whether building the whole model, at the rate seen last (seconds per pair), fits in the budget."""
    return _size(compiled) * _build_rate[0] <= budget.left()


def _build_whole(compiled: Compiled, budget: Budget) -> Built:
    """The whole model, its building timed into `_build_rate`: this build's rate when slower than the last,
    else halfway between them, so that one quick build on a quiet moment does not make the next estimate
    optimistic."""
    began = budget.now()
    built = build_model(compiled)
    if compiled.urgent_caps is not None:
        compiled.urgent_caps.add_to(built, compiled)  # feasible: the witness keeps the pins and the caps
    if (pairs := _size(compiled)) >= _RATE_FROM_PAIRS:  # a small model's fixed part would inflate the rate
        seen = (budget.now() - began) / pairs
        _build_rate[0] = max(seen, (seen + _build_rate[0]) / 2)
    return built


def _solve_direct(
    compiled: Compiled, hint: Placements, params: SolveParams, budget: Budget
) -> tuple[Placements, PlanStatus, int, str]:
    return _solve_built(_build_whole(compiled, budget), compiled, hint, params, budget)


def _solve_built(
    built: Built, compiled: Compiled, hint: Placements, params: SolveParams, budget: Budget
) -> tuple[Placements, PlanStatus, int, str]:
    add_hint(built, hint)
    solver = new_solver(params, max(budget.left(), 0.05))
    status = solver.solve(built.model)
    source = f"CP-SAT {solver.status_name(status).lower()}, {params.workers} workers, {solver.wall_time:.1f} s"
    if status == cp_model.INFEASIBLE:
        return {}, PlanStatus.INFEASIBLE, 0, source
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        kind = PlanStatus.OPTIMAL if status == cp_model.OPTIMAL else PlanStatus.FEASIBLE
        return read_placements(built, solver), kind, int(solver.best_objective_bound), source
    bound = int(solver.best_objective_bound) if solver.best_objective_bound > 0 else 0
    if pins_hold(compiled, hint):
        return hint, PlanStatus.FEASIBLE, bound, source + "; plan from the routing heuristic"
    return hint, PlanStatus.UNKNOWN, bound, source + "; the routing heuristic's plan breaks a pin"


def _infeasible(compiled: Compiled, params: SolveParams, source: str) -> Plan:
    return Plan(
        status=PlanStatus.INFEASIBLE,
        objective=0,
        best_bound=0,
        gap=0.0,
        bound_source=source,
        solve_seconds=0.0,
        horizon_end=compiled.axis.moment_of(compiled.horizon_minutes, closing=True),
        terms=[],
        assignments=[],
        unassigned=[],
        conflicts=find_conflicts(compiled, params),
    )


def extract_plan(compiled: Compiled, placements: Placements, status: PlanStatus, bound: int, source: str) -> Plan:
    """The plan of these placements, every term valued by the direct price. The bound is reported as given,
    never lowered to the objective: CP-SAT's objective is the direct price (held so by tests), so a bound
    above a plan's cost would be a fault to see, not to hide."""
    assignments = [_assignment(compiled, j, *placements[j]) for j in sorted(placements)]
    unassigned = [_unassigned(compiled, j) for j in range(len(compiled.jobs)) if j not in placements]
    weights = compiled.weights
    quantities = term_quantities(compiled, placements)
    terms = [
        TermValue(term=t, weight=weights[t], quantity=q, unit=UNITS[t], value=weights[t] * q)
        for t, q in quantities.items()
    ]
    objective = weighted_sum(compiled, quantities)
    return Plan(
        status=status,
        objective=objective,
        best_bound=bound,
        gap=round((objective - bound) / objective, 4) if objective else 0.0,
        bound_source=source,
        solve_seconds=0.0,
        horizon_end=compiled.axis.moment_of(compiled.horizon_minutes, closing=True),
        terms=terms,
        assignments=assignments,
        unassigned=unassigned,
    )


def _assignment(compiled: Compiled, j: int, a: int, own_start: int) -> Assignment:
    job, agent = compiled.jobs[j], compiled.agents[a]
    start = agent.team_start(own_start)
    end = agent.team_end(own_start + job.effort)
    return Assignment(
        request_id=job.request.id,
        agent_id=agent.agent.id,
        start=compiled.axis.moment_of(start),
        end=compiled.axis.moment_of(end, closing=True),
        start_minute=start,
        end_minute=end,
        priority=job.triage.priority,
        due=job.triage.due_at,
        minutes_late=max(end - job.triage.due_minute, 0),
    )


def _unassigned(compiled: Compiled, j: int) -> Unassigned:
    job = compiled.jobs[j]
    if job.missing_skills:
        reason = "missing_skill"
    elif not job.qualified_agents:
        reason = "no_qualified_agent"
    elif not job.candidates and not job.pausable and _would_fit_pausing(compiled, j):
        reason = "no_stretch"  # its work may not pause, and no qualified agent has a stretch of its length
    else:
        reason = "no_room"
    return Unassigned(
        request_id=job.request.id,
        priority=job.triage.priority,
        due=job.triage.due_at,
        reason=reason,
        missing_skills=job.missing_skills,
    )


def _would_fit_pausing(compiled: Compiled, j: int) -> bool:
    """Whether some qualified agent has the working minutes for job j within the horizon if it could pause."""
    job = compiled.jobs[j]
    return any(
        candidate_of(compiled.agents[a], a, job.triage.release_minute, job.effort, pausable=True) is not None
        for a in job.qualified_agents
    )
