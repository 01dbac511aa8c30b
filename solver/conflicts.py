"""Why a set of pins cannot all hold: CP-SAT assumptions over the pin literals, then a deletion pass so the
set named to the lead is small (each pin in it is needed for the conflict), and the rules each pin meets."""

from __future__ import annotations

from dataclasses import replace

from ortools.sat.python import cp_model

from solver.build import build_model
from solver.compile import Compiled
from solver.cpsat import new_solver
from solver.params import SolveParams
from triage.model import Pin
from triage.names import PinKind, Rule
from triage.results import PinConflict


def _feasible_with(
    compiled: Compiled, pin_ids: set[str], params: SolveParams, *, skip_no_overlap: bool = False
) -> bool | None:
    """Whether the hard rules and only these pins can all hold (None: undecided in time)."""
    pins = [p for p in compiled.scenario.pins if p.id in pin_ids or p.kind == PinKind.UNFREEZE]
    reduced = replace(compiled, scenario=compiled.scenario.model_copy(update={"pins": pins}))
    built = build_model(reduced, skip_no_overlap=skip_no_overlap)
    built.model.clear_objective()  # type: ignore[no-untyped-call]
    solver = new_solver(params, max(params.time_limit_seconds / 4, 1.0), workers=1, proof=True)
    status = solver.solve(built.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return False if status == cp_model.INFEASIBLE else None


def conflicting_pins(compiled: Compiled, params: SolveParams) -> list[str]:
    """A small set of pin ids that cannot hold together (each one needed), from assumptions."""
    built = build_model(compiled, pins_as_assumptions=True)
    built.model.clear_objective()  # type: ignore[no-untyped-call]
    # one worker: assumption cores are reported by the sequential search
    solver = new_solver(params, max(params.time_limit_seconds, 1.0), workers=1, proof=True)
    if solver.solve(built.model) != cp_model.INFEASIBLE:
        return []
    by_index = {lit.index: pin_id for pin_id, lit in built.pin_literals.items()}
    core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]
    for pin_id in list(core):  # deletion filter: drop every pin the conflict does not need
        rest = set(core) - {pin_id}
        if _feasible_with(compiled, rest, params) is False:
            core = sorted(rest)
    return sorted(core)


def _before_cycle(pins: list[Pin]) -> bool:
    edges = {(p.request, p.other) for p in pins if p.kind == PinKind.BEFORE}
    nodes = {n for edge in edges for n in edge}
    reach = {n: {b for a, b in edges if a == n} for n in nodes}
    for _ in nodes:  # transitive closure, small sets
        for n in nodes:
            reach[n] |= {c for m in reach[n] for c in reach.get(m, set())}
    return any(n in reach[n] for n in nodes)


def _static_rules(compiled: Compiled, pin: Pin) -> list[Rule]:
    """Rules a single assign pin breaks by itself: skills, work in progress, no time in the horizon."""
    job = next((j for j in compiled.jobs if j.request.id == pin.request), None)
    agent = next((a for a in compiled.agents if a.agent.id == pin.agent), None)
    if pin.kind != PinKind.ASSIGN or job is None or agent is None:
        return []
    if not all(agent.agent.skills.get(s, 0) >= lvl for s, lvl in job.request.required_skills.items()):
        return [Rule.SKILLS]
    if all(c.agent != compiled.agents.index(agent) for c in job.candidates):
        in_progress = job.request.status == "in_progress" and job.request.owner not in (None, pin.agent)
        return [Rule.IN_PROGRESS] if in_progress else [Rule.HORIZON]
    return []


def rules_met(compiled: Compiled, core: list[Pin], params: SolveParams) -> list[Rule]:
    """The hard rules the conflicting pins meet: found per pin where a pin breaks a rule alone, a cycle of
    before-pins when they contradict each other, else by solving again without the no-overlap rule."""
    rules = {rule for pin in core for rule in _static_rules(compiled, pin)}
    if rules:
        return sorted(rules)
    if _before_cycle(core):
        return [Rule.PINS]
    relaxed = _feasible_with(compiled, {p.id for p in core}, params, skip_no_overlap=True)
    return [Rule.NO_OVERLAP] if relaxed else [Rule.HORIZON, Rule.RELEASE, Rule.AVAILABILITY]


def find_conflicts(compiled: Compiled, params: SolveParams) -> list[PinConflict]:
    """The pins that cannot all hold, with the rules they meet, as one conflict."""
    core_ids = conflicting_pins(compiled, params)
    pins = {p.id: p for p in compiled.scenario.pins}
    core = [pins[i] for i in core_ids]
    return [PinConflict(pin_ids=core_ids, rules=rules_met(compiled, core, params) if core else [], text="")]
