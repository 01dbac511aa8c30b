"""What every soft term is made of, and the helpers its faces share.

A term module defines one `SoftTerm`: its name (`triage.names.Term`, which also names its weight field in
`triage.model.TermWeights`), its unit, its direct quantity over the facts of a set of placements, and its
CP-SAT expression over a model's scope. Requests and agents the scope holds fixed enter the CP-SAT
expression as constants computed by the same direct functions, so every expression is the whole plan's.

A request shared by an accepted share and its open parts (`Compiled.parts`, `Job.lead`) are priced once, as one
request: the terms that read a request's end (lateness, waiting, the on-time count of fairness) read the
shared request's *priced end*, the latest end of it and its parts when all are placed (`priced_end`;
`priced_ends` in a model), with its own weight, due and maximum wait, and price each part at nothing: a plan
presents it so, as one request in parts ending with the later part (`solver.parts`). The group is placed when
the shared request is: deferred, it pays as any deferred request does, and a placed part then adds nothing to
those terms. A part left out pays its own deferral (the work left out, its effort) and adds nothing else; the
shared request is then priced by its own end, as the plan then shows it (not in parts). The
terms that read no end (deferral, churn) and the per-agent terms (overload, spread, share) price each member
as the request it is planned as. Rank reads each request's own end: a part has no rank of its own. The urgent
caps of `protect_priorities` count the group's minutes late by the same rule (`solver.protect.group_minutes`).
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
    priced: dict[int, int]  # placed job -> the end the end-reading terms read (`priced_end`)

    @classmethod
    def of(cls, compiled: Compiled, placements: Placements, ends: dict[int, int] | None = None) -> Facts:
        """The facts of these placements; `ends`, when given, the placed jobs' team ends as the caller has
        them (a proposal's shared request ending at its later part's, `solver.swarm`)."""
        if ends is None:
            ends = {j: team_end(compiled, j, placement) for j, placement in placements.items()}
        priced = ends
        if compiled.parts:
            priced = {j: end for j in ends if (end := priced_end(compiled, j, ends)) is not None}
        return cls(compiled, placements, ends, priced)


PerRequest = Callable[[Compiled, Job, "int | None", "int | None"], int]
"""(compiled, job, agent or None when deferred, team end or None when deferred) -> the request's quantity."""


@dataclass(frozen=True)
class SoftTerm:
    """One soft term, every face of it: the quantity is unweighted, in `unit`; the objective adds
    weight x quantity, the weight `Compiled.weights` gives under the term's name (the policy's
    `term_weights`, scaled by `solver.protect`).
    `of_request`, for a term whose bucket is the request: its value for one request, from which the direct
    quantity, the local search's price and the per-request bound are derived. Such a value must not fall
    as the request ends later (the per-request bound prices each request at its earliest end), and every
    quantity is at least 0 (the LP bound leaves out the terms it does not model). It is called with the
    request's priced end (`priced_end`), and a term that reads the end prices a part (`Job.is_part`) at 0:
    priced at its own end instead, a shared request costs at most what it costs in the plan, which keeps the
    bounds (they price each request alone) below every plan's cost."""

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


def priced_end(compiled: Compiled, j: int, ends: Mapping[int, int]) -> int | None:
    """The end the end-reading terms read for job j, from the placed jobs' team ends: None when it is deferred;
    for a shared request with every part placed, the latest end of it and its parts; otherwise (a part, or a
    shared request with a part left out) its own."""
    end = ends.get(j)
    if end is None:
        return None
    parts = compiled.parts.get(j, ())
    if parts and all(k in ends for k in parts):
        end = max(end, *(ends[k] for k in parts))
    return end


def request_sum(facts: Facts, value: PerRequest) -> int:
    """A per-request term's quantity: the sum of its requests' values, each at its priced end."""
    compiled, placements = facts.compiled, facts.placements
    total = 0
    for j, job in enumerate(compiled.jobs):
        placement = placements.get(j)
        total += (
            value(compiled, job, None, None)
            if placement is None
            else value(compiled, job, placement[0], facts.priced[j])
        )
    return total


def held_sum(built: Built, compiled: Compiled, value: PerRequest, *, reads_end: bool = False) -> int:
    """A per-request term's constant in a model: the held-fixed requests, placed or deferred, each at its priced
    end. `reads_end`: the term reads the end, so a held shared request whose priced end the model decides (a
    part of it free, `priced_ends`) is left to the term's expression."""
    fixed = {j: p for j, p in built.scope.fixed.items() if j not in built.scope.free}
    ends = {j: team_end(compiled, j, p) for j, p in fixed.items()}
    varied = priced_ends(built, compiled) if reads_end and compiled.parts else {}
    total = 0
    for j, job in enumerate(compiled.jobs):
        if j in built.scope.free or j in varied:
            continue
        placement = fixed.get(j)
        if placement is None:
            total += value(compiled, job, None, None)
        else:
            total += value(compiled, job, placement[0], priced_end(compiled, j, ends))
    return total


