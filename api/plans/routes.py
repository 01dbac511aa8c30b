"""Plans: computed by leads and managers (small queues at once, large ones as a job), read by agents, leads and
managers, applied by leads (all or nothing)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import TypeAdapter

from api.answer import answer, answer_list
from api.deps import (
    Cursor,
    DatabaseDep,
    IdempotencyDep,
    JobsDep,
    Now,
    PlanById,
    SessionDep,
    SettingsDep,
    allowed,
    cursor,
    strict_body,
)
from api.jobs.schemas import JobRead
from api.plans import service as planning
from api.plans.schemas import (
    ApplyResult,
    ExplanationRead,
    OwnerChange,
    PlanApply,
    PlanCreate,
    PlanRead,
    PlanSummary,
    WhatIfCreate,
    WhatIfRead,
    explanations_read,
    plan_read,
    plan_summary,
)
from api.roles import Operation, Principal
from api.schemas import Identifier, Page
from api.store import plans
from api.writes import respond
from triage.names import ExplanationKind

router = APIRouter(tags=["plans"])
Planner = Annotated[Principal, allowed(Operation.COMPUTE_PLAN)]
Reader = Annotated[Principal, allowed(Operation.READ_PLANS)]
Applier = Annotated[Principal, allowed(Operation.APPLY_PLAN)]
Asker = Annotated[Principal, allowed(Operation.WHAT_IF)]
_explanations = TypeAdapter(list[ExplanationRead])


@router.post(
    "/plans",
    status_code=201,
    response_model=PlanRead,
    summary="Compute a plan of the open requests",
    responses={202: {"model": JobRead, "description": "A large queue: a job to poll at /jobs/{id}."}},
    dependencies=[strict_body(PlanCreate)],
)
def compute_plan(
    body: PlanCreate,
    principal: Planner,
    database: DatabaseDep,
    jobs: JobsDep,
    settings: SettingsDep,
    idem: IdempotencyDep,
    now: Now,
) -> Response:
    return planning.compute(
        database=database, runner=jobs, settings=settings, actor=principal, asked=body, idempotency=idem, now=now
    )


@router.get("/plans", response_model=Page[PlanSummary], summary="List plans, oldest first, by page")
def list_plans(
    _: Reader,
    session: SessionDep,
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Plans per page.")] = 50,
) -> Response:
    rows = plans.page(session=session, after=cursor(after), limit=limit)
    next_after = str(rows[-1].id) if len(rows) == limit else None
    return answer(Page[PlanSummary](items=[plan_summary(r) for r in rows], next_after=next_after))


@router.get("/plans/{plan_id}", response_model=PlanRead, summary="Read a plan")
def read_plan(_: Reader, row: PlanById) -> Response:
    return answer(plan_read(row))


@router.get(
    "/plans/{plan_id}/explanations",
    response_model=list[ExplanationRead],
    summary="Why: the plan's explanations, for one request or all",
)
def read_explanations(
    _: Reader,
    row: PlanById,
    request_id: Annotated[Identifier | None, Query(description="Only explanations about this request.")] = None,
    kind: Annotated[ExplanationKind | None, Query(description="Only this kind of explanation.")] = None,
) -> Response:
    found = [
        e
        for e in plans.body(row).explanations
        if (request_id is None or request_id in e.request_ids) and (kind is None or e.kind == kind)
    ]
    return answer_list(_explanations, explanations_read(found))


@router.post(
    "/plans/{plan_id}/apply",
    response_model=ApplyResult,
    summary="Apply a plan: its agents become its requests' owners, all or nothing",
    dependencies=[strict_body(PlanApply)],
)
def apply_plan(
    body: PlanApply, principal: Applier, row: PlanById, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    def act() -> tuple[ApplyResult, dict[str, str]]:
        changes = plans.apply(
            session=session, actor=principal, plan_row=row, at=now, reason=body.reason, force=body.force
        )
        owners = [OwnerChange(request_id=r, previous_owner=before, owner=after) for r, before, after in changes]
        return ApplyResult(plan_id=row.id, applied_at=now, changes=owners), {}

    return respond(session=session, principal=principal, status_code=200, idempotency=idem, at=now, act=act)


@router.post(
    "/plans/{plan_id}/what-if",
    response_model=WhatIfRead,
    summary="What would a change cost? The plan computed again with it forced; nothing is stored",
    dependencies=[strict_body(WhatIfCreate)],
)
def what_if(
    body: WhatIfCreate,
    _: Asker,
    row: PlanById,
    settings: SettingsDep,
    detail: Annotated[bool, Query(description="The paragraph with the plan's cost (the engineering view).")] = False,
) -> Response:
    return answer(planning.what_if(plan_row=row, asked=body, settings=settings, detail=detail))
