"""The hand-off acceptance rule: the peer's planned minutes with the request plus the work given to them since
the plan stay within their target; at the target exactly is still within."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from triage.handoffs import NoRoomLeft, room_left
from triage.results import HandOff

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def proposal(planned_after: int, target: int) -> HandOff:
    return HandOff(
        request_id="REQ-1",
        title="VPN down",
        department_id="ops",
        department_name="Operations",
        requester="Ida",
        effort_minutes=60,
        from_agent_id="ana",
        from_agent_name="Ana",
        to_agent_id="ben",
        to_agent_name="Ben",
        from_planned_before=3000,
        from_planned_after=2940,
        from_target_minutes=2400,
        to_planned_before=planned_after - 60,
        to_planned_after=planned_after,
        to_target_minutes=target,
        horizon_days=5,
        start_before=AT,
        end_before=AT,
        minutes_late_before=0,
        start_after=AT,
        end_after=AT,
        minutes_late_after=0,
        timezone="UTC",
        now=AT,
        note="",
    )


def test_room_up_to_the_target_exactly() -> None:
    assert room_left(proposal(2000, 2400), 400) is None
    over = room_left(proposal(2000, 2400), 401)
    assert over == NoRoomLeft(peer="Ben", request_id="REQ-1", planned_with_request=2000, given_since=401, target=2400)
    assert over.sentence() == (
        "Ben would be above target: 2000 planned minutes with REQ-1 and 401 given to them since the plan, "
        "against a target of 2400"
    )


@given(st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 5000))
def test_refused_exactly_when_the_total_is_above_the_target(planned: int, target: int, since: int) -> None:
    assert (room_left(proposal(planned, target), since) is None) == (planned + since <= target)
