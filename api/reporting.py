"""The per-department report at the edge: domain objects in, the HTTP schema out (core in triage.report)."""

from __future__ import annotations

from api.schemas_plans import DepartmentReportRead, DepartmentShareRead
from solver.params import SolveParams
from solver.tradeoffs import override_effects
from triage.model import Scenario
from triage.report import department_report, department_shares
from triage.results import Plan

OVERRIDE_PARAMS = SolveParams(time_limit_seconds=1.0, workers=1)  # re-plans without each pin, per report


def department_report_read(scenario: Scenario, plan: Plan, plan_id: int, department_id: str) -> DepartmentReportRead:
    share = next((s for s in department_shares(scenario, plan) if s.department_id == department_id), None)
    if share is None:
        lines = [f"{department_id} had no open requests when plan {plan_id} was made."]
    else:
        lines = department_report(scenario, plan, department_id, override_effects(scenario, plan, OVERRIDE_PARAMS))
    return DepartmentReportRead(
        department_id=department_id,
        plan_id=plan_id,
        share=DepartmentShareRead.model_validate(share.model_dump()) if share is not None else None,
        report=lines,
    )
