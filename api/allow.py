"""Which methods a path allows, told truthfully: `OPTIONS` on any route answers 204 with `Allow` listing every
method of its path, and a 405 lists them all too (RFC 9110 15.5.6 and 9.3.7).

Starlette keeps one route per (path, method), so its 405 names only the first route that matched the path; this
middleware reads the methods of each path from the app's OpenAPI document (as `api.auth_first` does), once.
HEAD goes with GET (Starlette answers it) and OPTIONS with every path; pages outside the document are left to
Starlette. No token is needed: the methods of a path are in the public OpenAPI document already.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def path_methods(document: dict[str, Any]) -> list[tuple[re.Pattern[str], list[str]]]:
    """(path pattern, every method answered there) for each path of an OpenAPI document, in `ORDER`."""
    found = []
    literal_first = sorted(document.get("paths", {}).items(), key=lambda item: item[0].count("{"))
    for path, operations in literal_first:  # /plans/compare before /plans/{plan_id}
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        methods = {method.upper() for method in operations} | {"OPTIONS"}
        if "GET" in methods:
            methods.add("HEAD")
        found.append((pattern, [m for m in ORDER if m in methods] + sorted(methods - set(ORDER))))
    return found


class AllowedMethods:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._paths: list[tuple[re.Pattern[str], list[str]]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._paths is None:  # the document is complete only once every router is included
            self._paths = path_methods(scope["app"].openapi())
        methods = next((methods for pattern, methods in self._paths if pattern.match(scope["path"])), [])
        if not methods:
            await self.app(scope, receive, send)
            return
        allow = ", ".join(methods).encode()
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": [(b"allow", allow)]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message = {**message, "headers": [*headers, (b"allow", allow)]}
            await send(message)

        await self.app(scope, receive, send_with_allow)
