"""The lead's board as a picture: the plan's assignments laid out per teammate over the working days.

Geometry only (where a bar goes, how wide, what it is marked with); the plan, its scenario and its
explanations are the planner's. Bars sit on the business-time axis (`triage.calendar.BusinessAxis`), so a
working day has the same width whatever the clock says and nights and weekends take no room.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from triage.calendar import BusinessAxis
from triage.model import Scenario
from triage.names import Priority
from triage.results import Plan

MIN_BAR_PCT = 0.4  # a 5-minute job still shows as a sliver one can point at


@dataclass(frozen=True)
class Filters:
    """What the lead narrows the board to; None: everything."""

    department: str | None = None
    skill: str | None = None
    priority: Priority | None = None


@dataclass(frozen=True)
class Bar:
    request_id: str
    title: str
    department: str
    priority: str
    start: datetime
    end: datetime
    left_pct: float
    width_pct: float
    minutes_late: int
    pinned: bool


@dataclass(frozen=True)
class Lane:
    agent_id: str
    name: str
    bars: list[Bar]
    planned_minutes: int


@dataclass(frozen=True)
class Tick:
    label: str
    left_pct: float


@dataclass(frozen=True)
class Unplanned:
    request_id: str
    title: str
    department: str
    priority: str
    reason: str


@dataclass
class Board:
    lanes: list[Lane]
    ticks: list[Tick]
    unplanned: list[Unplanned]
    late_count: int = 0
    shown: int = 0
    hidden: int = 0
    departments: dict[str, str] = field(default_factory=dict)
    skills: dict[str, str] = field(default_factory=dict)


def build(scenario: Scenario, plan: Plan, filters: Filters) -> Board:
    """Lanes in the scenario's agent order, bars in start order, a tick at each working day's opening."""
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    span = max(axis.horizon_minutes, 1)
    requests = {r.id: r for r in scenario.requests}
    pinned = {p.request for p in scenario.pins}
    departments = {d.id: d.name for d in scenario.departments}

    def keep(request_id: str, priority: Priority) -> bool:
        r = requests.get(request_id)
        if r is None:
            return False
        return (
            (filters.department is None or r.department == filters.department)
            and (filters.skill is None or filters.skill in r.required_skills)
            and (filters.priority is None or priority == filters.priority)
        )

    by_agent: dict[str, list[Bar]] = {a.id: [] for a in scenario.agents}
    planned: dict[str, int] = dict.fromkeys(by_agent, 0)
    shown = hidden = late = 0
    for a in sorted(plan.assignments, key=lambda x: x.start_minute):
        planned[a.agent_id] = planned.get(a.agent_id, 0) + a.end_minute - a.start_minute
        if not keep(a.request_id, a.priority):
            hidden += 1
            continue
        shown += 1
        late += a.minutes_late > 0
        r = requests[a.request_id]
        left = min(max(a.start_minute, 0) / span * 100, 100.0)
        width = max((a.end_minute - max(a.start_minute, 0)) / span * 100, MIN_BAR_PCT)
        by_agent.setdefault(a.agent_id, []).append(
            Bar(
                request_id=a.request_id,
                title=r.title,
                department=departments.get(r.department, r.department),
                priority=a.priority.value,
                start=a.start,
                end=a.end,
                left_pct=round(left, 3),
                width_pct=round(min(width, 100.0 - left), 3),
                minutes_late=a.minutes_late,
                pinned=a.request_id in pinned,
            )
        )
    lanes = [
        Lane(agent_id=a.id, name=a.name, bars=by_agent[a.id], planned_minutes=planned[a.id]) for a in scenario.agents
    ]
    unplanned = [
        Unplanned(
            request_id=u.request_id,
            title=requests[u.request_id].title,
            department=departments.get(requests[u.request_id].department, ""),
            priority=u.priority.value,
            reason=u.reason,
        )
        for u in plan.unassigned
        if keep(u.request_id, u.priority)
    ]
    return Board(
        lanes=lanes,
        ticks=_ticks(axis, scenario, span),
        unplanned=unplanned,
        late_count=late,
        shown=shown,
        hidden=hidden,
        departments=departments,
        skills={s.id: s.name for s in scenario.skills},
    )


def _ticks(axis: BusinessAxis, scenario: Scenario, span: int) -> list[Tick]:
    """A tick where each working day of the horizon opens (today's at the plan's start)."""
    ticks: list[Tick] = []
    day: date = scenario.now.astimezone(axis.zone).date()
    for _ in range(scenario.policy.horizon_days * 3 + 14):
        periods = axis.team_periods(day)
        if periods:
            opening = datetime.combine(day, time(0), tzinfo=axis.zone) + timedelta(minutes=periods[0][0])
            minute = max(axis.minute_of(opening), 0)
            if minute >= span:
                break
            ticks.append(Tick(label=day.strftime("%a %d %b"), left_pct=round(minute / span * 100, 3)))
        day += timedelta(days=1)
    return ticks
