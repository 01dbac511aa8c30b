"""HTTP schemas of the webhook resources: subscriptions (their secret shown once, at creation) and deliveries."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema, field_validator

from api.schemas import Identifier, Reason
from api.webhooks.outbox import PENDING, EventType
from api.webhooks.store import in_flight
from api.webhooks.tables import DeliveryRow, EventRow, SubscriptionRow

_PORT = r"([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
URL_PATTERN = rf"^[Hh][Tt][Tt][Pp][Ss]?://(\[[0-9A-Fa-f:.]+\]|[^\s/?#@:\[\]]+)(:{_PORT})?([/?#]\S*)?$"
"""An http(s) URL with a host, without credentials, with a port up to 65535 (`addresses.check_url` says the
rest: the host resolves, and is not this server)."""
Url = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2000, pattern=r"^\S+$"),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 2000, "pattern": URL_PATTERN}),
]
"""The pattern documents what `addresses.check_url` refuses, with a message naming the rule broken."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubscriptionCreate(_In):
    """Where to post which events: signed with a secret generated for this subscription, shown once."""

    url: Url = Field(description="The receiver: an http(s) URL, not this server; redirects are not followed.")
    event_types: list[EventType] = Field(
        min_length=1, description="The event types to receive, each once.", json_schema_extra={"uniqueItems": True}
    )
    department_id: Identifier | None = Field(None, description="Only this department's events; absent: all.")
    description: str = Field("", max_length=200, description="What the receiver is, for the admins.")

    @field_validator("event_types")
    @classmethod
    def _distinct(cls, value: list[EventType]) -> list[EventType]:
        if len(set(value)) != len(value):
            raise ValueError("each event type once")
        return value


class SubscriptionRead(_Out):
    id: str = Field(description="Subscription id.")
    url: str = Field(description="The receiver's URL.")
    event_types: list[EventType] = Field(description="The event types it receives.")
    department_id: str | None = Field(description="Only this department's events; null: all.")
    description: str = Field(description="What the receiver is.")
    created_by: str = Field(description="The admin who made it.")
    created_at: datetime = Field(description="When it was made.")


class SubscriptionCreated(SubscriptionRead):
    secret: str = Field(
        description="The signing secret (`whsec_...`), shown this once: the receiver verifies signatures with it."
    )


class DeliveryReplay(_In):
    reason: Reason | None = Field(None, description="Why it is sent again, for the audit log.")


class DeliveryRead(_Out):
    id: int = Field(description="Delivery id.")
    subscription_id: str = Field(description="The subscription it goes to.")
    event_id: str = Field(description="The event's id: the `webhook-id` header on every attempt and replay.")
    event_type: EventType = Field(description="The event's type.")
    request_id: str | None = Field(description="The request the event is about, if any.")
    department_id: str | None = Field(description="The department whose event it is, if any.")
    state: str = Field(description="pending (due at next_attempt_at), succeeded, dead or cancelled.")
    attempts: int = Field(description="Attempts started, replays included.")
    failures: int = Field(description="Failed attempts in a row since it was made or replayed.")
    next_attempt_at: datetime | None = Field(description="When it is due (pending only).")
    in_flight: bool = Field(description="A sender holds it right now.")
    last_attempt_at: datetime | None = Field(description="When the last attempt ended.")
    last_status: int | None = Field(description="The HTTP status of the last answer; null when there was none.")
    last_response: str | None = Field(description="The first 500 characters of the last answer's body.")
    last_error: str | None = Field(description="Why the last attempt got no answer (timeout, refused connection).")
    last_duration_ms: int | None = Field(description="How long the last attempt took, in milliseconds.")
    delivered_at: datetime | None = Field(description="When a 2xx answer came.")
    created_at: datetime = Field(description="When the event was queued for this subscription.")
    payload: dict[str, Any] = Field(description="The JSON posted (the same bytes on every attempt).")


def subscription_read(row: SubscriptionRow) -> SubscriptionRead:
    return SubscriptionRead(
        id=row.id,
        url=row.url,
        event_types=[EventType(t) for t in row.event_types],
        department_id=row.department_id,
        description=row.description,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def delivery_read(row: DeliveryRow, event: EventRow, real_now: datetime) -> DeliveryRead:
    return DeliveryRead(
        id=row.id,
        subscription_id=row.subscription_id,
        event_id=event.id,
        event_type=EventType(event.type),
        request_id=event.request_id,
        department_id=event.department_id,
        state=row.state,
        attempts=row.attempts,
        failures=row.failures,
        next_attempt_at=row.next_attempt_at if row.state == PENDING else None,
        in_flight=in_flight(row, real_now),
        last_attempt_at=row.last_attempt_at,
        last_status=row.last_status,
        last_response=row.last_response,
        last_error=row.last_error,
        last_duration_ms=row.last_duration_ms,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
        payload=json.loads(event.body),
    )
