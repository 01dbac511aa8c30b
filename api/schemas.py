"""What every resource's HTTP schemas share: the bounded id, text and time types, the bases of what clients
send (`In`: Create, Update) and get back (`Out`: Read), and a page of a list. Each resource's own schemas, and
its rows shaped as them, are its package's (`api/<resource>/schemas.py`), separate from the domain models in
`triage.model` and from the rows in `api.store.tables`. Every field is described, for the OpenAPI document.

Strings and numbers are bounded as the database columns are, so a value that passes here can be stored.
Datetimes without an offset are read in the team calendar's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from triage.names import Weekday
from triage.text import LINE_PATTERN, TEXT_PATTERN, ShownLine, ShownText

T = TypeVar("T")

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
# Text people read: bounded as the columns are, and safe to show (`triage.text`: NFC, no control or bidi
# characters, not blank); the pattern says exactly the same in the OpenAPI document (a property test checks it).
_ONE_LINE = LINE_PATTERN
_LINES = TEXT_PATTERN


def _shown(kind: Any, max_length: int, pattern: str) -> Any:
    """A shown text bounded to `max_length`; refused by `triage.text` with a message naming the character (the
    pattern, which says the same, only documents it: pydantic's own message would quote the expression)."""
    schema = {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": pattern}
    return Annotated[kind, StringConstraints(min_length=1, max_length=max_length), WithJsonSchema(schema)]


Name = _shown(ShownLine, 200, _ONE_LINE)
Title = _shown(ShownLine, 500, _ONE_LINE)
Reason = _shown(ShownText, 2000, _LINES)
Level = Annotated[int, Field(ge=1, le=3)]
SourceId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]


def _sane(moment: datetime) -> datetime:
    if not 2000 <= moment.year <= 2200:
        raise ValueError("must be between the years 2000 and 2200")
    return moment


Moment = Annotated[
    datetime,
    AfterValidator(_sane),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": r"^(2[01][0-9]{2}|2200)-"}),
]
"""A date and time between the years 2000 and 2200 (the pattern says so in the document)."""


def no_null(schema: dict[str, Any]) -> None:
    """`json_schema_extra` of an optional field that may be absent but not null (the server refuses null)."""
    branches = [b for b in schema.pop("anyOf", []) if b != {"type": "null"}]
    (branch,) = branches
    schema.pop("default", None)  # absent leaves the field as it is
    schema.update(branch)


def some_working_day(schema: dict[str, Any]) -> None:
    """`json_schema_extra` of working hours: at least one weekday has a period (the server refuses a week with
    none). A weekday's periods must not overlap, and each ends after it starts: rules JSON Schema cannot say."""
    (hours,) = [b for b in schema.get("anyOf", [schema]) if b.get("type") == "object"]
    hours["anyOf"] = [{"required": [d.value], "properties": {d.value: {"minItems": 1}}} for d in Weekday]


class In(BaseModel):
    """What a client sends: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """What a client gets back: exactly the described fields."""

    model_config = ConfigDict(extra="forbid")


class Page(Out, Generic[T]):
    """One page of a list, oldest first. Pass `next_after` as `after` to get the next page."""

    items: list[T] = Field(description="The resources on this page.")
    next_after: str | None = Field(description="Cursor of the next page; null on the last page.")


def in_utc(moment: datetime | None) -> datetime | None:
    """Stored instants are answered in UTC (a row written in this request still holds the caller's offset)."""
    return moment.astimezone(UTC) if moment is not None else None
