"""Errors as RFC 9457 problem details (`application/problem+json`), mapped in one place.

The API's exception tree (each class is one status and one problem type):

ApiError
├── BadRequest            400  malformed JSON, a bad header or cursor
├── Unauthorized          401  no token, or a token that is unknown or revoked
├── Forbidden             403  the role may not do this, or not to this field
├── NotFound              404  no such resource, or not one the caller may see
├── Conflict              409  the state does not allow it (closed, applied, stale plan, taken id)
├── PreconditionFailed    412  If-Match names a version that is no longer current
├── PayloadTooLarge       413  the body is over the configured limit
├── InvalidInput          422  a field is wrong; `errors` names each field
├── PreconditionRequired  428  an update came without If-Match
└── ServiceUnavailable    503  the database is not reachable or not migrated

Mapped as well: the store's own errors (`api.store.errors`: `StateConflict` 409, `VersionMismatch` 412,
`InvalidFields` 422, by `from_store_error`), the core's `triage.errors.TandemError` tree (`ScenarioError`: 422
naming record and field), FastAPI's `RequestValidationError` (422, or 400 for malformed JSON), Starlette's
`HTTPException` (its own status), SQLAlchemy's `StaleDataError` (412: a concurrent writer won),
`IntegrityError` (409) and `DataError` (422), and any other exception (500, with nothing of its internals). A
test checks that every class has a mapping.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Callable
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.store import errors as store
from triage.errors import ScenarioError, TandemError

log = logging.getLogger("tandem.api")
MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One bad field of the request."""

    field: str = Field(description="Dotted path of the field, e.g. 'effort_minutes' or 'required_skills.net'.")
    location: str = Field(description="Where the field is: 'body', 'query', 'path' or 'header'.")
    message: str = Field(description="What is wrong with it.")


class ProblemDocument(BaseModel):
    """An RFC 9457 problem details document."""

    type: str = Field(description="A URI reference naming the kind of problem, e.g. '/problems/not-found'.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong in this occurrence, in plain language.")
    instance: str = Field(description="The path of the request that failed.")
    errors: list[FieldError] = Field(default_factory=list, description="The bad fields, when fields are to blame.")


class ApiError(Exception):
    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self, detail: str, *, errors: list[FieldError] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


class BadRequest(ApiError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(ApiError):
    status, slug, title = 401, "unauthorized", "Not authenticated"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    status, slug, title = 403, "forbidden", "Not allowed for your role"


class NotFound(ApiError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ApiError):
    status, slug, title = 409, "conflict", "Conflicts with the current state"


class PreconditionFailed(ApiError):
    status, slug, title = 412, "version-mismatch", "The resource changed since you read it"


class PayloadTooLarge(ApiError):
    status, slug, title = 413, "too-large", "Request body too large"


class InvalidInput(ApiError):
    status, slug, title = 422, "invalid-input", "Invalid input"


class PreconditionRequired(ApiError):
    status, slug, title = 428, "if-match-required", "If-Match is required"


class ServiceUnavailable(ApiError):
    status, slug, title = 503, "unavailable", "Not ready"


summary = store.summary
"""The first few bad fields, in one line (the store's words and the API's are the same)."""


def invalid(field: str, message: str, location: str = "body") -> InvalidInput:
    """A 422 naming one field."""
    return from_store_error(store.invalid(field, message, location))


def from_validation_error(exc: ValidationError, location: str = "body", prefix: str = "") -> InvalidInput:
    """A pydantic error (e.g. from a domain model's own rules) as a 422 naming every field."""
    return from_store_error(store.from_validation_error(exc, location, prefix))


STORE_ERRORS: dict[type[store.StoreError], type[ApiError]] = {
    store.StateConflict: Conflict,
    store.VersionMismatch: PreconditionFailed,
    store.InvalidFields: InvalidInput,
}
"""The problem each of the store's errors is."""


def problem_of(exc: ValidationError | ApiError | store.StoreError) -> ApiError:
    """A refusal from a schema, a service or the store as the API's problem (the console shows it alike)."""
    if isinstance(exc, ValidationError):
        return from_validation_error(exc)
    return from_store_error(exc) if isinstance(exc, store.StoreError) else exc


@typing.overload
def from_store_error(exc: store.InvalidFields) -> InvalidInput: ...
@typing.overload
def from_store_error(exc: store.StoreError) -> ApiError: ...
def from_store_error(exc: store.StoreError) -> ApiError:
    """The store's refusal as its problem: the same detail and fields."""
    errors = [FieldError(field=e.field, location=e.location, message=e.message) for e in exc.errors]
    return STORE_ERRORS[type(exc)](exc.detail, errors=errors)


MAX_ERRORS = 50
"""A problem names at most this many fields (bad input can be large)."""


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    document = ProblemDocument(
        type="about:blank" if slug == "http" else f"/problems/{slug}",
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=(errors or [])[:MAX_ERRORS],
    )
    return JSONResponse(document.model_dump(), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, exc.errors, exc.headers)


def _store_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, store.StoreError)
    return _api_error(request, from_store_error(exc))


