"""Soft term share: per priority (`Compiled.share_classes`), for each department that asks for at least its
fair share of that priority's work, priority weight x the minutes its planned work of that priority falls
short of its fair share of all planned work of that priority (rounded up). Higher-priority work is never
traded for it."""

from __future__ import annotations

from collections.abc import Mapping

from ortools.sat.python import cp_model

from solver.build import Built, LinearExpr
from solver.compile import Compiled, ShareClass
from solver.terms.base import Facts, SoftTerm
from triage.names import Term


def shortfall(share_class: ShareClass, planned: Mapping[int, int]) -> int:
    """Combine, per share class: planned minutes per department -> priority weight x minutes short, each
    eligible department's shortfall rounded up."""
    everything = sum(planned.values())
    short = sum(
        max(-(-(share_class.fair[d] * everything - 1000 * planned[d]) // 1000), 0) for d in share_class.eligible
    )
    return share_class.priority_weight * short


def quantity(facts: Facts) -> int:
    total = 0
    for share_class in facts.compiled.share_classes:
        planned = dict.fromkeys(share_class.fair, 0)  # bucket: planned minutes per department of the class
        for j in facts.placements:
            job = facts.compiled.jobs[j]
            if job.triage.priority == share_class.priority:
                planned[job.department] += job.effort
        total += shortfall(share_class, planned)
    return total


def expression(built: Built, compiled: Compiled) -> LinearExpr:
    parts: list[LinearExpr] = []
    bound = sum(job.effort for job in compiled.jobs)
    for share_class in compiled.share_classes:
        held = dict.fromkeys(share_class.fair, 0)
        for k in built.scope.fixed:
            if compiled.jobs[k].triage.priority == share_class.priority:
                held[compiled.jobs[k].department] += compiled.jobs[k].effort
        free: dict[int, list[LinearExpr]] = {d: [] for d in share_class.fair}
        for (j, _), var in built.present.items():
            if compiled.jobs[j].triage.priority == share_class.priority:
                free[compiled.jobs[j].department].append(compiled.jobs[j].effort * var)
        planned = {d: held[d] + cp_model.LinearExpr.sum(free[d]) for d in share_class.fair}
        total = cp_model.LinearExpr.sum(list(planned.values()))
        for d in sorted(share_class.eligible):
            name = f"{Term.SHARE}[{share_class.priority.value},{compiled.departments[d]}]"
            below = share_class.fair[d] * total - 1000 * planned[d]  # per mille x minutes below the fair share
            rounded_up = built.model.new_int_var(-bound, bound, f"{name}_signed")
            built.model.add(1000 * rounded_up >= below)  # the smallest such integer: below / 1000 rounded up
            built.model.add(1000 * rounded_up <= below + 999)
            short = built.model.new_int_var(0, bound, name)
            built.model.add_max_equality(short, [rounded_up, 0])
            parts.append(share_class.priority_weight * short)
    return cp_model.LinearExpr.sum(parts)


TERM = SoftTerm(Term.SHARE, "weighted minutes", quantity, expression)
