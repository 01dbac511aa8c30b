"""The business-time axis: instants to working minutes and back, and each agent's working windows."""

import gc
import weakref
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from triage.calendar import BusinessAxis, intersect, subtract
from triage.model import Agent, Calendar

BERLIN = ZoneInfo("Europe/Berlin")


def axis(now: datetime, days: int = 5, **calendar: object) -> BusinessAxis:
    return BusinessAxis(Calendar.model_validate({"timezone": "Europe/Berlin", **calendar}), now, days)


MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)


def test_five_working_days_from_monday_morning_are_2400_minutes() -> None:
    assert axis(MONDAY_9).horizon_minutes == 5 * 480


def test_minute_of_skips_evenings_and_weekends() -> None:
    a = axis(MONDAY_9)
    assert a.minute_of(datetime(2026, 11, 23, 10, 30, tzinfo=BERLIN)) == 90
    assert a.minute_of(datetime(2026, 11, 23, 22, 0, tzinfo=BERLIN)) == 480  # evening: the close of Monday
    assert a.minute_of(datetime(2026, 11, 24, 9, 15, tzinfo=BERLIN)) == 495
    assert a.minute_of(datetime(2026, 11, 20, 16, 0, tzinfo=BERLIN)) == -60  # last Friday, one working hour ago
    assert a.minute_of(datetime(2026, 11, 22, 12, 0, tzinfo=BERLIN)) == 0  # Sunday


def test_moment_of_puts_ends_at_the_close_and_starts_at_the_opening() -> None:
    a = axis(MONDAY_9)
    assert a.moment_of(480) == datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)
    assert a.moment_of(480, closing=True) == datetime(2026, 11, 23, 17, 0, tzinfo=BERLIN)
    assert a.moment_of(2400, closing=True) == datetime(2026, 11, 27, 17, 0, tzinfo=BERLIN)
    assert a.moment_of(-480) == datetime(2026, 11, 20, 9, 0, tzinfo=BERLIN)


def test_a_plan_made_on_saturday_starts_on_monday_morning() -> None:
    a = axis(datetime(2026, 11, 21, 20, 0, tzinfo=BERLIN), days=1)
    assert a.horizon_minutes == 480
    assert a.moment_of(0) == MONDAY_9


def test_holidays_are_not_working_time() -> None:
    a = axis(MONDAY_9, holidays=["2026-11-24"])
    assert a.moment_of(480) == datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN)
    assert a.horizon_minutes == 5 * 480  # the horizon still counts five working days


def test_working_days_keep_their_wall_clock_length_when_clocks_change() -> None:
    # Sunday 2026-10-25 is the end of summer time in Berlin; Monday 26 is a normal 8-hour day.
    a = axis(datetime(2026, 10, 23, 9, 0, tzinfo=BERLIN), days=2)
    assert a.horizon_minutes == 960
    assert a.moment_of(480) == datetime(2026, 10, 26, 9, 0, tzinfo=BERLIN)


def test_part_timer_and_time_off_are_gaps_in_the_agent_windows() -> None:
    a = axis(MONDAY_9)
    part_timer = Agent.model_validate(
        {
            "id": "p",
            "name": "P",
            "working_hours": {d: ["09:00-13:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "time_off": [{"start": "2026-11-25", "end": "2026-11-25"}],
        }
    )
    assert a.agent_windows(part_timer) == [(0, 240), (480, 720), (1440, 1680), (1920, 2160)]
    full_timer = Agent.model_validate({"id": "f", "name": "F"})
    assert a.agent_windows(full_timer) == [(0, 2400)]


def test_time_off_with_hours_cuts_part_of_a_day() -> None:
    a = axis(MONDAY_9)
    agent = Agent.model_validate(
        {"id": "x", "name": "X", "time_off": [{"start": date(2026, 11, 24), "end": date(2026, 11, 24)}]}
    )
    assert a.agent_windows(agent) == [(0, 480), (960, 2400)]
    hours = Agent.model_validate(
        {
            "id": "y",
            "name": "Y",
            "time_off": [
                {
                    "start": datetime(2026, 11, 24, 12, 0, tzinfo=BERLIN),
                    "end": datetime(2026, 11, 24, 14, 30, tzinfo=BERLIN),
                }
            ],
        }
    )
    assert a.agent_windows(hours) == [(0, 660), (810, 2400)]


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ([(0, 10)], [(5, 20)], [(5, 10)]),
        ([(0, 10), (20, 30)], [(5, 25)], [(5, 10), (20, 25)]),
        ([(0, 5)], [(5, 9)], []),
    ],
)
def test_intersect(first: list, second: list, expected: list) -> None:
    assert intersect(first, second) == expected


def test_subtract() -> None:
    assert subtract([(0, 100)], [(10, 20), (50, 60)]) == [(0, 10), (20, 50), (60, 100)]
    assert subtract([(0, 100)], [(0, 100)]) == []


def test_an_axis_is_freed_when_dropped() -> None:
    """Nothing outside the axis keeps it: a cache on its method held every axis an API process made (each plan,
    what-if and report makes its own) until 4,096 days of them were cached (benchmarks/RESULTS.md, "Soak")."""
    made = axis(MONDAY_9, days=20)
    assert made.horizon_minutes == 20 * 480
    gone = weakref.ref(made)
    gc.disable()  # freed by its reference count, not by a collection
    try:
        del made
        assert gone() is None
    finally:
        gc.enable()
