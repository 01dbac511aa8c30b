"""Departments: the team's customers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.roles import Principal
from api.store import audit
from api.store.errors import StateConflict
from api.store.inputs import Given, NewDepartment
from api.store.tables import DepartmentRow


def all_departments(*, session: Session) -> list[DepartmentRow]:
    return list(session.scalars(select(DepartmentRow).order_by(DepartmentRow.id)))


def get(*, session: Session, department_id: str) -> DepartmentRow | None:
    return session.get(DepartmentRow, department_id)


def create(*, session: Session, actor: Principal, data: NewDepartment, at: datetime) -> DepartmentRow:
    if session.get(DepartmentRow, data.id) is not None:
        raise StateConflict(f"A department with id {data.id!r} exists already.")
    row = DepartmentRow(id=data.id, name=data.name, weight=data.weight)
    session.add(row)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="department.created",
        subject_type="department",
        subject_id=data.id,
        changes={"name": [None, data.name], "weight": [None, data.weight]},
    )
    session.flush()
    return row


def update(*, session: Session, actor: Principal, row: DepartmentRow, data: Given, at: datetime) -> None:
    changes = {}
    for field in data.model_fields_set:
        value = getattr(data, field)
        if value is None:
            continue
        if getattr(row, field) != value:
            changes[field] = [getattr(row, field), value]
            setattr(row, field, value)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="department.updated",
        subject_type="department",
        subject_id=row.id,
        changes=changes,
    )
    session.flush()
