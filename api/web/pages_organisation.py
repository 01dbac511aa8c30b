"""The admin's editing of the organisation: the policy (every field, with its validation), a department, a
teammate (hours, target load, skills and levels, time off, active; or a new one), a new skill or department.

Each form is read into the JSON document the API's route takes and checked as the API checks it (the same
schema, strictly, as `strict_body` does; then the same store function, which audits the change), so a form
and `PUT /policy`, `PATCH /agents/{id}`... refuse the same values with the same RFC 9457 field errors; each
error is shown next to its field, and nothing is stored. The version read with the form travels in it as the
ETag the API's If-Match would carry: a change made meanwhile by someone else is refused (412), not overwritten.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from api.deps import AgentById, DepartmentById, Now, SessionDep, etag, expected_version, require_version
from api.live.placing import after_change
from api.problems import ApiError, InvalidInput, from_validation_error
from api.roles import Operation
from api.schemas import AgentCreate, AgentUpdate, DepartmentCreate, DepartmentUpdate, SkillCreate
from api.store import agents, departments, organisation
from api.store.convert import policy_of
from api.web.auth import Visitor, may
from api.web.pages_admin import admin_page
from api.web.pages_common import context
from api.web.render import PageRoute, page
from triage.model import Policy, TermWeights
from triage.names import WEEKDAYS, Impact, Priority, Urgency

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Admin = Annotated[Visitor, may(Operation.MANAGE_ORGANISATION)]
M = TypeVar("M", bound=BaseModel)

PRIORITY_MAPS = ("target_minutes", "priority_weights", "max_wait_minutes")
NUMBERS = ("horizon_days", "ageing_step_minutes", "ageing_cap", "urgent_share_pct", "deferral_extra_minutes",
           "deferral_per_effort_minute")  # fmt: skip
OPTIONAL_NUMBERS = ("help_late_minutes",)
FLAGS = ("protect_priorities", "auto_apply")
POLICY_FORM = {"matrix", "term_weights", "fair_share_pct", *PRIORITY_MAPS, *NUMBERS, *OPTIONAL_NUMBERS, *FLAGS}
"""The policy form's fields: every field of `Policy` (a test holds the two to each other)."""


def as_api(model: type[M], document: dict[str, Any]) -> M:
    """The document checked as the API checks a JSON body: strictly (`strict_body`), so a form refuses what the
    API refuses, with the same field paths."""
    return model.model_validate_json(json.dumps(document), strict=True)


def _number(raw: str | None) -> int | str:
    """A form's number as the JSON body carries it: an integer, or the text itself for the schema's error."""
    text = (raw or "").strip()
    return int(text) if text.lstrip("-").isdigit() and text.count("-") <= 1 else text


def _problem(exc: ValidationError | ApiError) -> ApiError:
    return from_validation_error(exc) if isinstance(exc, ValidationError) else exc


def _errors(problem: ApiError) -> dict[str, str]:
    """The problem's field errors by field path (the first message of each)."""
    found: dict[str, str] = {}
    if isinstance(problem, InvalidInput):
        for e in problem.errors:
            found.setdefault(e.field, e.message)
    return found


