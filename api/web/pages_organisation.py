"""The admin's editing of the organisation: a department (name, weight), a teammate (name, target load, skills
and levels, own working hours, time off, active), a new teammate, department or skill; the policy is
`pages_policy`. Each form goes through the API route's schema (`api.web.forms.as_api`) and store function
(`departments.update`, `agents.create`...: they audit the change), with the API's If-Match rule on the version
read with the form; the teammate's changes are placed in the live queue as the API's are (`after_change`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.agents.schemas import AgentCreate, AgentUpdate
from api.departments.schemas import DepartmentCreate, DepartmentUpdate
from api.deps import AgentById, DepartmentById, Now, SessionDep, etag, require_version
from api.live.placing import after_change
from api.organisation.schemas import SkillCreate
from api.roles import Operation
from api.store import agents, departments, organisation
from api.web.auth import Visitor, may
from api.web.forms import Refusal, as_api, back, fields_of, form_page, number, saved
from api.web.pages_admin import admin_page
from api.web.pages_common import context
from api.web.render import PageRoute
from triage.names import WEEKDAYS

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Admin = Annotated[Visitor, may(Operation.MANAGE_ORGANISATION)]


def _department_page(
    request: Request, visitor: Visitor, session: SessionDep, row: Any, status_code: int = 200, **more: Any
) -> HTMLResponse:
    more.setdefault("values", {"name": row.name, "weight": str(row.weight)})
    more.setdefault("version", etag(row.version))
    return form_page(
        request,
        "department_edit.html",
        status_code,
        **context(session, visitor, row=row, **{"notice": "", "detail": "", "errors": {}, **more}),
    )


@router.get("/console/admin/departments/{department_id}")
def department_form(
    request: Request,
    visitor: Admin,
    row: DepartmentById,
    session: SessionDep,
    notice: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    return _department_page(request, visitor, session, row, notice=notice)


@router.post("/console/admin/departments/{department_id}")
async def update_department(
    request: Request, visitor: Admin, row: DepartmentById, session: SessionDep, now: Now
) -> Response:
    """`PATCH /departments/{id}` from the form (name, weight), If-Match as the version read with the form."""
    values = fields_of(await request.form())
    version = values.pop("version", "") or None

    def save() -> None:
        document = {"name": values.get("name", "").strip(), "weight": number(values.get("weight"))}
        body = as_api(DepartmentUpdate, document)
        require_version(version, row.version, f"Department {row.id}")
        departments.update(session=session, actor=visitor.principal, row=row, data=body, at=now)

    refused = saved(session, save)
    if isinstance(refused, Refusal):
        return _department_page(
            request,
            visitor,
            session,
            row,
            refused.status,
            values=values,
            version=version or "",
            errors=refused.errors,
            detail=refused.detail,
        )
    return back(f"/console/admin/departments/{row.id}", f"{row.name} saved (weight {row.weight}).")


def _admin_with(
    request: Request, visitor: Visitor, session: SessionDep, refused: Refusal, form: str, values: dict[str, str]
) -> HTMLResponse:
    return admin_page(
        request,
        visitor,
        session,
        status_code=refused.status,
        failed=form,
        errors=refused.errors,
        values=values,
        refused_form=f"Not added: {refused.detail}",
    )


@router.post("/console/admin/departments")
async def create_department(request: Request, visitor: Admin, session: SessionDep, now: Now) -> Response:
    values = fields_of(await request.form())

    def save() -> Any:
        body = as_api(
            DepartmentCreate,
            {
                "id": values.get("id", "").strip(),
                "name": values.get("name", "").strip(),
                "weight": number(values.get("weight") or "1"),
            },
        )
        return departments.create(session=session, actor=visitor.principal, data=body, at=now)

    row = saved(session, save)
    if isinstance(row, Refusal):
        return _admin_with(request, visitor, session, row, "department", values)
    return back("/console/admin", f"Department {row.name} ({row.id}) added.")


@router.post("/console/admin/skills")
async def add_skill(request: Request, visitor: Admin, session: SessionDep, now: Now) -> Response:
    values = fields_of(await request.form())

    def save() -> SkillCreate:
        body = as_api(SkillCreate, {"id": values.get("id", "").strip(), "name": values.get("name", "").strip()})
        organisation.add_skill(session=session, actor=visitor.principal, skill_id=body.id, name=body.name, at=now)
        return body

    body = saved(session, save)
    if isinstance(body, Refusal):
        return _admin_with(request, visitor, session, body, "skill", values)
    return back("/console/admin", f"Skill {body.name} ({body.id}) added.")


# Teammates

TIME_OFF_BLANK_ROWS = 2
"""Empty time-off rows the form offers for new leave."""


def agent_values(row: Any) -> dict[str, str]:
    values = {"name": row.name, "target_load_pct": str(row.target_load_pct), "active": "on" if row.active else ""}
    values |= {f"skills.{s}": str(level) for s, level in row.skills.items()}
    for day, periods in (row.working_hours or {}).items():
        values[f"working_hours.{day}"] = ", ".join(periods)
    for i, off in enumerate(row.time_off):
        values |= {f"time_off.{i}.{k}": str(off.get(k, "")) for k in ("start", "end", "reason")}
    return values


def agent_document(values: dict[str, str], skill_ids: list[str]) -> tuple[dict[str, Any], dict[int, int]]:
    """The form as the body of `PATCH /agents/{id}` (or `POST /agents`): skills with a level, working hours per
    weekday ('09:00-12:00, 13:00-17:00'; none given: the team's hours, null), the time-off rows filled in; and
    which form row each time-off entry came from (to put its errors next to that row)."""
    hours = {
        d.value: [p.strip() for p in values.get(f"working_hours.{d.value}", "").split(",") if p.strip()]
        for d in WEEKDAYS
    }
    rows = sorted({int(k.split(".")[1]) for k in values if k.startswith("time_off.") and k.split(".")[1].isdigit()})
    time_off: list[dict[str, str]] = []
    origin: dict[int, int] = {}
    for i in rows:
        entry = {k: values.get(f"time_off.{i}.{k}", "").strip() for k in ("start", "end", "reason")}
        if any(entry.values()):
            origin[len(time_off)] = i
            time_off.append(entry)
    document: dict[str, Any] = {
        "name": values.get("name", "").strip(),
        "skills": {s: number(values[f"skills.{s}"]) for s in skill_ids if values.get(f"skills.{s}", "").strip()},
        "working_hours": {d: p for d, p in hours.items() if p} or None,
        "time_off": time_off,
        "target_load_pct": number(values.get("target_load_pct")),
    }
    return document, origin


def _rekeyed(errors: dict[str, str], origin: dict[int, int]) -> dict[str, str]:
    """Time-off errors named by the form's row ('time_off.3.end'), not the entry's place in the body."""
    out = {}
    for field, message in errors.items():
        parts = field.split(".")
        if parts[0] == "time_off" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) in origin:
            parts[1] = str(origin[int(parts[1])])
        out[".".join(parts)] = message
    return out


def _agent_page(
    request: Request, visitor: Visitor, session: SessionDep, row: Any | None, status_code: int = 200, **more: Any
) -> HTMLResponse:
    if row is not None:
        more.setdefault("values", agent_values(row))
        more.setdefault("version", etag(row.version))
    values = more.setdefault("values", {"target_load_pct": "85"})
    filled = [int(k.split(".")[1]) for k in values if k.startswith("time_off.") and k.split(".")[1].isdigit()]
    rows = range((max(filled) + 1 if filled else 0) + TIME_OFF_BLANK_ROWS)
    return form_page(
        request,
        "agent_edit.html",
        status_code,
        **context(
            session,
            visitor,
            row=row,
            skills=organisation.skills(session=session),
            weekdays=[d.value for d in WEEKDAYS],
            time_off_rows=rows,
            **{"notice": "", "detail": "", "errors": {}, "version": "", **more},
        ),
    )


@router.get("/console/admin/agents/new")
def new_agent_form(request: Request, visitor: Admin, session: SessionDep) -> HTMLResponse:
    return _agent_page(request, visitor, session, None)


@router.post("/console/admin/agents/new")
async def create_agent(request: Request, visitor: Admin, session: SessionDep, now: Now) -> Response:
    """`POST /agents` from the form; the new teammate is placed in the live queue as the API's does."""
    values = fields_of(await request.form())
    skill_ids = [s.id for s in organisation.skills(session=session)]
    document, origin = agent_document(values, skill_ids)
    document = {"id": values.get("id", "").strip(), **{k: v for k, v in document.items() if v is not None}}

    def save() -> Any:
        created = agents.create(session=session, actor=visitor.principal, data=as_api(AgentCreate, document), at=now)
        after_change(session=session, kind="agent.created", subject_id=created.id, at=now)
        return created

    row = saved(session, save)
    if isinstance(row, Refusal):
        return _agent_page(
            request,
            visitor,
            session,
            None,
            row.status,
            values=values,
            errors=_rekeyed(row.errors, origin),
            detail=row.detail,
        )
    return back(f"/console/admin/agents/{row.id}", f"{row.name} ({row.id}) added.")


@router.get("/console/admin/agents/{agent_id}")
def agent_form(
    request: Request,
    visitor: Admin,
    row: AgentById,
    session: SessionDep,
    notice: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    return _agent_page(request, visitor, session, row, notice=notice)


@router.post("/console/admin/agents/{agent_id}")
async def update_agent(request: Request, visitor: Admin, row: AgentById, session: SessionDep, now: Now) -> Response:
    """`PATCH /agents/{id}` from the form (every field given), If-Match as the version read with the form; the
    change re-places the teammate's work in the live queue as the API's does."""
    values = fields_of(await request.form())
    version = values.pop("version", "") or None
    document, origin = agent_document(values, [s.id for s in organisation.skills(session=session)])
    document["active"] = bool(values.get("active"))

    def save() -> None:
        body = as_api(AgentUpdate, document)
        require_version(version, row.version, f"Agent {row.id}")
        agents.update(session=session, actor=visitor.principal, row=row, data=body, at=now)
        after_change(session=session, kind="agent.updated", subject_id=row.id, agent_ids=[row.id], at=now)

    refused = saved(session, save)
    if isinstance(refused, Refusal):
        return _agent_page(
            request,
            visitor,
            session,
            row,
            refused.status,
            values=values,
            version=version or "",
            errors=_rekeyed(refused.errors, origin),
            detail=refused.detail,
        )
    return back(f"/console/admin/agents/{row.id}", f"{row.name} saved.")