PricedEnd = tuple["LinearExpr", "cp_model.IntVar | None"]
"""A priced end in a model: the expression, and the literal true when the request is deferred (None: held
placed)."""


def priced_ends(built: Built, compiled: Compiled) -> dict[int, PricedEnd]:
    """Per request whose priced end the model decides, that end and its deferred literal, made once per model:
    a free request that can be placed, by its `team_end` (when shared, the latest of it and its parts' ends:
    each part's end counts as its own when every part is placed, as 0 otherwise); a held placed shared request
    with a free part likewise, never deferred. Not the parts themselves (the terms that read the end price them
    at 0)."""
    if built.priced_ends is not None:
        return built.priced_ends
    out: dict[int, PricedEnd] = {}
    free, fixed, model = built.scope.free, built.scope.fixed, built.model
    for j, job in enumerate(compiled.jobs):
        if job.is_part:
            continue
        end: LinearExpr
        deferred: cp_model.IntVar | None
        if j in built.team_end:
            end, deferred = built.team_end[j], built.deferred[j]
        elif j not in free and j in fixed:
            end, deferred = team_end(compiled, j, fixed[j]), None
        else:
            continue  # deferred whatever the model decides
        parts = compiled.parts.get(j, ())
        moving = [k for k in parts if k in built.team_end]
        held = [team_end(compiled, k, fixed[k]) for k in parts if k not in free and k in fixed]
        if len(moving) + len(held) < len(parts):
            parts, moving, held = (), [], []  # a part left out whatever the model decides: its own end
        if not moving and deferred is None:
            continue  # held, with every part held: a constant
        if parts:
            ends: list[LinearExpr] = [end, *held]
            if moving:  # every part placed: with one part free, that part's placed literal
                whole = ~built.deferred[moving[0]]
                if len(moving) > 1:
                    whole = model.new_bool_var(f"parts_placed[{job.request.id}]")
                    model.add_bool_and([~built.deferred[k] for k in moving]).only_enforce_if(whole)
                    model.add_bool_or([built.deferred[k] for k in moving]).only_enforce_if(~whole)
                counted: list[tuple[LinearExpr, str]] = [
                    (built.team_end[k], compiled.jobs[k].request.id) for k in moving
                ]
                counted += [(h, f"{job.request.id},{i}") for i, h in enumerate(held, start=1)]
                ends = [end]  # a part's end, held or free, counts only when every part is placed
                for part_end, name in counted:
                    mine = model.new_int_var(0, compiled.horizon_minutes, f"part_end[{name}]")
                    model.add(mine == part_end).only_enforce_if(whole)
                    model.add(mine == 0).only_enforce_if(~whole)
                    ends.append(mine)
            end = model.new_int_var(0, compiled.horizon_minutes, f"priced_end[{job.request.id}]")
            model.add_max_equality(end, ends)
        out[j] = (end, deferred)
    built.priced_ends = out
    return out


def past(built: Built, compiled: Compiled, j: int, limit: int, name: str) -> cp_model.IntVar:
    """Minutes the request's own end lies past `limit` on the team axis when it is placed, exactly
    max(end - limit, 0); 0 when deferred (its end is then unconstrained, so it must not count)."""
    return _past(built, compiled, j, built.team_end[j], built.deferred[j], limit, name)


def priced_past(built: Built, compiled: Compiled, j: int, limit: int, name: str) -> cp_model.IntVar:
    """`past` of the request's priced end (`priced_ends`): what the terms that read the end read."""
    end, deferred = priced_ends(built, compiled)[j]
    return _past(built, compiled, j, end, deferred, limit, name)


def _past(
    built: Built, compiled: Compiled, j: int, end: LinearExpr, deferred: cp_model.IntVar | None, limit: int, name: str
) -> cp_model.IntVar:
    bound = compiled.horizon_minutes + max(-limit, 0)
    request_id = compiled.jobs[j].request.id
    late = built.model.new_int_var(0, bound, f"{name}_if_placed[{request_id}]")
    built.model.add_max_equality(late, [end - limit, 0])
    if deferred is None:
        return late
    over = built.model.new_int_var(0, bound, f"{name}[{request_id}]")
    built.model.add(over == late).only_enforce_if(~deferred)
    built.model.add(over == 0).only_enforce_if(deferred)
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
