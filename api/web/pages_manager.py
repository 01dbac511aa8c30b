"""The manager's pages: the simulation form (the API's `SimulationCreate`, run by `simulating.start`), a job's
progress while it runs, the results side by side with SVG charts and the paragraphs, and the department
reports (the API's `reporting`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.departments import service as reporting
from api.deps import DatabaseDep, DepartmentById, JobById, JobsDep, Now, SessionDep, SettingsDep
from api.problems import Forbidden, InvalidInput, NotFound, from_validation_error
from api.roles import Operation, Role
from api.simulations import service as simulating
from api.simulations.schemas import SimulationCreate
from api.store import agents, departments, jobs, organisation
from api.store.convert import calendar_of
from api.web import charts
from api.web.auth import Visitor, VisitorDep, may
from api.web.pages_common import context
from api.web.pages_lead import NO_KEY
from api.web.render import PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Simulator = Annotated[Visitor, may(Operation.SIMULATE)]
ReportReader = Annotated[Visitor, may(Operation.READ_DEPARTMENT_REPORT)]
CHANGE_KINDS = ("hire", "leave", "time_off", "skill", "hours", "surge")


def _choices(session: SessionDep) -> dict[str, Any]:
    return {
        "agents": agents.all_agents(session=session, active_only=True),
        "kinds": CHANGE_KINDS,
        "skills": organisation.skills(session=session),
        "departments": departments.all_departments(session=session),
    }


@router.get("/console/simulations")
def simulation_form(request: Request, visitor: Simulator, session: SessionDep) -> HTMLResponse:
    return page(request, "simulate.html", context(session, visitor, errors={}, values={}, **_choices(session)))


@router.post("/console/simulations")
async def start_simulation(
    request: Request, visitor: Simulator, session: SessionDep, database: DatabaseDep, runner: JobsDep, now: Now
) -> Response:
    """Start a simulation (baseline and one variant): its progress page, or the form with field errors."""
    values = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        with database.reading() as reading:  # not `session`: its first use takes the write turn simulating.start needs
            days = team_days(reading)
        asked = SimulationCreate.model_validate(_document(values, days))
        answer = simulating.start(
            database=database, runner=runner, actor=visitor.principal, asked=asked, idempotency=NO_KEY, now=now
        )
    except (ValidationError, InvalidInput) as exc:
        problem = from_validation_error(exc) if isinstance(exc, ValidationError) else exc
        errors = {_field(e.field): e.message for e in problem.errors}
        return page(
            request,
            "simulate.html",
            context(session, visitor, errors=errors, values=values, detail=problem.detail, **_choices(session)),
            status_code=422,
        )
    return RedirectResponse(f"/console/jobs/{json.loads(bytes(answer.body))['id']}", status_code=303)


def _field(path: str) -> str:
    """'variants.0.changes.0.hire.skills.net' -> 'skills': the form has one variant with one change."""
    parts = path.split(".")
    if parts[:1] == ["variants"]:
        parts = parts[4:] if parts[2:3] == ["changes"] else parts[2:]
        if len(parts) > 1 and parts[0] in CHANGE_KINDS:  # the change's kind, as pydantic names a union's member
            parts = parts[1:]
    return parts[0] if parts else path


def team_days(session: Session) -> list[str]:
    """The weekdays the team works (the calendar's): a teammate's new hours are given for each of them."""
    return [str(getattr(day, "value", day)) for day in calendar_of(organisation.get(session=session)).working_hours]


def _document(values: dict[str, str], days: list[str]) -> dict[str, Any]:
    """The form as the API's body: days, seeds and one variant named by the manager with one change (new hours:
    the period typed, e.g. 09:00-13:00, on every day the team works; the API's schema checks it)."""

    def number(key: str, default: str) -> Any:
        raw = values.get(key, "").strip() or default
        return int(raw) if raw.isdigit() else raw

    kind = values.get("kind", "")
    change: dict[str, Any] = {"kind": kind}
    fields = {
        "hire": ("agent", "name", "start"),
        "leave": ("agent", "start"),
        "time_off": ("agent", "start", "end"),
        "skill": ("agent", "skill"),
        "hours": ("agent",),
        "surge": ("department", "start", "end"),
    }.get(kind, ())
    for key in fields:
        if values.get(key if key != "agent" or kind != "hire" else "new_agent", "").strip():
            change[key] = values[key if key != "agent" or kind != "hire" else "new_agent"].strip()
    if kind == "hire" and values.get("skill"):
        change["skills"] = {values["skill"]: number("level", "2")}
    elif kind == "hire":
        change["skills"] = {}
    if kind == "skill":
        change["level"] = number("level", "2")
    if kind == "hours":
        change["working_hours"] = {day: [values.get("hours", "").strip()] for day in days}
    if kind == "surge":
        raw = values.get("factor", "").strip() or "2"
        try:
            change["factor"] = float(raw)
        except ValueError:
            change["factor"] = raw
    name = values.get("variant", "").strip() or kind.replace("_", " ")
    return {
        "days": number("days", "5"),
        "seeds": number("seeds", "1"),
        "seed": number("seed", "1"),
        "variants": [{"name": name, "changes": [change]}],
    }


@router.get("/console/jobs/{job_id}")
def job_page(request: Request, visitor: VisitorDep, row: JobById, session: SessionDep) -> HTMLResponse:
    _may_see_job(visitor, row.kind)
    return page(request, "job.html", context(session, visitor, job=row))


@router.get("/console/jobs/{job_id}/progress")
def job_progress(request: Request, visitor: VisitorDep, row: JobById, settings: SettingsDep) -> Response:
    """The progress bar while the job runs (htmx polls it); the result page once it has succeeded."""
    _may_see_job(visitor, row.kind)
    if row.state == jobs.SUCCEEDED:
        target = "/console/board" if row.kind != simulating.KIND else f"/console/simulations/{row.id}"
        return Response(status_code=200, headers={"HX-Redirect": target})
    lost = jobs.is_stale(row, stale_after=timedelta(seconds=settings.job_stale_seconds), real_now=datetime.now(UTC))
    return page(request, "job_progress.html", {"job": row, "lost": lost})


def _may_see_job(visitor: Visitor, kind: str) -> None:
    """A simulation is the manager's (SIMULATE); a planning job the lead's or manager's (COMPUTE_PLAN)."""
    operation = Operation.SIMULATE if kind == simulating.KIND else Operation.COMPUTE_PLAN
    if not visitor.principal.may(operation):
        raise Forbidden(f"A {visitor.principal.role.value} may not {operation.value}.")


@router.get("/console/simulations/{job_id}")
def simulation_result(request: Request, visitor: Simulator, row: JobById, session: SessionDep) -> HTMLResponse:
    result = simulating.read(row).simulation
    return page(
        request,
        "simulation.html",
        context(session, visitor, job=row, sim=result, charts=charts.CHARTS, names=_names(session)),
    )


@router.get("/console/simulations/{job_id}/{chart}.svg")
def simulation_chart(_: Simulator, row: JobById, session: SessionDep, chart: str) -> Response:
    if chart not in charts.CHARTS:
        raise NotFound(f"No chart {chart[:40]!r}.")
    drawn = charts.svg(simulating.read(row).simulation, chart, _names(session))
    return Response(drawn, media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=3600"})


def _names(session: SessionDep) -> dict[str, str]:
    found = {d.id: d.name for d in departments.all_departments(session=session)}
    return found | {a.id: a.name for a in agents.all_agents(session=session)}


@router.get("/console/departments")
def department_list(request: Request, visitor: ReportReader, session: SessionDep) -> Response:
    if visitor.principal.role == Role.REQUESTER:
        return RedirectResponse(f"/console/departments/{visitor.principal.department_id}", status_code=303)
    return page(
        request, "departments.html", context(session, visitor, rows=departments.all_departments(session=session))
    )


@router.get("/console/departments/{department_id}")
def department_report(
    request: Request, visitor: ReportReader, row: DepartmentById, session: SessionDep
) -> HTMLResponse:
    """What the department asked for, what it gets and when, and why its requests wait (the API's report)."""
    if visitor.principal.role == Role.REQUESTER and visitor.principal.department_id != row.id:
        raise Forbidden(f"A requester reads their own department's report ({visitor.principal.department_id}) only.")
    report = reporting.newest_report(  # the API's report: refused (413) beyond the limits, one computation a plan
        session=session,
        department_id=row.id,
        limits=request.app.state.settings.limits,
        effects_of=request.app.state.override_effects,
    )
    return page(request, "department.html", context(session, visitor, department=row, report=report))
