"""Requesters told of moves (`request.moved`, in the transaction that stores the plan): a live re-plan's
moves (`Plan.changes`), and those of a lead's plan that becomes the current plan, against the plan current
before it, with the same facts and threshold as a re-plan's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from api.store import plans
from api.webhooks import EventType, publish
from solver.compile import compile_scenario
from solver.replan import changes_since
from triage.model import Scenario
from triage.move_text import moved_sentence, requester_subject
from triage.results import Move, Plan


def publish_moves(*, session: Session, scenario: Scenario, plan: Plan, at: datetime) -> None:
    """Tell each moved request's requester (`request.moved`, in the plan's transaction): the new and the old
    agent and start, and the move's reasons as facts and as a sentence."""
    _publish(session, scenario, plan.changes, at)


def publish_lead_moves(
    *, session: Session, scenario: Scenario, plan: Plan, previous_id: int | None, threshold_minutes: int, at: datetime
) -> None:
    """A lead's plan that becomes the current plan (stored: `POST /plans`, or its job): each request it moves
    against the plan current before it (`previous_id`; another agent, in or out of the plan, or an expected
    finish more than `threshold_minutes` apart) is told as a live re-plan's moves are, with the same facts."""
    row = None if previous_id is None else plans.get(session=session, plan_id=previous_id)
    if row is None:
        return  # the first plan: every place is new, and a tentative place was published as it was given
    previous = plans.body(row)
    moves = changes_since(compile_scenario(scenario, previous), previous, plan, threshold_minutes)
    _publish(session, scenario, moves, at)


def _publish(session: Session, scenario: Scenario, moves: list[Move], at: datetime) -> None:
    titles = {r.id: (r.title, r.department) for r in scenario.requests}
    departments = {d.id: d.name for d in scenario.departments}
    names = {a.id: a.name for a in scenario.agents}
    for move in moves:
        title, department_id = titles[move.request_id]
        subject = requester_subject(departments[department_id], title, move.request_id)
        data = {"request_id": move.request_id, "title": title, **move.model_dump(mode="json", exclude={"request_id"})}
        publish(
            session=session,
            event_type=EventType.REQUEST_MOVED,
            department_id=department_id,
            request_id=move.request_id,
            data=data,
            text=moved_sentence(subject, move, names, scenario.calendar.zone, at),
            at=at,
        )
