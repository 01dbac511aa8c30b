"""The requester's pages (a lead, agent or manager sees them too, for every department): our requests with
their expected start and finish in the newest plan, and filing a request, checked by the API's own schema
(`RequestCreate`) and store (`requests.file`), its problems shown next to the fields."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import Now, SessionDep
from api.live.placing import LABEL, after_change
from api.problems import ApiError, InvalidInput, problem_of
from api.requests.schemas import RequestCreate
from api.roles import Operation, Role, filing_department
from api.store import departments, organisation, plans, requests
from api.store.errors import StoreError
from api.store.requests import OPEN_STATUSES
from api.web import live_queue
from api.web.auth import Visitor, may
from api.web.board import TentativePlace
from api.web.pages_common import context, team_zone
from api.web.render import PageRoute, page
from triage.names import Impact, RequestStatus, Urgency

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Reader = Annotated[Visitor, may(Operation.READ_REQUESTS)]
Filer = Annotated[Visitor, may(Operation.FILE_REQUEST)]
PAGE = 500


@router.get("/console/requests")
def our_requests(
    request: Request,
    visitor: Reader,
    session: SessionDep,
    now: Now,
    department: Annotated[str | None, Query(max_length=64)] = None,
    notice: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    """Open and waiting requests (a requester: their department's only), each with its place: the tentative one
    given since the newest plan, else the plan's; a waiting one with why it is not planned."""
    if visitor.principal.role == Role.REQUESTER:
        department = visitor.principal.department_id
    listed = sorted({*OPEN_STATUSES, RequestStatus.WAITING.value})
    rows = requests.page(
        session=session, department=department or None, statuses=listed, owner=None, after=0, limit=PAGE
    )
    plan_row = plans.latest_with_scenario(session=session)
    placed: dict[str, Any] = {}
    unplanned: dict[str, str] = {}
    tentative: dict[str, TentativePlace] = {}
    waits: dict[str, str] = {}
    if plan_row is not None:
        plan = plans.body(plan_row)
        placed = {a.request_id: a for a in plan.assignments}
        unplanned = {u.request_id: u.reason for u in plan.unassigned}
        found = live_queue.live(session=session, plan_row=plan_row, at=now)
        tentative = {t.request.request_id: t for t in found.tentative}
        waits = {w.request.request_id: w.text for w in found.waiting}
    else:
        waits = {w.request.request_id: w.text for w in live_queue.waiting_work(session=session, at=now)}
    names = {d.id: d.name for d in departments.all_departments(session=session)}
    cells = organisation.policy(session=session).matrix
    items = [
        {
            "row": r,
            "priority": r.priority_override or cells[Impact(r.impact)][Urgency(r.urgency)].value,
            "placed": None if r.id in tentative else placed.get(r.id),
            "unplanned": None if r.id in tentative else unplanned.get(r.id),
            "tentative": tentative.get(r.id),
            "waits": waits.get(r.id),
        }
        for r in rows
    ]
    return page(
        request,
        "requests.html",
        context(
            session,
            visitor,
            items=items,
            names=names,
            plan_row=plan_row,
            department=department,
            notice=notice,
            more=len(rows) == PAGE,
            label=LABEL,
        ),
    )


def _form_choices(session: SessionDep) -> dict[str, Any]:
    return {
        "impacts": [i.value for i in Impact],
        "urgencies": [u.value for u in Urgency],
        "skills": organisation.skills(session=session),
        "departments": departments.all_departments(session=session),
    }


@router.get("/console/requests/new")
def new_request(request: Request, visitor: Filer, session: SessionDep) -> HTMLResponse:
    return page(request, "file_request.html", context(session, visitor, errors={}, values={}, **_form_choices(session)))


@router.post("/console/requests/new")
async def file_request(request: Request, visitor: Filer, session: SessionDep, now: Now) -> Response:
    """File a request through the API's validation; the form again with each problem next to its field."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        body = RequestCreate.model_validate(_document(values, team_zone(session)))
        department = filing_department(visitor.principal, body.department)
        row = requests.file(session=session, actor=visitor.principal, data=body, department_id=department, at=now)
        # as the API's POST /requests: the change numbered and the request placed at once, in this transaction
        after_change(session=session, kind="request.filed", subject_id=str(row.id), request_ids=[str(row.id)], at=now)
        session.commit()
    except (ValidationError, ApiError, StoreError) as exc:
        session.rollback()
        problem = problem_of(exc)
        errors = {e.field.split(".")[0]: e.message for e in problem.errors} if isinstance(problem, InvalidInput) else {}
        return page(
            request,
            "file_request.html",
            context(session, visitor, errors=errors, values=values, detail=problem.detail, **_form_choices(session)),
            status_code=422,
        )
    return RedirectResponse(f"/console/requests/{row.id}", status_code=303)


def _document(values: dict[str, str], zone: Any) -> dict[str, Any]:
    """The form as the JSON body the API takes: blanks left out, the deadline read in the team's time zone,
    the skill picked with its level."""
    document: dict[str, Any] = {
        k: values[k].strip() for k in ("department", "requester", "title", "impact", "urgency") if values.get(k)
    }
    for number in ("effort_minutes", "department_rank"):
        raw = values.get(number, "").strip()
        if raw:
            document[number] = int(raw) if raw.lstrip("-").isdigit() else raw  # a non-number gets the schema's error
    if values.get("deadline"):
        try:
            document["deadline"] = datetime.fromisoformat(values["deadline"]).replace(tzinfo=zone)
        except ValueError:
            document["deadline"] = values["deadline"]
    if values.get("skill"):
        level = values.get("skill_level", "1")
        document["required_skills"] = {values["skill"]: int(level) if level.isdigit() else level}
    return document
