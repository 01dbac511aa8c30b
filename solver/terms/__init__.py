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

from solver.build import Built, LinearExpr
from solver.compile import Compiled
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


def weighted_sum(compiled: Compiled, values: dict[Term, int]) -> int:
    """The objective of term quantities: sum of the policy's weight x quantity."""
    weights = compiled.scenario.policy.term_weights
    return sum(weights.of(term) * quantity for term, quantity in values.items())


__all__ = [
    "REQUEST_TERMS",
    "TERMS",
    "UNITS",
    "Facts",
    "Placements",
    "SoftTerm",
    "all_terms",
    "quantities",
    "weighted_sum",
]
