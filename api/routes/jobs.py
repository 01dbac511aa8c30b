"""Jobs: the long computations (large plans) a client polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Response

from api import present
from api.deps import JobById, SettingsDep, allowed
from api.roles import Operation, Principal
from api.routes._answer import answer
from api.schemas_plans import JobRead
from api.store import jobs

router = APIRouter(tags=["jobs"])
Planner = Annotated[Principal, allowed(Operation.COMPUTE_PLAN)]


@router.get("/jobs/{job_id}", response_model=JobRead, summary="A job's state, progress and result link")
def read_job(_: Planner, row: JobById, settings: SettingsDep) -> Response:
    read = present.job_read(row)
    if jobs.is_stale(row, stale_after=timedelta(seconds=settings.job_stale_seconds), real_now=datetime.now(UTC)):
        read = read.model_copy(update={"state": jobs.FAILED, "error": jobs.LOST})
    return answer(read)
