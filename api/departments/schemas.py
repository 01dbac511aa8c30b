"""HTTP schemas of departments and of a department's report, and a department row shaped as its Read."""

from __future__ import annotations

from pydantic import Field

from api.plans.schemas import DepartmentShareRead
from api.schemas import Identifier, In, Name, Out
from api.store.tables import (
    DepartmentRow,
)


class DepartmentCreate(In):
    id: Identifier = Field(description="Department id, referenced by requests and requesters.")
    name: Name = Field(description="Readable name, used in explanations.")
    weight: int = Field(1, ge=1, le=100, description="Multiplier of this department's lateness costs; 1 is the base.")


class DepartmentUpdate(In):
    name: Name | None = Field(None, description="New readable name.")
    weight: int | None = Field(None, ge=1, le=100, description="New weight.")


class DepartmentRead(Out):
    id: str = Field(description="Department id.")
    name: str = Field(description="Readable name.")
    weight: int = Field(description="Multiplier of this department's lateness costs.")
    version: int = Field(description="Version; the ETag of this department.")


class DepartmentReportRead(Out):
    department_id: str = Field(description="The department reported on.")
    plan_id: int = Field(description="The plan the report reads: the newest one.")
    share: DepartmentShareRead | None = Field(description="Its share of that plan; null when it had no open work.")
    report: list[str] = Field(
        description="What it asked for, what it gets and when, the main reasons its requests wait, and the queue "
        "lead's pins that moved its requests later, with the lead's reasons: plain sentences."
    )


def department_read(row: DepartmentRow) -> DepartmentRead:
    return DepartmentRead(id=row.id, name=row.name, weight=row.weight, version=row.version)
