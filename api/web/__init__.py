"""The console: server-rendered pages (Jinja2, htmx) for every role, inside the API process, with the API's
role rules (`api.roles`) and its store and service functions; static assets served from this package.

`mount(app)` adds the pages, `/static` (htmx, the style sheet, Swagger UI and ReDoc) and `/docs`, `/redoc`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.settings import Settings
from api.web import (
    pages_admin,
    pages_agent,
    pages_common,
    pages_lead,
    pages_manager,
    pages_organisation,
    pages_policy,
    pages_priority,
    pages_requester,
    pages_webhooks,
)
from api.web.auth import console_key

STATIC = Path(__file__).resolve().parent / "static"
ROUTERS = [
    m.router
    for m in (
        pages_requester,
        pages_lead,
        pages_agent,
        pages_manager,
        pages_admin,
        pages_organisation,
        pages_policy,
        pages_priority,
        pages_webhooks,
        pages_common,
    )
]
"""The pages, in order: /requests/new before /requests/{id}; pages_common last (its /console/{rest})."""


def mount(app: FastAPI, settings: Settings) -> None:
    app.state.console_key = console_key(settings)
    app.mount("/static/docs", StaticFiles(directory=pages_common.DOCS_ASSETS), name="docs-assets")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
