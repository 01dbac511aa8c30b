"""Every resource's router (`api/<resource>/routes.py`), in the order the OpenAPI document lists them. Each
route parses, authorises (its operation is declared in its signature), makes one call and converts the result."""

from __future__ import annotations

from fastapi import APIRouter

from api.agents import routes as agents
from api.audit import routes as audit
from api.departments import routes as departments
from api.explanations import routes as explanations
from api.handoffs import routes as handoffs
from api.health import routes as health
from api.imports import routes as imports
from api.jobs import routes as jobs
from api.organisation import routes as organisation
from api.pins import routes as pins
from api.plans import routes as plans
from api.principals import routes as principals
from api.requests import routes as requests
from api.simulations import routes as simulations
from api.webhooks import routes as webhooks

ROUTERS: list[APIRouter] = [
    health.router,
    principals.router,
    organisation.router,
    departments.router,
    agents.router,
    requests.router,
    plans.router,
    explanations.router,
    pins.router,
    handoffs.router,
    jobs.router,
    imports.router,
    audit.router,
    simulations.router,
    webhooks.router,
]
