"""Rule pins: what each kind of pin means, written once, and its CP-SAT builder.

The meaning of a pin, read by every engine (the model below, the direct check `Pins.holds` that the price,
the searches and the planner call, the routing heuristic's order and the local search's held requests):

- `assign`: the request is planned, with that agent;
- `before`: both requests are planned, and the first ends (on the team axis) no later than the other starts;
- `first`: the request is planned, and no other request of its agent starts before it;
- `unfreeze`: a request in progress may leave its owner (`unfrozen`, read when compiling); it places nothing.

A pin on a request that is done binds nothing, and so does a `before` pin whose other request is done. A pin
on a request shared by an accepted share binds its own placement, not its parts': they are requests of their
own, each bound by its own pins (the share's assignment to the peer who accepted). The
independent checker (`triage.validation`) keeps its own copy of these rules, as the specification.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from solver.rules.calendar import team_moment, team_of_fixed
from triage.model import Pin
from triage.names import PinKind, Rule

if TYPE_CHECKING:
    from solver.build import Built, LinearExpr
    from solver.compile import Compiled


def unfrozen(pins: Iterable[Pin]) -> set[str]:
    """Requests whose `unfreeze` pin lets them leave their owner while in progress."""
    return {pin.request for pin in pins if pin.kind == PinKind.UNFREEZE}


@dataclass(frozen=True)
class BoundPin:
    """A pin that binds open work, on the compiled indices."""

    id: str
    kind: PinKind
    job: int
    agent: int | None  # assign: the agent's index; None when the agent is not on the team (never holds)
    other: int | None  # before: the other request's job; None when it is done (binds nothing)


@dataclass(frozen=True)
class Pins:
    """The pins of a compiled scenario that bind open work, and what each engine reads of them."""

    bound: tuple[BoundPin, ...]

    @classmethod
    def of(cls, compiled: Compiled) -> Pins:
        jobs, agents = compiled.job_index(), compiled.agent_index()
        bound = tuple(
            BoundPin(pin.id, pin.kind, jobs[pin.request], agents.get(pin.agent or ""), jobs.get(pin.other or ""))
            for pin in compiled.scenario.pins
            if pin.kind != PinKind.UNFREEZE and pin.request in jobs
        )
        return cls(bound)

    @cached_property
    def assigned_to(self) -> dict[int, int | None]:
        """job -> the agent an `assign` pin gives it (None: an agent not on the team)."""
        return {p.job: p.agent for p in self.bound if p.kind == PinKind.ASSIGN}

    @cached_property
    def first(self) -> frozenset[int]:
        """Jobs an agent must start with."""
        return frozenset(p.job for p in self.bound if p.kind == PinKind.FIRST)

    @cached_property
    def before(self) -> tuple[tuple[int, int], ...]:
        """(job, other): job ends before other starts, both open, in the scenario's order."""
        return tuple((p.job, p.other) for p in self.bound if p.kind == PinKind.BEFORE and p.other is not None)

    @cached_property
    def waits_for(self) -> dict[int, list[int]]:
        """other -> the jobs pinned before it."""
        out: dict[int, list[int]] = {}
        for j, other in self.before:
            out.setdefault(other, []).append(j)
        return out

    @cached_property
    def named(self) -> frozenset[int]:
        """Jobs a binding pin names, on either side."""
        return frozenset({p.job for p in self.bound} | {p.other for p in self.bound if p.other is not None})

    def holds(self, compiled: Compiled, placements: Mapping[int, tuple[int, int]]) -> bool:
        """Whether every pin holds in these placements (job -> (agent, own start); absent: deferred)."""
        return all(self._holds(compiled, pin, placements) for pin in self.bound)

    @staticmethod
    def _holds(compiled: Compiled, pin: BoundPin, placements: Mapping[int, tuple[int, int]]) -> bool:
        mine = placements.get(pin.job)
        if pin.kind == PinKind.ASSIGN:
            return mine is not None and mine[0] == pin.agent
        if pin.kind == PinKind.BEFORE:
            if pin.other is None:
                return True
            other = placements.get(pin.other)
            if mine is None or other is None:
                return False
            end = compiled.agents[mine[0]].team_end(mine[1] + compiled.jobs[pin.job].effort)
            return end <= compiled.agents[other[0]].team_start(other[1])
        return mine is not None and not any(a == mine[0] and start < mine[1] for a, start in placements.values())


# -- the model ------------------------------------------------------------------------------------------


def add_pins(built: Built, compiled: Compiled, *, as_assumptions: bool) -> None:
    """Rule pins: each pin holds when its literal is true; the literals are fixed true, or are assumptions
    when the caller wants to know which pins conflict."""
    free = built.scope.free
    for pin in compiled.pins.bound:
        if pin.job not in free and pin.other not in free:
            continue  # held fixed: the current plan already keeps it
        lit = built.model.new_bool_var(f"{Rule.PINS}[{pin.id}]")
        built.pin_literals[pin.id] = lit
        if pin.kind == PinKind.ASSIGN:
            _pin_assign(built, pin.job, pin.agent, lit)
        elif pin.kind == PinKind.BEFORE:
            _pin_before(built, compiled, pin.job, pin.other, lit)
        elif pin.kind == PinKind.FIRST:
            _pin_first(built, compiled, pin.job, lit)
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
        return team_of_fixed(compiled, j, built.scope.fixed[j], ending=ending)
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
