"""Jobs: the long computations (large plans, simulations) a client polls, and cancels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Response

from api import present
from api.deps import JobById, Now, SessionDep, SettingsDep, allowed
from api.roles import Operation, Principal
from api.routes._answer import answer
from api.schemas_plans import JobRead
from api.store import audit, jobs

router = APIRouter(tags=["jobs"])
Planner = Annotated[Principal, allowed(Operation.COMPUTE_PLAN)]


@router.get("/jobs/{job_id}", response_model=JobRead, summary="A job's state, progress and result link")
def read_job(_: Planner, row: JobById, settings: SettingsDep) -> Response:
    read = present.job_read(row)
    if jobs.is_stale(row, stale_after=timedelta(seconds=settings.job_stale_seconds), real_now=datetime.now(UTC)):
        read = read.model_copy(update={"state": jobs.FAILED, "error": jobs.LOST})
    return answer(read)


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobRead,
    summary="Cancel a job: a queued one at once, a running one within a few seconds (its process is ended)",
)
def cancel_job(principal: Planner, row: JobById, session: SessionDep, now: Now) -> Response:
    jobs.cancel(session=session, row=row, at=now)
    audit.record(session=session, actor=principal, at=now, action="job.cancelled", subject_type="job",
                 subject_id=row.id, changes={"state": row.state})  # fmt: skip
    session.commit()
    return answer(present.job_read(row), status_code=202 if row.state == jobs.RUNNING else 200)