def _scenario_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ScenarioError)
    errors = [
        FieldError(field=f"{p.record}.{p.field}" if p.field else p.record, location="stored data", message=p.message)
        for p in exc.problems
    ]
    detail = f"The stored organisation cannot be planned: {len(errors)} problem(s)."
    return problem_response(request, 422, "scenario-invalid", "The scenario cannot be planned", detail, errors)


def _tandem_error(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 422, "tandem-error", "Cannot be done", str(exc))


def _location(loc: tuple[Any, ...]) -> tuple[str, str]:
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        return str(loc[0]), ".".join(str(p) for p in loc[1:])
    return "body", ".".join(str(p) for p in loc)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in raw):
        message = next(str(e.get("ctx", {}).get("error", e["msg"])) for e in raw if e.get("type") == "json_invalid")
        errors = [FieldError(field="", location="body", message=f"malformed JSON: {message}")]
        return problem_response(request, 400, "malformed-json", "Malformed JSON", "The body is not valid JSON.", errors)
    errors = []
    for e in raw:
        location, field = _location(tuple(e.get("loc", ())))
        errors.append(FieldError(field=field, location=location, message=str(e["msg"]).removeprefix("Value error, ")))
    return problem_response(request, 422, "invalid-input", "Invalid input", summary(errors), errors)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(
        request, exc.status_code, "http", _phrase(exc.status_code), str(exc.detail), headers=headers
    )


def _stale(request: Request, exc: Exception) -> JSONResponse:
    detail = "Another update changed this resource at the same moment; read it again and retry with its ETag."
    return problem_response(request, 412, PreconditionFailed.slug, PreconditionFailed.title, detail)


def _integrity(request: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error on %s: %s", request.url.path, exc)
    detail = "The change conflicts with stored data (a duplicate id or a reference in use)."
    return problem_response(request, 409, Conflict.slug, Conflict.title, detail)


def _unstorable(request: Request, exc: Exception) -> JSONResponse:
    log.info("data error on %s: %s", request.url.path, exc)
    detail = "A value cannot be stored as given (out of range or not representable)."
    return problem_response(request, 422, InvalidInput.slug, InvalidInput.title, detail)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, ApiError.slug, ApiError.title, "The server failed; nothing was changed.")


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


Handler = Callable[[Request, Exception], JSONResponse]

HANDLERS: dict[type[Exception], Handler] = {
    **{
        cls: _api_error
        for cls in (
            ApiError,
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PreconditionFailed,
            PayloadTooLarge,
            InvalidInput,
            PreconditionRequired,
            ServiceUnavailable,
        )
    },
    **dict.fromkeys((store.StoreError, *STORE_ERRORS), _store_error),
    TandemError: _tandem_error,
    ScenarioError: _scenario_error,
    RequestValidationError: _validation_error,
    StarletteHTTPException: _http_error,
    StaleDataError: _stale,
    IntegrityError: _integrity,
    DataError: _unstorable,
    Exception: _unexpected,
}
"""Every exception class the API answers for, with its problem document."""

ERROR_STATUSES = (400, 401, 403, 404, 409, 412, 413, 422, 428)
"""The problem statuses every operation documents in the OpenAPI document."""


def install(app: FastAPI) -> None:
    for cls, handler in HANDLERS.items():
        app.add_exception_handler(cls, handler)
