"""The cost of a set of placements under the policy, computed directly (no CP-SAT): the same terms as the
model, in the same units. Used to price heuristic plans at any size, to hold fixed parts of a
neighbourhood as constants, and to accept or reject a neighbourhood's answer. Tests hold it to the
independent checker in `triage.validation`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from solver.compile import Compiled
from triage.names import PinKind, Term

Placements = Mapping[int, tuple[int, int]]
"""job index -> (agent index, own-axis start); a job not in it is deferred."""


@dataclass(frozen=True)
class JobCost:
    """The per-request terms of one job, placed or deferred."""

    lateness: int  # weight x minutes late (0 when deferred)
    deferral: int  # weight x deferral minutes (0 when placed)
    waiting: int  # minutes past the maximum wait (to the horizon's end + extra when deferred)
    churn: int  # 1 when placed with another agent than its reference agent
    on_time: bool


def job_cost(compiled: Compiled, j: int, placement: tuple[int, int] | None) -> JobCost:
    """The per-request terms of job j at a placement (None: deferred)."""
    job = compiled.jobs[j]
    if placement is None:
        extra = compiled.scenario.policy.deferral_extra_minutes
        waiting = max(compiled.horizon_minutes - job.triage.max_wait_minute, 0) + extra
        return JobCost(0, job.triage.weight * compiled.deferral_minutes(job), waiting, 0, False)
    agent, own_start = placement
    end = compiled.agents[agent].team_end(own_start + job.effort)
    late = max(end - job.triage.due_minute, 0)
    churn = int(job.reference_agent is not None and job.reference_agent != agent)
    return JobCost(job.triage.weight * late, 0, max(end - job.triage.max_wait_minute, 0), churn, late == 0)


def loads(compiled: Compiled, placements: Placements) -> list[int]:
    """Planned minutes per agent."""
    out = [0] * len(compiled.agents)
    for j, (agent, _) in placements.items():
        out[agent] += compiled.jobs[j].effort
    return out


def load_per_mille(compiled: Compiled, agent: int, effort: int) -> int:
    """One request's share of an agent's available time, in per mille, rounded down."""
    return 1000 * effort // compiled.agents[agent].capacity_minutes


def on_time_rate(on_time: int, total: int) -> int:
    """A department's on-time rate in per mille, rounded down."""
    return 1000 * on_time // total


def term_quantities(compiled: Compiled, placements: Placements) -> dict[Term, int]:
    """Every term's unweighted quantity for these placements."""
    costs = [job_cost(compiled, j, placements.get(j)) for j in range(len(compiled.jobs))]
    planned = loads(compiled, placements)
    overload = sum(max(planned[a] - agent.target_minutes, 0) for a, agent in enumerate(compiled.agents))
    per_mille = [0] * len(compiled.agents)
    for j, (agent, _) in placements.items():
        per_mille[agent] += load_per_mille(compiled, agent, compiled.jobs[j].effort)
    spread_loads = [per_mille[a] for a in compiled.spread_agents]
    totals, on_time = [0] * len(compiled.departments), [0] * len(compiled.departments)
    for job, cost in zip(compiled.jobs, costs, strict=True):
        totals[job.department] += 1
        on_time[job.department] += cost.on_time
    rates = [on_time_rate(o, t) for o, t in zip(on_time, totals, strict=True)]
    ends = {j: compiled.agents[a].team_end(start + compiled.jobs[j].effort) for j, (a, start) in placements.items()}
    return {
        Term.LATENESS: sum(c.lateness for c in costs),
        Term.DEFERRAL: sum(c.deferral for c in costs),
        Term.OVERLOAD: overload,
        Term.SPREAD: max(spread_loads) - min(spread_loads) if len(spread_loads) >= 2 else 0,
        Term.CHURN: sum(c.churn for c in costs),
        Term.FAIRNESS: 1000 - min(rates) if rates else 0,
        Term.WAITING: sum(c.waiting for c in costs),
        Term.RANK: sum(max(ends[hi] - ends[lo], 0) for hi, lo in compiled.rank_pairs if hi in ends and lo in ends),
        Term.SHARE: share_shortfall(compiled, placements),
    }


def share_shortfall(compiled: Compiled, placements: Placements) -> int:
    """Priority weight x minutes by which departments fall short of their fair share of the planned time of
    each priority (among departments asking for at least their share of it), rounded up per department."""
    total = 0
    for share_class in compiled.share_classes:
        planned = dict.fromkeys(share_class.fair, 0)
        for j in placements:
            job = compiled.jobs[j]
            if job.triage.priority == share_class.priority:
                planned[job.department] += job.effort
        everything = sum(planned.values())
        short = sum(
            max(-(-(share_class.fair[d] * everything - 1000 * planned[d]) // 1000), 0) for d in share_class.eligible
        )
        total += share_class.priority_weight * short
    return total


def total_cost(compiled: Compiled, placements: Placements) -> int:
    """The objective: sum of term weight x quantity."""
    weights = compiled.scenario.policy.term_weights
    return sum(weights.of(term) * quantity for term, quantity in term_quantities(compiled, placements).items())


def pins_hold(compiled: Compiled, placements: Placements) -> bool:
    """Whether every pin holds in these placements (pins on done requests bind nothing)."""
    jobs, agents = compiled.job_index(), compiled.agent_index()
    for pin in compiled.scenario.pins:
        if pin.request not in jobs or pin.kind == PinKind.UNFREEZE:
            continue
        mine = placements.get(jobs[pin.request])
        if pin.kind == PinKind.ASSIGN:
            if mine is None or mine[0] != agents.get(pin.agent or ""):
                return False
        elif pin.kind == PinKind.BEFORE:
            if pin.other not in jobs:
                continue
            other = placements.get(jobs[pin.other])
            if mine is None or other is None:
                return False
            end = compiled.agents[mine[0]].team_end(mine[1] + compiled.jobs[jobs[pin.request]].effort)
            if end > compiled.agents[other[0]].team_start(other[1]):
                return False
        elif mine is None or any(a == mine[0] and start < mine[1] for a, start in placements.values()):
            return False
    return True
