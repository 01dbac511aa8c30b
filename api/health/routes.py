"""Liveness (/healthz: the process answers) and readiness (/readyz: the database answers, schema current)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import DatabaseDep
from api.health.schemas import Health, Readiness
from api.problems import ServiceUnavailable
from api.store.session import head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness: the process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: the database answers and its schema is current",
    responses={503: {"description": "Not ready"}},
)
def readyz(database: DatabaseDep) -> Readiness:
    try:
        revision = database.revision()
    except Exception as exc:
        raise ServiceUnavailable(f"The database does not answer: {type(exc).__name__}.") from exc
    if revision != head_revision():
        raise ServiceUnavailable(f"The database schema is at {revision}, not {head_revision()}: run the migrations.")
    return Readiness(
        status="ready", database="sqlite" if database.is_sqlite else "postgresql", schema_revision=revision
    )
