"""Every solver test ends by checking the plan with the independent checker."""

from __future__ import annotations

from solver.params import SolveParams
from solver.run import plan
from triage.model import Scenario
from triage.names import PlanStatus
from triage.results import Plan
from triage.validation import check_plan, term_quantities


def checked_plan(scenario: Scenario, time_limit: float = 5.0, workers: int = 2) -> Plan:
    """Plan, then hold the plan to the checker: no hard rule broken, every term value recomputed."""
    result = plan(scenario, SolveParams(time_limit_seconds=time_limit, workers=workers))
    assert check_plan(scenario, result) == []
    if result.status == PlanStatus.INFEASIBLE:
        assert result.conflicts and not result.terms
        return result
    assert {t.term: t.quantity for t in result.terms} == term_quantities(scenario, result)
    assert result.objective == sum(t.value for t in result.terms)
    assert result.best_bound <= result.objective
    return result
