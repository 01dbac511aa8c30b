"""What every soft term is made of, and the helpers its faces share.

A term module defines one `SoftTerm`: its name (`triage.names.Term`, which also names its weight field in
`triage.model.TermWeights`), its unit, its direct quantity over the facts of a set of placements, and its
CP-SAT expression over a model's scope. Requests and agents the scope holds fixed enter the CP-SAT
expression as constants computed by the same direct functions, so every expression is the whole plan's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.build import Built, LinearExpr
from solver.compile import Compiled, Job
from triage.names import Term

Placements = Mapping[int, tuple[int, int]]
"""job index -> (agent index, own-axis start); a job not in it is deferred."""


@dataclass(frozen=True)
class Facts:
    """A set of placements and what every term reads from them, computed once: each placed job's team-axis
    end."""

    compiled: Compiled
    placements: Placements
    ends: dict[int, int]

    @classmethod
    def of(cls, compiled: Compiled, placements: Placements) -> Facts:
        ends = {j: team_end(compiled, j, placement) for j, placement in placements.items()}
        return cls(compiled, placements, ends)


PerRequest = Callable[[Compiled, Job, "int | None", "int | None"], int]
"""(compiled, job, agent or None when deferred, team end or None when deferred) -> the request's quantity."""


@dataclass(frozen=True)
class SoftTerm:
    """One soft term, every face of it: the quantity is unweighted, in `unit`; the objective adds
    weight x quantity, the weight read from the policy's `term_weights` under the term's name.
    `of_request`, for a term whose bucket is the request: its value for one request, from which the direct
    quantity, the local search's price and the per-request bound are derived. Such a value must not fall
    as the request ends later (the per-request bound prices each request at its earliest end), and every
    quantity is at least 0 (the LP bound leaves out the terms it does not model)."""

    term: Term
    unit: str
    quantity: Callable[[Facts], int]
    cp_sat: Callable[[Built, Compiled], LinearExpr]
    of_request: PerRequest | None = None


def team_end(compiled: Compiled, j: int, placement: tuple[int, int]) -> int:
    """Team-axis minute a placed job ends."""
    agent, own_start = placement
    return compiled.agents[agent].team_end(own_start + compiled.jobs[j].effort)


# -- per-request terms: one value per request, placed (at an agent, ending at a team minute) or deferred --


def request_sum(facts: Facts, value: PerRequest) -> int:
    """A per-request term's quantity: the sum of its requests' values."""
    compiled, placements = facts.compiled, facts.placements
    total = 0
    for j, job in enumerate(compiled.jobs):
        placement = placements.get(j)
        total += (
            value(compiled, job, None, None) if placement is None else value(compiled, job, placement[0], facts.ends[j])
        )
    return total


def held_sum(built: Built, compiled: Compiled, value: PerRequest) -> int:
    """A per-request term's constant in a model: the held-fixed requests, placed or deferred."""
    total = 0
    for j, job in enumerate(compiled.jobs):
        if j in built.scope.free:
            continue
        placement = built.scope.fixed.get(j)
        if placement is None:
            total += value(compiled, job, None, None)
        else:
            total += value(compiled, job, placement[0], team_end(compiled, j, placement))
    return total


def past(built: Built, compiled: Compiled, j: int, limit: int, name: str) -> cp_model.IntVar:
    """Minutes the request's end lies past `limit` on the team axis when it is placed, exactly
    max(end - limit, 0); 0 when deferred (its end is then unconstrained, so it must not count)."""
    bound = compiled.horizon_minutes + max(-limit, 0)
    request_id = compiled.jobs[j].request.id
    late = built.model.new_int_var(0, bound, f"{name}_if_placed[{request_id}]")
    built.model.add_max_equality(late, [built.team_end[j] - limit, 0])
    over = built.model.new_int_var(0, bound, f"{name}[{request_id}]")
    built.model.add(over == late).only_enforce_if(~built.deferred[j])
    built.model.add(over == 0).only_enforce_if(built.deferred[j])
    return over


# -- per-agent terms -----------------------------------------------------------------------------------

PerAssignment = Callable[[Compiled, int, int], int]
"""(compiled, job, agent) -> what one placed request adds to its agent's bucket."""


def agent_buckets(facts: Facts, value: PerAssignment) -> list[int]:
    """Per agent, the sum of its placed requests' values."""
    out = [0] * len(facts.compiled.agents)
    for j, (agent, _) in facts.placements.items():
        out[agent] += value(facts.compiled, j, agent)
    return out


def agent_sums(built: Built, compiled: Compiled, value: PerAssignment) -> dict[int, LinearExpr]:
    """Per agent the scope may give work to: the free requests' values if chosen."""
    sums: dict[int, list[LinearExpr]] = {}
    for (j, a), var in built.present.items():
        sums.setdefault(a, []).append(value(compiled, j, a) * var)
    return {a: cp_model.LinearExpr.sum(parts) for a, parts in sums.items()}


def held_per_agent(built: Built, compiled: Compiled, value: PerAssignment) -> list[int]:
    """Per agent: the held-fixed requests' values."""
    out = [0] * len(compiled.agents)
    for k, (a, _) in built.scope.fixed.items():
        out[a] += value(compiled, k, a)
    return out


def most_per_agent(built: Built, compiled: Compiled, value: PerAssignment) -> list[int]:
    """Per agent: the held value plus every free request that may go to the agent (an upper bound for a
    helper variable's domain, even with no overlap left out)."""
    out = held_per_agent(built, compiled, value)
    for j, a in built.present:
        out[a] += value(compiled, j, a)
    return out
