"""HTTP schema of a job (a large plan, a simulation or an import), as clients poll it, and a job row shaped
as it."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.imports.schemas import ImportOutcome
from api.schemas import Out
from api.store.tables import (
    JobRow,
)


class JobRead(Out):
    id: str = Field(description="Job id.")
    kind: str = Field(description="What it computes: 'plan', 'simulation' or 'import'.")
    state: str = Field(description="queued, running, succeeded, failed or cancelled.")
    progress: float = Field(description="From 0 to 1; the solver's share of its time limit while running.")
    created_at: datetime = Field(description="When it was asked for.")
    started_at: datetime | None = Field(description="When it started.")
    finished_at: datetime | None = Field(description="When it ended.")
    request_count: int = Field(description="Open requests being planned (0 for an import).")
    error: str | None = Field(description="Why it failed.")
    plan_id: int | None = Field(description="The plan it produced.")
    result_url: str | None = Field(
        description="Where to read the plan or the simulation, once it succeeded "
        "(an import's outcome is `imported`, here)."
    )
    imported: ImportOutcome | None = Field(
        None,
        description="An import job's outcome once it ended: the report and what was written, or the "
        "problems (each naming the row's line and source id, and the field) with nothing written.",
    )


def job_read(row: JobRow) -> JobRead:
    return JobRead(
        id=row.id,
        kind=row.kind,
        state=row.state,
        progress=round(row.progress, 3),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        request_count=row.request_count,
        error=row.error,
        plan_id=row.plan_id,
        result_url=_result_url(row),
        imported=ImportOutcome.model_validate_json(row.result) if row.kind == "import" and row.result else None,
    )


def _result_url(row: JobRow) -> str | None:
    if row.kind == "import":
        return None
    if row.plan_id is not None:
        return f"/plans/{row.plan_id}"
    return f"/simulations/{row.id}" if row.result is not None else None
