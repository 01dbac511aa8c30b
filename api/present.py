"""Rows and domain results as response schemas: the one place a route's answer is shaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Row

from api.schemas import (
    AgentRead,
    AuditEntryRead,
    DepartmentRead,
    PinRead,
    PrincipalRead,
    RequestRead,
    SkillRead,
    TokenRead,
)
from api.schemas_imports import ImportOutcome
from api.schemas_plans import ExplanationRead, JobRead, Placement, PlanRead, PlanResult, PlanSummary
from api.store.plans import body as plan_body
from api.store.tables import (
    AgentRow,
    AuditRow,
    DepartmentRow,
    JobRow,
    PinRow,
    PlanItemRow,
    PlanRow,
    PrincipalRow,
    RequestRow,
    SkillRow,
    TokenRow,
)
from triage.explanations.style import Register
from triage.names import Impact, Priority, RequestStatus, Urgency
from triage.results import Explanation, Plan

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
        created_at=_utc(row.created_at),
        deadline=_utc(row.deadline),
        owner=row.owner_id,
        status=RequestStatus(row.status),
        department_rank=row.department_rank,
        filed_by=row.filed_by,
        source_id=row.source_id,
        pausable=row.pausable,
        part_of=row.part_of,
        waiting=row.waiting,
        reopen_count=row.reopen_count or 0,
        updated_at=_utc(row.updated_at),
        closed_at=_utc(row.closed_at),
        version=row.version,
    )


def request_page(rows: Sequence[Row[Any]], matrix: Matrix, next_after: str | None) -> bytes:
    """A page of requests as JSON, built from plain rows: the same document as `Page[RequestRead]` (a test
    holds them equal), serialised once without building 2,000 models."""
    cells = {(i.value, u.value): p.value for i, row in matrix.items() for u, p in row.items()}
    items = [
        {"id": r.id, "department": r.department_id, "requester": r.requester, "title": r.title, "impact": r.impact,
         "urgency": r.urgency, "stated_priority": r.priority_override or cells[r.impact, r.urgency],
         "priority_override": r.priority_override, "effort_minutes": r.effort_minutes,
         "required_skills": r.required_skills, "created_at": r.created_at, "deadline": r.deadline,
         "owner": r.owner_id, "status": r.status, "department_rank": r.department_rank, "filed_by": r.filed_by,
         "source_id": r.source_id, "pausable": r.pausable, "part_of": r.part_of,
         "waiting": r.waiting, "reopen_count": r.reopen_count or 0,
         "updated_at": r.updated_at, "closed_at": r.closed_at, "version": r.version}
        for r in rows
    ]  # fmt: skip
    return to_json({"items": items, "next_after": next_after})


def _utc(moment: datetime | None) -> datetime | None:
    """Stored instants are answered in UTC (a row written in this request still holds the caller's offset)."""
    return moment.astimezone(UTC) if moment is not None else None


def pin_read(row: PinRow) -> PinRead:
    return PinRead(id=row.id, kind=row.kind, request=row.request_id, agent=row.agent_id, other=row.other_id,
                   reason=row.reason, created_by=row.created_by, created_at=_utc(row.created_at))  # fmt: skip


def department_read(row: DepartmentRow) -> DepartmentRead:
    return DepartmentRead(id=row.id, name=row.name, weight=row.weight, version=row.version)


def skill_read(row: SkillRow) -> SkillRead:
    return SkillRead(id=row.id, name=row.name)


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


def principal_read(row: PrincipalRow) -> PrincipalRead:
    return PrincipalRead(
        id=row.id,
        name=row.name,
        role=row.role,
        department_id=row.department_id,
        agent_id=row.agent_id,
        created_at=row.created_at,
    )


def token_read(row: TokenRow) -> TokenRead:
    return TokenRead(
        id=row.id,
        principal_id=row.principal_id,
        label=row.label,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        replaced_by=row.replaced_by,
    )


def audit_read(row: AuditRow) -> AuditEntryRead:
    return AuditEntryRead(
        id=row.id,
        at=row.at,
        principal_id=row.principal_id,
        principal_name=row.principal_name,
        role=row.role,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        changes=row.changes,
        reason=row.reason,
    )


def plan_result(plan: Plan, register: Register = Register.LEAD) -> PlanResult:
    """The domain plan as its HTTP schema (fields the schema does not know yet are left out; a test lists them),
    its explanations in the register."""
    known = set(PlanResult.model_fields) - {"explanations"}
    fields = {k: v for k, v in plan.model_dump().items() if k in known}
    return PlanResult.model_validate({**fields, "explanations": explanations_read(plan.explanations, register)})


def _summary_fields(row: PlanRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "created_at": row.created_at,
        "created_by": row.created_by,
        "now": row.now,
        "status": row.status,
        "objective": row.objective,
        "request_count": row.request_count,
        "applied_at": row.applied_at,
        "applied_by": row.applied_by,
    }


def plan_summary(row: PlanRow) -> PlanSummary:
    return PlanSummary(**_summary_fields(row))


def plan_read(row: PlanRow) -> PlanRead:
    return PlanRead(**_summary_fields(row), plan=plan_result(plan_body(row)))


def explanations_read(explanations: list[Explanation], register: Register = Register.PEOPLE) -> list[ExplanationRead]:
    """Explanations with the sentence of one register (people, lead, or the engineering detail)."""
    return [
        ExplanationRead.model_validate(
            {
                **e.model_dump(exclude={"lead_text", "detail_text"}),
                "text": e.in_register(register),
                "reader": register,
            }
        )
        for e in explanations
    ]


def job_read(row: JobRow) -> JobRead:
    return JobRead(
        id=row.id,
        kind=row.kind,
        state=row.state,
        progress=round(row.progress, 3),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        request_count=row.request_count,
        error=row.error,
        plan_id=row.plan_id,
        result_url=_result_url(row),
        imported=ImportOutcome.model_validate_json(row.result) if row.kind == "import" and row.result else None,
    )


def _result_url(row: JobRow) -> str | None:
    if row.kind == "import":
        return None
    if row.plan_id is not None:
        return f"/plans/{row.plan_id}"
    return f"/simulations/{row.id}" if row.result is not None else None


def placement(plan_row: PlanRow, item: PlanItemRow, queue_length: int) -> Placement:
    plan = plan_body(plan_row)
    mine = [e for e in plan.explanations if item.request_id in e.request_ids]
    placed = plan.assignment(item.request_id) or next((u for u in plan.unassigned if u.request_id == item.request_id),
                                                      None)  # fmt: skip
    return Placement(
        request_id=item.request_id,
        tentative=False,
        label=f"planned: plan {plan_row.id}{', applied' if plan_row.applied_at is not None else ''}",
        plan_id=plan_row.id,
        plan_created_at=plan_row.created_at,
        applied=plan_row.applied_at is not None,
        planned=item.agent_id is not None,
        priority=placed.priority if placed else None,
        position=item.position,
        queue_length=queue_length,
        agent_id=item.agent_id,
        start=item.start,
        end=item.end,
        unassigned_reason=item.unassigned_reason,
        explanations=explanations_read(mine),
    )
