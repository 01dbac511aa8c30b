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

from solver.build import Built, LinearExpr
from solver.compile import Compiled
from solver.terms import churn, deferral, fairness, lateness, overload, rank, share, spread, waiting
from solver.terms.base import Facts, PerRequest, Placements, SoftTerm
from triage.names import Term

TERMS: tuple[SoftTerm, ...] = (
    lateness.TERM,
    deferral.TERM,
    overload.TERM,
    spread.TERM,
    churn.TERM,
    fairness.TERM,
    waiting.TERM,
    rank.TERM,
    share.TERM,
)

UNITS: dict[Term, str] = {t.term: t.unit for t in TERMS}

REQUEST_TERMS: tuple[tuple[Term, PerRequest], ...] = (
    (Term.LATENESS, lateness.of_request),
    (Term.DEFERRAL, deferral.of_request),
    (Term.CHURN, churn.of_request),
    (Term.WAITING, waiting.of_request),
)
"""The per-request terms' values (bucket: the request), which the local search and the per-request bound
add up themselves, weighted, for speed: a request's value is one sum, not one function per engine."""


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
