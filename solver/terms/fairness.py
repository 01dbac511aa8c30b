"""Soft term fairness: how far the worst-served department's on-time rate falls short of all on time, in per
mille (1000 - the lowest rate, each rate 1000 x on time // open requests, rounded down), over departments with
open requests, and only when there are at least two (`MIN_DEPARTMENTS`): with one department the rate is an
on-time count, which would trade a P1's minutes late for one more P4 on time. Only the worst-served
department counts, so serving a department worse never lowers it. A shared request and its parts are one
request here: the request counts once, on time when its priced end (the latest end of it and its parts, all
placed) is by its due, and its parts are not counted (`solver.terms.base`)."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from solver.build import Built, LinearExpr
from solver.compile import Compiled, Job
from solver.terms.base import Facts, SoftTerm, priced_end, priced_ends, team_end
from triage.names import Term

MIN_DEPARTMENTS = 2
"""Fairness compares departments: with fewer than this many with open work the term is 0."""


def measured(department_count: int) -> bool:
    """Whether the term measures anything with this many departments with open work."""
    return department_count >= MIN_DEPARTMENTS


def on_time(job: Job, end: int | None) -> bool:
    """Bucket: a department's requests on time; a request counts when placed and ending (its priced end) by its
    due; a part never does (it is no request of its own here)."""
    return end is not None and end <= job.triage.due_minute and not job.is_part


def on_time_rate(on_time_count: int, total: int) -> int:
    """A department's on-time rate in per mille, rounded down."""
    return 1000 * on_time_count // total


def shortfall(rates: Sequence[int]) -> int:
    """Combine: 1000 minus the lowest rate, over the departments with open work; 0 unless `measured`."""
    return 1000 - min(rates) if measured(len(rates)) else 0


def department_totals(compiled: Compiled) -> list[int]:
    """Per department, its open requests, the parts of shared requests left out."""
    totals = [0] * len(compiled.departments)
    for job in compiled.jobs:
        totals[job.department] += not job.is_part
    return totals


def quantity(facts: Facts) -> int:
    compiled = facts.compiled
    punctual = [0] * len(compiled.departments)
    for j, job in enumerate(compiled.jobs):
        punctual[job.department] += on_time(job, facts.priced.get(j))
    totals = department_totals(compiled)
    return shortfall([on_time_rate(o, t) for o, t in zip(punctual, totals, strict=True)])


def on_time_literals(built: Built, compiled: Compiled) -> dict[int, cp_model.IntVar]:
    """For each request whose priced end the model decides (`priced_ends`), a literal that is true exactly when
    it is placed and that end is by its due."""
    out = {}
    for j, (end, deferred) in sorted(priced_ends(built, compiled).items()):
        due = compiled.jobs[j].triage.due_minute
        lit = built.model.new_bool_var(f"on_time[{compiled.jobs[j].request.id}]")
        built.model.add(end <= due).only_enforce_if(lit)
        if deferred is None:
            built.model.add(end >= due + 1).only_enforce_if(~lit)
        else:
            built.model.add_implication(lit, ~deferred)
            built.model.add(end >= due + 1).only_enforce_if([~lit, ~deferred])
        out[j] = lit
    return out


def expression(built: Built, compiled: Compiled) -> LinearExpr:
    count = len(compiled.departments)
    if not measured(count):
        return 0
    literals = on_time_literals(built, compiled)
    totals, held = department_totals(compiled), [0] * count
    variable: list[list[LinearExpr]] = [[] for _ in range(count)]
    fixed = {j: p for j, p in built.scope.fixed.items() if j not in built.scope.free}
    ends = {j: team_end(compiled, j, p) for j, p in fixed.items()}
    for j, job in enumerate(compiled.jobs):
        if j in literals:
            variable[job.department].append(literals[j])
        elif j in fixed:
            held[job.department] += on_time(job, priced_end(compiled, j, ends))
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
