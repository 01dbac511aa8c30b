"""The domain model: what a plan needs to know about the team, its customers and their requests.

A `Scenario` is the whole document: the CLI reads it from a JSON file, the API builds it from stored rows.
Field-level rules (a positive effort, a deadline after creation) are checked here; rules across records
(references, duplicate ids) are checked by `triage.validation`, which reports every problem at once.
Naive datetimes are read in the team calendar's time zone.
"""

from __future__ import annotations

import functools
import itertools
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, available_timezones

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from triage.names import Impact, PinKind, Priority, RequestStatus, Term, Urgency, WaitingReason, Weekday
from triage.text import OptionalShownText, ShownLine

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


TIME_RANGE_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]-(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$"
"""Two times of day, 'HH:MM-HH:MM' (the hour may be one digit; 24:00 ends a day), as `_parse_time_range` reads."""


def _parse_time_range(value: object) -> object:
    """Accept "09:00-17:00" (the file format) or a (start, end) pair; "24:00" ends a day."""
    if isinstance(value, str):
        match = _RANGE.match(value)
        if not match:
            raise ValueError(f"expected a range like '09:00-17:00', got {value!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError(f"not a time of day in {value!r}")
        start = h1 * 60 + m1
        end = h2 * 60 + m2
        if end <= start:
            raise ValueError(f"the range {value!r} ends before it starts")
        return (start, end)
    return value


def _format_time_range(value: tuple[int, int]) -> str:
    start, end = value
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


TimeRange = Annotated[
    tuple[int, int],
    BeforeValidator(_parse_time_range),
    PlainSerializer(_format_time_range, return_type=str),
    WithJsonSchema({"type": "string", "pattern": TIME_RANGE_PATTERN, "examples": ["09:00-17:00"]}),
]
"""A span of one day, stored as (start, end) minutes after midnight; it ends after it starts (which the pattern,
saying only that both are times of day, cannot)."""

WorkingHours = dict[Weekday, list[TimeRange]]

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]


NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})
"""Names the zone database holds that are not places: 'Factory' (no offset, a placeholder), and the system's
'localtime' and 'posixrules' (whatever the machine is set to)."""
MAX_FAIR_SHARES = 1000
"""Fair shares a policy may name (one per department; a deployment's departments are bounded far below)."""


@functools.cache
def iana_zones() -> frozenset[str]:
    """The IANA time zones of the installed zone database, less the names that are not places."""
    return frozenset(available_timezones()) - NOT_ZONES


