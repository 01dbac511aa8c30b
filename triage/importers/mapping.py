"""The mapping file: how a source's fields and values become Tandem's (TOML, validated by pydantic).

Every column the mapping names must be in the export (checked against the header before any row is read).
Values the mapping lists map one to one; a state value it does not list is an error naming its row. The
default mapping per format ships in `triage/importers/mappings/` (documented field by field there).
"""

from __future__ import annotations

import tomllib

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from triage.errors import Problem, ScenarioError
from triage.model import Calendar
from triage.names import Impact, Priority, Urgency, WaitingReason


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Columns(_Model):
    """Which column holds what. Optional columns may be left out; the rest must exist in the export."""

    id: str = Field(description="The ticket's id in the source (kept as the request's source_id).")
    state: str = Field(description="The ticket's state, mapped by [states].")
    created_at: str = Field(description="When the ticket was opened.")
    updated_at: str | None = Field(None, description="When this row's state was recorded (event logs: per event).")
    assignee: str | None = Field(None, description="Who owns the ticket: becomes an agent.")
    group: str | None = Field(None, description="The assignment group: filters the team and gives time shares.")
    department: str = Field(description="The field that names the requesting department.")
    requester: str | None = Field(None, description="The person who asked.")
    skills: list[str] = Field(min_length=1, description="Fields whose values become skills (e.g. category).")
    title: list[str] = Field(default_factory=list, description="Fields joined with ' / ' as the title.")
    impact: str | None = Field(None, description="Impact, mapped by [impact].")
    urgency: str | None = Field(None, description="Urgency, mapped by [urgency].")
    priority: str | None = Field(None, description="The source's priority, mapped by [priority] to an override.")
    reopen_count: str | None = Field(None, description="How many times the ticket was reopened.")
    made_sla: str | None = Field(None, description="The source's own on-time flag ('true'/'false').")

    def named(self) -> list[tuple[str, str]]:
        """(mapping field, column) for every column the mapping names."""
        out = []
        for name, value in self:
            if isinstance(value, list):
                out += [(f"{name}[{i}]", v) for i, v in enumerate(value)]
            elif value is not None:
                out.append((name, value))
        return out


class States(_Model):
    """Which source states mean open, in progress (active: counted as work), waiting (by reason) and done."""

    open: list[str] = Field(default_factory=list)
    in_progress: list[str] = Field(default_factory=list)
    waiting: dict[WaitingReason, list[str]] = Field(default_factory=dict)
    done: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _each_state_once(self) -> States:
        seen: dict[str, int] = {}
        for value in [*self.open, *self.in_progress, *(v for vs in self.waiting.values() for v in vs), *self.done]:
            seen[value] = seen.get(value, 0) + 1
        twice = sorted(v for v, n in seen.items() if n > 1)
        if twice:
            raise ValueError(f"states listed twice: {', '.join(twice)}")
        return self


class Effort(_Model):
    """How effort is learned from history (see `triage.importers.effort`)."""

    min_class_size: int = Field(5, ge=1, description="Fewest done tickets a class needs to give an estimate.")
    clip_minutes: tuple[int, int] = Field(
        (5, 2400), description="Each measured active time is clipped to this range before the median is taken."
    )
    default_minutes: int = Field(60, gt=0, description="Used when no class (not even the team) has data.")

    @field_validator("clip_minutes")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 0 < value[0] <= value[1]:
            raise ValueError("clip_minutes must be (low, high) with 0 < low <= high")
        return value


class Mapping(_Model):
    """A whole mapping file."""

    format: str = Field(description="The export format this mapping reads, e.g. 'servicenow'.")
    event_log: bool = Field(
        False, description="Several rows per ticket, one per event (true), or one row per ticket (false)."
    )
    date_format: str = Field(description="strptime format of the export's dates, e.g. '%d/%m/%Y %H:%M'.")
    missing: list[str] = Field(default_factory=lambda: [""], description="Values that mean 'no value'.")
    team_groups: list[str] = Field(
        default_factory=list, description="Assignment groups that are this team; empty: every group."
    )
    default_skill: str | None = Field(
        None, description="Skill of a ticket with no skill value (reported as a warning); absent: an error."
    )
    skill_separator: str | None = Field(
        None,
        description="Split each skills column's value on it, one skill per part (lists such as Jira's components "
        "and labels); absent: one skill per column.",
    )
    columns: Columns
    states: States
    impact: dict[str, Impact] = Field(default_factory=dict, description="Source value to Tandem impact.")
    urgency: dict[str, Urgency] = Field(default_factory=dict, description="Source value to Tandem urgency.")
    priority: dict[str, Priority] = Field(default_factory=dict, description="Source priority to an override.")
    default_impact: Impact = Impact.TEAM
    default_urgency: Urgency = Urgency.DEGRADED
    calendar: Calendar = Field(default_factory=Calendar, description="The team calendar.")
    effort: Effort = Field(default_factory=Effort)


def parse_mapping(text: str, source: str) -> Mapping:
    """A mapping file's text as a `Mapping`; ScenarioError naming every bad field otherwise."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem(record=source, field="", message=f"not TOML: {exc}")]) from exc
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        problems = [
            Problem(record=source, field=".".join(str(p) for p in e["loc"]), message=e["msg"]) for e in exc.errors()
        ]
        raise ScenarioError(problems) from exc
