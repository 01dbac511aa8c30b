"""Subscriptions and the delivery log: keyword-only functions over a session, audited where an admin acts.

A deleted subscription is kept (its deliveries stay in the log) but receives nothing more: its pending
deliveries are cancelled. A replay puts a delivery back to pending, due now, with its failures in a row
counted from zero; it keeps its event, so the receiver gets the same `webhook-id` and body.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.roles import Principal
from api.store import audit
from api.store.errors import StateConflict, invalid
from api.store.tables import DepartmentRow
from api.webhooks import signing
from api.webhooks.outbox import PENDING
from api.webhooks.tables import DeliveryRow, EventRow, SubscriptionRow

SUCCEEDED, DEAD, CANCELLED = "succeeded", "dead", "cancelled"
STATES = (PENDING, SUCCEEDED, DEAD, CANCELLED)


def create_subscription(
    *,
    session: Session,
    actor: Principal,
    url: str,
    event_types: list[str],
    department_id: str | None,
    description: str,
    keys: str | None,
    at: datetime,
) -> tuple[SubscriptionRow, str]:
    """A new subscription and its secret (returned once, stored encrypted)."""
    if department_id is not None and session.get(DepartmentRow, department_id) is None:
        raise invalid("department_id", f"unknown department {department_id!r}")
    secret = signing.new_secret()
    row = SubscriptionRow(
        id=f"whsub_{uuid.uuid4().hex[:20]}",
        url=url,
        event_types=event_types,
        department_id=department_id,
        description=description,
        secret_encrypted=signing.encrypt(secret, keys),
        created_by=actor.id,
        created_at=at,
    )
    session.add(row)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="webhook.subscribed",
        subject_type="webhook",
        subject_id=row.id,
        changes={"url": url, "event_types": event_types, "department": department_id},
    )
    session.flush()
    return row, secret


def subscriptions(*, session: Session) -> list[SubscriptionRow]:
    query = select(SubscriptionRow).where(SubscriptionRow.deleted_at.is_(None))
    return list(session.scalars(query.order_by(SubscriptionRow.created_at, SubscriptionRow.id)))


def subscription(*, session: Session, subscription_id: str) -> SubscriptionRow | None:
    row = session.get(SubscriptionRow, subscription_id)
    return row if row is not None and row.deleted_at is None else None


def delete_subscription(*, session: Session, actor: Principal, row: SubscriptionRow, at: datetime) -> None:
    row.deleted_at = at
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.subscription_id == row.id, DeliveryRow.state == PENDING)
        .values(state=CANCELLED, claim=None)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="webhook.deleted",
        subject_type="webhook",
        subject_id=row.id,
        changes={"url": row.url},
    )
    session.flush()


def deliveries(
    *, session: Session, subscription_id: str | None, state: str | None, event_type: str | None, after: int, limit: int
) -> list[tuple[DeliveryRow, EventRow]]:
    """The delivery log, oldest first, after the cursor."""
    query = (
        select(DeliveryRow, EventRow)
        .join(EventRow, EventRow.id == DeliveryRow.event_id)
        .where(DeliveryRow.id > after)
        .order_by(DeliveryRow.id)
        .limit(limit)
    )
    if subscription_id is not None:
        query = query.where(DeliveryRow.subscription_id == subscription_id)
    if state is not None:
        query = query.where(DeliveryRow.state == state)
    if event_type is not None:
        query = query.where(EventRow.type == event_type)
    return [(d, e) for d, e in session.execute(query)]


def delivery(*, session: Session, delivery_id: int) -> tuple[DeliveryRow, EventRow] | None:
    found = session.execute(
        select(DeliveryRow, EventRow)
        .join(EventRow, EventRow.id == DeliveryRow.event_id)
        .where(DeliveryRow.id == delivery_id)
    ).first()
    return None if found is None else (found[0], found[1])


def in_flight(row: DeliveryRow, real_now: datetime) -> bool:
    """Claimed by a sender whose lease has not ended."""
    return row.claim is not None and row.next_attempt_at > real_now


def replay(
    *, session: Session, actor: Principal, row: DeliveryRow, reason: str | None, at: datetime, real_now: datetime
) -> None:
    """Send the delivery again, due now; refused (`StateConflict`) while it is being sent or when its subscription
    was deleted."""
    if in_flight(row, real_now):
        raise StateConflict(f"Delivery {row.id} is being sent right now; replay it once that attempt is done.")
    if subscription(session=session, subscription_id=row.subscription_id) is None:
        raise StateConflict(f"Delivery {row.id}'s subscription was deleted; nothing is sent to it any more.")
    replayed = session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == row.id, DeliveryRow.claim.is_(None) | (DeliveryRow.next_attempt_at <= real_now))
        .values(state=PENDING, failures=0, next_attempt_at=real_now, claim=None)
        .execution_options(synchronize_session="fetch")
    )
    if replayed.rowcount != 1:  # type: ignore[attr-defined]
        raise StateConflict(
            f"Delivery {row.id} was claimed by a sender meanwhile; replay it once that attempt is done."
        )
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="webhook.replayed",
        subject_type="delivery",
        subject_id=str(row.id),
        changes={"event": row.event_id},
        reason=reason,
    )
    session.flush()
