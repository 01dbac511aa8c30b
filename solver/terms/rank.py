"""Soft term rank: for each request and the one its department ranks next below it (same priority, so
nothing else decides between them: `Compiled.rank_pairs`), the minutes the more important one finishes
after the other, when both are placed. Each request's own end: a request shared by an accepted share ranks by
its own part (its parts have no department rank of their own)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.build import Built, LinearExpr
from solver.compile import Compiled
from solver.terms.base import Facts, SoftTerm, team_end
from triage.names import Term


def gap(end_hi: int | None, end_lo: int | None) -> int:
    """Bucket and combine, per rank pair: minutes the higher-ranked one ends after the lower; 0 unless both
    are placed."""
    return max(end_hi - end_lo, 0) if end_hi is not None and end_lo is not None else 0


def quantity(facts: Facts) -> int:
    return sum(gap(facts.ends.get(hi), facts.ends.get(lo)) for hi, lo in facts.compiled.rank_pairs)


def _end_of(built: Built, compiled: Compiled, j: int) -> LinearExpr | None:
    """A request's team-axis end: its variable when free and placeable, a number when held placed, None
    when it is held deferred or cannot be placed."""
    if j in built.team_end:
        return built.team_end[j]
    if j not in built.scope.free and j in built.scope.fixed:
        return team_end(compiled, j, built.scope.fixed[j])
    return None


def expression(built: Built, compiled: Compiled) -> LinearExpr:
    parts: list[LinearExpr] = []
    horizon = compiled.horizon_minutes
    for hi, lo in compiled.rank_pairs:
        end_hi, end_lo = _end_of(built, compiled, hi), _end_of(built, compiled, lo)
        if end_hi is None or end_lo is None:
            continue
        if isinstance(end_hi, int) and isinstance(end_lo, int):
            parts.append(gap(end_hi, end_lo))
            continue
        name = f"{Term.RANK}[{compiled.jobs[hi].request.id},{compiled.jobs[lo].request.id}]"
        later = built.model.new_int_var(0, horizon, f"{name}_if_placed")
        built.model.add_max_equality(later, [cp_model.LinearExpr.weighted_sum([end_hi, end_lo], [1, -1]), 0])
        after = built.model.new_int_var(0, horizon, name)
        may_defer = [built.deferred[j] for j in (hi, lo) if j in built.deferred]
        built.model.add(after == later).only_enforce_if([~d for d in may_defer])
        for deferred in may_defer:  # a deferred request's end is unconstrained: the pair counts nothing
            built.model.add(after == 0).only_enforce_if(deferred)
        parts.append(after)
    return cp_model.LinearExpr.sum(parts)


TERM = SoftTerm(Term.RANK, "minutes", quantity, expression)
