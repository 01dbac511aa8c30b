"""Jobs: the long computations (large plans, simulations, imports) a client polls, and cancels. Leads and
managers read and cancel plan and simulation jobs; import jobs are read and cancelled by those who may
import (admins and leads)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Response

from api.answer import answer
from api.deps import JobById, Now, SessionDep, SettingsDep, allowed
from api.jobs.schemas import JobRead, job_read
from api.problems import Forbidden
from api.roles import Operation, Principal
from api.store import audit, jobs
from triage.explanations.style import article

router = APIRouter(tags=["jobs"])
Reader = Annotated[Principal, allowed(Operation.COMPUTE_PLAN, Operation.IMPORT)]


def _may_see(principal: Principal, row: object) -> None:
    operation = Operation.IMPORT if getattr(row, "kind", None) == "import" else Operation.COMPUTE_PLAN
    if not principal.may(operation):
        raise Forbidden(f"{article(principal.role.value).capitalize()} may not {operation.value}.")


@router.get("/jobs/{job_id}", response_model=JobRead, summary="A job's state, progress and result link")
def read_job(principal: Reader, row: JobById, settings: SettingsDep) -> Response:
    _may_see(principal, row)
    read = job_read(row)
    if jobs.is_stale(row, stale_after=timedelta(seconds=settings.job_stale_seconds), real_now=datetime.now(UTC)):
        read = read.model_copy(update={"state": jobs.FAILED, "error": jobs.LOST})
    return answer(read)


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobRead,
    summary="Cancel a job: a queued one at once, a running one within a few seconds (its process is ended)",
)
def cancel_job(principal: Reader, row: JobById, session: SessionDep, now: Now) -> Response:
    _may_see(principal, row)
    jobs.cancel(session=session, row=row, at=now)
    audit.record(
        session=session,
        actor=principal,
        at=now,
        action="job.cancelled",
        subject_type="job",
        subject_id=row.id,
        changes={"state": row.state},
    )
    session.commit()
    return answer(job_read(row), status_code=202 if row.state == jobs.RUNNING else 200)
