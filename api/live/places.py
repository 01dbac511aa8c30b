"""Reading a request's place: the tentative one given at once after a change, until a plan that saw that
change includes the request; then the latest plan's place, as before the live queue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.live import marks
from api.live.placing import LABEL
from api.plans.schemas import Placement, placement_read
from api.problems import NotFound
from api.store import plans
from api.store.tables import PlanRow, TentativePlaceRow
from triage.names import Priority


def placement(*, session: Session, request_id: str) -> Placement:
    """The request's current place; 404 when no plan and no tentative place includes it yet."""
    # The tentative place first: a re-plan that covers it deletes it in the transaction that stores the plan,
    # so on PostgreSQL (each statement its own snapshot) a re-plan committing between the two reads shows as
    # its plan. Read the other way round, the plan's absence and then the place's, it was a 404.
    tentative = marks.tentative_of(session=session, request_id=request_id)
    found = plans.latest_item(session=session, request_id=request_id)
    if tentative is not None and (
        found is None or tentative.seq > marks.seen_seq(session=session, plan_id=found[0].id)
    ):
        return _tentative(session, tentative)
    if found is None:
        raise NotFound(f"No plan includes {request_id} yet; the next re-plan will place it.")
    plan_row, item = found
    return placement_read(plan_row, item, plans.scheduled_count(session=session, plan_id=plan_row.id))


def _tentative(session: Session, row: TentativePlaceRow) -> Placement:
    created_at = session.scalar(select(PlanRow.created_at).where(PlanRow.id == row.base_plan_id))
    assert created_at is not None  # a foreign key
    return Placement(
        request_id=row.request_id,
        tentative=True,
        label=LABEL,
        plan_id=row.base_plan_id,
        plan_created_at=created_at,
        applied=False,
        planned=row.agent_id is not None,
        priority=Priority(row.priority) if row.priority else None,
        position=None,
        queue_length=plans.scheduled_count(session=session, plan_id=row.base_plan_id),
        agent_id=row.agent_id,
        start=row.start,
        end=row.end,
        unassigned_reason=row.note,
        explanations=[],
    )
