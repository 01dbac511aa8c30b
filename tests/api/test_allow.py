"""The methods of a path, told truthfully: OPTIONS answers 204 with `Allow` listing every method the OpenAPI
document gives the path (no token needed), a 405 lists them all, and the document says what the server
requires of its headers and cursors (If-Match required and strong, Idempotency-Key not blank, cursors digits)."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import Api

IMPLICIT = {"HEAD", "OPTIONS"}


def _allow(response: object) -> set[str]:
    return {m.strip() for m in response.headers["allow"].split(",")}  # type: ignore[attr-defined]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "sales", path)


def test_options_on_every_path_lists_every_documented_method(api: Api) -> None:
    document = api.get("/openapi.json", None).json()
    for path, operations in document["paths"].items():
        response = api.client.options(_concrete(path))
        declared = {m.upper() for m in operations}
        assert response.status_code == 204, path
        assert _allow(response) - IMPLICIT == declared, path
        assert "OPTIONS" in _allow(response) and ("HEAD" in _allow(response)) == ("GET" in declared), path


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/departments", "DELETE", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("/agents/ana", "PUT", {"GET", "HEAD", "PATCH", "OPTIONS"}),
        ("/plans", "PATCH", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("/policy", "POST", {"GET", "HEAD", "PUT", "OPTIONS"}),
    ],
)
def test_a_405_lists_every_method_of_the_path(api: Api, path: str, method: str, expected: set[str]) -> None:
    response = api.client.request(method, path, headers=api.headers("admin"))
    assert response.status_code == 405
    assert _allow(response) == expected
    assert response.headers["content-type"] == "application/problem+json"


def test_options_on_an_unknown_path_is_404(api: Api) -> None:
    assert api.client.options("/no-such-thing").status_code == 404


def test_the_document_states_the_header_and_cursor_formats_the_server_enforces(api: Api) -> None:
    document = api.get("/openapi.json", None).json()
    parameters = [
        (method, path, p)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
        for p in op.get("parameters", [])
    ]
    if_match = [(m, path, p) for m, path, p in parameters if p["name"] == "if-match"]
    assert {(m, path) for m, path, _ in if_match} >= {("patch", "/agents/{agent_id}"), ("put", "/policy")}
    for _, _, p in if_match:
        assert p["required"] is True
        pattern = p["schema"]["pattern"]
        assert re.search(pattern, '"3"') and not re.search(pattern, 'W/"3"') and not re.search(pattern, "3")
    keys = [p for _, _, p in parameters if p["name"] == "idempotency-key"]
    assert keys and all(not re.search(p["schema"]["pattern"], "  ") for p in keys)
    cursors = [p for _, _, p in parameters if p["name"] == "after"]
    assert len(cursors) >= 5
    assert all(re.search(p["schema"]["pattern"], "12") and not re.search(p["schema"]["pattern"], "²") for p in cursors)


def test_the_server_refuses_what_the_document_refuses(api: Api) -> None:
    assert api.get("/requests?after=%C2%B2", "lead").status_code == 400  # "²" is a digit to str.isdigit
    policy = api.get("/policy", "admin")
    body = policy.json()
    assert api.put("/policy", "admin", body, None).status_code == 428
    assert api.put("/policy", "admin", body, f"W/{policy.headers['etag']}").status_code == 412
    assert api.put("/policy", "admin", body, policy.headers["etag"]).status_code == 200
    blank = api.post("/departments", "admin", {"id": "ops", "name": "Ops"}, headers={"Idempotency-Key": " "})
    assert blank.status_code == 400
