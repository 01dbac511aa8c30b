"""Nasty strings through every field the API stores that a page, a chat message or a webhook will show: control
characters, terminal escapes, bidi overrides and blank text are refused naming the field (nothing stored);
markup and accents are stored as text, normalised (escaping them is the renderer's job: the console's and the
webhooks')."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

REFUSED = ["\x1b[31mred\x1b[0m", "file\u202etxt.exe", "a\u2067b", "bell\x07", "   ", "\t \n"]
KEPT = {"<script>alert(1)</script>": "<script>alert(1)</script>", "Jose\u0301 <b>": "Jos\u00e9 <b>"}
REQUEST = {"requester": "Sam Reyes", "title": "VPN", "impact": "person", "urgency": "can_wait", "effort_minutes": 30}

# (method, path, who, body with the field set to the value, field)
FIELDS: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("POST", "/requests", "sales", REQUEST, "title"),
    ("POST", "/requests", "sales", REQUEST, "requester"),
    ("POST", "/departments", "admin", {"id": "legal", "name": "x"}, "name"),
    ("POST", "/agents", "admin", {"id": "kim", "name": "x"}, "name"),
    ("POST", "/skills", "admin", {"id": "sql", "name": "x"}, "name"),
    ("POST", "/principals", "admin", {"id": "bot", "name": "x", "role": "lead"}, "name"),
    ("POST", "/principals/lead/tokens", "admin", {"label": "x"}, "label"),
    ("POST", "/pins", "lead", {"id": "p1", "kind": "first", "request": "REQ-3", "reason": "x"}, "reason"),
    ("POST", "/requests/REQ-3/close", "lead", {"reason": "x"}, "reason"),
    ("POST", "/plans", "lead", {"time_limit_seconds": 1, "reason": "x"}, "reason"),
    ("POST", "/agents/ana/help", "ana", {"reason": "x"}, "reason"),
]


@pytest.mark.parametrize("value", REFUSED)
def test_unsafe_text_is_refused_naming_the_field_and_nothing_is_stored(api: Api, value: str) -> None:
    before = api.get("/requests", "lead").json()["items"]
    for _, path, who, body, field in FIELDS:
        answer = api.post(path, who, {**body, field: value})
        assert answer.status_code == 422, (path, field, answer.text)
        assert [e["field"] for e in answer.json()["errors"]] == [field], (path, answer.json())
    etag = api.get("/requests/REQ-1", "lead").headers["etag"]
    patched = api.patch("/requests/REQ-1", "lead", {"title": value}, etag=etag)
    assert patched.status_code == 422 and patched.json()["errors"][0]["field"] == "title"
    assert api.get("/requests", "lead").json()["items"] == before
    assert api.get("/pins", "lead").json() == []


@pytest.mark.parametrize(("value", "shown"), KEPT.items())
def test_markup_and_accents_are_stored_as_text_normalised(api: Api, value: str, shown: str) -> None:
    filed = api.post("/requests", "sales", {**REQUEST, "title": value, "requester": value})
    assert filed.status_code == 201, filed.text
    read = api.get(f"/requests/{filed.json()['id']}", "sales").json()
    assert read["title"] == read["requester"] == shown
    named = api.post("/departments", "admin", {"id": "legal", "name": value})
    assert named.status_code == 201 and named.json()["name"] == shown
