"""Pages out: the Jinja2 environment, the filters (times in the team's time zone, hours), and the route class
that turns every failure of a page into an HTML page (sign-in, 403, 404, 422, 500), never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from api.problems import ApiError, from_store_error
from api.roles import Operation, Principal, Role
from api.store.errors import StoreError
from api.web.auth import SignInRequired
from triage.errors import TandemError

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
_log = logging.getLogger("tandem.console")

NAV: list[tuple[str, str, Operation, frozenset[Role] | None]] = [
    ("Board", "/console/board", Operation.READ_PLANS, frozenset({Role.LEAD, Role.MANAGER, Role.AGENT})),
    ("My work", "/console/my-work", Operation.ASK_HELP, frozenset({Role.AGENT})),
    ("Requests", "/console/requests", Operation.READ_REQUESTS, None),
    ("File a request", "/console/requests/new", Operation.FILE_REQUEST, None),
    ("Simulations", "/console/simulations", Operation.SIMULATE, None),
    ("Departments", "/console/departments", Operation.READ_DEPARTMENT_REPORT, None),
    ("Audit log", "/console/audit", Operation.READ_AUDIT, None),
    ("Organisation", "/console/admin", Operation.MANAGE_ORGANISATION, None),
    ("Webhooks", "/console/admin/webhooks", Operation.MANAGE_WEBHOOKS, None),
]
"""The menu: a link shows when the role may do its operation (and is one of the roles the page is for)."""


def nav_for(principal: Principal) -> list[tuple[str, str]]:
    return [
        (label, href)
        for label, href, op, roles in NAV
        if principal.may(op) and (roles is None or principal.role in roles)
    ]


def local_time(moment: datetime | None, zone: ZoneInfo, style: str = "long") -> str:
    """An instant as the team reads it: 'Mon 23 Nov 14:30' in the team's time zone ('' for none)."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return local.strftime("%H:%M") if style == "time" else local.strftime("%a %d %b %H:%M")


def hours(minutes: int | float | None) -> str:
    """Minutes as a person reads them: '45 min', '2 h', '3.5 h'."""
    if minutes is None:
        return ""
    if minutes < 60:
        return f"{round(minutes)} min"
    value = minutes / 60
    return f"{value:.0f} h" if abs(value - round(value)) < 0.05 else f"{value:.1f} h"


TEMPLATES.env.filters["hours"] = hours
TEMPLATES.env.globals["ops"] = Operation


PAGE_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
"""Console pages load from this server only, run no inline script and are not framed by other sites."""


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render a template; `zone` (the team's time zone) gives the `when` filter its meaning."""
    zone: ZoneInfo = context.get("zone") or ZoneInfo("UTC")
    visitor = context.get("visitor")
    base = {
        "request": request,
        "when": lambda m, style="long": local_time(m, zone, style),
        "nav": nav_for(visitor.principal) if visitor else [],
        "zone_name": zone.key,
    }
    response = TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


def error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    """The error as a page, or as a fragment in place of the part an htmx request was to replace."""
    name = "error_fragment.html" if request.headers.get("hx-request") else "error.html"
    return page(request, name, {"status": status, "title": title, "detail": detail}, status_code=status)


def _sign_in(request: Request, reason: str) -> Response:
    target = f"/console/sign-in?next={quote(request.url.path)}&reason={quote(reason)}"
    if request.headers.get("hx-request"):  # htmx follows this header with a full page load
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


class PageRoute(APIRoute):
    """A console route: failures become pages (a missing session a redirect to sign in), never JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as exc:
                return _sign_in(request, exc.reason)
            except (ApiError, StoreError) as exc:
                problem = from_store_error(exc) if isinstance(exc, StoreError) else exc
                return error_page(request, problem.status, problem.title, problem.detail)
            except (RequestValidationError, TandemError) as exc:
                return error_page(request, 422, "Invalid input", _first_error(exc))
            except HTTPException as exc:
                return error_page(request, exc.status_code, "Not available", str(exc.detail))
            except Exception:
                _log.exception("console page %s failed", request.url.path)
                return error_page(
                    request, 500, "Something went wrong", "The page could not be shown. Nothing was changed; try again."
                )

        return route


def _first_error(exc: Exception) -> str:
    if isinstance(exc, RequestValidationError):
        errors = exc.errors()
        if errors:
            first = errors[0]
            return f"{'.'.join(str(p) for p in first.get('loc', ()))}: {first.get('msg', '')}"
    return str(exc)[:300]
