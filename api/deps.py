"""FastAPI dependencies, as `Annotated` aliases: the database session, the caller, the clock, the version a
write names (If-Match), the Idempotency-Key, and "load it or 404" for each resource a path names."""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.jobs.runner import JobRunner
from api.problems import BadRequest, Forbidden, NotFound, PreconditionFailed, PreconditionRequired, Unauthorized
from api.roles import Operation, Principal, Role
from api.settings import Settings
from api.store import agents, departments, handoffs, jobs, pins, plans, principals, requests
from api.store.session import Database
from api.store.tables import (
    AgentRow,
    DepartmentRow,
    HandOffRow,
    JobRow,
    PinRow,
    PlanRow,
    PrincipalRow,
    RequestRow,
    TokenRow,
)
from triage.explanations.style import article

T = TypeVar("T")

_bearer = HTTPBearer(auto_error=False, description="A token from `tandem serve --demo` or an admin.")


async def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.jobs
    return runner


DatabaseDep = Annotated[Database, Depends(_database)]
SettingsDep = Annotated[Settings, Depends(_settings)]
JobsDep = Annotated[JobRunner, Depends(_runner)]


async def _session(request: Request, database: DatabaseDep) -> AsyncIterator[Session]:
    """A reading session for GET, a writing one otherwise; whoever writes commits.

    Async, so that it costs no trip through the thread pool: making a session does no I/O (it connects at its
    first query, in the route's thread), and closing one does only while its transaction is open (a read, or
    a write that failed before its commit: the rollback runs in a thread)."""
    session = database.session(writing=request.method not in ("GET", "HEAD"))
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(_session)]


async def _now(settings: SettingsDep) -> datetime:
    return settings.fixed_now.astimezone(UTC) if settings.fixed_now else datetime.now(UTC)


Now = Annotated[datetime, Depends(_now)]


def authenticate(database: Database, authorization: str | None) -> Principal:
    """The principal of an `Authorization: Bearer <token>` header (scheme in any case, spaces around allowed);
    401 when it is missing, malformed, unknown, revoked or expired. Read on every request (a revocation counts
    from the next request on, in every process)."""
    scheme, _, secret = (authorization or "").strip().partition(" ")
    secret = secret.strip()
    if not authorization or scheme.lower() != "bearer" or not secret:
        raise Unauthorized("Send a bearer token: Authorization: Bearer <token>.")
    if len(secret) > 200:
        raise Unauthorized("The token is not valid.")
    principal = principals.by_token(database=database, secret=secret, real_now=datetime.now(UTC))
    if principal is None:
        raise Unauthorized("The token is not valid: unknown, revoked or expired.")
    return principal


def _principal(
    request: Request,
    database: DatabaseDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],  # for the OpenAPI document
) -> Principal:
    known = getattr(request.state, "principal", None)  # authenticated before the body was read (api.auth_first)
    if isinstance(known, Principal):
        return known
    return authenticate(database, request.headers.get("authorization"))


CurrentPrincipal = Annotated[Principal, Depends(_principal)]


def allowed(operation: Operation, *more: Operation) -> Any:
    """The caller, if their role may do `operation` (or one of `more`; 403 otherwise):
    `Annotated[Principal, allowed(...)]`."""

    async def check(principal: CurrentPrincipal) -> Principal:  # no I/O: no thread for it
        if not any(principal.may(op) for op in (operation, *more)):
            raise Forbidden(f"{article(principal.role.value).capitalize()} may not {operation.value}.")
        return principal

    check.__name__ = "may_" + "_or_".join(op.name.lower() for op in (operation, *more))
    return Depends(check)


ETAG_PATTERN = r'^\s*"[0-9]{1,9}"\s*$'
"""A strong ETag of ours: a version in quotes (If-Match compares strongly, RFC 9110 13.1.1; no `W/`)."""
_VERSION = re.compile(r'^\s*"([0-9]{1,9})"\s*$')
CURSOR_PATTERN = r"^[0-9]{1,12}$"
"""A page cursor: the `next_after` of the previous page, the last id seen."""
IDEMPOTENCY_KEY_PATTERN = r"\S"
"""An Idempotency-Key: up to 255 characters, not all blank."""


def etag(version: int) -> str:
    return f'"{version}"'


async def _if_match(
    if_match: Annotated[
        str | None,
        Header(
            description="The strong ETag you read; required (428 without it, 412 if it is not the current one).",
            json_schema_extra={"pattern": ETAG_PATTERN},
        ),
    ] = None,
) -> str | None:
    return if_match


IfMatch = Annotated[str | None, Depends(_if_match)]
"""The raw If-Match header; `expected_version` reads it once the body is known to be valid."""


def expected_version(if_match: str | None) -> int:
    """The version an update names in If-Match: 428 without one, 412 if it names no version."""
    if if_match is None:
        raise PreconditionRequired("Send If-Match with the ETag you read, so that no one's change is overwritten.")
    match = _VERSION.match(if_match)
    if match is None and if_match.strip().startswith("W/"):
        raise PreconditionFailed(f"If-Match {if_match[:40]!r} is a weak ETag; send the strong ETag you read.")
    if match is None:
        raise PreconditionFailed(f"If-Match {if_match[:40]!r} matches no version of this resource.")
    return int(match.group(1))


def require_version(if_match: str | None, current: int, what: str) -> None:
    """412 unless If-Match names the current version of `what`."""
    expected = expected_version(if_match)
    if expected != current:
        raise PreconditionFailed(f"{what} is at version {current}, not {expected}; read it again.")


@dataclass(frozen=True)
class Idempotency:
    """The Idempotency-Key of a POST, and a fingerprint of what was asked (method, path, body)."""

    key: str | None
    fingerprint: str


