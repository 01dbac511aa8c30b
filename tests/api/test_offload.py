"""The API's planning in short-lived child processes (`api.offload`): the answer and the errors come back
whole, the child's memory is not the API process's, a child that dies is an error, and every planning route
goes through it."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from api import offload
from tests.api.conftest import Api
from tests.api.help_setup import ana_asks, overload_ana
from tests.api.offload_targets import die, pid, refuse, resident_mb, resident_mb_after_allocating
from triage.errors import ScenarioError

QUICK = {"time_limit_seconds": 1}


def test_the_function_runs_in_another_process_and_its_answer_comes_back() -> None:
    assert offload.call(True, pid) != os.getpid()
    assert offload.call(False, pid) == os.getpid()


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc to read memory")
def test_the_childs_memory_is_not_the_callers() -> None:
    before = resident_mb()
    in_child = offload.call(True, resident_mb_after_allocating, 300)
    assert in_child > 300  # the child held the 300 MB
    assert resident_mb() - before < 50  # and the caller never did


def test_a_scenario_error_in_the_child_is_raised_in_the_caller_with_its_problems() -> None:
    with pytest.raises(ScenarioError) as raised:
        offload.call(True, refuse, "requests[REQ-7]")
    assert [(p.record, p.field) for p in raised.value.problems] == [("requests[REQ-7]", "effort_minutes")]


def test_a_child_that_dies_without_answering_is_an_error() -> None:
    with pytest.raises(RuntimeError, match=re.escape("ended without an answer (exit code 9)")):
        offload.call(True, die)


@pytest.mark.parametrize("settings_overrides", [{"plan_in_child": True}])
def test_every_planning_route_plans_in_a_child(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bool, str]] = []
    real = offload.call

    def recorded(in_child: bool, function: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append((in_child, function.__name__))
        return real(in_child, function, *args, **kwargs)

    monkeypatch.setattr(offload, "call", recorded)
    overload_ana(api)  # a plan computed at once (the queue is small)
    plan_id = api.get("/plans", "lead").json()["items"][0]["id"]
    asked = api.post(f"/plans/{plan_id}/what-if", "lead", {"kind": "first", "request": "REQ-1", **QUICK})
    assert asked.status_code == 200, asked.text
    assert ana_asks(api).status_code == 201
    assert api.get("/requests/REQ-1/explanations", "lead").status_code == 200
    assert (
        api.post("/pins", "lead", {"id": "p1", "kind": "first", "request": "REQ-3", "reason": "CEO"}).status_code == 201
    )
    assert api.post("/plans", "lead", QUICK).status_code == 201
    assert api.get("/departments/sales/report", "sales").status_code == 200
    assert all(in_child for in_child, _ in calls), calls
    assert {name for _, name in calls} >= {"plan", "what_if", "ask_help", "every_explanation", "override_effects"}
