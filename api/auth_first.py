"""Authentication before anything else: a route whose OpenAPI operation needs the bearer token answers 401
to a caller without a good one before its body is read, parsed or validated, and before the resources its path
names are looked up (so a stranger learns neither the fields a route wants nor which ids exist).

Which routes need a token is read from the app's own OpenAPI document (the operations whose `security` names
the bearer scheme, which every route depending on the caller declares), once, at the first request: routers
added by anyone are covered, and the pages that authenticate otherwise (not in the document) are left alone.
The principal found is handed to the route's dependency (`api.deps._principal`) in the request's state.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import authenticate
from api.problems import Unauthorized, problem_response

BEARER_SCHEME = "HTTPBearer"


def protected_operations(document: dict[str, Any]) -> list[tuple[str, re.Pattern[str]]]:
    """(method, path pattern) of every operation of an OpenAPI document that needs the bearer token."""
    found = []
    for path, operations in document.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        for method, operation in operations.items():
            if any(BEARER_SCHEME in requirement for requirement in operation.get("security", [])):
                found.append((method.upper(), pattern))
    return found


class AuthFirst:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._protected: list[tuple[str, re.Pattern[str]]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._needs_token(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            principal = await run_in_threadpool(
                authenticate, request.app.state.database, request.headers.get("authorization")
            )
        except Unauthorized as exc:
            response = problem_response(request, exc.status, exc.slug, exc.title, exc.detail, headers=exc.headers)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    def _needs_token(self, scope: Scope) -> bool:
        if self._protected is None:
            self._protected = protected_operations(scope["app"].openapi())
        method, path = scope["method"], scope["path"]
        return any(method == m and pattern.match(path) for m, pattern in self._protected)
