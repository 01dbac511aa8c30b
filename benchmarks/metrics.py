"""The figures the benchmark reports for one plan, computed from the scenario and the plan alone.

Load is planned minutes over an agent's available minutes in the horizon, in per cent. The highest load
is over every agent with working time; the spread (highest minus lowest) is over the agents the spread
term compares (working time and the skills of some open request), as the policy does.

Load balance follows the issue's target, "no agent above target load while another qualified agent sits
below it, unless it lowers lateness". An *imbalance* is a request planned on an agent above their target
while another agent who could take it (qualified, with time in the horizon) is below theirs; the pairs
(loaded agent, idle peer) and the requests are counted. Such a request is *movable* when one of those
peers has a free gap in their plan where it would end no later than it does now (or on time), and taking
it keeps the peer at or below target: moving it then lowers the overload and raises nobody's lateness
(the peer's other work does not move; the loaded agent's later work can only start earlier). Movable
requests are the imbalances that lateness does not justify; the rest may be justified (a sufficient test,
not a proof: a wider reshuffle could justify or fix more).
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.compile import Compiled
from solver.search.insert import Timelines
from triage.names import Term
from triage.results import Plan


@dataclass(frozen=True)
class PlanFigures:
    """One plan's figures, in the units the table prints."""

    cost: int  # total cost under the policy (the plan's objective)
    lateness: int  # weighted lateness: sum of weight x minutes late
    late: int  # requests planned to end after their due time
    unassigned: int  # requests left out of the horizon
    max_load_pct: float  # highest agent load, per cent of available time
    load_spread_pct: float  # highest minus lowest load among the agents the spread term compares
    churn: int  # requests moved away from their owner (or previous plan's agent)
    imbalance_pairs: int  # (agent above target, qualified peer below target) pairs sharing a request
    imbalance_requests: int  # requests on an agent above target that a peer below target could take
    movable_requests: int  # of those, requests a below-target peer could take at no extra lateness


def plan_figures(compiled: Compiled, plan: Plan) -> PlanFigures:
    """Figures of a plan for the scenario it was compiled from."""
    jobs, agents = compiled.job_index(), compiled.agent_index()
    planned = [0] * len(compiled.agents)  # minutes of work planned per agent
    for a in plan.assignments:
        planned[agents[a.agent_id]] += compiled.jobs[jobs[a.request_id]].effort
    loads = [
        100 * planned[a] / t.capacity_minutes if t.capacity_minutes else 0.0 for a, t in enumerate(compiled.agents)
    ]
    spread = [loads[a] for a in compiled.spread_agents]
    pairs, requests, movable = load_imbalance(compiled, plan, planned)
    return PlanFigures(
        cost=plan.objective,
        lateness=plan.term(Term.LATENESS).quantity,
        late=sum(1 for a in plan.assignments if a.minutes_late > 0),
        unassigned=len(plan.unassigned),
        max_load_pct=max(loads, default=0.0),
        load_spread_pct=max(spread) - min(spread) if len(spread) >= 2 else 0.0,
        churn=plan.term(Term.CHURN).quantity,
        imbalance_pairs=pairs,
        imbalance_requests=requests,
        movable_requests=movable,
    )


def load_imbalance(compiled: Compiled, plan: Plan, planned: list[int]) -> tuple[int, int, int]:
    """(pairs, requests, movable requests) of the imbalances described in the module docstring."""
    jobs, agents = compiled.job_index(), compiled.agent_index()
    targets = [t.target_minutes for t in compiled.agents]
    placements = {
        jobs[a.request_id]: (agents[a.agent_id], compiled.agents[agents[a.agent_id]].own_minute(a.start_minute))
        for a in plan.assignments
    }
    timelines = Timelines(compiled, placements)
    pairs: set[tuple[int, int]] = set()
    requests = movable = 0
    for a in plan.assignments:
        j, owner = jobs[a.request_id], agents[a.agent_id]
        if planned[owner] <= targets[owner]:
            continue
        job = compiled.jobs[j]
        idle = [c for c in job.candidates if c.agent != owner and planned[c.agent] < targets[c.agent]]
        if not idle:
            continue
        requests += 1
        pairs.update((owner, c.agent) for c in idle)
        allowed_end = max(a.end_minute, job.triage.due_minute)
        for c in idle:
            if planned[c.agent] + job.effort > targets[c.agent]:
                continue
            start = timelines.earliest_fit(c, job.effort)
            if start is not None and compiled.agents[c.agent].team_end(start + job.effort) <= allowed_end:
                movable += 1
                break
    return len(pairs), requests, movable
