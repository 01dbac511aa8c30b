"""HTTP schemas: what clients send (Create, Update) and get back (Read), separate from the domain models in
`triage.model` and from the rows in `api.store.tables`. Every field is described, for the OpenAPI document.

Strings and numbers are bounded as the database columns are, so a value that passes here can be stored.
Datetimes without an offset are read in the team calendar's time zone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from api.roles import Role
from triage.model import TimeOff, TimeRange, WorkingHours, iana_zones
from triage.names import Impact, PinKind, Priority, RequestStatus, Urgency, WaitingReason, Weekday
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


FiledStatus = Annotated[RequestStatus, WithJsonSchema({"type": "string", "enum": ["open", "in_progress", "done"]})]
"""The statuses a request is filed with (it waits through its own operation; the server's message says so)."""
ChangedStatus = Annotated[RequestStatus, WithJsonSchema({"type": "string", "enum": ["open", "in_progress"]})]
"""The statuses an update sets (closing and waiting have their own operations)."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(_Out, Generic[T]):
    """One page of a list, oldest first. Pass `next_after` as `after` to get the next page."""

    items: list[T] = Field(description="The resources on this page.")
    next_after: str | None = Field(description="Cursor of the next page; null on the last page.")


class SkillCreate(_In):
    id: Identifier = Field(description="Skill id, referenced by agents and requests.")
    name: Name = Field(description="Readable name, used in explanations.")


class SkillRead(_Out):
    id: str = Field(description="Skill id.")
    name: str = Field(description="Readable name.")


class CalendarDocument(_In):
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


class DepartmentCreate(_In):
    id: Identifier = Field(description="Department id, referenced by requests and requesters.")
    name: Name = Field(description="Readable name, used in explanations.")
    weight: int = Field(1, ge=1, le=100, description="Multiplier of this department's lateness costs; 1 is the base.")


class DepartmentUpdate(_In):
    name: Name | None = Field(None, description="New readable name.")
    weight: int | None = Field(None, ge=1, le=100, description="New weight.")


class DepartmentRead(_Out):
    id: str = Field(description="Department id.")
    name: str = Field(description="Readable name.")
    weight: int = Field(description="Multiplier of this department's lateness costs.")
    version: int = Field(description="Version; the ETag of this department.")


class AgentCreate(_In):
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


class AgentUpdate(_In):
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


class AgentRead(_Out):
    id: str = Field(description="Agent id.")
    name: str = Field(description="Readable name.")
    skills: dict[str, int] = Field(description="Skill id to level.")
    working_hours: dict[str, list[str]] | None = Field(description="Own working periods; null: the team's hours.")
    time_off: list[dict[str, Any]] = Field(description="Time off: start, end and reason of each.")
    target_load_pct: int = Field(description="Target load in per cent of available time.")
    active: bool = Field(description="Whether the agent is planned.")
    version: int = Field(description="Version; the ETag of this agent.")


class RequestCreate(_In):
    department: Identifier | None = Field(
        None,
        description="Requesting department, an existing one; a requester files for their own, which is the default "
        "for them; every other role names it.",
    )
    requester: Name = Field(description="Name of the person asking.")
    title: Title = Field(description="Short description, used in explanations.")
    impact: Impact = Field(description="How widely the problem reaches: company, department, team or person.")
    urgency: Urgency = Field(description="How badly it hinders work: work_stopped, degraded, inconvenient, can_wait.")
    effort_minutes: int = Field(gt=0, le=43_200, description="Estimated working minutes to complete.")
    required_skills: dict[Identifier, Level] = Field(
        default_factory=dict, max_length=100, description="Skill id to the minimum level needed; an agent needs all."
    )
    deadline: Moment | None = Field(None, description="A hard date the requester gave, if any; after created_at.")
    department_rank: int | None = Field(
        None, ge=1, le=1_000_000, description="The department's own order among its requests; 1 matters most."
    )
    created_at: Moment | None = Field(
        None,
        description="When it was filed in the source system, not in the future (default: now). Admins and "
        "integrations only, as owner, status and source_id.",
    )
    owner: Identifier | None = Field(None, description="Agent who owns it in the source system.")
    status: FiledStatus | None = Field(
        None, description="open (default), in_progress or done (a request waits through its own operation)."
    )
    source_id: SourceId | None = Field(None, description="Its id in the source system; unique.")
    pausable: bool | None = Field(
        None,
        description="Whether its work may pause over its agent's absences and resume after; false: one unbroken "
        "stretch of the agent's working time. Absent or null: the policy decides (pausable_skills, pausable).",
    )


class RequestUpdate(_In):
    """Fields to change; absent fields stay. Each role may change only some fields (see the docs)."""

    title: Title | None = Field(None, description="New title.", json_schema_extra=no_null)
    requester: Name | None = Field(None, description="New requester name.", json_schema_extra=no_null)
    impact: Impact | None = Field(None, description="New impact.", json_schema_extra=no_null)
    urgency: Urgency | None = Field(None, description="New urgency.", json_schema_extra=no_null)
    effort_minutes: int | None = Field(
        None, gt=0, le=43_200, description="New effort estimate, in minutes.", json_schema_extra=no_null
    )
    required_skills: dict[Identifier, Level] | None = Field(
        None, max_length=100, description="New required skills.", json_schema_extra=no_null
    )
    deadline: Moment | None = Field(None, description="New deadline; null removes it.")
    department_rank: int | None = Field(None, ge=1, le=1_000_000, description="New rank; null removes it.")
    priority_override: Priority | None = Field(None, description="A lead's priority; null returns to the matrix.")
    pausable: bool | None = Field(
        None, description="Whether its work may pause over an absence; null returns to the policy's rule. Leads."
    )
    owner: Identifier | None = Field(None, description="Agent who owns it; null: nobody. A lead's override.")
    status: ChangedStatus | None = Field(
        None,
        description="open or in_progress; closing and waiting have their own operations.",
        json_schema_extra=no_null,
    )
    reason: Reason | None = Field(None, description="Why; required when changing priority_override or owner.")


class RequestWait(_In):
    reason: WaitingReason = Field(description="On whom or what it waits: requester, vendor, change or other.")
    until: Moment | None = Field(None, description="When it is expected back, if known.")
    note: Reason | None = Field(None, description="Why, in words; kept in the audit log.")


class RequestResume(_In):
    note: Reason | None = Field(None, description="Why it is back, in words; kept in the audit log.")


class RequestClose(_In):
    reason: Reason | None = Field(None, description="Why it is closed (done, withdrawn, duplicate).")


class RequestRead(_Out):
    id: str = Field(description="Request id.")
    department: str = Field(description="Requesting department.")
    requester: str = Field(description="Name of the person asking.")
    title: str = Field(description="Short description.")
    impact: Impact = Field(description="How widely the problem reaches.")
    urgency: Urgency = Field(description="How badly it hinders work.")
    stated_priority: Priority = Field(
        description="The lead's override if set, else the policy matrix cell of the impact and urgency as filed. "
        "The plan's triage may differ (a department that marks most of its requests urgent has its marks "
        "count less): the request's placement gives the priority planned and why."
    )
    priority_override: Priority | None = Field(description="The lead's priority, if set.")
    effort_minutes: int = Field(description="Estimated working minutes.")
    required_skills: dict[str, int] = Field(description="Skill id to the minimum level.")
    created_at: datetime = Field(description="When it was filed.")
    deadline: datetime | None = Field(description="The requester's hard date, if any.")
    owner: str | None = Field(description="Agent who owns it, if any.")
    status: RequestStatus = Field(description="open, in_progress or done.")
    department_rank: int | None = Field(description="The department's own order among its requests.")
    filed_by: str | None = Field(description="Principal who filed it (absent for imported requests).")
    source_id: str | None = Field(description="Its id in the ticketing system it came from, if any.")
    pausable: bool | None = Field(
        description="Whether its work may pause over an absence, as set on the request; null: the policy decides."
    )
    part_of: str | None = Field(
        description="When this request is a peer's part of another (an accepted share): that request's id."
    )
    waiting: dict[str, Any] | None = Field(
        description="While it waits: reason, since and until (if known); its SLA clock is paused."
    )
    reopen_count: int = Field(description="How many times it came back after being done.")
    updated_at: datetime = Field(description="When it last changed.")
    closed_at: datetime | None = Field(description="When it was closed.")
    version: int = Field(description="Version; the ETag of this request.")


def _kind_needs(kind: PinKind, field: str) -> dict[str, Any]:
    """JSON Schema for "a pin of `kind` names `field`" (checked by `triage.model.Pin`)."""
    return {
        "if": {"properties": {"kind": {"const": kind.value}}, "required": ["kind"]},
        "then": {"properties": {field: {"type": "string"}}, "required": [field]},
    }


class PinCreate(_In):
    """A queue lead's decision every plan must keep, with the reason the requesters affected will see.

    An assign pin names an agent who has the request's skills, a before pin another request (not the pinned
    one); the requests are open ones and the agent a known one."""

    model_config = ConfigDict(
        json_schema_extra={"allOf": [_kind_needs(PinKind.ASSIGN, "agent"), _kind_needs(PinKind.BEFORE, "other")]}
    )

    id: Identifier = Field(description="Pin id, named when pins conflict.")
    kind: PinKind = Field(
        description="assign: request to agent; before: request finishes before `other` starts; first: request "
        "is its agent's first work; unfreeze: request in progress may move away from its owner."
    )
    request: Identifier = Field(description="The pinned request (open).")
    agent: Identifier | None = Field(None, description="The agent, for kind assign.")
    other: Identifier | None = Field(None, description="The request that must wait, for kind before.")
    reason: Reason = Field(description="Why: shown to the requesters affected, kept in the audit log.")


class PinRead(_Out):
    id: str = Field(description="Pin id.")
    kind: PinKind = Field(description="assign, before, first or unfreeze.")
    request: str = Field(description="The pinned request.")
    agent: str | None = Field(description="The agent, for kind assign.")
    other: str | None = Field(description="The request that must wait, for kind before.")
    reason: str = Field(description="Why the lead pinned it.")
    created_by: str = Field(description="Who pinned it.")
    created_at: datetime = Field(description="When.")


class PinRemove(_In):
    reason: Reason | None = Field(None, description="Why the pin is removed; kept in the audit log.")


def _one_role_one_link(role: str, field: str) -> dict[str, Any]:
    """JSON Schema for "`field` is given exactly when the role is `role`" (checked in `store.principals`)."""
    return {
        "if": {"properties": {"role": {"const": role}}, "required": ["role"]},
        "then": {"properties": {field: {"type": "string"}}, "required": [field]},
        "else": {"properties": {field: {"type": "null"}}},
    }


class PrincipalCreate(_In):
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                _one_role_one_link(Role.REQUESTER.value, "department_id"),
                _one_role_one_link(Role.AGENT.value, "agent_id"),
            ]
        }
    )

    id: Identifier = Field(description="Principal id, e.g. 'sales-desk' or 'ana'.")
    name: Name = Field(description="Readable name, kept in the audit log.")
    role: Role = Field(description="requester, agent, lead, manager or admin.")
    department_id: Identifier | None = Field(
        None, description="For a requester: their department, an existing one (required)."
    )
    agent_id: Identifier | None = Field(
        None, description="For an agent: their agent record, an existing one (required)."
    )


class PrincipalRead(_Out):
    id: str = Field(description="Principal id.")
    name: str = Field(description="Readable name.")
    role: Role = Field(description="The principal's role.")
    department_id: str | None = Field(description="A requester's department.")
    agent_id: str | None = Field(description="An agent's agent record.")
    created_at: datetime = Field(description="When the principal was created.")


class TokenCreate(_In):
    label: Name = Field("token", description="What the token is for, e.g. 'chat bot'.")
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="Days until the token stops working; absent: it does not expire."
    )


class TokenRotate(_In):
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="Days the new token works; absent: as long as the old one had left."
    )


class TokenRead(_Out):
    id: str = Field(description="Token id (not the secret).")
    principal_id: str = Field(description="Whose token it is.")
    label: str = Field(description="What the token is for.")
    created_at: datetime = Field(description="When it was issued.")
    revoked_at: datetime | None = Field(description="When it was revoked, if it was.")
    expires_at: datetime | None = Field(description="When it stops working; null: it does not expire.")
    last_used_at: datetime | None = Field(description="When it was last used, to the minute; null: never.")
    replaced_by: str | None = Field(description="The token a rotation issued in its place, if any.")


class TokenIssued(TokenRead):
    token: str = Field(description="The bearer secret. Shown once: only its hash is stored.")


class AuditEntryRead(_Out):
    id: int = Field(description="Entry number, increasing.")
    at: datetime = Field(description="When it happened.")
    principal_id: str = Field(description="Who did it.")
    principal_name: str = Field(description="Their name at the time.")
    role: str = Field(description="Their role at the time.")
    action: str = Field(description="What was done, e.g. 'request.updated', 'plan.applied'.")
    subject_type: str = Field(description="The kind of thing acted on, e.g. 'request'.")
    subject_id: str = Field(description="Its id.")
    changes: dict[str, Any] = Field(description="Field to [before, after], or the facts of the decision.")
    reason: str | None = Field(description="Why, as given.")


class Health(_Out):
    status: str = Field(description="'ok' when the process is up.")


class Readiness(_Out):
    status: str = Field(description="'ready' when the database answers and its schema is current.")
    database: str = Field(description="'sqlite' or 'postgresql'.")
    schema_revision: str = Field(description="The database's migration revision.")


class Me(_Out):
    """The caller."""

    id: str = Field(description="Principal id.")
    name: str = Field(description="Readable name.")
    role: Role = Field(description="The caller's role.")
    department_id: str | None = Field(description="A requester's department.")
    agent_id: str | None = Field(description="An agent's agent record.")
