"""Placements -> a priced `Plan`, exactly as the planner prices its own plans.

A baseline decides placements on the compiled form (job index -> (agent index, own-axis start)); the
planner's `solver.run.extract_plan` turns them into a `Plan` with every objective term valued by
`solver.evaluate.term_quantities`, so baseline and planner costs are comparable number for number. The
tests hold both to the independent checker (`triage.validation`).
"""

from __future__ import annotations

from solver.compile import Compiled
from solver.evaluate import Placements
from solver.run import extract_plan
from triage.names import PlanStatus
from triage.results import Plan

NO_BOUND = "none: a routing baseline, no search and no bound"


def plan_from_placements(compiled: Compiled, placements: Placements, *, source: str = NO_BOUND) -> Plan:
    """A feasible plan of these placements, priced under the scenario's policy; its bound is 0 (none)."""
    return extract_plan(compiled, placements, PlanStatus.FEASIBLE, 0, source)
