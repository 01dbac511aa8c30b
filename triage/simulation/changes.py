"""Staffing changes a manager simulates, and how each changes the organisation.

A `Variant` is a named list of changes; the baseline is the organisation as it is. Changes are applied in
order, so a variant may hire someone and then give them a skill. `check_variants` reports every problem at
once, each located as `variants[<name>].changes[<i>]` and the field (unknown agent, unknown skill, unknown
department, a date before the simulation starts, hours outside the team's); a surge changes arrivals, not
the team, so `apply_changes` leaves it to the arrival draw (`surges`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from triage.calendar import intersect
from triage.errors import Problem, ScenarioError
from triage.model import Agent, Id, Scenario, TimeOff, WorkingHours, _check_no_overlap
from triage.names import WEEKDAYS, ChangeKind

FOR_GOOD_DAYS = 3660  # a leave "for good" is time off for ten years
BASELINE = "baseline"


def _kind_required(schema: dict[str, Any]) -> None:
    """`kind` picks the change (the union's discriminator), so a document must carry it, whatever the default
    that code constructing a change relies on."""
    schema["required"] = sorted({*schema.get("required", []), "kind"})


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_kind_required)


class Hire(_Change):
    """A new agent, working from `start` (absent: from the simulation's first day)."""

    kind: Literal[ChangeKind.HIRE] = Field(ChangeKind.HIRE, description="The kind of change.")
    agent: Id = Field(description="Id of the new agent; not already in the team.")
    name: str = Field("", description="Readable name; absent: the id.")
    skills: dict[str, Annotated[int, Field(ge=1, le=3)]] = Field(description="Skill id to level 1-3.")
    working_hours: WorkingHours | None = Field(None, description="Own hours (part-time); absent: the team's.")
    start: date | None = Field(None, description="First working day; absent: the simulation's first day.")
    target_load_pct: int = Field(85, ge=1, le=100, description="Share of available time to plan, in per cent.")


class Leave(_Change):
    """An agent gone from `start`, for `days` calendar days or for good."""

    kind: Literal[ChangeKind.LEAVE] = Field(ChangeKind.LEAVE, description="The kind of change.")
    agent: str = Field(description="Id of the agent who leaves.")
    start: date = Field(description="First day away.")
    days: int | None = Field(None, ge=1, le=FOR_GOOD_DAYS, description="Calendar days away; absent: for good.")


class Away(_Change):
    """An agent away from `start` to `end` (whole days, end included)."""

    kind: Literal[ChangeKind.TIME_OFF] = Field(ChangeKind.TIME_OFF, description="The kind of change.")
    agent: str = Field(description="Id of the agent away.")
    start: date = Field(description="First day away.")
    end: date = Field(description="Last day away (included).")

    @field_validator("end")
    @classmethod
    def _ordered(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if start is not None and value < start:
            raise ValueError("the time off ends before it starts")
        return value


class NewSkill(_Change):
    """An agent gains a skill at a level (or rises to it)."""

    kind: Literal[ChangeKind.SKILL] = Field(ChangeKind.SKILL, description="The kind of change.")
    agent: str = Field(description="Id of the agent.")
    skill: str = Field(description="Id of the skill, from the catalogue.")
    level: int = Field(ge=1, le=3, description="1 basic, 2 practised, 3 expert.")


class Hours(_Change):
    """An agent's working hours changed (e.g. shorter days) for the whole simulation."""

    kind: Literal[ChangeKind.HOURS] = Field(ChangeKind.HOURS, description="The kind of change.")
    agent: str = Field(description="Id of the agent.")
    working_hours: WorkingHours = Field(description="The agent's new weekly hours, within the team's.")

    @model_validator(mode="after")
    def _no_overlap(self) -> Hours:
        for day, ranges in self.working_hours.items():
            _check_no_overlap(day, ranges)
        return self


class Surge(_Change):
    """A department's arrival rate multiplied by `factor`, from `start` to `end` (absent: every day)."""

    kind: Literal[ChangeKind.SURGE] = Field(ChangeKind.SURGE, description="The kind of change.")
    department: str = Field(description="Id of the department.")
    factor: float = Field(gt=0, le=20, description="Multiplier of the department's arrival rate, e.g. 2.")
    start: date | None = Field(None, description="First day of the surge; absent: from the first day.")
    end: date | None = Field(None, description="Last day of the surge (included); absent: to the last day.")

    @field_validator("end")
    @classmethod
    def _ordered(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start")
        if start is not None and value is not None and value < start:
            raise ValueError("the surge ends before it starts")
        return value

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


StaffingChange = Annotated[Hire | Leave | Away | NewSkill | Hours | Surge, Field(discriminator="kind")]


class Variant(BaseModel):
    """A named set of staffing changes, compared against the organisation as it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80, description="How the variant is called in the comparison.")
    changes: list[StaffingChange] = Field(default_factory=list, max_length=50, description="Applied in order.")


def surges(variant: Variant) -> list[Surge]:
    return [c for c in variant.changes if isinstance(c, Surge)]


def apply_changes(scenario: Scenario, variant: Variant) -> Scenario:
    """The organisation with the variant's team changes made (surges change arrivals, not the team).
    Assumes `check_variants` passed."""
    agents = list(scenario.agents)
    first_day = scenario.now.date()
    for change in variant.changes:
        if isinstance(change, Hire):
            agents.append(_hired(change, first_day))
        elif not isinstance(change, Surge):
            i = next(k for k, a in enumerate(agents) if a.id == change.agent)
            agents[i] = _changed(agents[i], change)
    return scenario.model_copy(update={"agents": agents})


def _hired(change: Hire, first_day: date) -> Agent:
    before = []
    if change.start is not None and change.start > first_day:
        before = [TimeOff(start=first_day, end=change.start - timedelta(days=1), reason="not hired yet")]
    return Agent(
        id=change.agent,
        name=change.name or change.agent,
        skills=dict(change.skills),
        working_hours=change.working_hours,
        time_off=before,
        target_load_pct=change.target_load_pct,
    )


def _changed(agent: Agent, change: Leave | Away | NewSkill | Hours) -> Agent:
    if isinstance(change, Leave):
        last = change.start + timedelta(days=(change.days or FOR_GOOD_DAYS) - 1)
        return agent.model_copy(
            update={"time_off": [*agent.time_off, TimeOff(start=change.start, end=last, reason="leave")]}
        )
    if isinstance(change, Away):
        away = TimeOff(start=change.start, end=change.end, reason="time off")
        return agent.model_copy(update={"time_off": [*agent.time_off, away]})
    if isinstance(change, NewSkill):
        level = max(change.level, agent.skills.get(change.skill, 0))
        return agent.model_copy(update={"skills": {**agent.skills, change.skill: level}})
    return agent.model_copy(update={"working_hours": change.working_hours})


def check_variants(scenario: Scenario, variants: list[Variant]) -> None:
    """Raise ScenarioError with every problem of the variants against the organisation."""
    problems: list[Problem] = []
    names = [v.name for v in variants]
    for name in sorted({n for n in names if names.count(n) > 1 or n == BASELINE}):
        why = f"'{BASELINE}' is the organisation as it is" if name == BASELINE else "two variants have this name"
        problems.append(Problem(record=f"variants[{name}]", field="name", message=why))
    for variant in variants:
        problems += _variant_problems(scenario, variant)
    if problems:
        raise ScenarioError(problems)


def _variant_problems(scenario: Scenario, variant: Variant) -> list[Problem]:
    agents = {a.id for a in scenario.agents}
    skills = {s.id for s in scenario.skills}
    departments = {d.id for d in scenario.departments}
    first_day = scenario.now.date()
    out: list[Problem] = []
    for i, change in enumerate(variant.changes):
        record = f"variants[{variant.name}].changes[{i}]"

        def bad(field: str, message: str, record: str = record) -> None:
            out.append(Problem(record=record, field=field, message=message))

        if isinstance(change, Hire):
            if change.agent in agents:
                bad("agent", f"agent {change.agent!r} is already in the team")
            agents.add(change.agent)
            for skill in change.skills:
                if skill not in skills:
                    bad(f"skills.{skill}", f"unknown skill {skill!r}")
        elif isinstance(change, Surge):
            if change.department not in departments:
                bad("department", f"unknown department {change.department!r}")
        elif change.agent not in agents:
            bad("agent", f"unknown agent {change.agent!r}")
        if isinstance(change, NewSkill) and change.skill not in skills:
            bad("skill", f"unknown skill {change.skill!r}")
        hours = getattr(change, "working_hours", None)
        if hours is not None and not _meets_team(scenario, hours):
            bad("working_hours", "no working time: none of these hours falls within the team's working hours")
        for field in ("start", "end"):
            day = getattr(change, field, None)
            if day is not None and day < first_day:
                bad(field, f"{day.isoformat()} is before the simulation starts ({first_day.isoformat()})")
    return out


def _meets_team(scenario: Scenario, hours: WorkingHours) -> bool:
    team = scenario.calendar.working_hours
    return any(intersect(sorted(team.get(day, [])), sorted(hours.get(day, []))) for day in WEEKDAYS)


def describe(change: StaffingChange) -> str:
    """A change in a few words, for tables and the paragraph."""
    if isinstance(change, Hire):
        return f"hire {change.agent}" + (f" from {change.start.isoformat()}" if change.start else "")
    if isinstance(change, Leave):
        span = f"for {change.days} days" if change.days else "for good"
        return f"{change.agent} leaves on {change.start.isoformat()} {span}"
    if isinstance(change, Away):
        return f"{change.agent} off {change.start.isoformat()} to {change.end.isoformat()}"
    if isinstance(change, NewSkill):
        return f"{change.agent} learns {change.skill} at level {change.level}"
    if isinstance(change, Hours):
        return f"{change.agent} on new hours"
    return f"{change.department} demand x{change.factor:g}"
