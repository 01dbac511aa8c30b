"""HTTP schemas of plans, their explanations and a request's placement, and plan rows shaped as them. They
mirror `triage.results` field for field (conversion is `model_validate` of the domain plan's dump), and describe
every field for OpenAPI."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Identifier, Out, Reason
from api.store.plans import body as plan_body
from api.store.tables import (
    PlanItemRow,
    PlanRow,
)
from triage.explanations.style import Register
from triage.names import ExplanationKind, MoveReasonKind, PlanStatus, Priority, Term
from triage.results import Explanation, Plan


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time_limit_seconds: float | None = Field(
        None,
        gt=0,
        le=3600,
        description="Solver time limit; absent: the server's default. Capped by the server."
        " A limit below the least this queue can be planned in (api.limits.least_time_limit: it grows with the "
        "requests and the request-agent pairs; 0 at M) is refused with 422; a default is raised to it.",
    )
    reason: Reason | None = Field(None, description="Why this plan is computed; kept in the audit log.")


class PlanApply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = Field(None, description="Why it is applied; kept in the audit log.")
    force: bool = Field(
        False,
        description="Apply although the queue moved on since the plan (requests filed, changed or closed that the "
        "plan does not assign, pins added or removed); audited with what it was forced over. A plan whose own "
        "requests changed is refused whatever this says.",
    )


WHAT_IF_NEEDS = {
    "first": ("request",),
    "assign": ("request", "agent"),
    "before": ("request", "other"),
    "absent": ("agent",),
    "priority": ("request",),
}
"""The fields each kind of what-if names (checked by `triage.model.Change`), for the document."""


def _what_if_rules() -> list[dict[str, Any]]:
    """JSON Schema for each kind's fields, and for "only a priority change takes a priority"."""
    rules: list[dict[str, Any]] = [
        {
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {"properties": {f: {"type": "string"} for f in fields}, "required": list(fields)},
        }
        for kind, fields in WHAT_IF_NEEDS.items()
    ]
    rules.append(
        {
            "if": {"properties": {"kind": {"not": {"const": "priority"}}}, "required": ["kind"]},
            "then": {"properties": {"priority": {"type": "null"}}},
        }
    )
    return rules


