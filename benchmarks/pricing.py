"""Placements -> a priced `Plan`, the same way the planner prices its own plans.

A baseline decides placements on the compiled form (job index -> (agent index, own-axis start)); this
module turns them into a `Plan` with every objective term valued by `solver.evaluate.term_quantities`,
the function the planner uses, so baseline and planner costs are comparable number for number. It mirrors
the planner's private `solver.run._extract`, built only from public names; the tests hold both to the
independent checker (`triage.validation`).
"""

from __future__ import annotations

from solver.compile import Compiled
from solver.evaluate import Placements, term_quantities
from solver.run import UNITS
from triage.names import PlanStatus
from triage.results import Assignment, Plan, TermValue, Unassigned

NO_BOUND = "none: a routing baseline, no search and no bound"


def plan_from_placements(compiled: Compiled, placements: Placements, *, source: str = NO_BOUND) -> Plan:
    """A feasible plan of these placements, priced under the scenario's policy; its bound is 0 (none)."""
    assignments = [assignment_of(compiled, j, *placements[j]) for j in sorted(placements)]
    unassigned = [unassigned_of(compiled, j) for j in range(len(compiled.jobs)) if j not in placements]
    weights = compiled.scenario.policy.term_weights
    terms = [
        TermValue(term=t, weight=weights.of(t), quantity=q, unit=UNITS[t], value=weights.of(t) * q)
        for t, q in term_quantities(compiled, placements).items()
    ]
    objective = sum(t.value for t in terms)
    return Plan(
        status=PlanStatus.FEASIBLE,
        objective=objective,
        best_bound=0,
        gap=1.0 if objective else 0.0,
        bound_source=source,
        solve_seconds=0.0,
        horizon_end=compiled.axis.moment_of(compiled.horizon_minutes, closing=True),
        terms=terms,
        assignments=assignments,
        unassigned=unassigned,
    )


def assignment_of(compiled: Compiled, j: int, a: int, own_start: int) -> Assignment:
    """Job j on agent a from own-axis minute `own_start`, as team-axis minutes and timestamps."""
    job, agent = compiled.jobs[j], compiled.agents[a]
    start = agent.team_start(own_start)
    end = agent.team_end(own_start + job.effort)
    return Assignment(
        request_id=job.request.id,
        agent_id=agent.agent.id,
        start=compiled.axis.moment_of(start),
        end=compiled.axis.moment_of(end, closing=True),
        start_minute=start,
        end_minute=end,
        priority=job.triage.priority,
        due=job.triage.due_at,
        minutes_late=max(end - job.triage.due_minute, 0),
    )


def unassigned_of(compiled: Compiled, j: int) -> Unassigned:
    """Job j left out of the horizon: nobody holds its skills, or nobody qualified has room."""
    job = compiled.jobs[j]
    if job.missing_skills:
        reason = "missing_skill"
    elif not job.qualified_agents:
        reason = "no_qualified_agent"
    else:
        reason = "no_room"
    return Unassigned(
        request_id=job.request.id,
        priority=job.triage.priority,
        due=job.triage.due_at,
        reason=reason,
        missing_skills=job.missing_skills,
    )
