"""Computing a plan from the stored organisation: small queues are answered at once (201 with the plan),
large ones become a job to poll (202). The solver runs outside any write transaction, on a consistent
snapshot of the queue, and the plan records each request's version so that applying a stale plan is refused.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api import offload
from api.deps import Idempotency
from api.jobs.runner import JobRunner, forget_if_lost
from api.jobs.schemas import job_read
from api.limits import Limits, TooLarge, TooShort, admit, admit_time_limit, least_time_limit
from api.live import marks
from api.live.moves import publish_lead_moves
from api.plans.schemas import PlanCreate, WhatIfCreate, WhatIfRead, plan_read
from api.problems import (
    Conflict,
    FieldError,
    InvalidInput,
    PayloadTooLarge,
    from_validation_error,
    invalid,
    summary,
)
from api.roles import Principal
from api.settings import Settings
from api.store import agents, departments, jobs, organisation, pins, plans, requests
from api.store.convert import scenario_from_rows
from api.store.session import Database
from api.store.tables import PlanRow
from api.writes import Outcome, replay_if_retried, respond
from solver.counterfactual import what_if as solve_what_if
from solver.params import SolveParams
from solver.run import plan as make_plan
from triage.errors import ScenarioError
from triage.model import Change, Scenario


def snapshot(*, session: Session, now: datetime) -> tuple[Scenario, dict[str, int]]:
    """The organisation, its open requests and the pins in play as a Scenario, and each request's version."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    open_rows = requests.open_requests(session=session)
    active = agents.all_agents(session=session, active_only=True)
    kept = pins.in_play(pins.all_pins(session=session), {str(r.id) for r in open_rows}, {a.id for a in active})
    scenario = scenario_from_rows(
        now=now,
        organisation=organisation.get(session=session),
        skills=organisation.skills(session=session),
        departments=departments.all_departments(session=session),
        agents=active,
        requests=open_rows,
        pins=kept,
    )
    return scenario, {str(r.id): r.version for r in open_rows}


def admitted(scenario: Scenario, limits: Limits) -> Scenario:
    """The scenario when every size is within the deployment's limits, else 413 naming the limit and value."""
    try:
        admit(scenario, limits)
    except TooLarge as exc:
        raise PayloadTooLarge(str(exc)) from exc
    return scenario


def time_limit(scenario: Scenario, asked: float | None, default: float, settings: Settings) -> float:
    """The plan's time limit: the one asked (capped by the server's largest), else `default`; an asked limit
    below the least this scenario can keep its promise in (`api.limits.least_time_limit`: the part of a plan no
    clock cuts) is refused with 422 naming `time_limit_seconds`, a default is raised to it."""
    largest = settings.plan_max_time_limit_seconds
    if asked is None:
        return min(max(default, least_time_limit(scenario, settings.limits)), largest)
    limit = min(asked, largest)
    try:
        admit_time_limit(scenario, limit, settings.limits)
    except TooShort as exc:
        raise invalid("time_limit_seconds", str(exc)) from exc
    return limit


def solve_params(settings: Settings, asked: PlanCreate, scenario: Scenario) -> SolveParams:
    limit = time_limit(scenario, asked.time_limit_seconds, settings.plan_time_limit_seconds, settings)
    return SolveParams(time_limit_seconds=limit, workers=settings.plan_workers)


def compute(
    *,
    database: Database,
    runner: JobRunner,
    settings: Settings,
    actor: Principal,
    asked: PlanCreate,
    idempotency: Idempotency,
    now: datetime,
) -> Response:
    """201 with the plan when the queue is small, else 202 with a job; replays a retried request (unless its
    job was lost with its worker: then it starts anew)."""
    forget_if_lost(database, actor, idempotency.key, idempotency.fingerprint)
    retried = replay_if_retried(database, actor, idempotency)
    if retried is not None:
        return retried
    with database.reading() as session:
        scenario, versions = snapshot(session=session, now=now)
        seen, _ = marks.last_change(session=session)
    admitted(scenario, settings.limits)
    params = solve_params(settings, asked, scenario)
    if len(versions) <= settings.plan_sync_max_requests:
        # the time limit counts from here: the child's start and the pickling are within it
        result = offload.call(settings.plan_in_child, make_plan, scenario, params, started=time.perf_counter())
        with database.writing() as session:

            def store_plan() -> Outcome:
                previous_id = marks.current_plan_id(session=session)
                row = plans.save(
                    session=session,
                    actor=actor,
                    plan=result,
                    scenario=scenario,
                    versions=versions,
                    at=now,
                    reason=asked.reason,
                )
                marks.mark_plan(session=session, plan_id=row.id, seen_seq=seen, source=marks.LEAD)
                publish_lead_moves(
                    session=session,
                    scenario=scenario,
                    plan=result,
                    previous_id=previous_id,
                    threshold_minutes=params.move_threshold_minutes,
                    at=now,
                )
                return plan_read(row), {"Location": f"/plans/{row.id}"}

            return respond(
                session=session, principal=actor, status_code=201, idempotency=idempotency, at=now, act=store_plan
            )
    with database.writing() as session:
        created: list[str] = []

        def create_job() -> Outcome:
            row = jobs.create(
                session=session,
                actor=actor,
                kind="plan",
                request_count=len(versions),
                at=now,
                heartbeat_at=datetime.now(UTC),
            )
            created.append(row.id)
            return job_read(row), {"Location": f"/jobs/{row.id}"}

        response = respond(
            session=session, principal=actor, status_code=202, idempotency=idempotency, at=now, act=create_job
        )
    if created:  # not a replay: the job row is committed, start it
        runner.start_plan(
            job_id=created[0],
            actor=actor,
            scenario=scenario,
            params=params,
            versions=versions,
            reason=asked.reason,
            seen_seq=seen,
        )
    return response


WHAT_IF_SECONDS = 2.0


def what_if(*, plan_row: PlanRow, asked: WhatIfCreate, settings: Settings, detail: bool = False) -> WhatIfRead:
    """Price a change against a stored plan by planning again from its own scenario with the change forced;
    `detail`: the paragraph with the plan's cost (the engineering view)."""
    scenario = plans.scenario_of(plan_row)
    if scenario is None:
        raise Conflict(f"Plan {plan_row.id} was stored without its scenario; compute a new plan to ask what if.")
    admitted(scenario, settings.limits)
    try:
        change = Change(
            kind=asked.kind, request=asked.request, agent=asked.agent, other=asked.other, priority=asked.priority
        )
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    limit = time_limit(scenario, asked.time_limit_seconds, WHAT_IF_SECONDS, settings)
    try:
        params = SolveParams(time_limit_seconds=limit, workers=settings.plan_workers)
        answer = offload.call(settings.plan_in_child, solve_what_if, scenario, plans.body(plan_row), change, params)
    except ScenarioError as exc:  # ids the plan does not know: name the field of the question
        errors = [FieldError(field=p.field, location="body", message=p.message) for p in exc.problems]
        raise InvalidInput(summary(errors), errors=errors) from exc
    body = answer.model_dump(exclude={"after", "detail_text"})
    return WhatIfRead.model_validate(
        {**body, "plan_id": plan_row.id, "text": answer.detail_text if detail else answer.text}
    )
