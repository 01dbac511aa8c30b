"""`create_app(settings)`: the Tandem HTTP API.

At start-up the app checks its settings, brings the database schema to the newest migration, creates the
organisation row if it is missing, and records as failed any job whose process died; it runs the webhook
delivery loop (`api.webhooks.delivery`) while it serves, when a webhook key is set. OpenAPI is served at
/openapi.json and /docs; every operation documents its problem responses (RFC 9457).
"""

from __future__ import annotations

import asyncio
import copy
import gc
import json
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import memtrace, offload, problems, web
from api.allow import AllowedMethods
from api.auth_first import AuthFirst
from api.departments.service import OncePerPlan
from api.document import tidy
from api.heap import HeapTrimmer
from api.jobs.runner import JobRunner
from api.live.replanning import LiveReplanner
from api.routers import ROUTERS
from api.settings import Settings
from api.store import jobs, organisation
from api.store.session import Database, upgrade
from api.webhooks.delivery import Deliverer

DESCRIPTION = """Tandem plans the queue of an internal service team: departments file requests, the queue lead
computes and applies plans, everyone can read why. Authenticate with `Authorization: Bearer <token>`.
POSTs accept an `Idempotency-Key`; updates need `If-Match` with the ETag you read. Errors are RFC 9457
problem documents (`application/problem+json`) naming the bad field."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        thresholds = gc.get_threshold()
        gc.set_threshold(*settings.gc_thresholds)
        memtrace.install_from_env()  # off unless TANDEM_TRACEMALLOC names a folder
        if settings.migrate_on_start:
            await run_in_threadpool(upgrade, settings.database_url)
        database = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
        await run_in_threadpool(_prepare, database, settings)
        app.state.database = database
        app.state.jobs = JobRunner(database, settings)
        webhooks = Deliverer(database, settings) if settings.webhook_deliver and settings.webhook_keys() else None
        if webhooks is not None:
            webhooks.start()
        if settings.plan_in_child:  # the fork server imports the solver once, in the background
            threading.Thread(target=offload.warm, name="offload-warm", daemon=True).start()
        replanner = LiveReplanner(database, settings)
        if settings.live_replan:
            replanner.start()
        # per app, so per database: plan ids are the database's
        app.state.override_effects = OncePerPlan(in_child=settings.plan_in_child)
        trimmer = HeapTrimmer(settings.heap_trim_seconds)
        trimmer.start()
        try:
            yield
        finally:
            await run_in_threadpool(trimmer.stop)
            await run_in_threadpool(replanner.stop)
            if webhooks is not None:
                await run_in_threadpool(webhooks.stop)
            await run_in_threadpool(app.state.jobs.shutdown)
            database.dispose()
            gc.set_threshold(*thresholds)

    app = FastAPI(
        title="Tandem", version="0.1.0", description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None
    )  # /docs and /redoc come from the console, with local assets
    app.state.settings = settings
    problems.install(app)
    uploads = {
        "/imports": (
            settings.limits.import_bytes + UPLOAD_ROOM,
            settings.upload_timeout_seconds,
            "an export's limit `import_bytes` (TANDEM_LIMIT_IMPORT_BYTES) and its form",
        )
    }
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, timeout_seconds=settings.body_timeout_seconds, uploads=uploads
    )
    app.add_middleware(AuthFirst)  # runs before the body is read
    app.add_middleware(AllowedMethods)  # added last, so it runs first: OPTIONS needs no token, as the document
    for router in ROUTERS:
        app.include_router(router)
    web.mount(app, settings)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _prepare(database: Database, settings: Settings) -> None:
    try:
        with database.writing() as session:
            organisation.ensure(session=session)
            jobs.fail_stale(
                session=session, stale_after=timedelta(seconds=settings.job_stale_seconds), real_now=datetime.now(UTC)
            )
            session.commit()
    except IntegrityError:  # another process created the organisation row at the same moment
        pass


UPLOAD_ROOM = 2 * 1024 * 1024  # an upload's form around its file: the mapping file (1 MiB at most) and fields


class BodyLimit:
    """Refuse bodies over `max_bytes` with 413 before the app reads them (Content-Length or streamed), and bodies
    not all received within `timeout_seconds` of the headers with 408 (a client that sends its headers and then
    a byte now and then would otherwise hold a connection, and its memory, for ever). Upload routes (`uploads`:
    path -> bytes, seconds, what the limit is) have their own, larger, limits."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        timeout_seconds: float,
        uploads: dict[str, tuple[int, float, str]] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds
        self.uploads = uploads or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes, timeout_seconds, what = self.uploads.get(
            scope.get("path", ""), (self.max_bytes, self.timeout_seconds, "")
        )
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
            await self._too_large(scope, send, max_bytes, what)
            return
        chunks, size, more = [], 0, True
        deadline = asyncio.get_running_loop().time() + timeout_seconds
        while more:
            try:
                message = await asyncio.wait_for(receive(), deadline - asyncio.get_running_loop().time())
            except TimeoutError:
                await self._refuse(
                    scope,
                    send,
                    408,
                    "timeout",
                    "Request body too slow",
                    f"The body did not arrive within {timeout_seconds:g} s.",
                )
                return
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > max_bytes:
                await self._too_large(scope, send, max_bytes, what)
                return
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)

    async def _too_large(self, scope: Scope, send: Send, max_bytes: int, what: str) -> None:
        detail = f"The body is over {max_bytes} bytes" + (f": {what}." if what else ".")
        await self._refuse(scope, send, 413, "too-large", "Request body too large", detail)

    async def _refuse(self, scope: Scope, send: Send, status: int, slug: str, title: str, detail: str) -> None:
        document = {
            "type": f"/problems/{slug}",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": scope.get("path", ""),
            "errors": [],
        }
        body = json.dumps(document).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", problems.MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list[Message], then: Receive) -> Receive:
    """The messages already read, then the connection's own (a later disconnect, say)."""

    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        return await then()

    return receive


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with problem documents (not FastAPI's validation error) as every error response."""
    if app.openapi_schema:
        return app.openapi_schema
    key = _routes_key(app)
    if key in _DOCUMENTS:  # every app of one process has the same routes: build the document once (~1-2 s)
        app.openapi_schema = copy.deepcopy(_DOCUMENTS[key])
        return app.openapi_schema
    document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for model in (problems.ProblemDocument, problems.FieldError):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schema.pop("$defs", None)
        schemas[model.__name__] = schema
    problem = {"content": {problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}}}
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
                    parameter["required"] = True  # read after the body is valid (`deps.IfMatch`): 428 without it
            responses = operation.setdefault("responses", {})
            for status in problems.ERROR_STATUSES:
                responses[str(status)] = {"description": _phrase(status), **problem}
    tidy(document)
    _DOCUMENTS[key] = copy.deepcopy(document)
    app.openapi_schema = document
    return document


_DOCUMENTS: dict[tuple[object, ...], dict[str, Any]] = {}


def _routes_key(app: FastAPI) -> tuple[object, ...]:
    """What the document is made of: the app's title and version and each route's path, methods and endpoint."""
    routes = tuple(
        (
            type(route).__name__,
            getattr(route, "path", None),
            tuple(sorted(getattr(route, "methods", None) or ())),
            id(getattr(route, "endpoint", None)),
            getattr(route, "include_in_schema", None),
        )
        for route in app.routes
        if getattr(route, "include_in_schema", True)  # the docs' own routes are per app, and not in the document
    )
    return (app.title, app.version, app.description, routes)


def _phrase(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).phrase
