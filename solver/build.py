"""The CP-SAT model over a scope: the requests it decides, with everything else held where it is.

The full plan is the scope of every request; a neighbourhood of the large-neighbourhood search is a few
agents and their requests. Either way the model's objective is the whole plan's cost: the parts held
fixed enter as constants (priced by `solver.evaluate`), so every solution's value is a plan's total.

Builders run in a fixed order, hard rules first (`solver.rules`: once and skills, availability and
release, no overlap, pins), then one builder per soft term (`solver.terms`). Variables are named for what
they are, so that CP-SAT's logs read naturally: `assigned[R,a]` (request R goes to agent a), `start[R,a]`
(its start on a's own axis), `deferred[R]`, `team_end[R]`; rule and term helpers after `triage.names`
(`pins[p]`, `lateness[R]`, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.compile import Compiled
from solver.rules import add_hard_rules
from triage.names import Term

LinearExpr = cp_model.LinearExprT


class Model(cp_model.CpModel):
    """A CP-SAT model freed as soon as it is dropped. OR-Tools gives every `CpModel` its pre-PEP 8 method names
    as wrappers of its own bound methods (`CpModel._add_pre_pep8_methods`: 61 of them in its `__dict__`), a
    reference cycle: each model, and the proto it owns (native memory, not counted by tracemalloc), then waited
    for a full garbage collection, rare under the API's raised thresholds (`Settings.gc_thresholds`), and the
    API processes' memory grew by MBs a minute in between (benchmarks/RESULTS.md, "Soak", run 7). Tandem calls
    only the snake_case names."""

    def _add_pre_pep8_methods(self) -> None:
        pass


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
    priced_ends: dict[int, tuple[LinearExpr, cp_model.IntVar | None]] | None = None  # `solver.terms.base.priced_ends`

    def pairs_of(self, j: int) -> list[int]:
        return [a for (k, a) in self.present if k == j]


def build_model(
    compiled: Compiled,
    scope: Scope | None = None,
    *,
    pins_as_assumptions: bool = False,
    skip_no_overlap: bool = False,
) -> Built:
    """Hard rules (`solver.rules`), then soft terms (`solver.terms`), then the objective: sum of term weight x
    quantity. `skip_no_overlap` leaves that rule out, only to tell which rule a set of pins runs into."""
    from solver import terms  # the terms build on Built; imported here so that build imports first

    built = Built(Model(), scope or Scope.everything(compiled))
    add_hard_rules(built, compiled, pins_as_assumptions=pins_as_assumptions, skip_no_overlap=skip_no_overlap)
    built.quantities = terms.all_terms(built, compiled)
    built.model.minimize(terms.objective(built, compiled))
    return built
