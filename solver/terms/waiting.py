"""Soft term waiting (anti-starvation): business minutes a request stays open past its priority's maximum
wait, whatever its weight; a deferred request is counted to the horizon's end plus the deferral extra. A
shared request waits to its priced end, counted once (to the horizon's end plus the extra when it is deferred);
a part, placed or deferred, adds nothing (`solver.terms.base`)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.build import Built, LinearExpr
from solver.compile import Compiled, Job
from solver.terms.base import Facts, SoftTerm, held_sum, priced_ends, priced_past, request_sum
from triage.names import Term


def of_request(compiled: Compiled, job: Job, agent: int | None, end: int | None) -> int:
    """Minutes open past the maximum wait: to the (priced) end, or to the horizon's end plus the extra when
    deferred; 0 for a part."""
    if job.is_part:
        return 0
    limit = job.triage.max_wait_minute
    if end is None:
        return max(compiled.horizon_minutes - limit, 0) + compiled.scenario.policy.deferral_extra_minutes
    return max(end - limit, 0)


def quantity(facts: Facts) -> int:
    return request_sum(facts, of_request)


def expression(built: Built, compiled: Compiled) -> LinearExpr:
    variable: list[LinearExpr] = []
    for j in sorted(built.scope.free):
        variable.append(of_request(compiled, compiled.jobs[j], None, None) * built.deferred[j])
    for j in sorted(priced_ends(built, compiled)):
        variable.append(priced_past(built, compiled, j, compiled.jobs[j].triage.max_wait_minute, Term.WAITING))
    return held_sum(built, compiled, of_request, reads_end=True) + cp_model.LinearExpr.sum(variable)


TERM = SoftTerm(Term.WAITING, "minutes", quantity, expression, of_request)
