"""The queue lead's pages: the board (the newest plan as a timeline per teammate, the departments' shares),
a request's page, pins priced before they are saved (the API's what-if), computing and applying a plan,
and the audit log. Each page declares the operation it needs (`api.roles`), as the API's routes do."""

from __future__ import annotations

import json
import uuid
from contextlib import suppress
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import DatabaseDep, Idempotency, JobsDep, Now, PlanById, SessionDep, SettingsDep, etag
from api.deps import _visible_request as visible_request
from api.handoffs.service import handoff_read
from api.live import places
from api.live.placing import after_change
from api.pins.schemas import PinCreate
from api.plans import service as planning
from api.plans.schemas import PlanCreate, WhatIfCreate
from api.problems import ApiError, InvalidInput, NotFound, from_validation_error, problem_of
from api.requests.schemas import request_read
from api.roles import REQUEST_FIELDS, Operation, Role
from api.store import agents, audit, departments, handoffs, organisation, pins, plans, requests, waiting
from api.store.errors import StateConflict, StoreError
from api.web import board, live_queue
from api.web.auth import Visitor, may
from api.web.pages_common import context
from api.web.render import PageRoute, page
from triage.names import ExplanationKind, Priority

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PlanReader = Annotated[Visitor, may(Operation.READ_PLANS)]
Planner = Annotated[Visitor, may(Operation.COMPUTE_PLAN)]
Applier = Annotated[Visitor, may(Operation.APPLY_PLAN)]
Asker = Annotated[Visitor, may(Operation.WHAT_IF)]
Pinner = Annotated[Visitor, may(Operation.PIN)]
RequestReader = Annotated[Visitor, may(Operation.READ_REQUESTS)]
AuditReader = Annotated[Visitor, may(Operation.READ_AUDIT)]
NO_KEY = Idempotency(key=None, fingerprint="")  # a console form is not retried by a machine

KIND_TITLES = {
    ExplanationKind.RECEIPT: "How its priority was scored",
    ExplanationKind.PRIORITY: "Why this priority",
    ExplanationKind.ASSIGNMENT: "Why this teammate and this time",
    ExplanationKind.WHY_NOT: "Why not someone else",
    ExplanationKind.TRADE_OFF: "Trade-offs",
    ExplanationKind.LET_IN: "What would let it in",
    ExplanationKind.UNASSIGNED: "Why it is not planned",
    ExplanationKind.OVERLOAD: "Load",
    ExplanationKind.ORDER: "The department's own order",
    ExplanationKind.OVERRIDE: "The lead's pins",
    ExplanationKind.MOVED: "What moved",
    ExplanationKind.PIN_CONFLICT: "Pins that cannot all hold",
}


def _choice(value: str | None) -> str | None:
    return value or None


