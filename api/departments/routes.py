"""Departments: read by all, created and changed by admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import TypeAdapter

from api.answer import answer, answer_list
from api.departments import service as reporting
from api.departments.schemas import (
    DepartmentCreate,
    DepartmentRead,
    DepartmentReportRead,
    DepartmentUpdate,
    department_read,
)
from api.deps import (
    DepartmentById,
    IdempotencyDep,
    IfMatch,
    Now,
    SessionDep,
    allowed,
    etag,
    require_version,
    strict_body,
)
from api.problems import Forbidden
from api.roles import Operation, Principal, Role
from api.store import departments
from api.writes import respond

router = APIRouter(tags=["departments"])
Reader = Annotated[Principal, allowed(Operation.READ_ORGANISATION)]
Admin = Annotated[Principal, allowed(Operation.MANAGE_ORGANISATION)]
_list = TypeAdapter(list[DepartmentRead])


@router.get("/departments", response_model=list[DepartmentRead], summary="List departments")
def list_departments(_: Reader, session: SessionDep) -> Response:
    return answer_list(_list, [department_read(r) for r in departments.all_departments(session=session)])


@router.post(
    "/departments",
    status_code=201,
    response_model=DepartmentRead,
    summary="Create a department",
    dependencies=[strict_body(DepartmentCreate)],
)
def create_department(
    body: DepartmentCreate, principal: Admin, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    def act() -> tuple[DepartmentRead, dict[str, str]]:
        row = departments.create(session=session, actor=principal, data=body, at=now)
        return department_read(row), {"ETag": etag(row.version), "Location": f"/departments/{row.id}"}

    return respond(session=session, principal=principal, status_code=201, idempotency=idem, at=now, act=act)


@router.get("/departments/{department_id}", response_model=DepartmentRead, summary="Read a department")
def read_department(_: Reader, row: DepartmentById) -> Response:
    return answer(department_read(row), {"ETag": etag(row.version)})


@router.patch(
    "/departments/{department_id}",
    response_model=DepartmentRead,
    summary="Change a department (If-Match required)",
    dependencies=[strict_body(DepartmentUpdate)],
)
def update_department(
    body: DepartmentUpdate, principal: Admin, row: DepartmentById, session: SessionDep, version: IfMatch, now: Now
) -> Response:
    require_version(version, row.version, f"Department {row.id}")

    def act() -> tuple[DepartmentRead, dict[str, str]]:
        departments.update(session=session, actor=principal, row=row, data=body, at=now)
        return department_read(row), {"ETag": etag(row.version)}

    return respond(session=session, principal=principal, status_code=200, at=now, act=act)


ReportReader = Annotated[Principal, allowed(Operation.READ_DEPARTMENT_REPORT)]


@router.get(
    "/departments/{department_id}/report",
    response_model=DepartmentReportRead,
    summary="What the department asked for, what it gets and when, and why its requests wait (newest plan)",
)
def department_report(request: Request, principal: ReportReader, row: DepartmentById, session: SessionDep) -> Response:
    if principal.role == Role.REQUESTER and principal.department_id != row.id:
        raise Forbidden(f"A requester reads their own department's report ({principal.department_id}) only.")
    limits = request.app.state.settings.limits
    return answer(
        reporting.newest_report(
            session=session, department_id=row.id, limits=limits, effects_of=request.app.state.override_effects
        )
    )
