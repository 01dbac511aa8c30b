"""Soft term fairness: how far the worst-served department's on-time rate falls short of all on time, in per
mille (1000 - the lowest rate, each rate 1000 x on time // open requests, rounded down), over departments with
open requests. Only the worst-served department counts, so serving a department worse never lowers it."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from solver.build import Built, LinearExpr
from solver.compile import Compiled, Job
from solver.terms.base import Facts, SoftTerm, team_end
from triage.names import Term


def on_time(job: Job, end: int | None) -> bool:
    """Bucket: a department's requests on time; a request counts when placed and ending by its due."""
    return end is not None and end <= job.triage.due_minute


def on_time_rate(on_time_count: int, total: int) -> int:
    """A department's on-time rate in per mille, rounded down."""
    return 1000 * on_time_count // total


def shortfall(rates: Sequence[int]) -> int:
    """Combine: 1000 minus the lowest rate."""
    return 1000 - min(rates) if rates else 0


def department_totals(compiled: Compiled) -> list[int]:
    totals = [0] * len(compiled.departments)
    for job in compiled.jobs:
        totals[job.department] += 1
    return totals


def quantity(facts: Facts) -> int:
    compiled = facts.compiled
    punctual = [0] * len(compiled.departments)
    for j, job in enumerate(compiled.jobs):
        punctual[job.department] += on_time(job, facts.ends.get(j))
    totals = department_totals(compiled)
    return shortfall([on_time_rate(o, t) for o, t in zip(punctual, totals, strict=True)])


def on_time_literals(built: Built, compiled: Compiled) -> dict[int, cp_model.IntVar]:
    """For each free placeable request, a literal that is true exactly when it is placed and ends by its due."""
    out = {}
    for j, end in built.team_end.items():
        due = compiled.jobs[j].triage.due_minute
        lit = built.model.new_bool_var(f"on_time[{compiled.jobs[j].request.id}]")
        built.model.add_implication(lit, ~built.deferred[j])
        built.model.add(end <= due).only_enforce_if(lit)
        built.model.add(end >= due + 1).only_enforce_if([~lit, ~built.deferred[j]])
        out[j] = lit
    return out


def expression(built: Built, compiled: Compiled) -> LinearExpr:
    count = len(compiled.departments)
    if count == 0:
        return 0
    literals = on_time_literals(built, compiled)
    totals, held = department_totals(compiled), [0] * count
    variable: list[list[LinearExpr]] = [[] for _ in range(count)]
    for j, job in enumerate(compiled.jobs):
        if j in literals:
            variable[job.department].append(literals[j])
        elif j not in built.scope.free and j in built.scope.fixed:
            held[job.department] += on_time(job, team_end(compiled, j, built.scope.fixed[j]))
    rates: list[LinearExpr] = []
    for d in range(count):
        if not variable[d]:
            rates.append(on_time_rate(held[d], totals[d]))
            continue
        rate = built.model.new_int_var(0, 1000, f"{Term.FAIRNESS}[{compiled.departments[d]}]")
        on = held[d] + cp_model.LinearExpr.sum(variable[d])
        built.model.add(totals[d] * rate <= 1000 * on)  # rate = 1000 x on // total: the largest such
        built.model.add(totals[d] * rate >= 1000 * on - (totals[d] - 1))
        rates.append(rate)
    low = built.model.new_int_var(0, 1000, f"{Term.FAIRNESS}[min]")
    built.model.add_min_equality(low, rates)
    return 1000 - low


TERM = SoftTerm(Term.FAIRNESS, "per mille", quantity, expression)
