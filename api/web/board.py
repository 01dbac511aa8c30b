"""The lead's board as a picture: the plan's assignments laid out per teammate over the working days.

Geometry only (where a bar goes, how wide, what it is marked with); the plan, its scenario and its
explanations are the planner's, the tentative places and the waiting work the live queue's (`Live`, read from
the store by `api.web.live_queue`). The live queue over the plan: a request with a tentative place given
since the plan is drawn there (marked tentative) instead of where the plan put it, or listed as not planned
with the place's note; a waiting request is drawn greyed in its owner's lane, with on whom it waits and since
when, and is not planned. Bars sit on the business-time axis (`triage.calendar.BusinessAxis`), so a
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
    tentative: bool = False


@dataclass(frozen=True)
class Seen:
    """A request as the board names and filters it (one filed since the plan is not in its scenario)."""

    request_id: str
    title: str
    department: str
    required_skills: dict[str, int]
    priority: Priority | None


@dataclass(frozen=True)
class TentativePlace:
    """A place given at once after a change since the plan; no agent (and a note) when it has none."""

    request: Seen
    agent_id: str | None
    start: datetime | None
    end: datetime | None
    note: str | None
    is_open: bool


@dataclass(frozen=True)
class WaitingWork:
    """A waiting request: on whom it waits, since when, and the desk's sentence (`triage.desk_text`)."""

    request: Seen
    owner_id: str | None
    on_whom: str
    since: datetime
    text: str


@dataclass(frozen=True)
class Live:
    """What changed in the queue since the plan: the tentative places given since, and the waiting work."""

    label: str
    tentative: list[TentativePlace] = field(default_factory=list)
    waiting: list[WaitingWork] = field(default_factory=list)


@dataclass(frozen=True)
class Lane:
    agent_id: str
    name: str
    bars: list[Bar]
    planned_minutes: int
    waiting: list[WaitingWork] = field(default_factory=list)


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
    tentative: bool = False


@dataclass
class Board:
    lanes: list[Lane]
    ticks: list[Tick]
    unplanned: list[Unplanned]
    late_count: int = 0
    shown: int = 0
    hidden: int = 0
    tentative_count: int = 0
    waiting: list[WaitingWork] = field(default_factory=list)
    label: str = ""
    departments: dict[str, str] = field(default_factory=dict)
    skills: dict[str, str] = field(default_factory=dict)
    asked_minutes: dict[str, int] = field(default_factory=dict)
    """Per department, the working minutes of its open requests: what it asks of the team."""


def build(scenario: Scenario, plan: Plan, filters: Filters, live: Live | None = None) -> Board:
    """Lanes in the scenario's agent order, bars in start order, a tick at each working day's opening; with
    `live`, the tentative places since the plan replace the plan's places of their requests."""
    live = live or Live(label="")
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    span = max(axis.horizon_minutes, 1)
    seen = {
        r.id: Seen(
            request_id=r.id, title=r.title, department=r.department, required_skills=r.required_skills, priority=None
        )
        for r in scenario.requests
    }
    seen |= {t.request.request_id: t.request for t in live.tentative}
    pinned = {p.request for p in scenario.pins}
    departments = {d.id: d.name for d in scenario.departments}
    replaced = {t.request.request_id for t in live.tentative}

    def keep(request_id: str, priority: Priority | None) -> bool:
        r = seen.get(request_id)
        if r is None:
            return False
        return (
            (filters.department is None or r.department == filters.department)
            and (filters.skill is None or filters.skill in r.required_skills)
            and (filters.priority is None or priority == filters.priority)
        )

    def bar(
        request_id: str,
        priority: str,
        start: datetime,
        end: datetime,
        start_minute: int,
        end_minute: int,
        minutes_late: int,
        tentative: bool,
    ) -> Bar:
        r = seen[request_id]
        left = min(max(start_minute, 0) / span * 100, 100.0)
        width = max((end_minute - max(start_minute, 0)) / span * 100, MIN_BAR_PCT)
        return Bar(
            request_id=request_id,
            title=r.title,
            department=departments.get(r.department, r.department),
            priority=priority,
            start=start,
            end=end,
            left_pct=round(left, 3),
            width_pct=round(min(width, 100.0 - left), 3),
            minutes_late=minutes_late,
            pinned=request_id in pinned,
            tentative=tentative,
        )

    by_agent: dict[str, list[Bar]] = {a.id: [] for a in scenario.agents}
    planned: dict[str, int] = dict.fromkeys(by_agent, 0)
    shown = hidden = late = 0
    for a in sorted(plan.assignments, key=lambda x: x.start_minute):
        if a.request_id in replaced:
            continue
        own = a.parts[0] if a.parts else a  # a shared request's other parts are drawn as their own requests
        planned[a.agent_id] = planned.get(a.agent_id, 0) + own.end_minute - own.start_minute
        if not keep(a.request_id, a.priority):
            hidden += 1
            continue
        shown += 1
        late += a.minutes_late > 0
        by_agent.setdefault(a.agent_id, []).append(
            bar(
                a.request_id,
                a.priority.value,
                own.start,
                own.end,
                own.start_minute,
                own.end_minute,
                a.minutes_late,
                False,
            )
        )
    unplanned = [
        Unplanned(
            request_id=u.request_id,
            title=seen[u.request_id].title,
            department=departments.get(seen[u.request_id].department, ""),
            priority=u.priority.value,
            reason=u.reason,
        )
        for u in plan.unassigned
        if u.request_id not in replaced and keep(u.request_id, u.priority)
    ]
    tentative = 0
    for t in live.tentative:
        rid, priority = t.request.request_id, t.request.priority
        if t.agent_id is not None and t.start is not None and t.end is not None:
            start_minute, end_minute = axis.minute_of(t.start), axis.minute_of(t.end)
            planned[t.agent_id] = planned.get(t.agent_id, 0) + end_minute - start_minute
            if not keep(rid, priority):
                hidden += 1
                continue
            shown += 1
            tentative += 1
            label = priority.value if priority else ""
            by_agent.setdefault(t.agent_id, []).append(
                bar(rid, label, t.start, t.end, start_minute, end_minute, 0, True)
            )
        elif t.is_open and keep(rid, priority):
            tentative += 1
            unplanned.append(
                Unplanned(
                    request_id=rid,
                    title=t.request.title,
                    department=departments.get(t.request.department, t.request.department),
                    priority=priority.value if priority else "",
                    reason=t.note or "",
                    tentative=True,
                )
            )
    waiting = [w for w in live.waiting if keep(w.request.request_id, w.request.priority)]
    lanes = [
        Lane(
            agent_id=a.id,
            name=a.name,
            bars=sorted(by_agent[a.id], key=lambda b: b.left_pct),
            planned_minutes=planned[a.id],
            waiting=[w for w in waiting if w.owner_id == a.id],
        )
        for a in scenario.agents
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
        asked_minutes=_asked(scenario),
        tentative_count=tentative,
        waiting=waiting,
        label=live.label,
    )


def _asked(scenario: Scenario) -> dict[str, int]:
    """The open work of each department, in minutes (the requests the department shares count)."""
    asked: dict[str, int] = {}
    for r in scenario.requests:
        if r.status.plannable:
            asked[r.department] = asked.get(r.department, 0) + r.effort_minutes
    return asked


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
