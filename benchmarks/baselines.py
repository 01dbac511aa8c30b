"""What commercial help desks do, as baselines for the planner: two routing rules, no search.

Both take the open requests in the order a help desk works its queue, priority first, then the due time
(the SLA breach time), then the request id, and give each to one qualified agent, appended after that
agent's earlier work (each agent works their queue in the order it was filled). Both keep what any help
desk keeps: work in progress stays with its owner, a request that already has an owner goes to that owner
while the owner has room (otherwise it is routed like a new one), and a lead's `assign` pin names the only
agent. The rules differ only in whom a routed request goes to:

- earliest start (skills-based routing): the qualified agent who can start it first; ties go to the agent
  with fewer minutes routed to them so far, then to the first in the team list;
- round-robin: the qualified agent with room who was routed a request least recently (agents never routed
  to first, in team order), the rotation ServiceNow's Advanced Work Assignment offers as "last assigned";
  among agents of the same skills it cycles through them one by one, whatever their queues hold.

A request no qualified agent has room for within the horizon is left unassigned (deferred); neither rule
prices deferral, so an effort price on it changes their plans' cost, not their choices. Work that may not
pause (`Policy.may_pause`) starts at the first start after the agent's queue that keeps it in one window. `before` and
`first` pins are not modelled (help desks have no such thing); the generated scenarios have none.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.pricing import plan_from_placements
from solver.compile import PRIORITY_ORDER, Candidate, Compiled, Job, compile_scenario
from triage.model import Scenario
from triage.names import PinKind
from triage.results import Plan

Placements = dict[int, tuple[int, int]]
Chooser = Callable[[list[tuple[Candidate, int]]], tuple[Candidate, int]]


def queue_order(compiled: Compiled) -> list[int]:
    """Job indices in help-desk queue order: priority, due minute, request id."""

    def key(j: int) -> tuple[int, int, str]:
        job = compiled.jobs[j]
        return PRIORITY_ORDER[job.triage.priority], job.triage.due_minute, job.request.id

    return sorted(range(len(compiled.jobs)), key=key)


def route_earliest_start(compiled: Compiled) -> Placements:
    """Skills-based routing: each request to the qualified agent who can start it earliest."""
    booked = [0] * len(compiled.agents)

    def choose(options: list[tuple[Candidate, int]]) -> tuple[Candidate, int]:
        def key(option: tuple[Candidate, int]) -> tuple[int, int, int]:
            candidate, own_start = option
            return compiled.agents[candidate.agent].team_start(own_start), booked[candidate.agent], candidate.agent

        return min(options, key=key)

    def after(agent: int, effort: int) -> None:
        booked[agent] += effort

    return _route(compiled, choose, after)


def route_round_robin(compiled: Compiled) -> Placements:
    """Round-robin: each request to the qualified agent with room who was routed to least recently."""
    last_routed = [-1] * len(compiled.agents)  # routing step at which each agent last got a request
    step = 0

    def choose(options: list[tuple[Candidate, int]]) -> tuple[Candidate, int]:
        return min(options, key=lambda option: (last_routed[option[0].agent], option[0].agent))

    def after(agent: int, effort: int) -> None:
        nonlocal step
        last_routed[agent] = step
        step += 1

    return _route(compiled, choose, after)


def _route(compiled: Compiled, choose: Chooser, routed: Callable[[int, int], None]) -> Placements:
    """Walk the queue; owned and pinned requests go to their agent while it has room, the rest to
    `choose`'s pick among the qualified agents with room (`routed` is told who got it)."""
    free = [0] * len(compiled.agents)  # own-axis minute at which each agent's queue ends
    held = _held_agents(compiled)
    placements: Placements = {}
    for j in queue_order(compiled):
        job = compiled.jobs[j]
        options = _with_room(job, free)
        mine = [option for option in options if option[0].agent == held.get(j)]
        chosen: tuple[Candidate, int] | None = None
        if mine:
            chosen = mine[0]
        elif options and not _pinned(compiled, job):
            chosen = choose(options)
            routed(chosen[0].agent, job.effort)
        if chosen is not None:
            candidate, start = chosen
            placements[j] = (candidate.agent, start)
            free[candidate.agent] = start + job.effort
    return placements


def _with_room(job: Job, free: list[int]) -> list[tuple[Candidate, int]]:
    """(candidate, own-axis start) for each qualified agent whose queue leaves room for the job in the horizon
    (work that may not pause: its first start after the queue that keeps it within one window)."""
    options = [(c, c.fit(free[c.agent])) for c in job.candidates]
    return [(c, start) for c, start in options if start is not None]


def _held_agents(compiled: Compiled) -> dict[int, int]:
    """Job -> the agent it stays with: the lead's assign pin, else its current owner."""
    agents = compiled.agent_index()
    jobs = compiled.job_index()
    out = {j: agents[job.request.owner] for j, job in enumerate(compiled.jobs) if job.request.owner in agents}
    for pin in compiled.scenario.pins:
        if pin.kind == PinKind.ASSIGN and pin.request in jobs and pin.agent in agents:
            out[jobs[pin.request]] = agents[pin.agent]
    return out


def _pinned(compiled: Compiled, job: Job) -> bool:
    """Whether the lead pinned this request to an agent: then no other agent may take it."""
    return any(p.kind == PinKind.ASSIGN and p.request == job.request.id for p in compiled.scenario.pins)


def plan_earliest_start(scenario: Scenario) -> Plan:
    """The earliest-start baseline's plan, priced under the scenario's policy."""
    compiled = compile_scenario(scenario)
    return plan_from_placements(compiled, route_earliest_start(compiled))


def plan_round_robin(scenario: Scenario) -> Plan:
    """The round-robin baseline's plan, priced under the scenario's policy."""
    compiled = compile_scenario(scenario)
    return plan_from_placements(compiled, route_round_robin(compiled))
