"""Large-neighbourhood search for scenarios too large for one model.

From a valid start (the routing heuristic's plan, or the previous plan), repeat until the time limit:
choose a few agents who share work (a seed agent, drawn with a seeded generator, weighted towards agents
whose requests cost the most, and the agents who could take the most of the same requests), free up to
`neighbourhood_requests` of their requests (late and deferred ones first), and solve that scope with
CP-SAT, everything else held fixed. The scope's objective is the whole plan's cost (exact, held to the
direct price by tests); an answer is accepted on its direct price (`solver.evaluate`) all the same. The
plan is never proven optimal this way; its bound comes from `solver.bound`.
"""

from __future__ import annotations

import random
from collections import Counter

from ortools.sat.python import cp_model

from solver.budget import Budget
from solver.build import Scope, build_model
from solver.compile import Compiled
from solver.cpsat import add_hint, new_solver, read_placements
from solver.evaluate import Placements, job_cost, total_cost
from solver.params import SolveParams
from solver.terms.base import Facts
from triage.names import PlanStatus


def improve(
    compiled: Compiled, start: Placements, params: SolveParams, budget: Budget
) -> tuple[Placements, PlanStatus, int, str]:
    """Improve a valid plan by neighbourhoods until the budget is spent or `params.stall_neighbourhoods` in a
    row found nothing; returns (plan, status, bound, source)."""
    current, tried, improved = search(compiled, start, params, budget, stall=params.stall_neighbourhoods)
    return (
        current,
        PlanStatus.FEASIBLE,
        0,
        f"large-neighbourhood search: {improved} of {tried} neighbourhoods improved the plan",
    )


def search(
    compiled: Compiled,
    start: Placements,
    params: SolveParams,
    budget: Budget,
    *,
    stall: int | None = None,
    rounds: int | None = None,
) -> tuple[Placements, int, int]:
    """The neighbourhood loop: from `start`, neighbourhoods drawn with `params.random_seed`, each solved by
    CP-SAT within `params.neighbourhood_seconds` (and the budget), an answer kept when its direct price is
    lower; until the budget is spent, `stall` neighbourhoods in a row found nothing, or `rounds` were tried.
    Returns (plan, neighbourhoods tried, neighbourhoods that improved it)."""
    rng = random.Random(params.random_seed)
    caps = compiled.urgent_caps
    current, cost = dict(start), (_excess(compiled, start), total_cost(compiled, start))
    shared = sharing(compiled)
    size = min(params.neighbourhood_requests, max(10, len(compiled.jobs) // 3))  # a third at most: small steps
    tried = improved = stalled = 0
    building = 0.05  # the last neighbourhood's model building: one that could not be solved in time is not begun
    while budget.left() > building and (stall is None or stalled < stall) and (rounds is None or tried < rounds):
        scope = neighbourhood(compiled, current, shared, rng, size)
        if not scope.free:
            break
        began = budget.now()
        built = build_model(compiled, scope)
        if caps is not None:  # never above the urgent caps, nor above the current plan where it is already
            caps.add_to(built, compiled, caps.limits(compiled, current))
        building = max(budget.now() - began, 0.05)
        add_hint(built, current)
        limit = min(params.neighbourhood_seconds, budget.left())
        solver = new_solver(params, max(limit, 0.01), workers=min(params.workers, 2))
        status = solver.solve(built.model)
        tried += 1
        found, price = current, cost
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = read_placements(built, solver)
            price = (_excess(compiled, found), total_cost(compiled, found))  # the direct price decides
        if price < cost:
            current, cost = found, price
            improved, stalled = improved + 1, 0
        else:
            stalled += 1
    return current, tried, improved


def _excess(compiled: Compiled, placements: Placements) -> int:
    """Minutes above the urgent caps (`solver.protect.UrgentCaps`): compared before the cost."""
    caps = compiled.urgent_caps
    return 0 if caps is None else caps.excess_of(compiled, placements)


def sharing(compiled: Compiled) -> dict[int, Counter[int]]:
    """For each agent, how many requests they could take together with each other agent."""
    out: dict[int, Counter[int]] = {a: Counter() for a in range(len(compiled.agents))}
    for job in compiled.jobs:
        agents = [c.agent for c in job.candidates]
        if len(agents) > 12:
            agents = agents[:12]  # common skills: any dozen of their holders is sharing enough
        for a in agents:
            out[a].update(b for b in agents if b != a)
    return out


def _pain(compiled: Compiled, current: Placements, priced: dict[int, int]) -> list[int]:
    """Per agent: the lateness of their requests plus the deferral of requests they could take; a shared
    request's lateness by its priced end (`priced`: the later end of its parts, `Facts.priced`), on its own
    agent (its parts, priced with it, add none)."""
    pain = [1] * len(compiled.agents)
    for j, job in enumerate(compiled.jobs):
        cost = job_cost(compiled, j, current.get(j), priced.get(j))
        if j in current:
            pain[current[j][0]] += cost.lateness
        else:
            for c in job.candidates[:4]:
                pain[c.agent] += cost.deferral
    return pain


def neighbourhood(
    compiled: Compiled, current: Placements, sharing: dict[int, Counter[int]], rng: random.Random, size: int
) -> Scope:
    """A few agents who share work, and up to `size` of the requests they hold or could take."""
    priced = Facts.of(compiled, current).priced
    pain = _pain(compiled, current, priced)
    seed = rng.choices(range(len(compiled.agents)), weights=pain)[0]
    partners = [b for b, _ in sharing[seed].most_common(6)]
    agents = {seed, *rng.sample(partners, k=min(len(partners), rng.randint(1, 4)))}
    mine = [j for j, (a, _) in current.items() if a in agents]
    waiting = [
        j for j, job in enumerate(compiled.jobs) if j not in current and any(c.agent in agents for c in job.candidates)
    ]
    ranked = sorted(mine + waiting, key=lambda j: -_weight_of(compiled, current, priced, j))
    if len(ranked) > size:
        # keep a contiguous stretch of time on these agents around the costliest requests
        window = _time_window(compiled, current, ranked[: size // 3], rng)
        ranked = [j for j in ranked if j not in current or window[0] <= current[j][1] <= window[1]] or ranked
        ranked = ranked[:size]
    free = frozenset(ranked)
    fixed = {j: p for j, p in current.items() if j not in free}
    return Scope(free, fixed, frozenset(agents))


def _weight_of(compiled: Compiled, current: Placements, priced: dict[int, int], j: int) -> int:
    cost = job_cost(compiled, j, current.get(j), priced.get(j))
    return cost.lateness + cost.deferral + compiled.jobs[j].triage.weight


def _time_window(compiled: Compiled, current: Placements, costly: list[int], rng: random.Random) -> tuple[int, int]:
    starts = sorted(current[j][1] for j in costly if j in current) or [0]
    centre = rng.choice(starts)
    span = max(compiled.horizon_minutes // 3, 480)
    return centre - span, centre + span
