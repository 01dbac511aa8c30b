"""Soft term spread: the most loaded agent's load minus the least loaded one's, over the agents with working
time who hold the skills of at least one open request (`Compiled.spread_agents`). Load: the sum over an
agent's requests of effort x 1000 // available minutes (per mille, rounded down per request)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

from solver.build import Built, LinearExpr
from solver.compile import Compiled
from solver.terms.base import Facts, SoftTerm, agent_buckets, agent_sums, held_per_agent, most_per_agent
from triage.names import Term


def load_per_mille(compiled: Compiled, agent: int, effort: int) -> int:
    """One request's share of an agent's available time, in per mille, rounded down."""
    return 1000 * effort // compiled.agents[agent].capacity_minutes


def per_mille(compiled: Compiled, j: int, agent: int) -> int:
    """Bucket: an agent's load in per mille; one request adds its own share."""
    return load_per_mille(compiled, agent, compiled.jobs[j].effort)


def compared_loads(compiled: Compiled) -> Callable[[Sequence[int]], Sequence[int]]:
    """The spread agents' buckets out of all agents' (one C call: the local search reads it every move)."""
    agents = compiled.spread_agents
    if len(agents) < 2:
        return lambda loads: ()
    return operator.itemgetter(*agents)


def highest_minus_lowest(compared: Sequence[int]) -> int:
    """Combine, over the spread agents' buckets."""
    return max(compared) - min(compared) if compared else 0


def quantity(facts: Facts) -> int:
    return highest_minus_lowest(compared_loads(facts.compiled)(agent_buckets(facts, per_mille)))


def expression(built: Built, compiled: Compiled) -> LinearExpr:
    if len(compiled.spread_agents) < 2:
        return 0
    variable = agent_sums(built, compiled, per_mille)
    held = held_per_agent(built, compiled, per_mille)
    top = max(most_per_agent(built, compiled, per_mille)[a] for a in compiled.spread_agents)
    loads = [held[a] + variable.get(a, 0) for a in compiled.spread_agents]
    high = built.model.new_int_var(0, top, f"{Term.SPREAD}[max]")
    low = built.model.new_int_var(0, top, f"{Term.SPREAD}[min]")
    built.model.add_max_equality(high, loads)
    built.model.add_min_equality(low, loads)
    return high - low


TERM = SoftTerm(Term.SPREAD, "per mille", quantity, expression)
