"""Rules once and skills: each request goes to exactly one qualified agent, or is deferred."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solver.build import Built
    from solver.compile import Compiled


def add_assignment(built: Built, compiled: Compiled) -> None:
    """Rules once and skills: each request goes to exactly one qualified agent, or is deferred.
    Only qualified agents are candidates, so skills hold by construction."""
    allowed = built.scope.agents
    for j in sorted(built.scope.free):
        job = compiled.jobs[j]
        deferred = built.model.new_bool_var(f"deferred[{job.request.id}]")
        built.deferred[j] = deferred
        chosen = []
        for candidate in job.candidates:
            if allowed is not None and candidate.agent not in allowed:
                continue
            agent_id = compiled.agents[candidate.agent].agent.id
            var = built.model.new_bool_var(f"assigned[{job.request.id},{agent_id}]")
            built.present[j, candidate.agent] = var
            chosen.append(var)
        built.model.add_exactly_one([*chosen, deferred])
