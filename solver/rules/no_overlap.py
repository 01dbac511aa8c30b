"""Rule no_overlap: an agent works on one request at a time, including work held fixed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from triage.names import Rule

if TYPE_CHECKING:
    from solver.build import Built
    from solver.compile import Compiled


def add_no_overlap(built: Built, compiled: Compiled) -> None:
    """Rule no_overlap: an agent works on one request at a time, including work held fixed."""
    per_agent: dict[int, list[cp_model.IntervalVar]] = {}
    for (j, a), start in built.own_start.items():
        name = f"{Rule.NO_OVERLAP}[{compiled.jobs[j].request.id},{compiled.agents[a].agent.id}]"
        interval = built.model.new_optional_fixed_size_interval_var(
            start, compiled.jobs[j].effort, built.present[j, a], name
        )
        per_agent.setdefault(a, []).append(interval)
    for k, (a, held_start) in built.scope.fixed.items():
        if a in per_agent:
            name = f"{Rule.NO_OVERLAP}[{compiled.jobs[k].request.id},fixed]"
            per_agent[a].append(built.model.new_fixed_size_interval_var(held_start, compiled.jobs[k].effort, name))
    for intervals in per_agent.values():
        built.model.add_no_overlap(intervals)
