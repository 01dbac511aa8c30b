"""The cost of a set of placements under the policy, computed directly (no CP-SAT) from the term modules of
`solver.terms`: the same terms as the model, in the same units. Used to price heuristic plans at any size
and to accept or reject a neighbourhood's answer. Tests hold it to the
independent checker in `triage.validation`."""

from __future__ import annotations

from dataclasses import dataclass

from solver.compile import Compiled
from solver.terms import Placements, churn, deferral, fairness, lateness, quantities, waiting, weighted_sum
from solver.terms.base import team_end
from solver.terms.fairness import on_time_rate
from solver.terms.spread import load_per_mille
from triage.names import Term

__all__ = [
    "JobCost",
    "Placements",
    "job_cost",
    "load_per_mille",
    "loads",
    "on_time_rate",
    "pins_hold",
    "term_quantities",
    "total_cost",
]


@dataclass(frozen=True)
class JobCost:
    """The per-request terms of one job, placed or deferred, each from its term module."""

    lateness: int  # weight x minutes late (0 when deferred)
    deferral: int  # weight x deferral minutes (0 when placed)
    waiting: int  # minutes past the maximum wait (to the horizon's end + extra when deferred)
    churn: int  # 1 when placed with another agent than its reference agent
    on_time: bool


def job_cost(compiled: Compiled, j: int, placement: tuple[int, int] | None, end: int | None = None) -> JobCost:
    """The per-request terms of job j at a placement (None: deferred), at its own team end unless `end` is
    given (its priced end, `solver.terms.base.Facts.priced`: a shared request by the later end of its parts)."""
    job = compiled.jobs[j]
    agent = None if placement is None else placement[0]
    if placement is None:
        end = None
    elif end is None:
        end = team_end(compiled, j, placement)
    return JobCost(
        lateness.of_request(compiled, job, agent, end),
        deferral.of_request(compiled, job, agent, end),
        waiting.of_request(compiled, job, agent, end),
        churn.of_request(compiled, job, agent, end),
        fairness.on_time(job, end),
    )


def loads(compiled: Compiled, placements: Placements) -> list[int]:
    """Planned minutes per agent."""
    out = [0] * len(compiled.agents)
    for j, (agent, _) in placements.items():
        out[agent] += compiled.jobs[j].effort
    return out


def term_quantities(compiled: Compiled, placements: Placements) -> dict[Term, int]:
    """Every term's unweighted quantity for these placements (`solver.terms`, in registry order)."""
    return quantities(compiled, placements)


def total_cost(compiled: Compiled, placements: Placements) -> int:
    """The objective: sum of term weight x quantity."""
    return weighted_sum(compiled, quantities(compiled, placements))


def pins_hold(compiled: Compiled, placements: Placements) -> bool:
    """Whether every pin holds in these placements (`solver.rules.pins`: what each kind means)."""
    return compiled.pins.holds(compiled, placements)
