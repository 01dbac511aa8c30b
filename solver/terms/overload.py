"""Soft term overload: per agent, business minutes planned above their target load (`target_load_pct` of
their working minutes in the horizon, rounded down), summed over agents."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.build import Built, LinearExpr
from solver.compile import Compiled
from solver.terms.base import Facts, SoftTerm, agent_buckets, agent_sums, held_per_agent, most_per_agent
from triage.names import Term


def minutes(compiled: Compiled, j: int, agent: int) -> int:
    """Bucket: an agent's planned minutes; one request adds its effort."""
    return compiled.jobs[j].effort


def above_target(load_minutes: int, target_minutes: int) -> int:
    """Combine, per agent: minutes above the agent's target (`AgentTime.target_minutes`)."""
    return max(load_minutes - target_minutes, 0)


def quantity(facts: Facts) -> int:
    loads = agent_buckets(facts, minutes)
    return sum(above_target(load, facts.compiled.agents[a].target_minutes) for a, load in enumerate(loads))


def expression(built: Built, compiled: Compiled) -> LinearExpr:
    variable = agent_sums(built, compiled, minutes)
    held_by = held_per_agent(built, compiled, minutes)
    most = most_per_agent(built, compiled, minutes)
    parts: list[LinearExpr] = []
    for a, agent in enumerate(compiled.agents):
        if a not in variable:
            parts.append(above_target(held_by[a], agent.target_minutes))
            continue
        over = built.model.new_int_var(
            0, above_target(most[a], agent.target_minutes), f"{Term.OVERLOAD}[{agent.agent.id}]"
        )
        built.model.add_max_equality(over, [held_by[a] + variable[a] - agent.target_minutes, 0])
        parts.append(over)
    return cp_model.LinearExpr.sum(parts)


TERM = SoftTerm(Term.OVERLOAD, "minutes", quantity, expression)
