"""Pages every visitor reaches: the way in (`/` to the visitor's home), sign-in and sign-out, and the API's
documentation (Swagger UI and ReDoc) from assets served by this process, not a CDN."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import fastapi_offline
from fastapi import APIRouter, Form, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.problems import NotFound
from api.roles import Role
from api.store import organisation, principals
from api.store.convert import calendar_of
from api.store.session import Database
from api.web.auth import (
    CSRF_FIELD,
    MAX_TOKEN_CHARS,
    SESSION_COOKIE,
    SIGN_IN_CSRF_COOKIE,
    Visitor,
    VisitorDep,
    session_value,
)
from api.web.render import PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
DOCS_ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
"""Swagger UI and ReDoc, as shipped (pinned by version) in the fastapi-offline package."""

HOME: dict[Role, str] = {
    Role.LEAD: "/console/board",
    Role.AGENT: "/console/my-work",
    Role.REQUESTER: "/console/requests",
    Role.MANAGER: "/console/simulations",
    Role.ADMIN: "/console/admin",
}


def team_zone(session: Session) -> ZoneInfo:
    """The team's time zone: every time on a page is shown in it."""
    return calendar_of(organisation.get(session=session)).zone


def context(session: Session, visitor: Visitor, **more: object) -> dict[str, object]:
    """What every signed-in page gets: the visitor, their CSRF token, the team's time zone."""
    return {"visitor": visitor, "csrf": visitor.csrf, "zone": team_zone(session), **more}


@router.get("/", response_class=RedirectResponse)
def root() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=303)


@router.get("/console/")
def home(visitor: VisitorDep) -> RedirectResponse:
    return RedirectResponse(HOME[visitor.principal.role], status_code=303)


@router.get("/console/sign-in")
def sign_in_form(request: Request, reason: str = "", next: str = "") -> HTMLResponse:
    csrf = secrets.token_urlsafe(24)
    response = page(request, "sign_in.html", {"reason": reason[:200], "next": _safe_next(next), "csrf": csrf})
    response.set_cookie(
        SIGN_IN_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="lax",
        secure=_https(request),
        path="/console/sign-in",
        max_age=3600,
    )
    return response


@router.post("/console/sign-in")
def sign_in(
    request: Request,
    token: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(alias=CSRF_FIELD, max_length=100)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Exchange a token for a session cookie; the form again with the reason when the token does not hold."""
    expected = request.cookies.get(SIGN_IN_CSRF_COOKIE)
    if not expected or not secrets.compare_digest(expected, csrf):
        return sign_in_form(request, reason="The sign-in form expired; please try again.", next=next)
    token = token.strip()
    principal = None
    if token and len(token) <= MAX_TOKEN_CHARS:
        database: Database = request.app.state.database
        principal = principals.by_token(database=database, secret=token, real_now=datetime.now(UTC))
    if principal is None:
        response = sign_in_form(
            request,
            reason="That token is not valid, or it was revoked. (A token may also have expired: ask an admin.)",
            next=next,
        )
        response.status_code = 401
        return response
    response = RedirectResponse(_safe_next(next) or HOME[principal.role], status_code=303)
    settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE,
        session_value(request.app.state.console_key, token, int(time.time())),
        httponly=True,
        samesite="lax",
        secure=_https(request),
        path="/",
        max_age=int(settings.session_hours * 3600),
    )
    response.delete_cookie(SIGN_IN_CSRF_COOKIE, path="/console/sign-in")
    return response


@router.post("/console/sign-out")
def sign_out(_: VisitorDep) -> RedirectResponse:
    response = RedirectResponse("/console/sign-in?reason=You+are+signed+out.", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _safe_next(target: str) -> str:
    """Only a console path of this site (no scheme, no host, no '//'), so sign-in cannot send anyone away."""
    return target if target.startswith("/console/") and "//" not in target and "\\" not in target else ""


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'"
)
"""The documentation pages fetch from this server only: ReDoc's bundle would load its logo from a CDN."""


@router.get("/docs")
def swagger() -> HTMLResponse:
    return _local_only(
        get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Tandem API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png",
        )
    )


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return _local_only(
        get_redoc_html(
            openapi_url="/openapi.json",
            title="Tandem API",
            redoc_js_url="/static/docs/redoc.standalone.js",
            redoc_favicon_url="/static/docs/favicon.png",
            with_google_fonts=False,
        )
    )


def _local_only(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = DOCS_POLICY
    return response


@router.get("/console/{rest:path}")
def unknown(rest: str) -> Response:
    raise NotFound(f"There is no page /console/{rest[:80]}.")
