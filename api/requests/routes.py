"""Requests: filed by requesters (for their department) and leads; read by requesters (their department's),
agents, leads and managers; changed by role (see `api.roles.REQUEST_FIELDS`) with If-Match; closed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.answer import answer
from api.deps import (
    Cursor,
    IdempotencyDep,
    IfMatch,
    Now,
    SessionDep,
    VisibleRequest,
    allowed,
    cursor,
    etag,
    require_version,
    strict_body,
)
from api.live import places
from api.live.placing import after_change
from api.plans.schemas import Placement
from api.problems import Forbidden
from api.requests.schemas import (
    Matrix,
    RequestClose,
    RequestCreate,
    RequestRead,
    RequestResume,
    RequestUpdate,
    RequestWait,
    request_page,
    request_read,
)
from api.roles import Operation, Principal, Role, check_filing_fields, check_request_change, filing_department
from api.schemas import Identifier, Page
from api.store import organisation, requests, waiting
from api.writes import respond
from triage.names import RequestStatus

router = APIRouter(tags=["requests"])
Filer = Annotated[Principal, allowed(Operation.FILE_REQUEST)]
Reader = Annotated[Principal, allowed(Operation.READ_REQUESTS)]
Updater = Annotated[Principal, allowed(Operation.UPDATE_REQUEST)]
Closer = Annotated[Principal, allowed(Operation.CLOSE_REQUEST)]


def _matrix(session: SessionDep) -> Matrix:
    return organisation.policy(session=session).matrix


@router.post(
    "/requests",
    status_code=201,
    response_model=RequestRead,
    summary="File a request",
    dependencies=[strict_body(RequestCreate)],
)
def file_request(
    body: RequestCreate, principal: Filer, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    department = filing_department(principal, body.department)
    check_filing_fields(principal, set(body.model_fields_set))

    def act() -> tuple[RequestRead, dict[str, str]]:
        row = requests.file(session=session, actor=principal, data=body, department_id=department, at=now)
        after_change(session=session, kind="request.filed", subject_id=str(row.id), request_ids=[str(row.id)], at=now)
        return request_read(row, _matrix(session)), {
            "ETag": etag(row.version),
            "Location": f"/requests/{row.id}",
        }

    return respond(session=session, principal=principal, status_code=201, idempotency=idem, at=now, act=act)


@router.get("/requests", response_model=Page[RequestRead], summary="List requests, oldest first, by page")
def list_requests(
    principal: Reader,
    session: SessionDep,
    department: Annotated[Identifier | None, Query(description="Only this department's requests.")] = None,
    status: Annotated[list[RequestStatus] | None, Query(description="Only these statuses (repeatable).")] = None,
    owner: Annotated[Identifier | None, Query(description="Only requests owned by this agent.")] = None,
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=2000, description="Requests per page.")] = 100,
) -> Response:
    if principal.role == Role.REQUESTER:
        if department not in (None, principal.department_id):
            raise Forbidden(f"A requester sees their own department's requests ({principal.department_id}) only.")
        department = principal.department_id
    rows = requests.page(
        session=session,
        department=department,
        statuses=[s.value for s in status or []],
        owner=owner,
        after=cursor(after),
        limit=limit,
    )
    next_after = str(rows[-1].pk) if len(rows) == limit else None
    return Response(request_page(rows, _matrix(session), next_after), media_type="application/json")


@router.get("/requests/{request_id}", response_model=RequestRead, summary="Read a request")
def read_request(_: Reader, row: VisibleRequest, session: SessionDep) -> Response:
    return answer(request_read(row, _matrix(session)), {"ETag": etag(row.version)})


@router.patch(
    "/requests/{request_id}",
    response_model=RequestRead,
    summary="Change a request (If-Match required; a priority override or owner change needs a reason)",
    dependencies=[strict_body(RequestUpdate)],
)
def update_request(
    body: RequestUpdate, principal: Updater, row: VisibleRequest, session: SessionDep, version: IfMatch, now: Now
) -> Response:
    check_request_change(principal, row.owner_id, set(body.model_fields_set))
    require_version(version, row.version, str(row.id))

    def act() -> tuple[RequestRead, dict[str, str]]:
        requests.update(session=session, actor=principal, row=row, data=body, at=now)
        after_change(session=session, kind="request.updated", subject_id=str(row.id), request_ids=[str(row.id)], at=now)
        return request_read(row, _matrix(session)), {"ETag": etag(row.version)}

    return respond(session=session, principal=principal, status_code=200, at=now, act=act)


@router.post(
    "/requests/{request_id}/close",
    response_model=RequestRead,
    summary="Close a request (resolved or withdrawn), and the parts of it peers took that are not done yet",
    dependencies=[strict_body(RequestClose)],
)
def close_request(
    body: RequestClose, principal: Closer, row: VisibleRequest, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    check_request_change(principal, row.owner_id, set())

    def act() -> tuple[RequestRead, dict[str, str]]:
        parts = requests.close(session=session, actor=principal, row=row, reason=body.reason, at=now)
        after_change(
            session=session, kind="request.closed", subject_id=str(row.id), request_ids=[str(row.id), *parts], at=now
        )
        return request_read(row, _matrix(session)), {"ETag": etag(row.version)}

    return respond(session=session, principal=principal, status_code=200, idempotency=idem, at=now, act=act)


@router.post(
    "/requests/{request_id}/wait",
    response_model=RequestRead,
    summary="The request waits (on the requester, a vendor, a change): not planned, its SLA clock paused",
    dependencies=[strict_body(RequestWait)],
)
def wait_request(
    body: RequestWait, principal: Updater, row: VisibleRequest, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    check_request_change(principal, row.owner_id, {"status"})

    def act() -> tuple[RequestRead, dict[str, str]]:
        waiting.wait(
            session=session, actor=principal, row=row, reason=body.reason, until=body.until, note=body.note, at=now
        )
        after_change(session=session, kind="request.waiting", subject_id=str(row.id), request_ids=[str(row.id)], at=now)
        session.flush()
        return request_read(row, _matrix(session)), {"ETag": etag(row.version)}

    return respond(session=session, principal=principal, status_code=200, idempotency=idem, at=now, act=act)


@router.post(
    "/requests/{request_id}/resume",
    response_model=RequestRead,
    summary="The waiting request is back in the queue; its wait is kept as a pause that moves its due time",
    dependencies=[strict_body(RequestResume)],
)
def resume_request(
    body: RequestResume, principal: Updater, row: VisibleRequest, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    check_request_change(principal, row.owner_id, {"status"})

    def act() -> tuple[RequestRead, dict[str, str]]:
        waiting.resume(session=session, actor=principal, row=row, note=body.note, at=now)
        after_change(session=session, kind="request.back", subject_id=str(row.id), request_ids=[str(row.id)], at=now)
        session.flush()
        return request_read(row, _matrix(session)), {"ETag": etag(row.version)}

    return respond(session=session, principal=principal, status_code=200, idempotency=idem, at=now, act=act)


@router.get(
    "/requests/{request_id}/placement",
    response_model=Placement,
    summary="The request's place: tentative (given at once after a change) until a plan includes it, and why",
)
def read_placement(_: Reader, row: VisibleRequest, session: SessionDep) -> Response:
    return answer(places.placement(session=session, request_id=str(row.id)))
