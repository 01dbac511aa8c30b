"""Soft term churn: requests placed with another agent than their reference agent (their owner, else the
previous plan's agent); people hate being re-shuffled."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.build import Built, LinearExpr
from solver.compile import Compiled, Job
from solver.terms.base import Facts, SoftTerm, held_sum, request_sum
from triage.names import Term


def of_request(compiled: Compiled, job: Job, agent: int | None, end: int | None) -> int:
    """1 when placed with another agent than its reference agent."""
    return int(agent is not None and job.reference_agent is not None and job.reference_agent != agent)


def quantity(facts: Facts) -> int:
    return request_sum(facts, of_request)


def expression(built: Built, compiled: Compiled) -> LinearExpr:
    moved = [var for (j, a), var in built.present.items() if of_request(compiled, compiled.jobs[j], a, 0)]
    return held_sum(built, compiled, of_request) + cp_model.LinearExpr.sum(moved)


TERM = SoftTerm(Term.CHURN, "requests", quantity, expression, of_request)
