"""The CP-SAT model: one builder per hard rule, then one per soft term, in a fixed order.

Variables are named `<rule or term>[<request>,<agent>]` after `triage.names`, so CP-SAT's log and a dumped
model read in the same words as the plan. Every soft builder returns its quantity as a linear expression;
the objective is the sum of term weight x quantity, all integers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.compile import Compiled, Job, qualifies
from triage.names import Rule, Term

LinearExpr = cp_model.LinearExprT


@dataclass
class Built:
    """The model and the variables read back after the solve."""

    model: cp_model.CpModel
    present: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # (job, agent) -> chosen
    own_start: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    deferred: dict[int, cp_model.IntVar] = field(default_factory=dict)
    team_end: dict[int, cp_model.IntVar] = field(default_factory=dict)  # job -> end on the team axis
    quantities: dict[Term, LinearExpr] = field(default_factory=dict)


def build_model(compiled: Compiled) -> Built:
    """Hard rules first, then soft terms, then the objective."""
    built = Built(cp_model.CpModel())
    add_once(built, compiled)
    add_availability_and_release(built, compiled)
    add_no_overlap(built, compiled)
    built.quantities[Term.LATENESS] = lateness(built, compiled)
    built.quantities[Term.DEFERRAL] = deferral(built, compiled)
    built.quantities[Term.OVERLOAD] = overload(built, compiled)
    built.quantities[Term.SPREAD] = spread(built, compiled)
    weights = compiled.scenario.policy.term_weights
    built.model.minimize(sum(weights.of(term) * quantity for term, quantity in built.quantities.items()))
    return built


# -- hard rules --------------------------------------------------------------------------------------


def add_once(built: Built, compiled: Compiled) -> None:
    """Rule once (with rule skills): each request goes to exactly one qualified agent, or is deferred.
    Only qualified agents are candidates, so skills hold by construction."""
    for j, job in enumerate(compiled.jobs):
        deferred = built.model.new_bool_var(f"{Rule.ONCE}[{job.request.id}]")
        built.deferred[j] = deferred
        chosen = []
        for candidate in job.candidates:
            agent_id = compiled.agents[candidate.agent].agent.id
            chosen_var = built.model.new_bool_var(f"{Rule.SKILLS}[{job.request.id},{agent_id}]")
            built.present[j, candidate.agent] = chosen_var
            chosen.append(chosen_var)
        built.model.add_exactly_one([*chosen, deferred])


def add_availability_and_release(built: Built, compiled: Compiled) -> None:
    """Rules availability, release, horizon: a start on the agent's own axis (their working minutes only),
    not before the request exists, early enough to end within the horizon."""
    for j, job in enumerate(compiled.jobs):
        for candidate in job.candidates:
            agent_id = compiled.agents[candidate.agent].agent.id
            built.own_start[j, candidate.agent] = built.model.new_int_var(
                candidate.earliest_start, candidate.latest_start, f"{Rule.RELEASE}[{job.request.id},{agent_id}]"
            )


def add_no_overlap(built: Built, compiled: Compiled) -> None:
    """Rule no_overlap: an agent works on one request at a time."""
    per_agent: dict[int, list[cp_model.IntervalVar]] = {}
    for (j, a), start in built.own_start.items():
        name = f"{Rule.NO_OVERLAP}[{compiled.jobs[j].request.id},{compiled.agents[a].agent.id}]"
        interval = built.model.new_optional_fixed_size_interval_var(
            start, compiled.jobs[j].effort, built.present[j, a], name
        )
        per_agent.setdefault(a, []).append(interval)
    for intervals in per_agent.values():
        built.model.add_no_overlap(intervals)


# -- soft terms --------------------------------------------------------------------------------------


def lateness(built: Built, compiled: Compiled) -> LinearExpr:
    """Soft term lateness: priority weight x department weight x business minutes past due, summed."""
    terms = []
    for j, job in enumerate(compiled.jobs):
        if not job.candidates:
            continue
        end = _team_end(built, compiled, j, job)
        late = built.model.new_int_var(0, compiled.horizon_minutes + max(-job.triage.due_minute, 0),
                                       f"{Term.LATENESS}[{job.request.id}]")  # fmt: skip
        built.model.add(late >= end - job.triage.due_minute).only_enforce_if(~built.deferred[j])
        terms.append(job.triage.weight * late)
    return sum(terms)


def _team_end(built: Built, compiled: Compiled, j: int, job: Job) -> cp_model.IntVar:
    """The team-axis end of a request: own-axis end plus the gaps of its agent's time it spans."""
    end = built.model.new_int_var(0, compiled.horizon_minutes, f"end[{job.request.id}]")
    built.team_end[j] = end
    for candidate in job.candidates:
        agent = compiled.agents[candidate.agent]
        start = built.own_start[j, candidate.agent]
        own_end_low = candidate.earliest_start + job.effort
        own_end_high = candidate.latest_start + job.effort
        offset = agent.windows[0][0]
        spanned: list[LinearExpr] = []
        for position, gap in agent.jumps():
            if position >= own_end_high:
                break
            if position < own_end_low:
                offset += gap  # every possible end lies past this gap
                continue
            past = built.model.new_bool_var(f"past[{job.request.id},{agent.agent.id},{position}]")
            built.model.add(start + job.effort >= position + 1).only_enforce_if(past)
            built.model.add(start + job.effort <= position).only_enforce_if(~past)
            spanned.append(gap * past)
        built.model.add(end == start + job.effort + offset + cp_model.LinearExpr.sum(spanned)).only_enforce_if(
            built.present[j, candidate.agent]
        )
    return end


def deferral(built: Built, compiled: Compiled) -> LinearExpr:
    """Soft term deferral: a request left out pays weight x (minutes from due to the horizon's end + extra)."""
    return sum(
        job.triage.weight * compiled.deferral_minutes(job) * built.deferred[j] for j, job in enumerate(compiled.jobs)
    )


def _load(built: Built, agent: int, compiled: Compiled) -> LinearExpr:
    return sum(compiled.jobs[j].effort * var for (j, a), var in built.present.items() if a == agent)


def overload(built: Built, compiled: Compiled) -> LinearExpr:
    """Soft term overload: business minutes assigned to an agent above their target load, summed."""
    terms = []
    for a, agent in enumerate(compiled.agents):
        target = agent.capacity_minutes * agent.agent.target_load_pct // 100
        over = built.model.new_int_var(0, agent.capacity_minutes, f"{Term.OVERLOAD}[{agent.agent.id}]")
        built.model.add(over >= _load(built, a, compiled) - target)
        terms.append(over)
    return sum(terms)


def spread(built: Built, compiled: Compiled) -> LinearExpr:
    """Soft term spread: the most loaded agent's load minus the least loaded one's, over agents with working
    time in the horizon who hold the skills of at least one open request. An agent's load is the sum, over
    their requests, of effort x 1000 // their available minutes (per mille, rounded down per request)."""
    loads = []
    for a, agent in enumerate(compiled.agents):
        if agent.capacity_minutes == 0 or not any(qualifies(agent.agent, job.request) for job in compiled.jobs):
            continue
        pairs = [(j, var) for (j, b), var in built.present.items() if b == a]
        loads.append(sum((1000 * compiled.jobs[j].effort) // agent.capacity_minutes * var for j, var in pairs))
    if len(loads) < 2:
        return 0
    high = built.model.new_int_var(0, 1000, f"{Term.SPREAD}[max]")
    low = built.model.new_int_var(0, 1000, f"{Term.SPREAD}[min]")
    for load in loads:
        built.model.add(high >= load)
        built.model.add(low <= load)
    return high - low
