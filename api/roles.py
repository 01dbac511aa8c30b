"""Who may do what: the roles, the operations, and the one table between them.

Routes declare their operation (`Allowed(Operation.FILE_REQUEST)` in `deps`); this table decides. Scopes
narrow some grants further: a requester sees and changes only their own department's requests, an agent
changes only the requests they own, and each role may change only some fields of a request
(`REQUEST_FIELDS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from triage.explanations.style import article


class Role(StrEnum):
    REQUESTER = "requester"  # a department's person: files and follows that department's requests
    AGENT = "agent"  # a teammate: sees the queue and their own work, updates the status of their own
    LEAD = "lead"  # the queue lead: everything about the queue, plans and applying them
    MANAGER = "manager"  # reads everything, computes plans to compare (simulations), applies nothing
    ADMIN = "admin"  # people, departments, skills, calendar, policy, principals and tokens
    INTEGRATION = "integration"  # a ticketing system: files requests with their own history, reads them


class Operation(StrEnum):
    READ_ORGANISATION = "read organisation"  # departments, skills, calendar, policy
    READ_AGENTS = "read agents"
    MANAGE_ORGANISATION = "manage organisation"  # departments, agents, skills, calendar, policy
    MANAGE_PRINCIPALS = "manage principals"  # principals and their tokens
    FILE_REQUEST = "file request"
    READ_REQUESTS = "read requests"
    UPDATE_REQUEST = "update request"
    CLOSE_REQUEST = "close request"
    COMPUTE_PLAN = "compute plan"
    READ_PLANS = "read plans"
    APPLY_PLAN = "apply plan"
    PIN = "pin"  # make and remove the pins every plan keeps
    WHAT_IF = "ask what if"  # price a change against a plan, nothing stored
    READ_AUDIT = "read audit"
    READ_DEPARTMENT_REPORT = "read department report"  # requesters: their own department only
    ASK_HELP = "ask for help"  # agents for themselves only; leads on behalf of any agent
    ANSWER_HANDOFF = "answer hand-off"  # accept or decline: agents only hand-offs proposed to them
    READ_HANDOFFS = "read hand-offs"  # requesters: their department's requests'; agents: from or to them
    SIMULATE = "simulate"  # staffing simulations: run them and read their results
    MANAGE_WEBHOOKS = "manage webhooks"  # subscriptions, the delivery log, replays
    IMPORT = "import exports"  # a ticketing system's export into the store (POST /imports), as a job


R, A, L, M, D, T = (
    Role.REQUESTER,
    Role.AGENT,
    Role.LEAD,
    Role.MANAGER,
    Role.ADMIN,
    Role.INTEGRATION,
)  # T: a ticketing system (integration)

ALLOWED: dict[Operation, frozenset[Role]] = {
    Operation.READ_ORGANISATION: frozenset({R, A, L, M, D, T}),
    Operation.READ_AGENTS: frozenset({A, L, M, D, T}),
    Operation.MANAGE_ORGANISATION: frozenset({D}),
    Operation.MANAGE_PRINCIPALS: frozenset({D}),
    Operation.FILE_REQUEST: frozenset({R, L, D, T}),
    Operation.READ_REQUESTS: frozenset({R, A, L, M, T}),
    Operation.UPDATE_REQUEST: frozenset({R, A, L}),
    Operation.CLOSE_REQUEST: frozenset({R, A, L}),
    Operation.COMPUTE_PLAN: frozenset({L, M}),
    Operation.READ_PLANS: frozenset({A, L, M}),
    Operation.APPLY_PLAN: frozenset({L}),
    Operation.WHAT_IF: frozenset({L, M}),
    Operation.PIN: frozenset({L}),
    Operation.READ_AUDIT: frozenset({L, M, D}),
    Operation.READ_DEPARTMENT_REPORT: frozenset({R, L, M}),
    Operation.ASK_HELP: frozenset({A, L}),
    Operation.ANSWER_HANDOFF: frozenset({A, L}),
    Operation.READ_HANDOFFS: frozenset({R, A, L, M}),
    Operation.SIMULATE: frozenset({M}),
    Operation.MANAGE_WEBHOOKS: frozenset({D}),
    Operation.IMPORT: frozenset({L, D}),
}

REQUEST_FIELDS: dict[Role, frozenset[str]] = {
    Role.REQUESTER: frozenset({"title", "requester", "impact", "urgency", "deadline", "department_rank"}),
    Role.AGENT: frozenset({"status", "effort_minutes"}),
    Role.LEAD: frozenset(
        {
            "title",
            "requester",
            "impact",
            "urgency",
            "deadline",
            "department_rank",
            "status",
            "effort_minutes",
            "required_skills",
            "priority_override",
            "pausable",
            "owner",
        }
    ),
}
"""The fields of a request each role may change (`reason` is always allowed)."""

HISTORY_FIELDS = frozenset({"created_at", "owner", "status", "source_id"})
"""Fields of a new request that carry another system's history: given only by admins and integrations."""

HISTORY_ROLES = frozenset({Role.ADMIN, Role.INTEGRATION})

OVERRIDES = frozenset({"priority_override", "owner"})
"""Fields whose change is a lead's override: it must carry a reason, which the audit log keeps."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the holder of the bearer token."""

    id: str
    name: str
    role: Role
    department_id: str | None = None  # requesters only
    agent_id: str | None = None  # agents only

    def may(self, operation: Operation) -> bool:
        return self.role in ALLOWED[operation]


def filing_department(principal: Principal, requested: str | None) -> str:
    """The department a request is filed for: a requester's own (they may not file for another); a lead names it."""
    from api.problems import Forbidden, invalid

    if principal.role == Role.REQUESTER:
        assert principal.department_id is not None
        if requested is not None and requested != principal.department_id:
            raise Forbidden(f"A requester files for their own department ({principal.department_id}) only.")
        return principal.department_id
    if requested is None:
        raise invalid("department", "required: the department the request is for")
    return requested


def check_filing_fields(principal: Principal, fields: set[str]) -> None:
    """Only admins and integrations file a request with its history (creation time, owner, status, source id)."""
    from api.problems import FieldError, Forbidden

    refused = sorted(fields & HISTORY_FIELDS) if principal.role not in HISTORY_ROLES else []
    if refused:
        raise Forbidden(
            f"A {principal.role.value} may not file a request with {', '.join(refused)}: admins and integrations only.",
            errors=[FieldError(field=f, location="body", message="admins and integrations only") for f in refused],
        )


def check_request_change(principal: Principal, owner_id: str | None, fields: set[str]) -> None:
    """A role changes only its fields; an agent only the requests they own. (Requesters see only their
    department's requests, so they cannot reach another's.)"""
    from api.problems import FieldError, Forbidden

    if principal.role == Role.AGENT and owner_id != principal.agent_id:
        raise Forbidden("An agent changes only the requests they own.")
    refused = sorted(fields - REQUEST_FIELDS.get(principal.role, frozenset()) - {"reason"})
    if refused:
        raise Forbidden(
            f"{article(principal.role.value).capitalize()} may not change {', '.join(refused)}.",
            errors=[
                FieldError(field=f, location="body", message=f"not changeable by {article(principal.role.value)}")
                for f in refused
            ],
        )
