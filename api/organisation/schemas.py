"""HTTP schemas of the organisation: skills and the team calendar (the policy is the domain's own
document), and a skill row shaped as its Read."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints

from api.schemas import Identifier, In, Name, Out, some_working_day
from api.store.tables import (
    SkillRow,
)
from triage.model import TimeRange, iana_zones
from triage.names import Weekday


class SkillCreate(In):
    id: Identifier = Field(description="Skill id, referenced by agents and requests.")
    name: Name = Field(description="Readable name, used in explanations.")


class SkillRead(Out):
    id: str = Field(description="Skill id.")
    name: str = Field(description="Readable name.")


class CalendarDocument(In):
    """The team's working time (the body of PUT /calendar; read back as the same document)."""

    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_+/-]*$")] = (
        Field(
            "UTC",
            description="IANA time zone of the team, e.g. 'Europe/Berlin'.",
            json_schema_extra=lambda schema: schema.update(enum=sorted(iana_zones())),
        )
    )
    working_hours: dict[Weekday, list[TimeRange]] | None = Field(
        None,
        description="Working periods per weekday as 'HH:MM-HH:MM'; a weekday not listed is closed; at least one "
        "weekday has a period, and a weekday's periods do not overlap. Absent: Monday to Friday, 09:00-17:00.",
        json_schema_extra=some_working_day,
    )
    holidays: list[date] = Field(default_factory=list, max_length=1000, description="Days the whole team is closed.")


def skill_read(row: SkillRow) -> SkillRead:
    return SkillRead(id=row.id, name=row.name)
