"""Waiting, coming back, reopening and estimated effort: the desk's rules held as properties and on
known cases. Waiting requests are never planned; the due time moves by exactly the paused business
minutes; a reopened request keeps its creation time; an effort a lead gives replaces an estimate."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from solver.params import SolveParams
from solver.run import plan, plan_by_routing
from tests.builders import NOW, agent, request, scenario
from tests.solver.test_properties import scenarios
from triage.calendar import BusinessAxis
from triage.desk import override_effort, paused_minutes, reopen, resume, wait
from triage.desk_text import effort_explanation, waiting_explanation
from triage.errors import ScenarioError
from triage.model import EffortEstimate, Request, Scenario
from triage.names import RequestStatus, WaitingReason
from triage.scoring import triage_all
from triage.validation import check_plan

START = datetime.fromisoformat(NOW)


def _axis(s: Scenario) -> BusinessAxis:
    return BusinessAxis(s.calendar, s.now, s.policy.horizon_days)


@st.composite
def with_some_waiting(draw: st.DrawFn) -> Scenario:
    """A random small scenario where some open requests wait on someone since a random earlier minute."""
    base = draw(scenarios())
    requests = []
    for r in base.requests:
        if r.status.plannable and draw(st.booleans()):
            since = r.created_at + timedelta(minutes=draw(st.integers(0, 600)))
            since = max(r.created_at, min(since, base.now))
            r = wait(r, draw(st.sampled_from(list(WaitingReason))), since)
        requests.append(r)
    return base.model_copy(update={"requests": requests})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(with_some_waiting())
def test_a_waiting_request_is_never_planned(s: Scenario) -> None:
    waiting = {r.id for r in s.requests if r.status == RequestStatus.WAITING}
    for result in (plan_by_routing(s), plan(s, SolveParams(time_limit_seconds=1, workers=1))):
        assert check_plan(s, result) == []
        placed = {a.request_id for a in result.assignments} | {u.request_id for u in result.unassigned}
        assert not placed & waiting
        assert placed == {r.id for r in s.requests if r.status.plannable}


pause_offsets = st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 3000)), max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    created_back=st.integers(0, 5000),
    gaps=pause_offsets,
    waiting_for=st.none() | st.integers(0, 3000),
)
def test_the_due_time_moves_by_exactly_the_paused_business_minutes(
    created_back: int, gaps: list[tuple[int, int]], waiting_for: int | None
) -> None:
    created = START - timedelta(minutes=created_back)
    pauses, cursor = [], created
    for gap, length in gaps:  # wall-clock minutes: evenings and weekends fall inside some of them
        start = cursor + timedelta(minutes=gap)
        pauses.append({"start": start.isoformat(), "end": (start + timedelta(minutes=length)).isoformat()})
        cursor = start + timedelta(minutes=length)
    fields: dict[str, Any] = {"created_at": created.isoformat(), "pauses": pauses}
    if waiting_for is not None:
        since = cursor + timedelta(minutes=waiting_for)
        fields |= {"status": "waiting", "waiting": {"reason": "requester", "since": since.isoformat()}}
    paused_s = scenario([agent("a")], [request("r", **fields)])
    plain_s = scenario([agent("a")], [request("r", created_at=created.isoformat())])
    axis = _axis(paused_s)
    r = paused_s.requests[0]
    expected = sum(axis.minute_of(p.end) - axis.minute_of(p.start) for p in r.pauses)
    if r.waiting is not None:
        expected += max(0, -axis.minute_of(r.waiting.since))
    paused, plain = triage_all(paused_s, axis)["r"], triage_all(plain_s, _axis(plain_s))["r"]
    assert paused.due_minute - plain.due_minute == expected == paused_minutes(r, axis) == paused.paused_minutes
    assert paused.max_wait_minute - plain.max_wait_minute == expected


def test_a_wait_over_a_weekend_pauses_only_its_working_minutes() -> None:
    # Friday 16:00 to Monday 10:00 in a Mon-Fri 09:00-17:00 calendar: 60 + 60 working minutes
    pause = {"start": "2026-11-20T16:00:00", "end": "2026-11-23T10:00:00", "reason": "vendor"}
    fields = {"created_at": "2026-11-20T15:00:00", "pauses": [pause]}
    s = scenario([agent("a")], [request("r", **fields)], now="2026-11-23T12:00:00")
    assert paused_minutes(s.requests[0], _axis(s)) == 120


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 5))
def test_a_reopened_request_keeps_its_creation_time_and_counts_its_reopenings(back: int, times: int) -> None:
    created = (START - timedelta(minutes=back)).isoformat()
    r = scenario([agent("a")], [request("r", created_at=created, status="done")]).requests[0]
    filed = r.created_at
    assert filed.isoformat().startswith(created)
    for k in range(times + 1):
        r = reopen(r)
        assert (r.created_at, r.status, r.reopen_count) == (filed, RequestStatus.OPEN, k + 1)
        r = r.model_copy(update={"status": RequestStatus.DONE})


def test_a_wait_comes_back_as_a_pause_and_is_planned_again() -> None:
    s = scenario([agent("a")], [request("r", created_at="2026-11-20T10:00:00")])
    waiting = wait(s.requests[0], WaitingReason.REQUESTER, datetime.fromisoformat("2026-11-20T11:00:00+01:00"))
    back = resume(waiting, datetime.fromisoformat("2026-11-20T13:30:00+01:00"))
    assert back.status == RequestStatus.OPEN and back.waiting is None
    assert [(p.reason, p.end - p.start) for p in back.pauses] == [(WaitingReason.REQUESTER, timedelta(minutes=150))]
    again = s.model_copy(update={"requests": [back]})
    assert [a.request_id for a in plan_by_routing(again).assignments] == ["r"]
    assert triage_all(again, _axis(again))["r"].paused_minutes == 150


def test_transitions_that_make_no_sense_are_refused_naming_the_request() -> None:
    r = scenario([agent("a")], [request("r")]).requests[0]
    with pytest.raises(ScenarioError, match=r"requests\[r\]\.status: it is not done"):
        reopen(r)
    with pytest.raises(ScenarioError, match="it is not waiting"):
        resume(r, START)
    with pytest.raises(ScenarioError, match="it is done"):
        wait(r.model_copy(update={"status": RequestStatus.DONE}), WaitingReason.VENDOR, START)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "waiting"}, "a waiting request needs `waiting`"),
        ({"waiting": {"reason": "vendor", "since": NOW}}, "only a waiting one has it"),
        ({"status": "waiting", "waiting": {"reason": "boss", "since": NOW}}, "waiting.reason"),
        ({"pauses": [{"start": "2026-11-22T10:00:00", "end": "2026-11-21T10:00:00"}]}, "a pause ends before"),
        ({"pauses": [{"start": "2026-11-01T10:00:00", "end": "2026-11-02T10:00:00"}]}, "before the request was filed"),
    ],
)
def test_bad_waiting_fields_are_rejected(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Request.model_validate(request("r", created_at="2026-11-20T09:00:00", **fields))


def test_the_waiting_sentence_is_built_from_its_facts() -> None:
    fields = {
        "created_at": "2026-11-23T09:00:00",
        "status": "waiting",
        "waiting": {"reason": "requester", "since": "2026-11-24T10:00:00"},
    }
    s = scenario([agent("a")], [request("r", **fields)], now="2026-11-24T12:30:00")
    explained = waiting_explanation(s.requests[0], _axis(s), s.now)
    assert explained is not None and explained.fact("paused_minutes") == 150
    assert explained.text == (
        "Waiting for the requester since Tue 10:00; the clock is paused (paused 2 h 30 min of working time so "
        "far, which moves its due time as much). It is not planned until it comes back."
    )
    assert waiting_explanation(scenario([agent("a")], [request("q")]).requests[0], _axis(s), s.now) is None


def test_an_estimated_effort_says_so_until_a_lead_overrides_it() -> None:
    estimate = EffortEstimate(similar_requests=41, effort_class="Networking / P3")
    r = Request.model_validate(request("r", effort=90, effort_estimate=estimate.model_dump()))
    explained = effort_explanation(r)
    assert explained is not None
    assert explained.text == "Effort estimated from 41 similar requests (Networking / P3): 1 h 30 min."
    assert (explained.fact("effort_minutes"), explained.fact("similar_requests")) == (90, 41)
    given_ = override_effort(r, 240)
    assert (given_.effort_minutes, given_.effort_estimate, effort_explanation(given_)) == (240, None, None)
