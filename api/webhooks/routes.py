"""Webhook subscriptions and the delivery log (admins): subscribe (the secret is shown once), list, read,
delete; read deliveries with their last answer, and replay one (the same `webhook-id` and body again)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, TypeAdapter

from api.answer import answer, answer_list
from api.deps import Cursor, IdempotencyDep, Now, SessionDep, SettingsDep, allowed, cursor, strict_body
from api.problems import Conflict, NotFound
from api.roles import Operation, Principal
from api.schemas import Page
from api.webhooks import addresses, signing, store
from api.webhooks.outbox import EventType
from api.webhooks.schemas import (
    DeliveryRead,
    DeliveryReplay,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionRead,
    delivery_read,
    subscription_read,
)
from api.webhooks.tables import DeliveryRow, EventRow, SubscriptionRow
from api.writes import respond

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
Admin = Annotated[Principal, allowed(Operation.MANAGE_WEBHOOKS)]
_list = TypeAdapter(list[SubscriptionRead])


def _subscription(session: SessionDep, subscription_id: Annotated[str, Path(max_length=64)]) -> SubscriptionRow:
    row = store.subscription(session=session, subscription_id=subscription_id)
    if row is None:
        raise NotFound(f"No webhook subscription {subscription_id!r}.")
    return row


def _delivery(session: SessionDep, delivery_id: Annotated[str, Path(max_length=12)]) -> tuple[DeliveryRow, EventRow]:
    found = store.delivery(session=session, delivery_id=int(delivery_id)) if delivery_id.isdigit() else None
    if found is None:
        raise NotFound(f"No webhook delivery {delivery_id!r}.")
    return found


SubscriptionById = Annotated[SubscriptionRow, Depends(_subscription)]
DeliveryById = Annotated[tuple[DeliveryRow, EventRow], Depends(_delivery)]


@router.post(
    "/subscriptions",
    status_code=201,
    response_model=SubscriptionCreated,
    summary="Subscribe a receiver to event types (the signing secret is shown once)",
    dependencies=[strict_body(SubscriptionCreate)],
)
def create_subscription(
    body: SubscriptionCreate,
    principal: Admin,
    session: SessionDep,
    settings: SettingsDep,
    idem: IdempotencyDep,
    now: Now,
) -> Response:
    addresses.check_url(body.url, listen_host=settings.listen_host, listen_port=settings.listen_port)
    try:
        signing.cipher(settings.webhook_keys())
    except signing.KeyMissing as exc:
        raise Conflict(str(exc)) from exc

    def act() -> tuple[SubscriptionCreated, dict[str, str]]:
        row, secret = store.create_subscription(
            session=session,
            actor=principal,
            url=body.url,
            event_types=[t.value for t in body.event_types],
            department_id=body.department_id,
            description=body.description,
            keys=settings.webhook_keys(),
            at=now,
        )
        created = SubscriptionCreated(**subscription_read(row).model_dump(), secret=secret)
        return created, {"Location": f"/webhooks/subscriptions/{row.id}"}

    def without_secret(created: BaseModel) -> str:
        return SubscriptionRead(**created.model_dump(exclude={"secret"})).model_dump_json()

    return respond(
        session=session,
        principal=principal,
        status_code=201,
        idempotency=idem,
        at=now,
        act=act,
        stored_body=without_secret,
    )


@router.get("/subscriptions", response_model=list[SubscriptionRead], summary="The webhook subscriptions")
def list_subscriptions(_: Admin, session: SessionDep) -> Response:
    return answer_list(_list, [subscription_read(r) for r in store.subscriptions(session=session)])


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionRead, summary="Read a subscription")
def read_subscription(_: Admin, row: SubscriptionById) -> Response:
    return answer(subscription_read(row))


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=204,
    summary="Delete a subscription: nothing more is sent to it (its log stays)",
)
def delete_subscription(principal: Admin, row: SubscriptionById, session: SessionDep, now: Now) -> Response:
    store.delete_subscription(session=session, actor=principal, row=row, at=now)
    session.commit()
    return Response(status_code=204)


@router.get("/deliveries", response_model=Page[DeliveryRead], summary="The delivery log, oldest first, by page")
def list_deliveries(
    _: Admin,
    session: SessionDep,
    subscription_id: Annotated[str | None, Query(max_length=64, description="Only this subscription's.")] = None,
    state: Annotated[
        str | None, Query(pattern="^(pending|succeeded|dead|cancelled)$", description="Only deliveries in this state.")
    ] = None,
    event_type: Annotated[EventType | None, Query(description="Only events of this type.")] = None,
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Deliveries per page.")] = 100,
) -> Response:
    rows = store.deliveries(
        session=session,
        subscription_id=subscription_id,
        state=state,
        event_type=event_type.value if event_type else None,
        after=cursor(after),
        limit=limit,
    )
    real_now = datetime.now(UTC)
    items = [delivery_read(d, e, real_now) for d, e in rows]
    return answer(Page[DeliveryRead](items=items, next_after=str(rows[-1][0].id) if len(rows) == limit else None))


@router.get("/deliveries/{delivery_id}", response_model=DeliveryRead, summary="A delivery, its last answer, its event")
def read_delivery(_: Admin, found: DeliveryById) -> Response:
    return answer(delivery_read(*found, datetime.now(UTC)))


@router.post(
    "/deliveries/{delivery_id}/replay",
    response_model=DeliveryRead,
    summary="Send a delivery again (the same webhook-id and body), also a dead or succeeded one",
    dependencies=[strict_body(DeliveryReplay)],
)
def replay_delivery(
    body: DeliveryReplay, principal: Admin, found: DeliveryById, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    row, event = found

    def act() -> tuple[DeliveryRead, dict[str, str]]:
        real_now = datetime.now(UTC)
        store.replay(session=session, actor=principal, row=row, reason=body.reason, at=now, real_now=real_now)
        return delivery_read(row, event, real_now), {}

    return respond(session=session, principal=principal, status_code=200, idempotency=idem, at=now, act=act)
