"""The API's contract: health and readiness, the OpenAPI document (every field described, every error a
problem document), every error class mapped to a problem, and migrations that build exactly the tables."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.exceptions import RequestValidationError
from sqlalchemy import create_engine

from api import problems
from api.store import errors as store_errors
from api.store.tables import Base
from tests.api.conftest import Api
from triage import errors


def _subclasses(cls: type) -> set[type]:
    found = {cls}
    for sub in cls.__subclasses__():
        found |= _subclasses(sub)
    return found


def test_every_error_class_has_a_problem_mapping() -> None:
    classes = _subclasses(problems.ApiError) | _subclasses(errors.TandemError) | {RequestValidationError}
    classes |= _subclasses(store_errors.StoreError)
    assert classes - set(problems.HANDLERS) == set()


def test_health_and_readiness(api: Api) -> None:
    assert api.get("/healthz", None).json() == {"status": "ok"}
    ready = api.get("/readyz", None).json()
    assert ready["status"] == "ready" and ready["schema_revision"] == "0012"


def test_the_docs_are_served(api: Api) -> None:
    assert api.get("/docs", None).status_code == 200
    assert api.get("/openapi.json", None).json()["info"]["title"] == "Tandem"


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return list(schema.get("properties", {}).items())


def test_every_field_is_described_and_every_error_is_a_problem(api: Api) -> None:
    document = api.get("/openapi.json", None).json()
    schemas = document["components"]["schemas"]
    undescribed = [
        f"{name}.{field}"
        for name, schema in schemas.items()
        for field, prop in _properties(schema)
        if "description" not in prop and "$ref" not in prop
    ]
    assert undescribed == []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                assert parameter.get("description") or parameter["in"] == "path", (path, parameter["name"])
            for status in ("401", "404", "422"):
                content = operation["responses"][status]["content"]
                assert list(content) == ["application/problem+json"], (method, path, status)
    assert "HTTPValidationError" not in schemas


def test_the_migrations_build_exactly_the_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []
