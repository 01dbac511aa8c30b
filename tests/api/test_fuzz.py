"""Schemathesis fuzzes every operation of the OpenAPI document, valid and invalid input alike: no answer is a
5xx, every answer matches the document (status, content type, schema), and invalid input is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    allow_header_conformance,
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from api.store.session import upgrade
from tests.api.conftest import BACKENDS, empty_postgres, make_settings
from tests.api.org import Seeded, seed

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection, missing_required_header, unsupported_method,
          allow_header_conformance]  # fmt: skip
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"with-security-parameters": False, "allow-extra-parameters": False},
        "checks": {
            "negative_data_rejection": {"expected-statuses": [400, 401, 403, 404, 405, 409, 412, 413, 422, 428]},
            "missing_required_header": {"expected-statuses": [400, 401, 403, 422, 428]},
        },
    }
)
"""The token is ours to send (a case without it is a 401 test of its own), and unknown query parameters are
ignored, not refused. An If-Match that is not one of our strong ETags fails its precondition (412), a missing
one is a required precondition (428, RFC 6585); both are documented on every update."""
ROLES = ("admin", "lead", "manager", "sales", "ana", "snow")
"""One principal of each role: each case is sent as every one of them (most are refused 403 by most roles;
the answer must still match the document)."""


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Seeded]]:
    """The app on a seeded database of its own: a SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("postgres_database")
        empty_postgres(url)
    seeded = seed(url)
    app = create_app(make_settings(url, plan_max_time_limit_seconds=0.3, plan_time_limit_seconds=0.3))
    with TestClient(app):  # runs the app's start-up
        yield schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG), seeded


schema = schemathesis.pytest.from_fixture("fuzzed_schema")


@pytest.fixture(scope="module")
def fuzzed_schema(fuzzed: tuple[Any, Seeded]) -> Any:
    return fuzzed[0]


@pytest.fixture(scope="module")
def tokens(fuzzed: tuple[Any, Seeded]) -> dict[str, str]:
    return fuzzed[1].tokens


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=4, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_breaks_its_contract(case: Any, tokens: dict[str, str]) -> None:
    for who in ROLES:
        case.call_and_validate(headers={"Authorization": f"Bearer {tokens[who]}"}, checks=CHECKS)
