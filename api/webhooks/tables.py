"""The webhook tables: subscriptions (with their signing secret encrypted), the outbox of events, and one
delivery per event and subscription that matched it when it was published (the delivery log).

They share `api.store.tables.Base`, so the migrations' check and the tests' clean-up see them; importing
`api.webhooks` registers them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.store.tables import Base


class SubscriptionRow(Base):
    """An admin's subscription: where to post, which event types, optionally one department's events only.
    `secret_encrypted` is the `whsec_` secret, Fernet-encrypted with the deployment's key."""

    __tablename__ = "webhook_subscriptions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    event_types: Mapped[list[Any]]
    department_id: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class EventRow(Base):
    """One event of the outbox, written in the transaction of the change it reports. `body` is the exact JSON
    posted (signed as is, the same bytes on every retry); `id` is the `webhook-id`."""

    __tablename__ = "webhook_events"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    department_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)


class DeliveryRow(Base):
    """One event to one subscription: pending (due at `next_attempt_at`), succeeded, dead (after the most
    failures allowed in a row) or cancelled (its subscription was deleted). A sender claims a pending delivery
    by moving `next_attempt_at` to the end of its lease and writing its `claim`; a sender killed mid-delivery
    leaves it due again when the lease ends, so it is sent again with the same event id."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_events.id"))
    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int]
    failures: Mapped[int]  # in a row, since it was created or replayed: dead at the configured maximum
    next_attempt_at: Mapped[datetime]
    claim: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_response: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_duration_ms: Mapped[int | None]
    delivered_at: Mapped[datetime | None]
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
        Index("ix_webhook_deliveries_event", "event_id"),
    )
