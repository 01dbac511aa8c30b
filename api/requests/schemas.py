"""HTTP schemas of requests: filing, changing, waiting, resuming, closing, reading, and a request row
shaped as its Read (a request's placement in the newest plan is a plan's schema, `Placement`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, WithJsonSchema
from pydantic_core import to_json
from sqlalchemy import Row

from api.schemas import Identifier, In, Level, Moment, Name, Out, Reason, SourceId, Title, in_utc, no_null
from api.store.tables import (
    RequestRow,
)
from triage.names import Impact, Priority, RequestStatus, Urgency, WaitingReason

FiledStatus = Annotated[RequestStatus, WithJsonSchema({"type": "string", "enum": ["open", "in_progress", "done"]})]
"""The statuses a request is filed with (it waits through its own operation; the server's message says so)."""


ChangedStatus = Annotated[RequestStatus, WithJsonSchema({"type": "string", "enum": ["open", "in_progress"]})]
"""The statuses an update sets (closing and waiting have their own operations)."""


class RequestCreate(In):
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


class RequestUpdate(In):
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


class RequestWait(In):
    reason: WaitingReason = Field(description="On whom or what it waits: requester, vendor, change or other.")
    until: Moment | None = Field(None, description="When it is expected back, if known.")
    note: Reason | None = Field(None, description="Why, in words; kept in the audit log.")


class RequestResume(In):
    note: Reason | None = Field(None, description="Why it is back, in words; kept in the audit log.")


class RequestClose(In):
    reason: Reason | None = Field(None, description="Why it is closed (done, withdrawn, duplicate).")


class RequestRead(Out):
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


Matrix = dict[Impact, dict[Urgency, Priority]]


def request_read(row: RequestRow, matrix: Matrix) -> RequestRead:
    priority = row.priority_override or matrix[Impact(row.impact)][Urgency(row.urgency)]
    return RequestRead.model_construct(
        id=row.id,
        department=row.department_id,
        requester=row.requester,
        title=row.title,
        impact=Impact(row.impact),
        urgency=Urgency(row.urgency),
        stated_priority=Priority(priority),
        priority_override=Priority(row.priority_override) if row.priority_override else None,
        effort_minutes=row.effort_minutes,
        required_skills=row.required_skills,
        created_at=in_utc(row.created_at),
        deadline=in_utc(row.deadline),
        owner=row.owner_id,
        status=RequestStatus(row.status),
        department_rank=row.department_rank,
        filed_by=row.filed_by,
        source_id=row.source_id,
        pausable=row.pausable,
        part_of=row.part_of,
        waiting=row.waiting,
        reopen_count=row.reopen_count or 0,
        updated_at=in_utc(row.updated_at),
        closed_at=in_utc(row.closed_at),
        version=row.version,
    )


def request_page(rows: Sequence[Row[Any]], matrix: Matrix, next_after: str | None) -> bytes:
    """A page of requests as JSON, built from plain rows: the same document as `Page[RequestRead]` (a test
    holds them equal), serialised once without building 2,000 models."""
    cells = {(i.value, u.value): p.value for i, row in matrix.items() for u, p in row.items()}
    items = [
        {
            "id": r.id,
            "department": r.department_id,
            "requester": r.requester,
            "title": r.title,
            "impact": r.impact,
            "urgency": r.urgency,
            "stated_priority": r.priority_override or cells[r.impact, r.urgency],
            "priority_override": r.priority_override,
            "effort_minutes": r.effort_minutes,
            "required_skills": r.required_skills,
            "created_at": r.created_at,
            "deadline": r.deadline,
            "owner": r.owner_id,
            "status": r.status,
            "department_rank": r.department_rank,
            "filed_by": r.filed_by,
            "source_id": r.source_id,
            "pausable": r.pausable,
            "part_of": r.part_of,
            "waiting": r.waiting,
            "reopen_count": r.reopen_count or 0,
            "updated_at": r.updated_at,
            "closed_at": r.closed_at,
            "version": r.version,
        }
        for r in rows
    ]
    return to_json({"items": items, "next_after": next_after})
