"""The lead's priority override of a request, from the request's page, priced before it is saved.

Two steps. "Price it" (`POST .../priority/price`) checks the form as saving it would, without keeping
anything: the API's schema (`RequestUpdate`, strictly), role rule (`check_request_change`), If-Match rule (the
version read with the page) and store function (`requests.update`, whose rules, the reason among them, run
and are rolled back); refusals are shown next to the field. Then it prices the change with the API's what-if
(`planning.what_if`, kind priority: the newest plan priced under the changed priority, and re-planned with
it), in the people register (hours, names, departments), and offers the confirm step. A request the newest
plan does not hold (filed since, waiting, closed) cannot be priced: the page says so and why, and the confirm
step is offered without a price. Saving (`POST .../priority`) is the API's `PATCH /requests/{id}` with the
reason, audited, the request then placed at once in the live queue as the API's change is (`after_change`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.deps import Now, SessionDep, SettingsDep, require_version
from api.deps import _visible_request as visible_request
from api.live.placing import after_change
from api.plans import service as planning
from api.plans.schemas import WhatIfCreate, WhatIfRead
from api.problems import ApiError
from api.requests.schemas import RequestUpdate
from api.roles import Operation, check_request_change
from api.store import plans, requests
from api.store.errors import StoreError
from api.store.tables import RequestRow
from api.web.auth import Visitor, may
from api.web.forms import Refusal, as_api, back, field_errors, fields_of, problem_of, saved, status_of
from api.web.pages_lead import show_request
from api.web.render import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Updater = Annotated[Visitor, may(Operation.UPDATE_REQUEST)]
FIELD = "priority_override"


def _read_form(values: dict[str, str]) -> tuple[str | None, dict[str, Any]]:
    """(the version read with the page, the API's document of the change)."""
    version = values.pop("version", "") or None
    return version, {FIELD: values.get(FIELD) or None, "reason": values.get("reason", "").strip() or None}


def _row(session: SessionDep, visitor: Visitor, request_id: str) -> RequestRow:
    # the role's fields first (a requester or an agent may not set a priority, whichever request it is)
    check_request_change(visitor.principal, visitor.principal.agent_id, {FIELD})
    row = visible_request(session, visitor.principal, request_id[:64])
    check_request_change(visitor.principal, row.owner_id, {FIELD})
    return row


def _store(
    session: SessionDep, visitor: Visitor, now: Now, row: RequestRow, version: str | None, document: dict[str, Any]
) -> RequestUpdate:
    body = as_api(RequestUpdate, document)
    require_version(version, row.version, str(row.id))
    requests.update(session=session, actor=visitor.principal, row=row, data=body, at=now)
    return body


def _checked(
    session: SessionDep, visitor: Visitor, now: Now, row: RequestRow, version: str | None, document: dict[str, Any]
) -> Refusal | None:
    """What saving would refuse, found by saving and rolling back (nothing is kept): None when it would save."""
    try:
        _store(session, visitor, now, row, version, document)
    except (ValidationError, ApiError, StoreError) as exc:
        session.rollback()
        problem = problem_of(exc)
        return Refusal(status_of(problem), field_errors(problem), problem.detail)
    session.rollback()
    return None


def _price(
    session: SessionDep, settings: SettingsDep, request_id: str, priority: str | None
) -> tuple[WhatIfRead | None, str]:
    """The what-if of the change against the newest plan: (the answer, "") or (None, why it cannot be priced)."""
    plan_row = plans.latest_with_scenario(session=session)
    if plan_row is None:
        return None, "no plan has been computed yet, so there is nothing to price it against"
    asked = WhatIfCreate.model_validate({"kind": "priority", "request": request_id, "priority": priority})
    try:
        return planning.what_if(plan_row=plan_row, asked=asked, settings=settings), ""
    except ApiError as exc:
        if "request" in field_errors(exc):
            return None, f"plan {plan_row.id} does not include {request_id} (filed since, waiting or closed)"
        return None, exc.detail


@router.post("/console/requests/{request_id}/priority/price")
async def price_priority(
    request: Request, visitor: Updater, session: SessionDep, settings: SettingsDep, now: Now, request_id: str
) -> Response:
    """The price of the override before it is saved (nothing is stored), and the confirm step."""
    values = fields_of(await request.form())
    version, document = _read_form(dict(values))
    row = _row(session, visitor, request_id)
    rid = str(row.id)
    refused = _checked(session, visitor, now, row, version, document)
    if refused is not None:
        return show_request(
            request,
            visitor,
            session,
            now,
            rid,
            refused.status,
            values=values,
            errors=refused.errors,
            detail=refused.detail,
        )
    answer, unpriced = _price(session, settings, rid, document[FIELD])
    return show_request(
        request, visitor, session, now, rid, values=values, price=answer, unpriced=unpriced, confirm=True
    )


@router.post("/console/requests/{request_id}/priority")
async def override_priority(
    request: Request, visitor: Updater, session: SessionDep, now: Now, request_id: str
) -> Response:
    """Save the override (the confirm step of the priced form), with its reason, audited."""
    values = fields_of(await request.form())
    version, document = _read_form(dict(values))
    row = _row(session, visitor, request_id)

    def save() -> RequestUpdate:
        body = _store(session, visitor, now, row, version, document)
        after_change(session=session, kind="request.updated", subject_id=str(row.id), request_ids=[str(row.id)], at=now)
        return body

    body = saved(session, save)
    if isinstance(body, Refusal):
        return show_request(
            request,
            visitor,
            session,
            now,
            str(row.id),
            body.status,
            values=values,
            errors=body.errors,
            detail=body.detail,
        )
    said = f"priority {body.priority_override.value}" if body.priority_override else "the matrix's priority again"
    return back(f"/console/requests/{row.id}", f"{row.id} now has {said}.")
