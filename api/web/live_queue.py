"""The live queue over a plan, read from the store for the console: the tentative places given since the plan
saw the queue (`api.live.marks`, as `GET /requests/{id}/placement` reads them) and the waiting requests with
the desk's sentence (`api.store.waiting.explanation`). No rule here: which place holds is the live queue's,
why a request waits the desk's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.live import marks
from api.live.placing import LABEL
from api.requests.schemas import request_read
from api.store import organisation, waiting
from api.store.requests import OPEN_STATUSES
from api.store.tables import PlanRow, RequestRow
from api.web.board import Live, Seen, TentativePlace, WaitingWork
from triage.desk_text import on_whom
from triage.names import Priority, RequestStatus, WaitingReason


def _seen(row: RequestRow, priority: Priority | None) -> Seen:
    return Seen(
        request_id=str(row.id),
        title=row.title,
        department=row.department_id,
        required_skills=dict(row.required_skills or {}),
        priority=priority,
    )


def waiting_work(*, session: Session, at: datetime, department: str | None = None) -> list[WaitingWork]:
    """Every waiting request (of one department, if given), the longest waiting first."""
    query = select(RequestRow).where(RequestRow.status == RequestStatus.WAITING.value)
    if department is not None:
        query = query.where(RequestRow.department_id == department)
    matrix = organisation.policy(session=session).matrix
    found = []
    for row in session.scalars(query.order_by(RequestRow.pk)):
        explained = waiting.explanation(session=session, row=row, at=at)
        assert explained is not None  # its status is waiting, so it has a wait (the model's rule)
        facts = {f.name: f.value for f in explained.facts}
        priority = request_read(row, matrix).stated_priority
        found.append(
            WaitingWork(
                request=_seen(row, priority),
                owner_id=row.owner_id,
                on_whom=on_whom(WaitingReason(str(facts["reason"]))),
                since=datetime.fromisoformat(str(facts["since"])),
                text=explained.text,
            )
        )
    return sorted(found, key=lambda w: w.since)


def live(*, session: Session, plan_row: PlanRow, at: datetime) -> Live:
    """The tentative places given since `plan_row` saw the queue, and the waiting work, as of `at`."""
    places = marks.tentative_since(session=session, seq=marks.seen_seq(session=session, plan_id=plan_row.id))
    rows = {
        str(r.id): r
        for r in session.scalars(select(RequestRow).where(RequestRow.id.in_([p.request_id for p in places])))
    }
    tentative = [
        TentativePlace(
            request=_seen(rows[p.request_id], Priority(p.priority) if p.priority else None),
            agent_id=p.agent_id,
            start=p.start,
            end=p.end,
            note=p.note,
            is_open=rows[p.request_id].status in OPEN_STATUSES,
        )
        for p in places
        if p.request_id in rows
    ]
    return Live(label=LABEL, tentative=tentative, waiting=waiting_work(session=session, at=at))
