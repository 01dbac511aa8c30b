"""Priority triage: matrix cell or override, due time from target or deadline, and weights."""

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.builders import request, scenario
from triage.calendar import BusinessAxis
from triage.names import Priority
from triage.scoring import triage_all

BERLIN = ZoneInfo("Europe/Berlin")


def triaged(requests: list[dict], departments: list[dict] | None = None) -> dict:
    extra = {"departments": departments} if departments else {}
    s = scenario([{"id": "a", "name": "A", "skills": {"net": 1}}], requests, **extra)
    return triage_all(s, BusinessAxis(s.calendar, s.now, s.policy.horizon_days))


def test_matrix_cell_gives_priority_and_target_time() -> None:
    t = triaged([request("R", impact="department", urgency="work_stopped")])["R"]
    assert (t.priority, t.matrix_priority, t.overridden) == (Priority.P1, Priority.P1, False)
    assert t.target_minutes == 240
    assert t.due_minute == 240
    assert t.due_at == datetime(2026, 11, 23, 13, 0, tzinfo=BERLIN)


def test_lead_override_replaces_the_matrix_and_keeps_it_visible() -> None:
    t = triaged([request("R", impact="person", urgency="can_wait", priority_override="P1")])["R"]
    assert (t.priority, t.matrix_priority, t.overridden) == (Priority.P1, Priority.P4, True)
    assert t.priority_weight == 8


def test_earlier_deadline_sets_the_due_time() -> None:
    t = triaged([request("R", impact="person", urgency="can_wait", deadline="2026-11-23T11:00:00")])["R"]
    assert t.due_by_deadline
    assert t.due_minute == 120
    assert t.due_at == datetime(2026, 11, 23, 11, 0, tzinfo=BERLIN)


def test_later_deadline_does_not_push_the_target_time_back() -> None:
    t = triaged([request("R", impact="department", urgency="work_stopped", deadline="2026-12-10T11:00:00")])["R"]
    assert not t.due_by_deadline
    assert t.due_minute == 240


def test_old_requests_have_waited_and_may_already_be_overdue() -> None:
    t = triaged([request("R", impact="department", urgency="work_stopped", created_at="2026-11-20T09:00:00")])["R"]
    assert t.waited_minutes == 480  # all of last Friday
    assert t.due_minute == -240
    assert t.release_minute == 0


def test_future_requests_are_released_when_they_are_filed() -> None:
    t = triaged([request("R", created_at="2026-11-23T10:15:00")])["R"]
    assert t.release_minute == 75
    assert t.waited_minutes == 0


def test_weight_is_priority_weight_times_department_weight() -> None:
    t = triaged(
        [request("R", impact="team", urgency="work_stopped")],
        departments=[{"id": "ops", "name": "Operations", "weight": 3}],
    )["R"]
    assert (t.priority, t.weight) == (Priority.P2, 4 * 3)


def test_a_teammates_part_is_no_urgent_mark_of_its_own_and_counts_as_its_request() -> None:
    # urgent_share_pct 50: of 2 requests 1 mark is honoured in full. R and Q are marked urgent, S is not; R's part
    # P (an accepted share) neither adds a request nor a mark, and its mark counts as R's does.
    marked = [
        request("R", urgency="work_stopped", department_rank=2),
        request("Q", urgency="work_stopped", department_rank=1),
        request("S", urgency="can_wait"),
    ]
    part = request("P", urgency="work_stopped", part_of="R")
    alone, shared = triaged(marked), triaged([*marked, part])
    assert [alone[r].urgency_discounted for r in ("Q", "R")] == [False, True]
    assert {r: t.urgency_discounted for r, t in shared.items()} == {"Q": False, "R": True, "S": False, "P": True}
    assert (shared["P"].priority, shared["P"].due_minute) == (shared["R"].priority, shared["R"].due_minute)
    honoured = triaged([request("R", urgency="work_stopped"), request("S", urgency="can_wait"), part])
    assert (honoured["R"].urgency_discounted, honoured["P"].urgency_discounted) == (False, False)
