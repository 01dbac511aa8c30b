"""Soft term lateness: priority weight x department weight x ageing factor x business minutes a request ends
past its due time; a deferred request pays nothing here (it pays deferral). A shared request is late by its
priced end, the latest end of it and its parts (its own when a part is left out), counted once; a part pays
nothing here (`solver.terms.base`)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.build import Built, LinearExpr
from solver.compile import Compiled, Job
from solver.terms.base import Facts, SoftTerm, held_sum, priced_ends, priced_past, request_sum
from triage.names import Term


def of_request(compiled: Compiled, job: Job, agent: int | None, end: int | None) -> int:
    """Weight x minutes past due at this (priced) end; 0 when deferred, and for a part."""
    return 0 if end is None or job.is_part else job.triage.weight * max(end - job.triage.due_minute, 0)


def quantity(facts: Facts) -> int:
    return request_sum(facts, of_request)


def expression(built: Built, compiled: Compiled) -> LinearExpr:
    variable = [
        compiled.jobs[j].triage.weight
        * priced_past(built, compiled, j, compiled.jobs[j].triage.due_minute, Term.LATENESS)
        for j in sorted(priced_ends(built, compiled))
    ]
    return held_sum(built, compiled, of_request, reads_end=True) + cp_model.LinearExpr.sum(variable)


TERM = SoftTerm(Term.LATENESS, "weighted minutes", quantity, expression, of_request)
