"""Jobs: long computations a client polls. A job lives in its process: when that process dies, its heartbeat
stops and the job is reported failed (nothing it would have written was written: its result is stored in
one transaction with its success)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from api.roles import Principal
from api.store.tables import JobRow

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
LOST = "lost: the process running it stopped before it finished"


def create(
    *, session: Session, actor: Principal, kind: str, request_count: int, at: datetime, heartbeat_at: datetime
) -> JobRow:
    """A queued job; `heartbeat_at` is the real clock's time (liveness is measured in real time, even when the
    app's clock is frozen for a demo)."""
    row = JobRow(
        id=uuid.uuid4().hex,
        kind=kind,
        state=QUEUED,
        progress=0.0,
        created_at=at,
        created_by=actor.id,
        heartbeat_at=heartbeat_at,
        request_count=request_count,
    )
    session.add(row)
    session.flush()
    return row


def get(*, session: Session, job_id: str) -> JobRow | None:
    return session.get(JobRow, job_id)


def beat(
    *, session: Session, job_id: str, progress: float, at: datetime, started: bool = False, state: str = RUNNING
) -> None:
    values: dict[str, object] = {"progress": progress, "heartbeat_at": at, "state": state}
    if started:
        values["started_at"] = at
    session.execute(update(JobRow).where(JobRow.id == job_id).values(values))


def succeed(*, session: Session, job_id: str, plan_id: int, at: datetime) -> None:
    session.execute(
        update(JobRow).where(JobRow.id == job_id).values(state=SUCCEEDED, progress=1.0, plan_id=plan_id, finished_at=at)
    )


def succeed_with_result(*, session: Session, job_id: str, result: str, at: datetime) -> None:
    """A job whose result is not a plan (a simulation): the result is stored with its success."""
    session.execute(
        update(JobRow).where(JobRow.id == job_id).values(state=SUCCEEDED, progress=1.0, result=result, finished_at=at)
    )


def fail(*, session: Session, job_id: str, error: str, at: datetime) -> None:
    session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.state.in_((QUEUED, RUNNING)))
        .values(state=FAILED, error=error[:2000], finished_at=at)
    )


def is_stale(row: JobRow, *, stale_after: timedelta, real_now: datetime) -> bool:
    """An unfinished job whose heartbeat stopped: its process is gone."""
    return row.state in (QUEUED, RUNNING) and row.heartbeat_at < real_now - stale_after


def fail_stale(*, session: Session, stale_after: timedelta, real_now: datetime) -> int:
    """Record as failed every unfinished job whose heartbeat stopped; return how many."""
    done = session.execute(
        update(JobRow)
        .where(JobRow.state.in_((QUEUED, RUNNING)), JobRow.heartbeat_at < real_now - stale_after)
        .values(state=FAILED, error=LOST, finished_at=real_now)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]
