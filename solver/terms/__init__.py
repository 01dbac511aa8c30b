"""Soft terms, each defined once: one module per term, the registry `TERMS` lists them in the order of
`triage.names.Term`.

A term module holds every face of its term: the name (a `Term`, which also names its weight field in
`triage.model.TermWeights`), the unit, its contribution per bucket (request, agent, department, share class
or rank pair) with the combine that turns bucket sums into the quantity, the direct quantity built from
those, and the CP-SAT expression (`SoftTerm`). The direct price (`solver.evaluate`) and the model's
objective (`solver.build`) read the registry; contract tests hold each CP-SAT expression to its direct
quantity on forced placements (`tests/solver/test_contract.py`).
"""

from __future__ import annotations

import importlib
import typing
from collections.abc import Callable, Mapping

from solver.build import Built, LinearExpr
from solver.compile import Compiled, Job
from solver.terms.base import Facts, PerRequest, Placements, SoftTerm
from triage.names import Term


def _registered(term: Term) -> SoftTerm:
    """The term module named after the term (`solver/terms/<name>.py`) and its `TERM`."""
    module = importlib.import_module(f"{__name__}.{term.value}")
    soft: SoftTerm = module.TERM
    if soft.term is not term:
        raise RuntimeError(f"solver/terms/{term.value}.py defines {soft.term}, not {term}")
    return soft


TERMS: tuple[SoftTerm, ...] = tuple(_registered(term) for term in Term)
"""Every soft term, in the order of `triage.names.Term`: the name is the registration."""

UNITS: dict[Term, str] = {t.term: t.unit for t in TERMS}

REQUEST_TERMS: tuple[tuple[Term, PerRequest], ...] = tuple((t.term, t.of_request) for t in TERMS if t.of_request)
"""The terms whose bucket is the request, with their value for one request."""


def quantities(compiled: Compiled, placements: Placements) -> dict[Term, int]:
    """Every term's unweighted quantity for these placements, directly (no CP-SAT)."""
    facts = Facts.of(compiled, placements)
    return {t.term: t.quantity(facts) for t in TERMS}


def all_terms(built: Built, compiled: Compiled) -> dict[Term, LinearExpr]:
    """Every term's CP-SAT expression over the model's scope, in registry order."""
    return {t.term: t.cp_sat(built, compiled) for t in TERMS}


@typing.overload  # not `from typing import overload`: the name is a term's module (`solver.terms.overload`)
def weighted_sum(compiled: Compiled, values: Mapping[Term, int]) -> int: ...
@typing.overload
def weighted_sum(compiled: Compiled, values: Mapping[Term, LinearExpr]) -> LinearExpr: ...
def weighted_sum(compiled: Compiled, values: Mapping[Term, LinearExpr]) -> LinearExpr:
    """The objective of term quantities, direct (integers) or in a model (CP-SAT expressions): sum of
    weight x quantity, the weights every engine prices with (`Compiled.weights`: the policy's, scaled by
    `solver.protect` under `protect_priorities`). A caller that keeps some terms' weighted sum itself (the
    local search's per-request values, `request_price`) passes the others."""
    weights = compiled.weights
    return sum(weights[term] * quantity for term, quantity in values.items())


def objective(built: Built, compiled: Compiled) -> LinearExpr:
    """The model's objective: the weighted sum of every term's CP-SAT expression."""
    return weighted_sum(compiled, built.quantities)


RequestPrice = Callable[[Job, "int | None", "int | None"], int]
"""(job, agent or None when deferred, team end or None when deferred) -> the request's weighted per-request
terms."""


def request_price(compiled: Compiled) -> RequestPrice:
    """One request's share of the objective from the per-request terms (`REQUEST_TERMS`): their weighted sum,
    the terms weighted 0 left out (the local search prices thousands of requests a second with it)."""
    priced = [(weight, value_of) for term, value_of in REQUEST_TERMS if (weight := compiled.weights[term])]

    def price(job: Job, agent: int | None, end: int | None) -> int:
        value = 0
        for weight, value_of in priced:
            value += weight * value_of(compiled, job, agent, end)
        return value

    return price


__all__ = [
    "REQUEST_TERMS",
    "TERMS",
    "UNITS",
    "Facts",
    "Placements",
    "RequestPrice",
    "SoftTerm",
    "all_terms",
    "objective",
    "quantities",
    "request_price",
    "weighted_sum",
]
