"""Soft term deferral: a request left out of the horizon pays weight x (minutes from its due time to the
horizon's end + the policy's `deferral_extra_minutes`), as if late to the horizon's end and beyond."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.build import Built, LinearExpr
from solver.compile import Compiled, Job
from solver.terms.base import Facts, SoftTerm, held_sum, request_sum
from triage.names import Term


def of_request(compiled: Compiled, job: Job, agent: int | None, end: int | None) -> int:
    """Weight x deferral minutes when deferred; 0 when placed."""
    return job.triage.weight * compiled.deferral_minutes(job) if end is None else 0


def quantity(facts: Facts) -> int:
    return request_sum(facts, of_request)


def expression(built: Built, compiled: Compiled) -> LinearExpr:
    variable = [
        of_request(compiled, compiled.jobs[j], None, None) * built.deferred[j] for j in sorted(built.scope.free)
    ]
    return held_sum(built, compiled, of_request) + cp_model.LinearExpr.sum(variable)


TERM = SoftTerm(Term.DEFERRAL, "weighted minutes", quantity, expression, of_request)
