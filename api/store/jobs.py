"""Jobs: long computations a client polls, run by worker processes (`api.jobs.worker`). A job is claimed by one
worker at a time (queued -> running, atomically, within the deployment's limit of running jobs per queue),
beats while it runs, and ends succeeded (its result stored in the same transaction), failed (with its
reason) or cancelled. A job whose worker died is failed with the reason: at once when the dead worker was on
this machine (its process is gone), after `job_stale_seconds` without heartbeat otherwise."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from api.roles import Principal
from api.store.tables import JobRow

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "queued", "running", "succeeded", "failed", "cancelled"
LOST = "lost: the process running it stopped before it finished"
CLAIMED, WAIT, GONE = "claimed", "wait", "gone"
_LOCK_KEYS = {"solver": 0x7A4D_0001, "simulations": 0x7A4D_0002, "imports": 0x7A4D_0003}


def create(
    *,
    session: Session,
    actor: Principal,
    kind: str,
    request_count: int,
    at: datetime,
    heartbeat_at: datetime,
    queue: str = "solver",
) -> JobRow:
    """A queued job; `heartbeat_at` is the real clock's time (liveness is measured in real time, even when the
    app's clock is frozen for a demo)."""
    row = JobRow(
        id=uuid.uuid4().hex,
        kind=kind,
        queue=queue,
        state=QUEUED,
        progress=0.0,
        created_at=at,
        created_by=actor.id,
        heartbeat_at=heartbeat_at,
        request_count=request_count,
        cancel_requested=False,
    )
    session.add(row)
    session.flush()
    return row


def get(*, session: Session, job_id: str) -> JobRow | None:
    return session.get(JobRow, job_id)


def hand_over(*, session: Session, job_id: str, inputs: str) -> None:
    """Store what a worker needs to run the job (the scenario, the parameters...), as JSON."""
    session.execute(update(JobRow).where(JobRow.id == job_id).values(inputs=inputs))


def claim(*, session: Session, job_id: str, queue: str, worker: str, limit: int, at: datetime) -> str:
    """Take a queued job for `worker` if fewer than `limit` jobs of its queue run in the whole deployment:
    CLAIMED, WAIT (the queue is full) or GONE (cancelled, taken or finished already: never run twice)."""
    if session.get_bind().dialect.name == "postgresql":  # SQLite's writer already holds the database's lock
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEYS.get(queue, 0x7A4D_0000)})
    state = session.scalar(select(JobRow.state).where(JobRow.id == job_id))
    if state != QUEUED:
        return GONE
    running = session.scalar(select(func.count()).where(JobRow.queue == queue, JobRow.state == RUNNING))
    if int(running or 0) >= limit:
        return WAIT
    session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.state == QUEUED)
        .values(state=RUNNING, worker=worker, started_at=at, heartbeat_at=at, progress=0.0)
    )
    return CLAIMED


def beat(*, session: Session, job_id: str, progress: float, at: datetime) -> bool:
    """Record a running job's progress; return whether it was asked to stop (cancelled)."""
    session.execute(
        update(JobRow).where(JobRow.id == job_id, JobRow.state == RUNNING).values(progress=progress, heartbeat_at=at)
    )
    return bool(session.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id)))


def succeed(*, session: Session, job_id: str, plan_id: int, at: datetime) -> None:
    session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.state == RUNNING)
        .values(state=SUCCEEDED, progress=1.0, plan_id=plan_id, finished_at=at)
    )


def succeed_with_result(*, session: Session, job_id: str, result: str, at: datetime) -> bool:
    """A job whose result is not a plan (a simulation, an import): the result is stored with its success.
    False when the job was no longer running (ended meanwhile): nothing changed."""
    done = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.state == RUNNING)
        .values(state=SUCCEEDED, progress=1.0, result=result, finished_at=at)
    )
    return bool(getattr(done, "rowcount", 0))


def forget_inputs(*, session: Session, job_id: str) -> None:
    """Drop a job's inputs once they are of no more use (an import's uploaded file, once it is written)."""
    session.execute(update(JobRow).where(JobRow.id == job_id).values(inputs=None))


def fail(
    *, session: Session, job_id: str, error: str, at: datetime, state: str = FAILED, result: str | None = None
) -> None:
    """End an unfinished job as failed (or cancelled) with its reason (and, for an import whose export had
    problems, the problems as its result)."""
    values: dict[str, object] = {"state": state, "error": error[:2000], "finished_at": at}
    if result is not None:
        values["result"] = result
    session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.state.in_((QUEUED, RUNNING))).values(**values))


def cancel(*, session: Session, row: JobRow, at: datetime) -> None:
    """A queued job is cancelled at once; a running one is asked to stop (its worker ends its process within
    a second or so and records it cancelled)."""
    if row.state == QUEUED:
        fail(session=session, job_id=row.id, error="cancelled before it started", at=at, state=CANCELLED)
    elif row.state == RUNNING:
        session.execute(update(JobRow).where(JobRow.id == row.id).values(cancel_requested=True))
    session.flush()
    session.refresh(row)


def is_stale(row: JobRow, *, stale_after: timedelta, real_now: datetime) -> bool:
    """A running job whose heartbeat stopped: its process is gone."""
    return row.state == RUNNING and row.heartbeat_at < real_now - stale_after


def fail_stale(*, session: Session, stale_after: timedelta, real_now: datetime) -> int:
    """Record as failed every running job whose heartbeat stopped; return how many."""
    done = session.execute(
        update(JobRow)
        .where(JobRow.state == RUNNING, JobRow.heartbeat_at < real_now - stale_after)
        .values(state=FAILED, error=LOST, finished_at=real_now)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def fail_dead_here(*, session: Session, host: str, real_now: datetime) -> int:
    """Record as failed, at once, every running job held by a worker process of this machine that is gone."""
    rows = session.execute(select(JobRow.id, JobRow.worker).where(JobRow.state == RUNNING)).all()
    dead = [(job_id, worker) for job_id, worker in rows if worker and _dead_here(worker, host)]
    for job_id, worker in dead:
        reason = f"lost: its worker ({worker}) stopped before it finished; ask again to start it anew"
        fail(session=session, job_id=job_id, error=reason, at=real_now)
    return len(dead)


def queued_ids(*, session: Session) -> list[tuple[str, str]]:
    """(job, queue) of every queued job that was handed over to the workers, oldest first."""
    found = session.execute(
        select(JobRow.id, JobRow.queue)
        .where(JobRow.state == QUEUED, JobRow.inputs.is_not(None))
        .order_by(JobRow.created_at)
    )
    return [(str(job_id), str(queue)) for job_id, queue in found]


def _dead_here(worker: str, host: str) -> bool:
    name, _, pid = worker.rpartition(":")
    if name != host or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def is_lost(row: JobRow) -> bool:
    """A job that failed because its worker died (not because of its input): asking again starts it anew."""
    return row.state == FAILED and (row.error or "").startswith("lost:")
