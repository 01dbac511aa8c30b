"""The CP-SAT model over a scope: the requests it decides, with everything else held where it is.

The full plan is the scope of every request; a neighbourhood of the large-neighbourhood search is a few
agents and their requests. Either way the model's objective is the whole plan's cost: the parts held
fixed enter as constants (priced by `solver.evaluate`), so every solution's value is a plan's total.

Builders run in a fixed order, hard rules first (once and skills, availability and release, no overlap,
pins), then one builder per soft term (`solver.terms`). Variables are named for what they are, so that
CP-SAT's logs read naturally: `assigned[R,a]` (request R goes to agent a), `start[R,a]` (its start on a's
own axis), `deferred[R]`, `team_end[R]`; rule and term helpers after `triage.names` (`pins[p]`,
`lateness[R]`, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.compile import Compiled
from triage.names import PinKind, Rule, Term

LinearExpr = cp_model.LinearExprT


@dataclass(frozen=True)
class Scope:
    """Which requests the model decides, and where the others are held."""

    free: frozenset[int]  # job indices the model places or defers
    fixed: Mapping[int, tuple[int, int]]  # job -> (agent, own start) for placed jobs outside `free`
    agents: frozenset[int] | None = None  # agents free jobs may go to; None: any qualified agent

    @classmethod
    def everything(cls, compiled: Compiled) -> Scope:
        return cls(frozenset(range(len(compiled.jobs))), {})


@dataclass
class Built:
    """The model and the variables read back after the solve."""

    model: cp_model.CpModel
    scope: Scope
    present: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # (job, agent) -> chosen
    own_start: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    deferred: dict[int, cp_model.IntVar] = field(default_factory=dict)
    team_end: dict[int, cp_model.IntVar] = field(default_factory=dict)  # job -> end on the team axis
    pin_literals: dict[str, cp_model.IntVar] = field(default_factory=dict)
    quantities: dict[Term, LinearExpr] = field(default_factory=dict)

    def pairs_of(self, j: int) -> list[int]:
        return [a for (k, a) in self.present if k == j]


def build_model(
    compiled: Compiled,
    scope: Scope | None = None,
    *,
    pins_as_assumptions: bool = False,
    skip_no_overlap: bool = False,
) -> Built:
    """Hard rules, then soft terms, then the objective: sum of term weight x quantity. `skip_no_overlap`
    leaves that rule out, only to tell which rule a set of pins runs into."""
    from solver import terms  # the terms build on Built; imported here so that build imports first

    built = Built(cp_model.CpModel(), scope or Scope.everything(compiled))
    add_once(built, compiled)
    add_availability_and_release(built, compiled)
    if not skip_no_overlap:
        add_no_overlap(built, compiled)
    for j in sorted(built.scope.free):
        if compiled.jobs[j].candidates:
            built.team_end[j] = team_moment(built, compiled, j, ending=True)
    add_pins(built, compiled, as_assumptions=pins_as_assumptions)
    built.quantities = terms.all_terms(built, compiled)
    weights = compiled.scenario.policy.term_weights
    built.model.minimize(sum(weights.of(term) * quantity for term, quantity in built.quantities.items()))
    return built


# -- hard rules --------------------------------------------------------------------------------------


def add_once(built: Built, compiled: Compiled) -> None:
    """Rules once and skills: each request goes to exactly one qualified agent, or is deferred.
    Only qualified agents are candidates, so skills hold by construction."""
    allowed = built.scope.agents
    for j in sorted(built.scope.free):
        job = compiled.jobs[j]
        deferred = built.model.new_bool_var(f"deferred[{job.request.id}]")
        built.deferred[j] = deferred
        chosen = []
        for candidate in job.candidates:
            if allowed is not None and candidate.agent not in allowed:
                continue
            agent_id = compiled.agents[candidate.agent].agent.id
            var = built.model.new_bool_var(f"assigned[{job.request.id},{agent_id}]")
            built.present[j, candidate.agent] = var
            chosen.append(var)
        built.model.add_exactly_one([*chosen, deferred])


def add_availability_and_release(built: Built, compiled: Compiled) -> None:
    """Rules availability, release, horizon: a start on the agent's own axis (their working minutes only),
    not before the request exists, early enough to end within the horizon."""
    for j, a in built.present:
        job = compiled.jobs[j]
        candidate = next(c for c in job.candidates if c.agent == a)
        built.own_start[j, a] = built.model.new_int_var(
            candidate.earliest_start,
            candidate.latest_start,
            f"start[{job.request.id},{compiled.agents[a].agent.id}]",
        )


def add_no_overlap(built: Built, compiled: Compiled) -> None:
    """Rule no_overlap: an agent works on one request at a time, including work held fixed."""
    per_agent: dict[int, list[cp_model.IntervalVar]] = {}
    for (j, a), start in built.own_start.items():
        name = f"{Rule.NO_OVERLAP}[{compiled.jobs[j].request.id},{compiled.agents[a].agent.id}]"
        interval = built.model.new_optional_fixed_size_interval_var(
            start, compiled.jobs[j].effort, built.present[j, a], name
        )
        per_agent.setdefault(a, []).append(interval)
    for k, (a, held_start) in built.scope.fixed.items():
        if a in per_agent:
            name = f"{Rule.NO_OVERLAP}[{compiled.jobs[k].request.id},fixed]"
            per_agent[a].append(built.model.new_fixed_size_interval_var(held_start, compiled.jobs[k].effort, name))
    for intervals in per_agent.values():
        built.model.add_no_overlap(intervals)


def team_moment(built: Built, compiled: Compiled, j: int, *, ending: bool) -> cp_model.IntVar:
    """The team-axis end (or start) of a free request: its own-axis position plus the gaps in its agent's
    time that lie before it. An end exactly at a gap stays before it; a start there moves after it."""
    job = compiled.jobs[j]
    name = "team_end" if ending else "team_start"
    moment = built.model.new_int_var(0, compiled.horizon_minutes, f"{name}[{job.request.id}]")
    for a in built.pairs_of(j):
        agent = compiled.agents[a]
        candidate = next(c for c in job.candidates if c.agent == a)
        shift = job.effort if ending else 0
        position_expr = built.own_start[j, a] + shift
        low, high = candidate.earliest_start + shift, candidate.latest_start + shift
        offset = agent.windows[0][0]
        spanned: list[LinearExpr] = []
        for position, gap in agent.jumps():
            threshold = position + 1 if ending else position  # the own position from which the gap is passed
            if threshold > high:
                break
            if threshold <= low:
                offset += gap
                continue
            past = built.model.new_bool_var(f"past[{job.request.id},{agent.agent.id},{position}]")
            built.model.add(position_expr >= threshold).only_enforce_if(past)
            built.model.add(position_expr <= threshold - 1).only_enforce_if(~past)
            spanned.append(gap * past)
        team = position_expr + offset + cp_model.LinearExpr.sum(spanned)
        built.model.add(moment == team).only_enforce_if(built.present[j, a])
    return moment


def _fixed_team(compiled: Compiled, k: int, placement: tuple[int, int], *, ending: bool) -> int:
    agent, start = placement
    if ending:
        return compiled.agents[agent].team_end(start + compiled.jobs[k].effort)
    return compiled.agents[agent].team_start(start)


def add_pins(built: Built, compiled: Compiled, *, as_assumptions: bool) -> None:
    """Rule pins: each pin holds when its literal is true; the literals are fixed true, or are assumptions
    when the caller wants to know which pins conflict."""
    jobs = compiled.job_index()
    agents = compiled.agent_index()
    for pin in compiled.scenario.pins:
        if pin.kind == PinKind.UNFREEZE or pin.request not in jobs:
            continue  # unfreezing widens the candidates (compile); pins on done requests bind nothing
        j = jobs[pin.request]
        if j not in built.scope.free and (pin.other is None or jobs.get(pin.other) not in built.scope.free):
            continue  # held fixed: the current plan already keeps it
        lit = built.model.new_bool_var(f"{Rule.PINS}[{pin.id}]")
        built.pin_literals[pin.id] = lit
        if pin.kind == PinKind.ASSIGN:
            _pin_assign(built, j, agents.get(pin.agent or ""), lit)
        elif pin.kind == PinKind.BEFORE:
            _pin_before(built, compiled, j, jobs.get(pin.other or ""), lit)
        elif pin.kind == PinKind.FIRST:
            _pin_first(built, compiled, j, lit)
    if as_assumptions:
        built.model.add_assumptions(list(built.pin_literals.values()))
    else:
        for lit in built.pin_literals.values():
            built.model.add(lit == 1)


def _never(built: Built, lit: cp_model.IntVar) -> None:
    built.model.add_bool_or([~lit])


def _pin_assign(built: Built, j: int, agent: int | None, lit: cp_model.IntVar) -> None:
    if j not in built.scope.free:
        return
    if agent is None or (j, agent) not in built.present:
        _never(built, lit)  # the agent cannot take it at all: skills, or no time in the horizon
        return
    built.model.add_implication(lit, built.present[j, agent])


def _moment(built: Built, compiled: Compiled, j: int, *, ending: bool) -> LinearExpr | None:
    """A request's team-axis end (or start): a variable when the model places it, a number when it is held
    placed, None when it cannot be placed (no candidate, or held deferred)."""
    if j in built.scope.free:
        if not compiled.jobs[j].candidates:
            return None
        return built.team_end[j] if ending else team_moment(built, compiled, j, ending=False)
    if j in built.scope.fixed:
        return _fixed_team(compiled, j, built.scope.fixed[j], ending=ending)
    return None


def _pin_before(built: Built, compiled: Compiled, j: int, other: int | None, lit: cp_model.IntVar) -> None:
    if other is None:
        return
    end = _moment(built, compiled, j, ending=True)
    start = _moment(built, compiled, other, ending=False)
    if end is None or start is None:
        _never(built, lit)  # both must be planned to be ordered
        return
    for k in (j, other):
        if k in built.scope.free:
            built.model.add_implication(lit, ~built.deferred[k])
    built.model.add(end <= start).only_enforce_if(lit)


def _pin_first(built: Built, compiled: Compiled, j: int, lit: cp_model.IntVar) -> None:
    if j not in built.scope.free:
        return
    built.model.add_implication(lit, ~built.deferred[j])
    for a in built.pairs_of(j):
        mine = built.own_start[j, a]
        for (k, b), other_start in built.own_start.items():
            if b == a and k != j:
                built.model.add(mine <= other_start).only_enforce_if([lit, built.present[j, a], built.present[k, a]])
        for b, held_start in built.scope.fixed.values():
            if b == a:
                built.model.add(mine + compiled.jobs[j].effort <= held_start).only_enforce_if(
                    [lit, built.present[j, a]]
                )