IdempotencyHeader = Annotated[
    str | None,
    Header(
        max_length=255,
        description="Makes a retried POST safe: the same key gets the first answer again. Not blank.",
        json_schema_extra={"pattern": IDEMPOTENCY_KEY_PATTERN},
    ),
]


async def _idempotency(request: Request, idempotency_key: IdempotencyHeader = None) -> Idempotency:
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + await request.body()).hexdigest()
    if idempotency_key is not None and not idempotency_key.strip():
        raise BadRequest("Idempotency-Key must not be blank.")
    return Idempotency(key=idempotency_key, fingerprint=digest)


IdempotencyDep = Annotated[Idempotency, Depends(_idempotency)]


async def _idempotency_key(idempotency_key: IdempotencyHeader = None) -> Idempotency:
    """The Idempotency-Key alone, for an upload: its route fingerprints what it parsed (the multipart boundary
    of each attempt differs), so the fingerprint here is empty and the route gives its own."""
    if idempotency_key is not None and not idempotency_key.strip():
        raise BadRequest("Idempotency-Key must not be blank.")
    return Idempotency(key=idempotency_key, fingerprint="")


IdempotencyKeyDep = Annotated[Idempotency, Depends(_idempotency_key)]


def strict_body(model: type[BaseModel]) -> Any:
    """Check the JSON body against `model` without coercion (no `true` for a number, no number for a date):
    FastAPI validates leniently; this refuses what the OpenAPI document does not allow. Use in
    `dependencies=[...]` of a route whose body is `model`."""

    async def check(request: Request) -> None:
        body = await request.body() or b"null"
        try:
            model.model_validate_json(body, strict=True)
        except ValidationError as exc:
            if not any(e["type"] == "int_type" and isinstance(e["input"], float) for e in exc.errors()):
                raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from exc
            try:  # JSON has one kind of number: 9.0 is the integer 9 (as the OpenAPI "integer" type says)
                model.model_validate_json(_integral_floats_as_ints(body), strict=True)
            except ValidationError as again:
                raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in again.errors()]) from again

    check.__name__ = f"strict_{model.__name__}"
    return Depends(check)


def _integral_floats_as_ints(body: bytes) -> bytes:
    """The JSON body with every number that is a whole number written as one (9.0 as 9; 9.5 stays)."""

    def number(text: str) -> int | float:
        value = float(text)
        return int(value) if value.is_integer() and abs(value) < 2**53 else value

    return json.dumps(json.loads(body, parse_float=number)).encode()


Cursor = Annotated[
    str | None,
    Query(
        max_length=12,
        description="The next_after of the previous page.",
        json_schema_extra={"pattern": CURSOR_PATTERN},
    ),
]
"""The `after` query parameter of a paged list."""


def cursor(after: str | None) -> int:
    """A page cursor (the last id seen) as an integer; 400 when it is not one of ours."""
    if after is None:
        return 0
    if re.fullmatch(CURSOR_PATTERN, after) is None:  # ASCII digits only: "²".isdigit() but int("²") fails
        raise BadRequest(f"after={after[:40]!r} is not a cursor from this API.")
    return int(after)


def _loader(load: Callable[[Session, str], T | None], what: str) -> Callable[..., T]:
    """A dependency loading the resource named by the path parameter `<what>_id`, or raising 404."""

    def dependency(session: Session, key: str) -> T:
        found = load(session, key)
        if found is None:
            raise NotFound(f"No {what} {key!r}.")
        return found

    dependency.__name__ = f"load_{what}"
    key = Annotated[str, Path(alias=f"{what}_id", max_length=64)]
    dependency.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("session", inspect.Parameter.KEYWORD_ONLY, annotation=SessionDep),
            inspect.Parameter("key", inspect.Parameter.KEYWORD_ONLY, annotation=key),
        ]
    )
    return dependency


def _visible_request(
    session: SessionDep, principal: CurrentPrincipal, request_id: Annotated[str, Path(max_length=64)]
) -> RequestRow:
    """The request, if the caller may see it: a requester sees only their department's (404 otherwise)."""
    row = requests.get(session=session, request_id=request_id)
    if row is None or (principal.role == Role.REQUESTER and row.department_id != principal.department_id):
        raise NotFound(f"No request {request_id!r}.")
    return row


def _plan_id(key: str) -> int:
    """A numeric path id (plans, hand-offs); -1, which matches nothing, when it is not one."""
    return int(key) if key.isdigit() and len(key) < 10 else -1


VisibleRequest = Annotated[RequestRow, Depends(_visible_request)]
DepartmentById = Annotated[
    DepartmentRow, Depends(_loader(lambda s, k: departments.get(session=s, department_id=k), "department"))
]
AgentById = Annotated[AgentRow, Depends(_loader(lambda s, k: agents.get(session=s, agent_id=k), "agent"))]
PlanById = Annotated[PlanRow, Depends(_loader(lambda s, k: plans.get(session=s, plan_id=_plan_id(k)), "plan"))]
JobById = Annotated[JobRow, Depends(_loader(lambda s, k: jobs.get(session=s, job_id=k), "job"))]
PrincipalById = Annotated[
    PrincipalRow, Depends(_loader(lambda s, k: principals.get(session=s, principal_id=k), "principal"))
]
PinById = Annotated[PinRow, Depends(_loader(lambda s, k: pins.get(session=s, pin_id=k), "pin"))]
HandOffById = Annotated[
    HandOffRow, Depends(_loader(lambda s, k: handoffs.get(session=s, handoff_id=_plan_id(k)), "handoff"))
]
TokenById = Annotated[TokenRow, Depends(_loader(lambda s, k: principals.get_token(session=s, token_id=k), "token"))]
