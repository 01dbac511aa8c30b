"""HTTP schemas of agents (teammates), and an agent row shaped as its Read."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas import Identifier, In, Level, Name, Out, some_working_day
from api.store.tables import (
    AgentRow,
)
from triage.model import TimeOff, WorkingHours


class AgentCreate(In):
    id: Identifier = Field(description="Agent id, referenced by requests' owner and by agent principals.")
    name: Name = Field(description="Readable name, used in explanations.")
    skills: dict[Identifier, Level] = Field(
        default_factory=dict, max_length=100, description="Skill id to level: 1 basic to 3 expert."
    )
    working_hours: WorkingHours | None = Field(
        None,
        description="Own working periods per weekday ('HH:MM-HH:MM'), within the team's: at least one period "
        "meets the team's hours, and a weekday's periods do not overlap; absent: the team's.",
        json_schema_extra=some_working_day,
    )
    time_off: list[TimeOff] = Field(default_factory=list, max_length=200, description="Leave, training, sickness.")
    target_load_pct: int = Field(85, ge=1, le=100, description="Share of available time to plan, in per cent.")


class AgentUpdate(In):
    name: Name | None = Field(None, description="New readable name.")
    skills: dict[Identifier, Level] | None = Field(None, max_length=100, description="New skills: skill id to level.")
    working_hours: WorkingHours | None = Field(
        None,
        description="New own working periods (as for a new agent); null: the team's hours.",
        json_schema_extra=some_working_day,
    )
    time_off: list[TimeOff] | None = Field(None, max_length=200, description="New list of time off.")
    target_load_pct: int | None = Field(None, ge=1, le=100, description="New target load in per cent.")
    active: bool | None = Field(None, description="False takes the agent out of future plans.")


class AgentRead(Out):
    id: str = Field(description="Agent id.")
    name: str = Field(description="Readable name.")
    skills: dict[str, int] = Field(description="Skill id to level.")
    working_hours: dict[str, list[str]] | None = Field(description="Own working periods; null: the team's hours.")
    time_off: list[dict[str, Any]] = Field(description="Time off: start, end and reason of each.")
    target_load_pct: int = Field(description="Target load in per cent of available time.")
    active: bool = Field(description="Whether the agent is planned.")
    version: int = Field(description="Version; the ETag of this agent.")


def agent_read(row: AgentRow) -> AgentRead:
    return AgentRead(
        id=row.id,
        name=row.name,
        skills=row.skills,
        working_hours=row.working_hours,
        time_off=row.time_off,
        target_load_pct=row.target_load_pct,
        active=row.active,
        version=row.version,
    )
