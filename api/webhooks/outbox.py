"""The outbox: `publish` writes an event in the caller's transaction, so an event exists if and only if the
change it reports committed, and it can be delivered after any crash (the delivery loop reads the database).

This is the one interface the rest of the API uses to tell the world; it is stable:

    publish(session=..., event_type=EventType.HANDOFF_ACCEPTED, department_id="sales", request_id="REQ-3",
            data={...the structured facts, JSON-able...}, text="the sentence for people", at=now)

- `data` holds the facts (ids, names, times, numbers); `text` the sentence built from them (in `triage/`).
- `at` is the app's clock (frozen in the demo): the event's `timestamp`. Delivery is scheduled on the real
  clock, since receivers hold `webhook-timestamp` against theirs.
- One delivery row is written per subscription that wants the type (and the department, when it filters by
  one) at the moment of publishing; a subscription made later does not receive earlier events.

The JSON posted (the event's `body`, fixed at publish time so that every retry signs the same bytes):
`{"id": webhook-id, "type": ..., "timestamp": ISO 8601, "department_id": ..., "request_id": ..., "data": {...},
"text": ...}`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic_core import to_json
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.webhooks.tables import DeliveryRow, EventRow, SubscriptionRow

PENDING = "pending"


class EventType(StrEnum):
    """What a desk integrates with. Published today: the hand-off events (from `api.store.handoffs`) and
    `pin.created` (from `api.store.pins`); the request events wait for instant placement and the live re-plan
    (see the README's Webhooks section for where each is to be published)."""

    REQUEST_PLACED = "request.placed"  # a request got a place: its expected start and finish
    REQUEST_MOVED = "request.moved"  # its expected finish changed by more than a threshold, with the reason
    REQUEST_WAITING = "request.waiting"  # it waits on the requester, a vendor, a change: not planned
    REQUEST_BACK = "request.back"  # it stopped waiting
    HANDOFF_PROPOSED = "handoff.proposed"  # with the note for the requester
    HANDOFF_ACCEPTED = "handoff.accepted"
    HANDOFF_DECLINED = "handoff.declined"
    PIN_CREATED = "pin.created"  # a lead's pin, with its reason


def new_event_id() -> str:
    """A `webhook-id`: unique per event, the same on every retry and replay of it."""
    return f"msg_{uuid.uuid4().hex}"


def publish(
    *,
    session: Session,
    event_type: EventType,
    department_id: str | None,
    request_id: str | None,
    data: dict[str, Any],
    text: str,
    at: datetime,
) -> EventRow:
    """Write the event and its deliveries in the session's transaction (they commit or roll back with it)."""
    event_id = new_event_id()
    body = {
        "id": event_id,
        "type": event_type.value,
        "timestamp": at.astimezone(UTC),
        "department_id": department_id,
        "request_id": request_id,
        "data": data,
        "text": text,
    }
    event = EventRow(
        id=event_id,
        type=event_type.value,
        department_id=department_id,
        request_id=request_id,
        occurred_at=at,
        body=to_json(body).decode(),
    )
    session.add(event)
    session.flush()  # the event row before the deliveries that name it
    queued = datetime.now(UTC)
    subscriptions = session.scalars(select(SubscriptionRow).where(SubscriptionRow.deleted_at.is_(None)))
    session.add_all(
        DeliveryRow(
            event_id=event_id,
            subscription_id=s.id,
            state=PENDING,
            attempts=0,
            failures=0,
            next_attempt_at=queued,
            created_at=queued,
        )
        for s in subscriptions
        if wants(s, event_type, department_id)
    )
    session.flush()
    return event


def wants(subscription: SubscriptionRow, event_type: EventType, department_id: str | None) -> bool:
    """A subscription wants an event of one of its types, of its department when it names one."""
    if event_type.value not in subscription.event_types:
        return False
    return subscription.department_id is None or subscription.department_id == department_id
