"""The admin's webhooks: the subscriptions (subscribe, its signing secret shown once; delete), and the delivery
log with each delivery's last answer and a replay button, through the API's own checks and store
(`api.webhooks.addresses`, `signing`, `store`); refusals are shown next to the field or as a notice."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import Now, SessionDep, SettingsDep
from api.problems import ApiError, Conflict, InvalidInput, NotFound, problem_of
from api.roles import Operation
from api.store import departments
from api.store.errors import StateConflict, StoreError
from api.web.auth import Visitor, may
from api.web.pages_common import context
from api.web.render import PageRoute, page
from api.webhooks import addresses, signing, store
from api.webhooks.outbox import EventType
from api.webhooks.schemas import SubscriptionCreate, delivery_read, subscription_read

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Admin = Annotated[Visitor, may(Operation.MANAGE_WEBHOOKS)]
PAGE = 100
HOME = "/console/admin/webhooks"


def _page(
    request: Request,
    visitor: Visitor,
    session: SessionDep,
    *,
    state: str | None = None,
    after: int = 0,
    status_code: int = 200,
    **more: Any,
) -> HTMLResponse:
    rows = store.deliveries(
        session=session, subscription_id=None, state=state, event_type=None, after=after, limit=PAGE
    )
    real_now = datetime.now(UTC)
    return page(
        request,
        "webhooks.html",
        context(
            session,
            visitor,
            subscriptions=[subscription_read(r) for r in store.subscriptions(session=session)],
            deliveries=[delivery_read(d, e, real_now) for d, e in rows],
            next_after=rows[-1][0].id if len(rows) == PAGE else None,
            state=state or "",
            states=store.STATES,
            event_types=[t.value for t in EventType],
            departments=departments.all_departments(session=session),
            **{"created": None, "errors": {}, "values": {}, "notice": "", **more},
        ),
        status_code=status_code,
    )


@router.get("/console/admin/webhooks")
def webhooks(
    request: Request,
    visitor: Admin,
    session: SessionDep,
    state: Annotated[str, Query(max_length=20)] = "",
    after: Annotated[int, Query(ge=0)] = 0,
    notice: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    return _page(request, visitor, session, state=state if state in store.STATES else None, after=after, notice=notice)


@router.post("/console/admin/webhooks")
async def subscribe(request: Request, visitor: Admin, session: SessionDep, settings: SettingsDep, now: Now) -> Response:
    """Subscribe a receiver (the API's checks: the schema, the URL rule, a key to keep the secret with); the
    secret is on the page this once."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "event_types"}
    chosen = [v for v in form.getlist("event_types") if isinstance(v, str)]
    try:
        body = SubscriptionCreate.model_validate(
            {
                "url": values.get("url", "").strip(),
                "event_types": chosen,
                "department_id": values.get("department_id") or None,
                "description": values.get("description", ""),
            }
        )
        addresses.check_url(body.url, listen_host=settings.listen_host, listen_port=settings.listen_port)
        try:
            signing.cipher(settings.webhook_keys())
        except signing.KeyMissing as exc:
            raise Conflict(str(exc)) from exc
        row, secret = store.create_subscription(
            session=session,
            actor=visitor.principal,
            url=body.url,
            event_types=[t.value for t in body.event_types],
            department_id=body.department_id,
            description=body.description,
            keys=settings.webhook_keys(),
            at=now,
        )
        session.commit()
    except (ValidationError, ApiError, StoreError) as exc:
        session.rollback()
        problem = problem_of(exc)
        errors = {e.field.split(".")[0]: e.message for e in problem.errors} if isinstance(problem, InvalidInput) else {}
        return _page(
            request,
            visitor,
            session,
            status_code=422 if errors else problem.status,
            errors=errors,
            values={**values, "event_types": chosen},
            notice=f"Not subscribed: {problem.detail}",
        )
    return _page(request, visitor, session, created=(subscription_read(row), secret))


@router.post("/console/admin/webhooks/{subscription_id}/delete")
def delete(visitor: Admin, session: SessionDep, now: Now, subscription_id: str) -> RedirectResponse:
    row = store.subscription(session=session, subscription_id=subscription_id[:64])
    if row is None:
        raise NotFound(f"No webhook subscription {subscription_id[:64]!r}.")
    store.delete_subscription(session=session, actor=visitor.principal, row=row, at=now)
    session.commit()
    return RedirectResponse(
        f"{HOME}?notice={quote(f'Deleted {row.id}: nothing more is sent to {row.url}.'[:280])}", status_code=303
    )


@router.post("/console/admin/deliveries/{delivery_id}/replay")
def replay(
    visitor: Admin,
    session: SessionDep,
    now: Now,
    delivery_id: int,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Send a delivery again (the same webhook-id and body); refused with the store's reason while it is being
    sent or when its subscription was deleted."""
    found = store.delivery(session=session, delivery_id=delivery_id)
    if found is None:
        raise NotFound(f"No webhook delivery {delivery_id}.")
    try:
        store.replay(
            session=session,
            actor=visitor.principal,
            row=found[0],
            reason=reason or None,
            at=now,
            real_now=datetime.now(UTC),
        )
        session.commit()
    except StateConflict as exc:
        session.rollback()
        notice = f"Not replayed: {exc.detail}"
    else:
        notice = f"Delivery {delivery_id} is due again now (the same webhook-id and body)."
    return RedirectResponse(f"{HOME}?notice={quote(notice[:280])}#deliveries", status_code=303)