class WhatIfCreate(BaseModel):
    """A change to price before deciding: this request first, to this agent, before that request, at this
    priority (the lead's override set, or cleared to the matrix's), or this agent away for the whole horizon.
    Each kind needs its fields (assign: request and agent; before: request and other; absent: agent; first and
    priority: request), and only a priority change takes a priority; else 422 naming the field."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"allOf": _what_if_rules()})

    kind: Literal["first", "assign", "before", "absent", "priority"] = Field(description="What to force.")
    request: Identifier | None = Field(None, description="The request, for first, assign, before and priority.")
    agent: Identifier | None = Field(None, description="The agent, for assign and absent.")
    other: Identifier | None = Field(None, description="The request that would wait, for before.")
    priority: Priority | None = Field(
        None,
        description="For priority only: the lead's priority override to price; absent or null prices clearing it "
        "(the impact x urgency matrix's priority again). The plan's cost is then stated under the changed "
        "priority, before and after: the current plan priced again with it, and the plan re-planned with it.",
    )
    time_limit_seconds: float | None = Field(
        None,
        gt=0,
        le=3600,
        description="Solver time limit for the re-plan; absent: 2 s. Capped by the server."
        " A limit below the least this queue can be planned in (api.limits.least_time_limit: it grows with the "
        "requests and the request-agent pairs; 0 at M) is refused with 422; a default is raised to it.",
    )


class TermDeltaRead(Out):
    term: Term = Field(description="The objective term.")
    before: int = Field(description="Its value (weight x quantity) in the plan.")
    after: int = Field(description="Its value with the change forced.")


class ShiftRead(Out):
    request_id: str = Field(description="A request whose agent, end or lateness changes.")
    agent_before: str | None = Field(description="Its agent in the plan.")
    agent_after: str | None = Field(description="Its agent with the change forced.")
    end_before: datetime | None = Field(description="Its end in the plan.")
    end_after: datetime | None = Field(description="Its end with the change forced.")
    end_minute_before: int | None = Field(description="On the business-time axis; null when not planned.")
    end_minute_after: int | None = Field(description="On the business-time axis; null when not planned.")
    minutes_late_before: int | None = Field(description="Null when not planned.")
    minutes_late_after: int | None = Field(description="Null when not planned.")


class WhatIfRead(Out):
    """What forcing the change would cost, computed by planning again with it forced (nothing is stored)."""

    plan_id: int = Field(description="The plan the change is priced against.")
    change: str = Field(description="The change, in words.")
    status: PlanStatus = Field(description="Status of the plan with the change forced (infeasible: it cannot hold).")
    cost_before: int = Field(
        description="The plan's cost; for a priority change, the plan as it is priced with the changed priority."
    )
    cost_after: int = Field(description="The cost with the change forced; 0 when it cannot hold.")
    terms: list[TermDeltaRead] = Field(description="Each objective term before and after.")
    shifts: list[ShiftRead] = Field(description="Requests whose agent, end or lateness changes, biggest first.")
    re_planned: str = Field(description="How the alternative was computed: which requests were free to move.")
    conflict: str = Field(description="Why the change cannot hold, when it cannot.")
    already_holds: bool = Field(description="The plan already does what the change forces.")
    text: str = Field(
        description="A paragraph a lead can read before deciding: hours, names, departments; with detail=true, "
        "also the plan's cost before and after."
    )


class AssignmentPartRead(Out):
    agent_id: str = Field(description="Who does this part.")
    minutes: int = Field(description="Working minutes of the request's effort in this part.")
    start: datetime = Field(description="When this part starts, in the team's time zone.")
    end: datetime = Field(description="When this part finishes.")
    start_minute: int = Field(description="Start on the business-time axis.")
    end_minute: int = Field(description="End on the business-time axis.")
    request_id: str | None = Field(None, description="The request this part is planned as (the part filed).")


class AssignmentRead(Out):
    request_id: str = Field(description="The request.")
    agent_id: str = Field(description="The agent who does it.")
    start: datetime = Field(description="When work starts, in the team's time zone.")
    end: datetime = Field(description="When work finishes; it pauses while the agent is off.")
    start_minute: int = Field(description="Start on the business-time axis (working minutes from the plan's now).")
    end_minute: int = Field(description="End on the business-time axis.")
    priority: Priority = Field(description="The request's priority.")
    due: datetime = Field(description="When it is due.")
    minutes_late: int = Field(description="Business minutes past due at the end; 0 when on time.")
    parts: list[AssignmentPartRead] = Field(
        default_factory=list,
        description="When done in parts (a share accepted): each part, its agent's first; start, end and "
        "minutes_late are then the parts' (the later part's end).",
    )


class UnassignedRead(Out):
    request_id: str = Field(description="The request left out of the horizon.")
    priority: Priority = Field(description="Its priority.")
    due: datetime = Field(description="When it is due.")
    reason: str = Field(
        description="'missing_skill', 'no_qualified_agent', 'no_room', or 'no_stretch' (its work may not pause and "
        "no qualified agent has a stretch of working time as long as its effort)."
    )
    missing_skills: dict[str, int] = Field(description="Skill id to the level nobody holds (missing_skill).")


class TermRead(Out):
    term: Term = Field(description="The objective term.")
    weight: int = Field(description="Its weight in the policy.")
    quantity: int = Field(description="Its unweighted amount, in its unit.")
    unit: str = Field(description="The unit of the quantity.")
    value: int = Field(description="weight x quantity.")


class FactRead(Out):
    name: str = Field(description="What the fact is, e.g. 'department_weight'.")
    value: str | int = Field(description="Its value.")
    unit: str = Field(description="Its unit, if any.")


class ExplanationRead(Out):
    kind: ExplanationKind = Field(description="What is explained: priority, assignment or unassigned.")
    request_ids: list[str] = Field(description="The requests it is about.")
    agent_ids: list[str] = Field(description="The agents it names.")
    department_ids: list[str] = Field(description="The departments it names.")
    facts: list[FactRead] = Field(description="The facts the sentence rests on.")
    reader: Register = Field(
        description="Who the sentence is written for: people (requesters, department heads), lead (with the "
        "trade-off per department), detail (the engineering view: cost points, rule names)."
    )
    text: str = Field(description="The claim in plain language; every number in it is one of the facts.")


class PinConflictRead(Out):
    pin_ids: list[str] = Field(description="The pins that cannot all hold together.")
    rules: list[str] = Field(description="The hard rules they collide with.")
    text: str = Field(description="The conflict in plain language.")


class MoveReasonRead(Out):
    kind: MoveReasonKind = Field(description="What kind of fact (new, agent_away, new_work_ahead, ...).")
    agent_id: str | None = Field(description="The agent the fact is about.")
    request_ids: list[str] = Field(description="The other requests involved.")
    priorities: list[Priority] = Field(description="Their priorities, in the same order.")
    before: str | None = Field(description="The value before (a priority), when the fact is a change.")
    after: str | None = Field(description="The value after (a priority, or the pin's kind).")
    minutes: int | None = Field(description="Business minutes: how much earlier, or the work ahead now.")
    minutes_before: int | None = Field(description="The work ahead in the previous plan, in business minutes.")


class MoveRead(Out):
    request_id: str = Field(description="The request that moved.")
    from_agent: str | None = Field(description="Its agent before (owner or previous plan).")
    to_agent: str | None = Field(description="Its agent now; null when it left the plan.")
    from_start: datetime | None = Field(description="Its start before.")
    to_start: datetime | None = Field(description="Its start now.")
    reasons: list[str] = Field(description="Why it moved, in words.")
    facts: list[MoveReasonRead] = Field(description="Why it moved: the facts, each sentence's numbers and ids.")


class DepartmentShareRead(Out):
    department_id: str = Field(description="The department.")
    fair_share_pct: float = Field(description="Its fair share of planned time (policy, or from weights).")
    planned_share_pct: float = Field(description="Its share of all planned working minutes.")
    asks_for_share: bool = Field(description="Its open work is at least its fair share of the team's time.")
    requests: int = Field(description="Its open requests.")
    planned: int = Field(description="Of those, planned in the horizon.")
    on_time: int = Field(description="Of those, finishing by their due time.")
    not_planned: int = Field(description="Open requests left out of the horizon.")
    urgent_marks: int = Field(description="Requests it marks as stopping or slowing work.")
    urgent_honoured: int = Field(description="Of those, marks the urgency-inflation rule honours in full.")


class PlanResult(Out):
    status: PlanStatus = Field(description="optimal, feasible (not proven best) or infeasible.")
    objective: int = Field(description="Total cost under the policy: the sum of the term values.")
    best_bound: int = Field(description="No plan can cost less than this.")
    gap: float = Field(description="(objective - best_bound) / objective; 0 when proven optimal.")
    bound_source: str = Field(description="How the bound was obtained.")
    solve_seconds: float = Field(description="Time spent planning, in seconds.")
    horizon_end: datetime = Field(description="The end of the planning horizon.")
    terms: list[TermRead] = Field(description="The value of every objective term.")
    assignments: list[AssignmentRead] = Field(description="Who does what, when.")
    unassigned: list[UnassignedRead] = Field(description="Requests left out, and why.")
    explanations: list[ExplanationRead] = Field(description="Why, per request: priority, then agent and time.")
    conflicts: list[PinConflictRead] = Field(default_factory=list, description="Why the pins cannot all hold.")
    changes: list[MoveRead] = Field(default_factory=list, description="What moved since the previous plan.")
    departments: list[DepartmentShareRead] = Field(
        default_factory=list, description="Each department's share of planned time against its fair share."
    )


class PlanSummary(Out):
    id: int = Field(description="Plan id.")
    created_at: datetime = Field(description="When it was computed.")
    created_by: str = Field(description="Principal who asked for it.")
    now: datetime = Field(description="The moment the plan starts from.")
    status: PlanStatus = Field(description="optimal, feasible or infeasible.")
    objective: int = Field(description="Total cost under the policy.")
    request_count: int = Field(description="Open requests it planned.")
    applied_at: datetime | None = Field(description="When it was applied, if it was.")
    applied_by: str | None = Field(description="Who applied it.")


class PlanRead(PlanSummary):
    plan: PlanResult = Field(description="The plan itself.")


class OwnerChange(Out):
    request_id: str = Field(description="The request.")
    previous_owner: str | None = Field(description="Its owner before.")
    owner: str = Field(description="Its owner now.")


class ApplyResult(Out):
    plan_id: int = Field(description="The applied plan.")
    applied_at: datetime = Field(description="When it was applied.")
    changes: list[OwnerChange] = Field(description="Requests whose owner changed.")


class Placement(Out):
    """A request's place, and why: tentative (given at once by the insertion heuristic after a change) until a
    plan includes the request as it now is, then the latest plan's."""

    request_id: str = Field(description="The request.")
    tentative: bool = Field(description="True for a place given at once after a change, before the re-plan.")
    label: str = Field(description="What kind of place this is, in words.")
    plan_id: int = Field(description="The plan this placement is from.")
    plan_created_at: datetime = Field(description="When that plan was computed.")
    applied: bool = Field(description="Whether that plan was applied.")
    planned: bool = Field(description="False when the plan leaves the request out of its horizon.")
    priority: Priority | None = Field(description="The priority the plan gave it (its triage).")
    position: int | None = Field(description="1 for the first request to start in the plan, and so on.")
    queue_length: int = Field(description="Requests the plan schedules.")
    agent_id: str | None = Field(description="Who is to do it.")
    start: datetime | None = Field(description="Expected start.")
    end: datetime | None = Field(description="Expected finish.")
    unassigned_reason: str | None = Field(description="Why it is not planned, when it is not.")
    explanations: list[ExplanationRead] = Field(description="Why: its priority, its agent and time.")


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


def placement_read(plan_row: PlanRow, item: PlanItemRow, queue_length: int) -> Placement:
    plan = plan_body(plan_row)
    mine = [e for e in plan.explanations if item.request_id in e.request_ids]
    placed = plan.assignment(item.request_id) or next(
        (u for u in plan.unassigned if u.request_id == item.request_id), None
    )
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
