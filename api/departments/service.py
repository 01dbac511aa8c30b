"""The per-department report at the edge: domain objects in, the HTTP schema out (core in triage.report).

The expensive part, re-planning without each of the lead's pins to find what each moved, depends only on the
plan, and a stored plan never changes: it is computed once per plan and process, and readers who ask at the same
moment wait for that one computation instead of starting their own (a requester cannot make the server re-plan).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy.orm import Session

from api import offload
from api.departments.schemas import DepartmentReportRead
from api.limits import Limits
from api.plans import service as planning
from api.plans.schemas import DepartmentShareRead
from api.problems import NotFound
from api.store import plans
from solver.params import SolveParams
from solver.tradeoffs import override_effects
from triage.model import Scenario
from triage.report import department_report, department_shares
from triage.results import Plan

OVERRIDE_PARAMS = SolveParams(time_limit_seconds=1.0, workers=1)  # re-plans without each pin, once per plan
CACHED_PLANS = 16


class OncePerPlan:
    """Values computed once per plan id (the newest CACHED_PLANS kept), concurrent askers waiting for the first."""

    def __init__(self, *, in_child: bool = False) -> None:
        self.in_child = in_child  # compute in a child process (`api.offload`)
        self._values: OrderedDict[int, Any] = OrderedDict()
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, plan_id: int, compute: Any) -> Any:
        with self._guard:
            if plan_id in self._values:
                self._values.move_to_end(plan_id)
                return self._values[plan_id]
            lock = self._locks.setdefault(plan_id, threading.Lock())
        with lock:
            with self._guard:
                if plan_id in self._values:
                    return self._values[plan_id]
            try:
                value = compute()
            except BaseException:
                with self._guard:  # nothing kept for a plan whose value could not be computed; the next asker retries
                    self._locks.pop(plan_id, None)
                raise
            with self._guard:
                self._values[plan_id] = value
                self._locks.pop(plan_id, None)
                while len(self._values) > CACHED_PLANS:
                    self._values.popitem(last=False)
            return value


def department_report_read(
    scenario: Scenario, plan: Plan, plan_id: int, department_id: str, effects_of: OncePerPlan
) -> DepartmentReportRead:
    """The report; `effects_of` is the app's cache of each plan's override effects (one per database)."""
    share = next((s for s in department_shares(scenario, plan) if s.department_id == department_id), None)
    if share is None:
        lines = [f"{department_id} had no open requests when plan {plan_id} was made."]
    else:
        effects = effects_of.get(
            plan_id, lambda: offload.call(effects_of.in_child, override_effects, scenario, plan, OVERRIDE_PARAMS)
        )
        lines = department_report(scenario, plan, department_id, effects)
    return DepartmentReportRead(
        department_id=department_id,
        plan_id=plan_id,
        share=DepartmentShareRead.model_validate(share.model_dump()) if share is not None else None,
        report=lines,
    )


def newest_report(
    *, session: Session, department_id: str, limits: Limits, effects_of: OncePerPlan
) -> DepartmentReportRead:
    """The report on the newest plan; 404 before any plan, 413 when its scenario is beyond the deployment's
    limits (the report re-plans once per pin)."""
    plan_row = plans.latest_with_scenario(session=session)
    scenario = plans.scenario_of(plan_row) if plan_row is not None else None
    if plan_row is None or scenario is None:
        raise NotFound("No plan has been computed yet: a lead or manager computes one with POST /plans.")
    planning.admitted(scenario, limits)
    return department_report_read(scenario, plans.body(plan_row), plan_row.id, department_id, effects_of)