def _default_hours() -> WorkingHours:
    week = [Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI]
    return {day: [(9 * 60, 17 * 60)] for day in week}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Calendar(_Model):
    """The team's working time: when the desk works, in which time zone, and which days it is closed."""

    timezone: str = Field("UTC", description="IANA time zone of the team, e.g. 'Europe/Berlin'.")
    working_hours: WorkingHours = Field(
        default_factory=_default_hours,
        description="Working periods per weekday as 'HH:MM-HH:MM' strings; a weekday not listed is closed.",
    )
    holidays: list[date] = Field(default_factory=list, description="Days the whole team is closed.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in iana_zones():
            raise ValueError(f"unknown time zone {value!r}")
        return value

    @field_validator("working_hours")
    @classmethod
    def _some_hours(cls, value: WorkingHours) -> WorkingHours:
        for day, ranges in value.items():
            _check_no_overlap(day, ranges)
        if not any(value.values()):
            raise ValueError("the team calendar has no working time on any weekday")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _check_no_overlap(day: Weekday, ranges: list[tuple[int, int]]) -> None:
    ordered = sorted(ranges)
    for (_, end), (start, _) in itertools.pairwise(ordered):
        if start < end:
            raise ValueError(f"working periods on {day.value} overlap")


class Skill(_Model):
    """A skill the team can hold and requests can need."""

    id: Id = Field(description="Skill id, referenced by agents and requests.")
    name: ShownLine = Field(description="Readable name, used in explanations.")


class Department(_Model):
    """A customer of the team: another department of the same company."""

    id: Id = Field(description="Department id, referenced by requests.")
    name: ShownLine = Field(min_length=1, description="Readable name, used in explanations.")
    weight: int = Field(
        1,
        ge=1,
        le=100,
        description="How much the company values this department's work relative to others "
        "(an integer multiplier on lateness costs; 1 is the base).",
    )


class TimeOff(_Model):
    """Time an agent is away. Dates cover whole days, end date included; datetimes are exact. Start and end are
    both dates or both datetimes, and the end is not before the start."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"properties": {"start": {"format": "date"}, "end": {"format": "date"}}},
                {"properties": {"start": {"format": "date-time"}, "end": {"format": "date-time"}}},
            ]
        }
    )

    start: date | datetime = Field(description="First day (date) or first instant (datetime) away.")
    end: date | datetime = Field(description="Last day away (date, inclusive) or first instant back (datetime).")
    reason: OptionalShownText = Field("", description="Free text, e.g. 'leave', 'training'.")

    @field_validator("end")
    @classmethod
    def _ordered(cls, value: date | datetime, info: ValidationInfo) -> date | datetime:
        start = info.data.get("start")
        if start is None:
            return value
        if isinstance(start, datetime) != isinstance(value, datetime):
            raise ValueError("start and end must both be dates or both be datetimes")
        if _comparable_any(value) < _comparable_any(start):
            raise ValueError("time off ends before it starts")
        return value


class Agent(_Model):
    """A teammate who can take requests."""

    id: Id = Field(description="Agent id, referenced by requests' owner.")
    name: ShownLine = Field(min_length=1, description="Readable name, used in explanations.")
    skills: dict[str, Annotated[int, Field(ge=1, le=3)]] = Field(
        default_factory=dict, description="Skill id to level: 1 basic, 2 practised, 3 expert."
    )
    working_hours: WorkingHours | None = Field(
        None,
        description="Own working periods (part-time); within the team's hours. Absent: the team's hours.",
    )
    time_off: list[TimeOff] = Field(default_factory=list, description="Leave, training, sickness.")
    target_load_pct: int = Field(
        85, ge=1, le=100, description="Share of available time this agent should be planned at, in per cent."
    )

    @field_validator("working_hours")
    @classmethod
    def _hours_ok(cls, value: WorkingHours | None) -> WorkingHours | None:
        if value is not None:
            for day, ranges in value.items():
                _check_no_overlap(day, ranges)
            if not any(value.values()):
                raise ValueError("the agent has no working time on any weekday")
        return value


class Pause(_Model):
    """A past span in which the request waited: its SLA clock stood still from `start` to `end`."""

    start: datetime = Field(description="When the wait began.")
    end: datetime = Field(description="When the request came back.")
    reason: WaitingReason = Field(WaitingReason.OTHER, description="On whom or what it waited.")

    @field_validator("end")
    @classmethod
    def _ordered(cls, value: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start")
        if start is not None and _comparable(value) < _comparable(start):
            raise ValueError("a pause ends before it starts")
        return value


class Waiting(_Model):
    """Why and since when a request with status `waiting` waits; `until` when the wait has a known end."""

    reason: WaitingReason = Field(description="requester, vendor, change or other.")
    since: datetime = Field(description="When the wait began; its SLA clock is paused from then.")
    until: datetime | None = Field(None, description="When it is expected back, if known.")

    @field_validator("until")
    @classmethod
    def _after_since(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        since = info.data.get("since")
        if value is not None and since is not None and _comparable(value) < _comparable(since):
            raise ValueError("until is before since")
        return value


class EffortEstimate(_Model):
    """Where an estimated effort comes from: the effort class and how many done requests it rests on."""

    similar_requests: int = Field(ge=1, description="Number of done requests of the class the estimate rests on.")
    effort_class: str = Field(min_length=1, description="The class, e.g. 'network / P3', 'network' or 'team'.")


class Request(_Model):
    """Work a department asks of the team."""

    id: Id = Field(description="Request id.")
    department: str = Field(description="Id of the requesting department.")
    requester: ShownLine = Field(min_length=1, description="Name of the person who filed the request.")
    title: ShownLine = Field(min_length=1, description="Short description, used in explanations.")
    impact: Impact = Field(description="How widely the problem reaches.")
    urgency: Urgency = Field(description="How badly it hinders the requester's work.")
    priority_override: Priority | None = Field(
        None, description="Priority set by a queue lead; replaces the impact x urgency matrix."
    )
    effort_minutes: int = Field(gt=0, le=60 * 24 * 30, description="Estimated working minutes to complete.")
    required_skills: dict[str, Annotated[int, Field(ge=1, le=3)]] = Field(
        default_factory=dict, description="Skill id to the minimum level needed; an agent needs all of them."
    )
    created_at: datetime = Field(description="When the request was filed; work cannot start before it.")
    deadline: datetime | None = Field(None, description="A hard date the requester gave, if any.")
    owner: str | None = Field(None, description="Id of the agent who owns it now, if any.")
    status: RequestStatus = Field(RequestStatus.OPEN, description="Done requests are not planned.")
    department_rank: int | None = Field(
        None, ge=1, description="The department's own order among its requests; 1 matters most to them."
    )
    waiting: Waiting | None = Field(None, description="Why and since when it waits; set exactly when waiting.")
    pauses: list[Pause] = Field(
        default_factory=list, description="Past waits, oldest first: each moves the due time by its business time."
    )
    reopen_count: int = Field(0, ge=0, description="How many times it came back after being done.")
    effort_estimate: EffortEstimate | None = Field(
        None, description="Set when effort_minutes was estimated from history; absent when someone gave it."
    )
    source_id: str | None = Field(
        None, min_length=1, max_length=200, description="The id in the ticketing system it was imported from."
    )
    pausable: bool | None = Field(
        None,
        description="Whether its work may pause over its agent's absences (part-time hours off, time off) and "
        "resume after: false keeps it within one continuous stretch of the agent's working time. Absent: the "
        "policy decides (`pausable_skills`, then `pausable`).",
    )
    part_of: str | None = Field(
        None,
        description="Set when this request is a teammate's part of another (an accepted share): that request's id. "
        "A part is not a mark of its own: the urgency rule counts it with the request it is part of.",
    )

    @model_validator(mode="after")
    def _waiting_when_waiting(self) -> Request:
        if (self.status == RequestStatus.WAITING) != (self.waiting is not None):
            raise ValueError("a waiting request needs `waiting` (reason and since), and only a waiting one has it")
        spans = [(p.start, p.end) for p in self.pauses]
        if self.waiting is not None:
            spans.append((self.waiting.since, self.waiting.since))
        for (_, end), (start, _) in itertools.pairwise(spans):
            if _comparable(start) < _comparable(end):
                raise ValueError("pauses overlap or are out of order")
        if spans and _comparable(spans[0][0]) < _comparable(self.created_at):
            raise ValueError("a pause starts before the request was filed")
        return self

    @field_validator("deadline")
    @classmethod
    def _deadline_after_creation(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        created = info.data.get("created_at")
        if value is not None and created is not None and _comparable(value) <= _comparable(created):
            raise ValueError("the deadline must be after created_at")
        return value


def _comparable_any(moment: date | datetime) -> date | datetime:
    return _comparable(moment) if isinstance(moment, datetime) else moment


def _comparable(moment: datetime) -> datetime:
    """Naive datetimes are compared as if in UTC; the scenario localises them afterwards."""
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))


def _default_matrix() -> dict[Impact, dict[Urgency, Priority]]:
    """ITIL's usual shape: the wider the impact and the worse the urgency, the higher the priority."""
    rows = {
        Impact.COMPANY: "P1 P1 P2 P3",
        Impact.DEPARTMENT: "P1 P2 P3 P3",
        Impact.TEAM: "P2 P2 P3 P4",
        Impact.PERSON: "P2 P3 P4 P4",
    }  # columns: work_stopped, degraded, inconvenient, can_wait
    return {impact: dict(zip(Urgency, map(Priority, row.split()), strict=True)) for impact, row in rows.items()}


class TermWeights(_Model):
    """Multipliers of the objective terms; 0 switches a term off."""

    lateness: int = Field(1, ge=0, le=1000, description="Per weighted business minute past due.")
    deferral: int = Field(1, ge=0, le=1000, description="Per weighted minute a deferred request is charged.")
    overload: int = Field(1, ge=0, le=1000, description="Per business minute above an agent's target load.")
    spread: int = Field(1, ge=0, le=1000, description="Per mille of load between the most and least loaded agent.")
    churn: int = Field(240, ge=0, le=100_000, description="Per request moved away from its owner or planned agent.")
    fairness: int = Field(
        20, ge=0, le=10_000, description="Per mille the worst-served department's on-time rate falls short of 100 %."
    )
    waiting: int = Field(
        4, ge=0, le=1000, description="Per business minute a request stays open past its maximum wait."
    )
    rank: int = Field(
        1, ge=0, le=1000, description="Per minute a department's request finishes after the one it ranks next below."
    )
    share: int = Field(
        10,
        ge=0,
        le=1000,
        description="Per priority-weighted minute a department falls short of its fair share of one priority's "
        "planned time.",
    )

    def of(self, term: Term) -> int:
        return int(getattr(self, term.value))


def _every_cell(schema: dict[str, Any]) -> None:
    """JSON Schema of the matrix: every impact, and under each every urgency (`Policy._full_matrix`)."""
    schema["required"] = [i.value for i in Impact]
    schema["additionalProperties"] = {**schema["additionalProperties"], "required": [u.value for u in Urgency]}


def _every_priority_positive(schema: dict[str, Any]) -> None:
    """JSON Schema of a per-priority map: every priority, each above 0 (`Policy._every_priority`)."""
    schema["required"] = [p.value for p in Priority]
    schema["additionalProperties"] = {**schema["additionalProperties"], "minimum": 1}


class Policy(_Model):
    """How the company turns requests into priorities and priorities into costs."""

    matrix: dict[Impact, dict[Urgency, Priority]] = Field(
        default_factory=_default_matrix,
        description="Impact x urgency to priority, every cell filled.",
        json_schema_extra=_every_cell,
    )
    target_minutes: dict[Priority, int] = Field(
        default_factory=lambda: {Priority.P1: 240, Priority.P2: 480, Priority.P3: 1440, Priority.P4: 2400},
        description="Business minutes from creation to the due time, per priority.",
        json_schema_extra=_every_priority_positive,
    )
    priority_weights: dict[Priority, int] = Field(
        default_factory=lambda: {Priority.P1: 8, Priority.P2: 4, Priority.P3: 2, Priority.P4: 1},
        description="Cost multiplier of a minute late, per priority.",
        json_schema_extra=_every_priority_positive,
    )
    term_weights: TermWeights = Field(default_factory=TermWeights, description="Weights of the objective terms.")
    protect_priorities: bool = Field(
        True,
        description="No plan takes a minute more lateness, deferral, overload, churn or waiting, at any priority, "
        "to gain on the fairness, spread or rank terms: those only decide between plans equal on the rest; and the "
        "P1 requests' minutes late, then the P2 requests', are never above the help desk's plain routing plan's "
        "(priority order, earliest start) on the same scenario (see the README's objective section).",
    )
    max_wait_minutes: dict[Priority, int] = Field(
        default_factory=lambda: {Priority.P1: 960, Priority.P2: 2400, Priority.P3: 4800, Priority.P4: 7200},
        description="Business minutes from filing after which a request of this priority is overdue for "
        "anti-starvation, whatever its weight: minutes past it cost the waiting term.",
        json_schema_extra=_every_priority_positive,
    )
    ageing_step_minutes: int = Field(
        2400,
        ge=1,
        description="Every this many business minutes waited, a request's lateness weight grows by its base.",
    )
    ageing_cap: int = Field(2, ge=0, le=10, description="Most growth steps: the weight is at most (1 + cap) x base.")
    urgent_share_pct: int = Field(
        50,
        ge=0,
        le=100,
        description="Share of a department's open requests whose high-urgency marks (work stopped, degraded) "
        "are honoured in full; marks beyond it, on the requests the department ranks lowest, count one level "
        "lower. 100 switches the rule off.",
    )
    fair_share_pct: dict[Id, Annotated[int, Field(ge=0, le=100)]] | None = Field(
        None,
        max_length=MAX_FAIR_SHARES,
        description="Each department's fair share of the team's planned time, in per cent, by department id "
        "(known departments only; the shares add up to at most 100). Absent: shares in proportion to department "
        "weights, among departments with open requests.",
    )
    horizon_days: int = Field(5, ge=1, le=60, description="Business days the plan covers from now.")
    help_late_minutes: int | None = Field(
        240,
        ge=0,
        description="An agent within their target load is still offered help when their planned requests are, "
        "summed, more than this many business minutes past due; null: help only above target load.",
    )
    swarm_min_minutes: int | None = Field(
        60,
        ge=0,
        le=60 * 24 * 30,
        description="When no whole request of an agent asking for help can move, a teammate who holds the skills "
        "may take part of a late one: each of the two parts at least this many minutes of work; 0 or null: "
        "requests are never shared.",
    )
    deferral_extra_minutes: int = Field(
        480,
        ge=0,
        description="A deferred request is charged as late to the horizon's end plus this many minutes.",
    )
    auto_apply: bool = Field(
        False,
        description="Whether a live re-plan that becomes the current plan is also applied: its requests get the "
        "plan's agents as owners, audited as the system. Off: applying stays a lead's decision.",
    )
    deferral_per_effort_minute: int = Field(
        0,
        ge=0,
        le=1000,
        description="A deferred request is charged this many minutes more per minute of its effort (0: the "
        "due-time form alone), so that leaving out long work costs more than leaving out short work.",
    )
    replan_agent_change_cost: int = Field(
        960,
        ge=0,
        le=100_000,
        description="The live re-plan's price (cost points, on top of churn) for each request of the previous plan "
        "it gives another agent or leaves out: it moves one only when that saves more. Default: two hours of P1 "
        "lateness (8 x 120).",
    )
    replan_finish_shift_cost: int = Field(
        960,
        ge=0,
        le=100_000,
        description="The live re-plan's price for each request it keeps with its agent but whose expected finish "
        "moves by more than the move threshold (30 business minutes by default) from the previous plan.",
    )

    pausable: bool = Field(
        True,
        description="Whether work may pause over an agent's absence (part-time hours off, an off day, time off) "
        "and resume after it; false: each request's work lies within one continuous stretch of its agent's "
        "working time. A request's own `pausable`, then `pausable_skills`, come first.",
    )
    pausable_skills: dict[Id, bool] = Field(
        default_factory=dict,
        max_length=MAX_FAIR_SHARES,
        description="Per skill id, whether work needing it may pause (overrides `pausable`): a request needing "
        "any skill marked false may not pause; else one needing a skill marked true may.",
    )

    @property
    def shares_work(self) -> bool:
        """Whether a request may be done in two parts (`swarm_min_minutes` set above 0)."""
        return bool(self.swarm_min_minutes)

    def may_pause(self, request: Request) -> bool:
        """Whether the request's work may pause over an absence: its own `pausable` if set; else false when it
        needs a skill `pausable_skills` marks false, true when it needs one marked true; else `pausable`."""
        if request.pausable is not None:
            return request.pausable
        marks = [self.pausable_skills[s] for s in request.required_skills if s in self.pausable_skills]
        if marks:
            return all(marks)
        return self.pausable

    @field_validator("fair_share_pct")
    @classmethod
    def _shares_fit(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        if value is not None and sum(value.values()) > 100:
            raise ValueError(f"the fair shares add up to {sum(value.values())} %, more than 100 %")
        return value

    @field_validator("matrix")
    @classmethod
    def _full_matrix(cls, value: dict[Impact, dict[Urgency, Priority]]) -> dict[Impact, dict[Urgency, Priority]]:
        missing = [f"{i.value}/{u.value}" for i in Impact for u in Urgency if u not in value.get(i, {})]
        if missing:
            raise ValueError(f"matrix cells missing: {', '.join(missing)}")
        return value

    @field_validator("target_minutes", "priority_weights", "max_wait_minutes")
    @classmethod
    def _every_priority(cls, value: dict[Priority, int]) -> dict[Priority, int]:
        missing = [p.value for p in Priority if p not in value]
        if missing:
            raise ValueError(f"missing priorities: {', '.join(missing)}")
        if any(v <= 0 for v in value.values()):
            raise ValueError("every value must be greater than 0")
        return value


class Pin(_Model):
    """A queue lead's decision the plan must keep: a hard rule, with who made it and why."""

    id: Id = Field(description="Pin id, named when pins conflict.")
    kind: PinKind = Field(
        description="assign: request to agent; before: request finishes before `other` starts; "
        "first: request is its agent's first work; unfreeze: request in progress may move."
    )
    request: str = Field(description="Id of the pinned request.")
    agent: str | None = Field(None, description="Id of the agent, for kind assign.")
    other: str | None = Field(None, description="Id of the request that must wait, for kind before.")
    reason: OptionalShownText = Field("", description="Why the lead pinned it; shown to the requesters affected.")
    by: ShownLine = Field("queue lead", description="Who pinned it.")

    @model_validator(mode="after")
    def _fields_of_kind(self) -> Pin:
        if self.kind == PinKind.ASSIGN and not self.agent:
            raise ValueError("an assign pin needs an agent")
        if self.kind == PinKind.BEFORE and not self.other:
            raise ValueError("a before pin needs the other request")
        if self.kind == PinKind.BEFORE and self.other == self.request:
            raise ValueError("a request cannot be pinned before itself")
        return self


class Change(_Model):
    """A change a lead wants to price before deciding: what if this request went first, went to this
    agent, went before that request, had this priority (none: the matrix's again), or this agent were away
    for the whole horizon?"""

    kind: Literal["first", "assign", "before", "absent", "priority"]
    request: str | None = Field(None, description="The request, for first, assign, before and priority.")
    agent: str | None = Field(None, description="The agent, for assign and absent.")
    other: str | None = Field(None, description="The request that would wait, for before.")
    priority: Priority | None = Field(
        None, description="For priority: the lead's override to set; none clears it (the matrix's priority again)."
    )

    @model_validator(mode="after")
    def _fields_of_kind(self) -> Change:
        needs = {
            "first": ("request",),
            "assign": ("request", "agent"),
            "before": ("request", "other"),
            "absent": ("agent",),
            "priority": ("request",),
        }[self.kind]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.kind} change needs {' and '.join(missing)}")
        return self

    @field_validator("priority")
    @classmethod
    def _priority_of_its_kind(cls, value: Priority | None, info: ValidationInfo) -> Priority | None:
        kind = info.data.get("kind")
        if value is not None and kind not in (None, "priority"):
            raise ValueError(f"a {kind} change has no priority (a priority is for a priority change)")
        return value


class Scenario(_Model):
    """Everything a plan needs: the moment it is made, the team, its customers and the open work."""

    now: datetime = Field(description="The plan's start; naive means the team's time zone.")
    calendar: Calendar = Field(default_factory=Calendar)
    policy: Policy = Field(default_factory=Policy)
    skills: list[Skill] = Field(default_factory=list, description="The skill catalogue.")
    departments: list[Department] = Field(min_length=1, description="The team's customers.")
    agents: list[Agent] = Field(min_length=1, description="The teammates.")
    requests: list[Request] = Field(default_factory=list, description="Requests to plan.")
    pins: list[Pin] = Field(default_factory=list, description="The queue lead's pins: hard rules of the plan.")

    @model_validator(mode="after")
    def _localise(self) -> Scenario:
        zone = self.calendar.zone
        self.now = _local(self.now, zone)
        for request in self.requests:
            request.created_at = _local(request.created_at, zone)
            if request.deadline is not None:
                request.deadline = _local(request.deadline, zone)
            for pause in request.pauses:
                pause.start, pause.end = _local(pause.start, zone), _local(pause.end, zone)
            if request.waiting is not None:
                request.waiting.since = _local(request.waiting.since, zone)
                if request.waiting.until is not None:
                    request.waiting.until = _local(request.waiting.until, zone)
        for agent in self.agents:
            for off in agent.time_off:
                if isinstance(off.start, datetime) and isinstance(off.end, datetime):
                    off.start, off.end = _local(off.start, zone), _local(off.end, zone)
        return self

    def department(self, department_id: str) -> Department:
        return next(d for d in self.departments if d.id == department_id)

    def agent(self, agent_id: str) -> Agent:
        return next(a for a in self.agents if a.id == agent_id)

    def skill_name(self, skill_id: str) -> str:
        return next((s.name for s in self.skills if s.id == skill_id), skill_id)


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


__all__ = [
    "Agent",
    "Calendar",
    "Department",
    "EffortEstimate",
    "Pause",
    "Pin",
    "Policy",
    "Request",
    "Scenario",
    "Skill",
    "TermWeights",
    "TimeOff",
    "TimeRange",
    "Waiting",
    "WorkingHours",
]


class SkillIndex:
    """Which agents hold each skill at each level, to find the qualified agents of a request fast."""

    def __init__(self, agents: list[Agent]) -> None:
        self._count = len(agents)
        self._holders: dict[tuple[str, int], frozenset[int]] = {}
        skills = {s for a in agents for s in a.skills}
        for skill in skills:
            for level in (1, 2, 3):
                self._holders[skill, level] = frozenset(
                    i for i, a in enumerate(agents) if a.skills.get(skill, 0) >= level
                )

    def qualified(self, required: dict[str, int]) -> list[int]:
        """Indices of the agents holding every required skill at its level, in order."""
        chosen: frozenset[int] | None = None
        for skill, level in required.items():
            holders = self._holders.get((skill, level), frozenset())
            chosen = holders if chosen is None else chosen & holders
            if not chosen:
                return []
        return sorted(chosen) if chosen is not None else list(range(self._count))
