"""Every kind of explanation of a request over HTTP, for the latest plan that includes it: in the reader's
register, with the role rules (a requester only their department's requests, other departments' requests
named by department only), computed once per plan and request."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import Api

ENGINEERING = ("cost", "weighs", "matrix", "lateness", "bound", "solver")


def _plan(api: Api) -> None:
    made = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert made.status_code == 201, made.text


def test_a_lead_reads_every_kind_in_the_lead_register_and_the_detail_on_asking(api: Api) -> None:
    assert api.get("/requests/REQ-3/explanations", "lead").status_code == 404  # no plan yet
    _plan(api)
    answer = api.get("/requests/REQ-3/explanations", "lead")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    kinds = {e["kind"] for e in body}
    assert {"receipt", "priority"} <= kinds and kinds & {"assignment", "unassigned"}
    assert {e["reader"] for e in body} == {"lead"}
    for e in body:
        assert not [w for w in ENGINEERING if re.search(rf"\b{w}\b", e["text"].lower())], e["text"]
    detail = api.get("/requests/REQ-3/explanations", "lead", params={"detail": "true"}).json()
    assert {e["reader"] for e in detail} == {"detail"}
    receipt = next(e for e in detail if e["kind"] == "receipt")
    assert "matrix cell" in receipt["text"] and "per minute late" in receipt["text"]
    only = api.get("/requests/REQ-3/explanations", "lead", params={"kind": "receipt"}).json()
    assert [e["kind"] for e in only] == ["receipt"]


def test_a_requester_reads_their_departments_requests_and_others_only_by_department(api: Api) -> None:
    _plan(api)
    assert api.get("/requests/REQ-2/explanations", "sales").status_code == 404  # People's request
    mine = api.get("/requests/REQ-1/explanations", "sales")
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body and {e["reader"] for e in body} == {"people"}
    others = ("REQ-2", "REQ-4", "Payroll export fails", "Badge reader")
    for e in body:
        assert not [o for o in others if o in e["text"]], e["text"]
        assert not [r for r in e["request_ids"] if r in ("REQ-2", "REQ-4")]
        assert not [f for f in e["facts"] if re.search(r"REQ-[24]\b", f"{f['name']} {f['value']}")]


@pytest.mark.parametrize("settings_overrides", [{"plan_in_child": False}])  # the replaced function runs here
def test_the_expensive_kinds_are_computed_once_per_plan_and_request(api: Api, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from api.explanations import service as explaining

    calls: list[str] = []
    real = explaining.explain_request

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(explaining, "explain_request", counted)
    _plan(api)
    first = api.get("/requests/REQ-3/explanations", "lead").json()
    again = api.get("/requests/REQ-3/explanations", "manager").json()
    assert calls == ["REQ-3"] and [e["facts"] for e in first] == [e["facts"] for e in again]


def test_the_cache_keeps_the_answers_of_the_newest_plans_only() -> None:
    from api.explanations.service import ExplanationCache

    cache = ExplanationCache(size=6, plans=2)
    for plan_id in (1, 2):
        for request_id in ("REQ-1", "REQ-2"):
            cache.put((plan_id, request_id), [])
    assert len(cache) == 4
    cache.put((3, "REQ-1"), [])  # a third plan: the oldest plan's answers go
    assert cache.get((1, "REQ-1")) is None and cache.get((1, "REQ-2")) is None
    assert cache.get((2, "REQ-1")) == [] and cache.get((3, "REQ-1")) == [] and len(cache) == 3
    cache.put((2, "REQ-3"), [])  # an answer about a kept plan keeps the newest two
    for request_id in ("REQ-4", "REQ-5", "REQ-6"):
        cache.put((3, request_id), [])
    assert len(cache) == 6  # and the count still caps it, least recently used first
    cache.put((3, "REQ-7"), [])
    assert len(cache) == 6 and cache.get((2, "REQ-1")) is None
