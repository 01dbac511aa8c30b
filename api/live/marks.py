"""Stored facts of the live queue: the numbered queue changes, what each plan saw, and the tentative places."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from api.store.tables import PlanMarkRow, PlanRow, QueueChangeRow, TentativePlaceRow

LIVE, LEAD = "live", "lead"


def record_change(*, session: Session, kind: str, subject_id: str) -> int:
    """Number a change to the queue (in the writer's transaction, so it commits with the change)."""
    inserted = session.execute(
        insert(QueueChangeRow).values(at=datetime.now(UTC), kind=kind, subject_id=subject_id[:64])
    )
    return int(inserted.inserted_primary_key[0])  # type: ignore[index]


def last_change(*, session: Session) -> tuple[int, datetime | None]:
    """The newest change's number (0 when none) and real time."""
    row = session.execute(select(QueueChangeRow.seq, QueueChangeRow.at).order_by(QueueChangeRow.seq.desc()).limit(1))
    found = row.first()
    return (0, None) if found is None else (int(found[0]), found[1])


def mark_plan(*, session: Session, plan_id: int, seen_seq: int, source: str) -> None:
    """Record the last change a plan's snapshot saw; the tentative places it covers are dropped."""
    session.add(PlanMarkRow(plan_id=plan_id, seen_seq=seen_seq, source=source))
    session.execute(delete(TentativePlaceRow).where(TentativePlaceRow.seq <= seen_seq))
    session.flush()


def seen_seq(*, session: Session, plan_id: int) -> int:
    """The last change plan `plan_id` saw; -1 for a plan stored without a mark (before the live queue)."""
    found = session.scalar(select(PlanMarkRow.seen_seq).where(PlanMarkRow.plan_id == plan_id))
    return -1 if found is None else int(found)


def current_plan_id(*, session: Session) -> int | None:
    """The current plan: the newest one stored with its scenario (a lead's or the live re-plan's)."""
    return session.scalar(select(PlanRow.id).where(PlanRow.scenario.is_not(None)).order_by(PlanRow.id.desc()).limit(1))


def newest_plan_id(*, session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(PlanRow.id), 0))) or 0)


def tentative_since(*, session: Session, seq: int) -> list[TentativePlaceRow]:
    """Tentative places given after change `seq`, oldest first."""
    return list(
        session.scalars(select(TentativePlaceRow).where(TentativePlaceRow.seq > seq).order_by(TentativePlaceRow.seq))
    )


def tentative_of(*, session: Session, request_id: str) -> TentativePlaceRow | None:
    return session.get(TentativePlaceRow, request_id)
