"""The lead's priority override of a request, from the request's page: `PATCH /requests/{id}` with
`priority_override` (a priority, or none to return to the matrix) and the reason the store requires, through
the API's schema (`RequestUpdate`, strictly), role rule (`check_request_change`), If-Match rule (the version
read with the page) and store function (`requests.update`, audited), the request then placed at once in the
live queue as the API's change is (`after_change`). Refusals are shown next to the field; nothing is stored.

Not priced before saving: the API's what-if prices pins and absences, not a change of priority."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import Now, SessionDep, require_version
from api.deps import _visible_request as visible_request
from api.live.placing import after_change
from api.roles import Operation, check_request_change
from api.schemas import RequestUpdate
from api.store import requests
from api.web.auth import Visitor, may
from api.web.forms import Refusal, as_api, back, fields_of, saved
from api.web.pages_lead import show_request
from api.web.render import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Updater = Annotated[Visitor, may(Operation.UPDATE_REQUEST)]
FIELD = "priority_override"


@router.post("/console/requests/{request_id}/priority")
async def override_priority(request: Request, visitor: Updater, session: SessionDep, now: Now, request_id: str
                            ) -> Response:  # fmt: skip
    values = fields_of(await request.form())
    version = values.pop("version", "") or None
    # the role's fields first (a requester or an agent may not set a priority, whichever request it is)
    check_request_change(visitor.principal, visitor.principal.agent_id, {FIELD})
    row = visible_request(session, visitor.principal, request_id[:64])
    check_request_change(visitor.principal, row.owner_id, {FIELD})
    document = {FIELD: values.get(FIELD) or None, "reason": values.get("reason", "").strip() or None}

    def save() -> RequestUpdate:
        body = as_api(RequestUpdate, document)
        require_version(version, row.version, str(row.id))
        requests.update(session=session, actor=visitor.principal, row=row, data=body, at=now)
        after_change(session=session, kind="request.updated", subject_id=str(row.id), request_ids=[str(row.id)], at=now)
        return body

    body = saved(session, save)
    if isinstance(body, Refusal):
        return show_request(request, visitor, session, now, str(row.id), body.status, values=values,
                            errors=body.errors, detail=body.detail)  # fmt: skip
    said = f"priority {body.priority_override.value}" if body.priority_override else "the matrix's priority again"
    return back(f"/console/requests/{row.id}", f"{row.id} now has {said}.")