def _form_page(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    errors: dict[str, str] = values.pop("errors", {})

    def at(field: str, exact: bool = False) -> str:
        """The errors of a form field: its own, and unless `exact` those of its parts (working_hours.mon.0)."""
        return "; ".join(m for f, m in errors.items() if f == field or (not exact and f.startswith(field + ".")))

    return page(request, name, {**values, "errors": errors, "error_at": at}, status_code=status_code)


def _back(path: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?notice={quote(notice[:280])}", status_code=303)


def _fields(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}


# The policy


def policy_values(policy: Policy) -> dict[str, str]:
    """The policy as the form's fields: dotted paths to text ('matrix.company.work_stopped': 'P1')."""
    flat: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, bool):
            flat[prefix] = "on" if value else ""
        else:
            flat[prefix] = "" if value is None else str(value)

    walk("", policy.model_dump(mode="json"))
    return flat


def policy_document(values: dict[str, str], department_ids: list[str]) -> dict[str, Any]:
    """The form as the body of `PUT /policy`: numbers as integers, a blank optional number as null, the fair
    shares of the departments given (none given: null, shares by weight)."""
    document: dict[str, Any] = {
        "matrix": {i.value: {u.value: values.get(f"matrix.{i.value}.{u.value}", "") for u in Urgency} for i in Impact},
        "term_weights": {t: _number(values.get(f"term_weights.{t}")) for t in TermWeights.model_fields},
    }
    for field in PRIORITY_MAPS:
        document[field] = {p.value: _number(values.get(f"{field}.{p.value}")) for p in Priority}
    for field in NUMBERS:
        document[field] = _number(values.get(field))
    for field in OPTIONAL_NUMBERS:
        document[field] = _number(values.get(field)) if values.get(field, "").strip() else None
    for field in FLAGS:
        document[field] = bool(values.get(field))
    shares = {d: _number(values[f"fair_share_pct.{d}"]) for d in department_ids
              if values.get(f"fair_share_pct.{d}", "").strip()}  # fmt: skip
    document["fair_share_pct"] = shares or None
    return document


def _policy_page(request: Request, visitor: Visitor, session: SessionDep, status_code: int = 200, **more: Any
                 ) -> HTMLResponse:  # fmt: skip
    row = organisation.get(session=session)
    more.setdefault("values", policy_values(policy_of(row)))
    more.setdefault("version", etag(row.policy_version))
    return _form_page(
        request,
        "policy.html",
        status_code,
        **context(
            session,
            visitor,
            impacts=[i.value for i in Impact],
            urgencies=[u.value for u in Urgency],
            priorities=[p.value for p in Priority],
            terms=TermWeights.model_fields,
            fields=Policy.model_fields,
            priority_maps=PRIORITY_MAPS,
            numbers=NUMBERS + OPTIONAL_NUMBERS,
            flags=FLAGS,
            departments=departments.all_departments(session=session),
            **{"notice": "", "detail": "", "errors": {}, **more},
        ),
    )


@router.get("/console/admin/policy")
def policy_form(
    request: Request, visitor: Admin, session: SessionDep, notice: Annotated[str, Query(max_length=300)] = ""
) -> HTMLResponse:
    return _policy_page(request, visitor, session, notice=notice)


@router.post("/console/admin/policy")
async def replace_policy(request: Request, visitor: Admin, session: SessionDep, now: Now) -> Response:
    """`PUT /policy` from the form: the schema's checks, then the store's (known departments in the fair
    shares; the version read with the form still current), audited as the API's change."""
    values = _fields(await request.form())
    version = values.pop("version", "") or None
    ids = [d.id for d in departments.all_departments(session=session)]
    try:
        body = as_api(Policy, policy_document(values, ids))
        organisation.replace_policy(session=session, actor=visitor.principal, policy=body,
                                    expected_version=expected_version(version), at=now)  # fmt: skip
        session.commit()
    except (ValidationError, ApiError) as exc:
        session.rollback()
        problem = _problem(exc)
        return _policy_page(request, visitor, session, 422 if isinstance(problem, InvalidInput) else problem.status,
                            values=values, version=version or "", errors=_errors(problem),
                            detail=problem.detail)  # fmt: skip
    return _back("/console/admin/policy", f"Policy saved (version {organisation.get(session=session).policy_version}).")


# Departments and skills


def _department_page(request: Request, visitor: Visitor, session: SessionDep, row: Any, status_code: int = 200,
                     **more: Any) -> HTMLResponse:  # fmt: skip
    more.setdefault("values", {"name": row.name, "weight": str(row.weight)})
    more.setdefault("version", etag(row.version))
    return _form_page(request, "department_edit.html", status_code, **context(session, visitor, row=row,
                      **{"notice": "", "detail": "", "errors": {}, **more}))  # fmt: skip


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
    values = _fields(await request.form())
    version = values.pop("version", "") or None
    try:
        document = {"name": values.get("name", "").strip(), "weight": _number(values.get("weight"))}
        body = as_api(DepartmentUpdate, document)
        require_version(version, row.version, f"Department {row.id}")
        departments.update(session=session, actor=visitor.principal, row=row, data=body, at=now)
        session.commit()
    except (ValidationError, ApiError) as exc:
        session.rollback()
        problem = _problem(exc)
        return _department_page(request, visitor, session, row, 422 if isinstance(problem, InvalidInput)
                                else problem.status, values=values, version=version or "", errors=_errors(problem),
                                detail=problem.detail)  # fmt: skip
    return _back(f"/console/admin/departments/{row.id}", f"{row.name} saved (weight {row.weight}).")


def _admin_with(request: Request, visitor: Visitor, session: SessionDep, problem: ApiError, form: str,
                values: dict[str, str]) -> HTMLResponse:  # fmt: skip
    status = 422 if isinstance(problem, InvalidInput) else problem.status
    return admin_page(request, visitor, session, status_code=status, failed=form, errors=_errors(problem),
                      values=values, refused_form=f"Not added: {problem.detail}")  # fmt: skip


@router.post("/console/admin/departments")
async def create_department(request: Request, visitor: Admin, session: SessionDep, now: Now) -> Response:
    values = _fields(await request.form())
    try:
        body = as_api(DepartmentCreate, {"id": values.get("id", "").strip(), "name": values.get("name", "").strip(),
                                         "weight": _number(values.get("weight") or "1")})  # fmt: skip
        row = departments.create(session=session, actor=visitor.principal, data=body, at=now)
        session.commit()
    except (ValidationError, ApiError) as exc:
        session.rollback()
        return _admin_with(request, visitor, session, _problem(exc), "department", values)
    return _back("/console/admin", f"Department {row.name} ({row.id}) added.")


@router.post("/console/admin/skills")
async def add_skill(request: Request, visitor: Admin, session: SessionDep, now: Now) -> Response:
    values = _fields(await request.form())
    try:
        body = as_api(SkillCreate, {"id": values.get("id", "").strip(), "name": values.get("name", "").strip()})
        organisation.add_skill(session=session, actor=visitor.principal, skill_id=body.id, name=body.name, at=now)
        session.commit()
    except (ValidationError, ApiError) as exc:
        session.rollback()
        return _admin_with(request, visitor, session, _problem(exc), "skill", values)
    return _back("/console/admin", f"Skill {body.name} ({body.id}) added.")


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
    hours = {d.value: [p.strip() for p in values.get(f"working_hours.{d.value}", "").split(",") if p.strip()]
             for d in WEEKDAYS}  # fmt: skip
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
        "skills": {s: _number(values[f"skills.{s}"]) for s in skill_ids if values.get(f"skills.{s}", "").strip()},
        "working_hours": {d: p for d, p in hours.items() if p} or None,
        "time_off": time_off,
        "target_load_pct": _number(values.get("target_load_pct")),
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


def _agent_page(request: Request, visitor: Visitor, session: SessionDep, row: Any | None, status_code: int = 200,
                **more: Any) -> HTMLResponse:  # fmt: skip
    if row is not None:
        more.setdefault("values", agent_values(row))
        more.setdefault("version", etag(row.version))
    values = more.setdefault("values", {"target_load_pct": "85"})
    filled = [int(k.split(".")[1]) for k in values if k.startswith("time_off.") and k.split(".")[1].isdigit()]
    rows = range((max(filled) + 1 if filled else 0) + TIME_OFF_BLANK_ROWS)
    return _form_page(request, "agent_edit.html", status_code, **context(
        session, visitor, row=row, skills=organisation.skills(session=session), weekdays=[d.value for d in WEEKDAYS],
        time_off_rows=rows, **{"notice": "", "detail": "", "errors": {}, "version": "", **more}))  # fmt: skip


@router.get("/console/admin/agents/new")
def new_agent_form(request: Request, visitor: Admin, session: SessionDep) -> HTMLResponse:
    return _agent_page(request, visitor, session, None)


@router.post("/console/admin/agents/new")
async def create_agent(request: Request, visitor: Admin, session: SessionDep, now: Now) -> Response:
    """`POST /agents` from the form; the new teammate is placed in the live queue as the API's does."""
    values = _fields(await request.form())
    skill_ids = [s.id for s in organisation.skills(session=session)]
    document, origin = agent_document(values, skill_ids)
    document = {"id": values.get("id", "").strip(), **{k: v for k, v in document.items() if v is not None}}
    try:
        body = as_api(AgentCreate, document)
        row = agents.create(session=session, actor=visitor.principal, data=body, at=now)
        after_change(session=session, kind="agent.created", subject_id=row.id, at=now)
        session.commit()
    except (ValidationError, ApiError) as exc:
        session.rollback()
        problem = _problem(exc)
        return _agent_page(request, visitor, session, None, 422 if isinstance(problem, InvalidInput)
                           else problem.status, values=values, errors=_rekeyed(_errors(problem), origin),
                           detail=problem.detail)  # fmt: skip
    return _back(f"/console/admin/agents/{row.id}", f"{row.name} ({row.id}) added.")


@router.get("/console/admin/agents/{agent_id}")
def agent_form(
    request: Request, visitor: Admin, row: AgentById, session: SessionDep,
    notice: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:  # fmt: skip
    return _agent_page(request, visitor, session, row, notice=notice)


@router.post("/console/admin/agents/{agent_id}")
async def update_agent(request: Request, visitor: Admin, row: AgentById, session: SessionDep, now: Now) -> Response:
    """`PATCH /agents/{id}` from the form (every field given), If-Match as the version read with the form; the
    change re-places the teammate's work in the live queue as the API's does."""
    values = _fields(await request.form())
    version = values.pop("version", "") or None
    document, origin = agent_document(values, [s.id for s in organisation.skills(session=session)])
    document["active"] = bool(values.get("active"))
    try:
        body = as_api(AgentUpdate, document)
        require_version(version, row.version, f"Agent {row.id}")
        agents.update(session=session, actor=visitor.principal, row=row, data=body, at=now)
        after_change(session=session, kind="agent.updated", subject_id=row.id, agent_ids=[row.id], at=now)
        session.commit()
    except (ValidationError, ApiError) as exc:
        session.rollback()
        problem = _problem(exc)
        return _agent_page(request, visitor, session, row, 422 if isinstance(problem, InvalidInput)
                           else problem.status, values=values, version=version or "",
                           errors=_rekeyed(_errors(problem), origin), detail=problem.detail)  # fmt: skip
    return _back(f"/console/admin/agents/{row.id}", f"{row.name} saved.")
