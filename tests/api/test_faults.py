"""Bad input never causes a 500 and never stores anything: malformed JSON, wrong types, unknown ids,
oversized bodies, missing or wrong tokens. Each answer is a problem document naming the bad field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.org import new_request


def _stored(api: Api) -> tuple[int, int]:
    requests = len(api.get("/requests", "lead", params={"limit": 2000}).json()["items"])
    audit = len(api.get("/audit", "lead", params={"limit": 500}).json()["items"])
    return requests, audit


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def test_malformed_json_is_400(api: Api) -> None:
    before = _stored(api)
    answer = api.client.post(
        "/requests", content=b'{"title": ', headers=api.headers("sales", **{"Content-Type": "application/json"})
    )
    assert "malformed JSON" in _problem(answer, 400)["errors"][0]["message"]
    assert _stored(api) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"effort_minutes": "lots"}, "effort_minutes"),
        ({"effort_minutes": 0}, "effort_minutes"),
        ({"impact": "galactic"}, "impact"),
        ({"required_skills": {"net": 9}}, "required_skills.net"),
        ({"required_skills": {"cooking": 1}}, "required_skills.cooking"),
        ({"title": ""}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"deadline": "2026-11-01T09:00:00"}, "deadline"),  # before it is filed
        ({"deadline": "9999-12-31T23:59:59"}, "deadline"),
        ({"department_rank": 10**12}, "department_rank"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_stored(api: Api, change: dict[str, Any], field: str) -> None:
    before = _stored(api)
    body = _problem(api.post("/requests", "sales", new_request(**change)), 422)
    assert field in [e["field"] for e in body["errors"]]
    assert _stored(api) == before


def test_unknown_department_for_a_lead_is_named(api: Api) -> None:
    body = _problem(api.post("/requests", "lead", new_request(department="marketing")), 422)
    assert body["errors"][0]["field"] == "department"
    assert _problem(api.post("/requests", "lead", new_request()), 422)["errors"][0]["field"] == "department"


def test_unknown_ids_are_404(api: Api) -> None:
    for path in (
        "/requests/REQ-999",
        "/requests/REQ-999/placement",
        "/agents/nobody",
        "/departments/nope",
        "/principals/nobody",
        "/plans/7",
        "/jobs/nothing",
    ):
        who = "admin" if path.startswith(("/principals", "/departments", "/agents")) else "lead"
        _problem(api.get(path, who), 404)
    _problem(api.patch("/requests/REQ-999", "lead", {"title": "x"}, etag='"1"'), 404)
    _problem(api.get("/nowhere", "lead"), 404)


def test_an_oversized_body_is_413_and_not_read(api: Api) -> None:
    before = _stored(api)
    huge = new_request(title="x" * 400, requester="y" * 150)
    huge["required_skills"] = {f"skill{i}": 1 for i in range(100_000)}  # about 1.5 MB
    _problem(api.post("/requests", "sales", huge), 413)
    assert _stored(api) == before


def test_a_wrong_if_match_is_412_and_a_bad_cursor_400(api: Api) -> None:
    _problem(api.patch("/requests/REQ-1", "lead", {"title": "x"}, etag="whatever"), 412)
    _problem(api.get("/requests", "lead", params={"after": "abc"}), 400)
    _problem(api.get("/requests", "lead", params={"limit": 0}), 422)
    _problem(api.get("/requests", "lead", params={"status": "lost"}), 422)


def test_missing_and_wrong_tokens_are_401_with_nothing_stored(api: Api) -> None:
    before = _stored(api)
    _problem(api.post("/requests", None, new_request()), 401)
    answer = api.client.post("/requests", json=new_request(), headers={"Authorization": "Basic dXNlcjpwYXNz"})
    _problem(answer, 401)
    answer = api.client.post("/requests", json=new_request(), headers={"Authorization": "Bearer " + "x" * 500})
    _problem(answer, 401)
    assert _stored(api) == before


def test_a_blank_idempotency_key_is_400(api: Api) -> None:
    _problem(api.post("/requests", "sales", new_request(), headers={"Idempotency-Key": "  "}), 400)