@router.get("/console/board")
def board_page(
    request: Request,
    visitor: PlanReader,
    session: SessionDep,
    now: Now,
    department: Annotated[str | None, Query(max_length=64)] = None,
    skill: Annotated[str | None, Query(max_length=64)] = None,
    priority: Annotated[str | None, Query(max_length=2)] = None,
    notice: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    """The live queue: the newest plan, the tentative places given since it, the waiting work greyed."""
    row = plans.latest_with_scenario(session=session)
    ctx = context(session, visitor, notice=notice, plan_row=row, picture=None)
    if row is not None:
        scenario = plans.scenario_of(row)
        plan = plans.body(row)
        assert scenario is not None  # latest_with_scenario holds one
        wanted = Priority(priority) if priority in {p.value for p in Priority} else None
        filters = board.Filters(department=_choice(department), skill=_choice(skill), priority=wanted)
        ctx.update(
            picture=board.build(scenario, plan, filters, live_queue.live(session=session, plan_row=row, at=now)),
            plan=plan,
            scenario=scenario,
            filters=filters,
            agents={a.id: a.name for a in scenario.agents},
            pins=pins.all_pins(session=session),
            priorities=[p.value for p in Priority],
        )
    return page(request, "board.html", ctx)


@router.post("/console/plans")
def compute_plan(
    visitor: Planner,
    database: DatabaseDep,
    jobs: JobsDep,
    settings: SettingsDep,
    now: Now,
    time_limit_seconds: Annotated[float, Form(gt=0, le=600)] = 10.0,
) -> Response:
    """Compute a plan (the API's planning.compute): the board when it is ready, the job's page when it is long."""
    answer = planning.compute(
        database=database,
        runner=jobs,
        settings=settings,
        actor=visitor.principal,
        asked=PlanCreate(time_limit_seconds=time_limit_seconds, reason="computed in the console"),
        idempotency=NO_KEY,
        now=now,
    )
    body = json.loads(bytes(answer.body))
    if answer.status_code == 202:
        return RedirectResponse(f"/console/jobs/{body['id']}", status_code=303)
    return RedirectResponse(f"/console/board?notice=Plan+{body['id']}+computed.", status_code=303)


@router.post("/console/plans/{plan_id}/apply")
def apply_plan(
    visitor: Applier,
    row: PlanById,
    session: SessionDep,
    now: Now,
    reason: Annotated[str, Form(max_length=500)] = "",
    force: Annotated[str, Form(max_length=10)] = "",
) -> RedirectResponse:
    """Apply (the API's plans.apply): refused with the store's reason when the queue moved on since the plan,
    unless the lead ticks "apply anyway" (the API's `force`, audited)."""
    try:
        changes = plans.apply(
            session=session, actor=visitor.principal, plan_row=row, at=now, reason=reason or None, force=bool(force)
        )
        session.commit()
    except StateConflict as exc:
        session.rollback()
        return RedirectResponse(f"/console/board?notice={quote(('Not applied: ' + exc.detail)[:290])}", status_code=303)
    return RedirectResponse(
        f"/console/board?notice=Plan+{row.id}+applied:+{len(changes)}+owners+changed.", status_code=303
    )


@router.post("/console/what-if")
def what_if(
    request: Request,
    visitor: Asker,
    session: SessionDep,
    settings: SettingsDep,
    kind: Annotated[str, Form(max_length=20)],
    request_id: Annotated[str, Form(alias="request", max_length=64)],
    agent: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """The price of a pin before it is saved: the plan computed again with it forced (nothing stored)."""
    row = plans.latest_with_scenario(session=session)
    if row is None:
        raise NotFound("No plan has been computed yet: compute one first.")
    ctx = context(
        session,
        visitor,
        kind=kind,
        request_id=request_id,
        agent=agent,
        plan_id=row.id,
        answer=None,
        errors={},
        may_pin=visitor.principal.may(Operation.PIN),
        names={a.id: a.name for a in agents.all_agents(session=session)},
    )
    try:
        asked = WhatIfCreate.model_validate({"kind": kind, "request": request_id, "agent": agent or None})
        ctx["answer"] = planning.what_if(plan_row=row, asked=asked, settings=settings)
    except ValidationError as exc:
        ctx["errors"] = {e.field: e.message for e in from_validation_error(exc).errors}
    except InvalidInput as exc:
        ctx["errors"] = {e.field: e.message for e in exc.errors}
    return page(request, "what_if.html", ctx)


@router.post("/console/pins")
def save_pin(
    request: Request,
    visitor: Pinner,
    session: SessionDep,
    now: Now,
    kind: Annotated[str, Form(max_length=20)],
    request_id: Annotated[str, Form(alias="request", max_length=64)],
    reason: Annotated[str, Form(max_length=500)],
    agent: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Save a pin (the API's pins.create): refused with the reason when it cannot hold."""
    try:
        data = PinCreate.model_validate(
            {
                "id": f"pin-{uuid.uuid4().hex[:8]}",
                "kind": kind,
                "request": request_id,
                "agent": agent or None,
                "reason": reason,
            }
        )
        row = pins.create(session=session, actor=visitor.principal, data=data, at=now)
        # as the API's POST /pins: the change numbered and the request placed at once, in this transaction
        after_change(session=session, kind="pin.created", subject_id=row.id, request_ids=[row.request_id], at=now)
        session.commit()
    except (ValidationError, ApiError, StoreError) as exc:
        session.rollback()
        problem = problem_of(exc)
        return page(request, "pin_refused.html", context(session, visitor, problem=problem), status_code=200)
    return Response(status_code=200, headers={"HX-Redirect": "/console/board?notice=Pinned;+compute+a+plan+to+see+it."})


@router.get("/console/requests/{request_id}")
def request_page(
    request: Request,
    visitor: RequestReader,
    session: SessionDep,
    now: Now,
    request_id: str,
    notice: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    return show_request(request, visitor, session, now, request_id, notice=notice)


FORM_DEFAULTS: dict[str, object] = {
    "notice": "",
    "detail": "",
    "errors": {},
    "values": {},
    "price": None,
    "unpriced": "",
    "confirm": False,
}
"""The request page's priority form before anything is asked (see `show_request`'s `more`)."""


def show_request(
    request: Request,
    visitor: Visitor,
    session: SessionDep,
    now: Now,
    request_id: str,
    status_code: int = 200,
    **more: object,
) -> HTMLResponse:
    """A request: its receipt, why it waits (if it does), its place (tentative at once after a change, then the
    newest plan's) and why, its hand-offs and its history; `more`: the priority form's values and errors, and
    its price (`price`, or `unpriced`: why there is none) with the confirm step (`confirm`)."""
    row = visible_request(session, visitor.principal, request_id)
    read = request_read(row, organisation.policy(session=session).matrix)
    waits = waiting.explanation(session=session, row=row, at=now)
    placement, moves = None, []
    with suppress(NotFound):  # the API's GET /requests/{id}/placement: tentative until a plan that saw it has it
        placement = places.placement(session=session, request_id=str(row.id))
    if placement is not None and not placement.tentative:
        plan_row = plans.get(session=session, plan_id=placement.plan_id)
        assert plan_row is not None  # the placement was read from it
        moves = [m for m in plans.body(plan_row).changes if m.request_id == row.id]
    sections: dict[str, list[str]] = {}
    for e in placement.explanations if placement else []:
        sections.setdefault(KIND_TITLES.get(e.kind, e.kind.value), []).append(e.text)
    handoff_rows = []
    if visitor.principal.may(Operation.READ_HANDOFFS):
        handoff_rows = [
            handoff_read(h)
            for h in handoffs.page(
                session=session, principal=visitor.principal, request_id=row.id, state=None, after=0, limit=100
            )
        ]
    history = []
    if visitor.principal.may(Operation.READ_AUDIT):
        history = audit.entries(
            session=session, subject_type="request", subject_id=row.id, action=None, after=0, limit=200
        )
    return page(
        request,
        "request.html",
        context(
            session,
            visitor,
            r=read,
            placement=placement,
            sections=sections,
            moves=moves,
            waits=waits,
            handoffs=handoff_rows,
            parts=requests.parts_of(session=session, request_id=str(row.id)),
            history=history,
            names={d.id: d.name for d in departments.all_departments(session=session)}
            | {a.id: a.name for a in agents.all_agents(session=session)},
            is_requester=visitor.principal.role == Role.REQUESTER,
            may_override="priority_override" in REQUEST_FIELDS.get(visitor.principal.role, frozenset()),
            version=etag(row.version),
            priorities=[p.value for p in Priority],
            **{**FORM_DEFAULTS, **more},
        ),
        status_code=status_code,
    )


@router.get("/console/audit")
def audit_page(
    request: Request, visitor: AuditReader, session: SessionDep, after: Annotated[int, Query(ge=0)] = 0
) -> HTMLResponse:
    rows = audit.entries(session=session, subject_type=None, subject_id=None, action=None, after=after, limit=200)
    return page(
        request,
        "audit.html",
        context(session, visitor, rows=rows, next_after=rows[-1].id if len(rows) == 200 else None),
    )
