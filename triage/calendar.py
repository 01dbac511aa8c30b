"""The business-time axis: minutes of the team's working time counted from the plan's start ("now").

Minute 0 is `now` (or the next working minute after it); minute m is the instant after m working minutes
of the team calendar. Evenings, weekends and holidays are not on the axis, so work that runs past the
close of a day continues at the next working morning. An agent's own unavailability (part-time hours,
time off) is a set of gaps inside the axis: `agent_windows` lists the minutes the agent can work.
Times of day are wall-clock minutes in the team's time zone, so a working day is as long as its
periods say, also on the days clocks change.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from triage.model import Agent, Calendar, TimeOff, WorkingHours
from triage.names import WEEKDAYS

Window = tuple[int, int]
"""A half-open span [start, end) of axis minutes."""

_DAY = 24 * 60


@dataclass(frozen=True)
class _Segment:
    """One working period of the team on one day, placed on an absolute working-minute count."""

    offset: int  # working minutes before this period, counted from the origin day's midnight
    day: date
    start_minute: int  # minute of day the period opens
    length: int


def periods_on(hours: WorkingHours, day: date) -> list[Window]:
    """Working periods of a weekly schedule on one day, as minutes of the day."""
    return sorted(hours.get(WEEKDAYS[day.weekday()], []))


def intersect(first: list[Window], second: list[Window]) -> list[Window]:
    """Intersection of two sorted lists of disjoint windows."""
    out: list[Window] = []
    i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start < end:
            out.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(windows: list[Window], holes: list[Window]) -> list[Window]:
    """Windows minus holes; both sorted lists of half-open spans."""
    out: list[Window] = []
    for start, end in windows:
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor or hole_start >= end:
                continue
            if hole_start > cursor:
                out.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
        if cursor < end:
            out.append((cursor, end))
    return out


class BusinessAxis:
    """Maps instants to team working minutes from `now` and back, over the plan's horizon and beyond."""

    def __init__(self, calendar: Calendar, now: datetime, horizon_days: int) -> None:
        self.calendar = calendar
        self.zone: ZoneInfo = calendar.zone
        self._holidays = frozenset(calendar.holidays)
        local_now = now.astimezone(self.zone)
        self._origin = local_now.date()
        self._segments: list[_Segment] = []
        self._minutes_of_day: dict[date, int] = {}  # the axis's own: a cache on the method kept every axis alive
        self._first_day = self._origin
        self._last_day = self._origin - timedelta(days=1)
        self._extend_forward(self._origin + timedelta(days=14))
        self._zero = self._absolute(local_now)
        self.horizon_minutes = self._horizon(horizon_days)

    # -- the team's schedule ------------------------------------------------------------------------

    def team_periods(self, day: date) -> list[Window]:
        """The team's working periods on a day (none on a holiday)."""
        return [] if day in self._holidays else periods_on(self.calendar.working_hours, day)

    def _day_minutes(self, day: date) -> int:
        found = self._minutes_of_day.get(day)
        if found is None:
            found = self._minutes_of_day[day] = sum(end - start for start, end in self.team_periods(day))
        return found

    def _extend_forward(self, until: date) -> None:
        day = self._last_day + timedelta(days=1)
        offset = self._segments[-1].offset + self._segments[-1].length if self._segments else 0
        while day <= until:
            for start, end in self.team_periods(day):
                self._segments.append(_Segment(offset, day, start, end - start))
                offset += end - start
            day += timedelta(days=1)
        self._last_day = until

    def _horizon(self, horizon_days: int) -> int:
        """Working minutes from now to the close of the horizon_days-th working day (today counts if open)."""
        days_seen = 0
        day = self._origin
        while True:
            if day > self._last_day:
                self._extend_forward(day + timedelta(days=30))
            closes = [self._absolute_at(day, end) for _, end in self.team_periods(day)]
            if closes and closes[-1] > self._zero:
                days_seen += 1
                if days_seen == horizon_days:
                    return closes[-1] - self._zero
            day += timedelta(days=1)

    # -- instants to minutes -----------------------------------------------------------------------

    def _absolute_at(self, day: date, minute_of_day: int) -> int:
        """Working minutes from the origin day's midnight to a wall-clock minute of a day (negative before)."""
        before = sum(min(max(minute_of_day - start, 0), end - start) for start, end in self.team_periods(day))
        if day >= self._origin:
            return before + sum(
                self._day_minutes(self._origin + timedelta(days=k)) for k in range((day - self._origin).days)
            )
        return before - sum(self._day_minutes(day + timedelta(days=k)) for k in range((self._origin - day).days))

    def _absolute(self, moment: datetime) -> int:
        local = moment.astimezone(self.zone)
        return self._absolute_at(
            local.date(), local.hour * 60 + local.minute + (local.second > 0 or local.microsecond > 0)
        )

    def minute_of(self, moment: datetime) -> int:
        """The axis minute of an instant: working minutes from now (negative for the past)."""
        return self._absolute(moment) - self._zero

    # -- minutes to instants -----------------------------------------------------------------------

    def moment_of(self, minute: int, *, closing: bool = False) -> datetime:
        """The instant of an axis minute. At a boundary between two working periods, `closing` picks the
        close of the earlier one (for ends), otherwise the opening of the later one (for starts)."""
        target = minute + self._zero
        while target < 0 and self._segments and self._segments[0].offset > target:
            self._extend_backward()
        while target > self._segments[-1].offset + self._segments[-1].length:
            self._extend_forward(self._last_day + timedelta(days=30))
        offsets = [s.offset for s in self._segments]
        index = bisect.bisect_right(offsets, target) - 1
        if closing:
            index = bisect.bisect_left(offsets, target) - 1
        index = max(index, 0)
        segment = self._segments[index]
        within = min(max(target - segment.offset, 0), segment.length)
        wall = segment.start_minute + within
        return datetime.combine(segment.day, time(0), tzinfo=self.zone) + timedelta(minutes=wall)

    def _extend_backward(self) -> None:
        first = self._segments[0].offset if self._segments else 0
        day = self._first_day - timedelta(days=1)
        stop = day - timedelta(days=30)
        added: list[_Segment] = []
        offset = first
        while day > stop:
            for start, end in reversed(self.team_periods(day)):
                offset -= end - start
                added.append(_Segment(offset, day, start, end - start))
            day -= timedelta(days=1)
        self._first_day = stop + timedelta(days=1)
        self._segments = list(reversed(added)) + self._segments

    # -- an agent's working minutes ----------------------------------------------------------------

    def agent_windows(self, agent: Agent) -> list[Window]:
        """Axis windows inside [0, horizon) in which the agent works: their own hours within the team's,
        less time off. Adjacent windows are merged, so a full-timer has one window."""
        windows: list[Window] = []
        for segment in self._segments:
            for start, end in self._agent_spans(agent, segment):
                low = max(segment.offset + start - segment.start_minute - self._zero, 0)
                high = min(segment.offset + end - segment.start_minute - self._zero, self.horizon_minutes)
                if low >= high:
                    continue
                if windows and windows[-1][1] == low:
                    windows[-1] = (windows[-1][0], high)
                else:
                    windows.append((low, high))
        return windows

    def _agent_spans(self, agent: Agent, segment: _Segment) -> list[Window]:
        period = [(segment.start_minute, segment.start_minute + segment.length)]
        if agent.working_hours is not None:
            period = intersect(period, periods_on(agent.working_hours, segment.day))
        holes = sorted(span for off in agent.time_off for span in _time_off_on(off, segment.day, self.zone))
        return subtract(period, holes)


def _time_off_on(off: TimeOff, day: date, zone: ZoneInfo) -> list[Window]:
    """The minutes of one day covered by a time-off entry."""
    if isinstance(off.start, datetime) and isinstance(off.end, datetime):
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        start = (off.start.astimezone(zone) - midnight).total_seconds() // 60
        end = -(-(off.end.astimezone(zone) - midnight).total_seconds() // 60)
        low, high = int(max(start, 0)), int(min(end, _DAY))
        return [(low, high)] if low < high else []
    first = off.start.date() if isinstance(off.start, datetime) else off.start
    last = off.end.date() if isinstance(off.end, datetime) else off.end
    return [(0, _DAY)] if first <= day <= last else []
