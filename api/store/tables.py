"""The database tables (SQLAlchemy 2 declarative). The schema itself is created by the Alembic migrations in
`api/migrations`; a test checks that the migrations and these tables agree.

Shared objects carry a `version` (SQLAlchemy's version counter): an UPDATE names the version it read, so of
two concurrent writers the second changes nothing and gets 412. Datetimes are stored in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator, false
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, stored as naive UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class OrganisationRow(Base):
    """The single row (id 1) holding the team calendar and the policy, each with its own version."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar: Mapped[dict[str, Any]]
    policy: Mapped[dict[str, Any]]
    calendar_version: Mapped[int] = mapped_column(default=1)
    policy_version: Mapped[int] = mapped_column(default=1)


class SkillRow(Base):
    __tablename__ = "skills"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class DepartmentRow(Base):
    __tablename__ = "departments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class AgentRow(Base):
    __tablename__ = "agents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    skills: Mapped[dict[str, Any]]
    working_hours: Mapped[dict[str, Any] | None]
    time_off: Mapped[list[Any]]
    target_load_pct: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class RequestRow(Base):
    """A filed request. `pk` orders the queue's pages; `id` ("REQ-<pk>" when filed here) is public."""

    __tablename__ = "requests"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str | None] = mapped_column(String(64), unique=True)
    department_id: Mapped[str] = mapped_column(ForeignKey("departments.id"))
    requester: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    impact: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(20))
    priority_override: Mapped[str | None] = mapped_column(String(2))
    effort_minutes: Mapped[int]
    required_skills: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    deadline: Mapped[datetime | None]
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"))
    status: Mapped[str] = mapped_column(String(20))
    department_rank: Mapped[int | None]
    filed_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    source_id: Mapped[str | None] = mapped_column(String(200), unique=True)  # the ticketing system's id
    waiting: Mapped[dict[str, Any] | None]  # reason, since, until of the current wait
    pauses: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    reopen_count: Mapped[int] = mapped_column(default=0, server_default="0")
    effort_estimate: Mapped[dict[str, Any] | None]  # similar_requests, effort_class; absent: effort was given
    pausable: Mapped[bool | None]  # may its work pause over an absence; null: the policy decides
    part_of: Mapped[str | None] = mapped_column(String(64))  # the request this one is the peer's part of (a share)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}
    __table_args__ = (
        Index("ix_requests_status_pk", "status", "pk"),
        Index("ix_requests_department_pk", "department_id", "pk"),
        Index("ix_requests_owner_pk", "owner_id", "pk"),
    )


class PrincipalRow(Base):
    """Someone who holds tokens: a role, and for requesters a department, for agents their agent record."""

    __tablename__ = "principals"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime]


class TokenRow(Base):
    """A bearer token, stored as the SHA-256 of its secret (secrets are 256 random bits, so no salt is needed)."""

    __tablename__ = "tokens"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # 0009: none means it does not expire
    last_used_at: Mapped[datetime | None]  # 0009: to the minute (LAST_USED_STEP_SECONDS)
    replaced_by: Mapped[str | None] = mapped_column(String(32))  # 0009: the token a rotation issued for it


class IdempotencyRow(Base):
    """The stored answer to a POST made with an Idempotency-Key, written in the same transaction as its effect."""

    __tablename__ = "idempotency_keys"
    principal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class PlanRow(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    now: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    objective: Mapped[int] = mapped_column(BigInteger)  # protected weights pass 2^31 (migration 0011)
    request_count: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str | None] = mapped_column(Text)  # the Scenario planned, as JSON (absent before 0002)
    applied_at: Mapped[datetime | None]
    applied_by: Mapped[str | None] = mapped_column(String(64))


class PlanItemRow(Base):
    """One request's place in a plan, with the request's version when planned (apply refuses stale plans)."""

    __tablename__ = "plan_items"
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_version: Mapped[int]
    agent_id: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int | None]
    start: Mapped[datetime | None]
    end: Mapped[datetime | None]
    unassigned_reason: Mapped[str | None] = mapped_column(String(40))
    __table_args__ = (Index("ix_plan_items_request", "request_id", "plan_id"),)


class JobRow(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    progress: Mapped[float]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime]
    request_count: Mapped[int]
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)  # a result that is not a plan (a simulation), as JSON; 0005
    queue: Mapped[str] = mapped_column(String(20), default="solver", server_default="solver")  # 0008
    inputs: Mapped[str | None] = mapped_column(Text)  # what the worker needs to run it, as JSON; 0008
    worker: Mapped[str | None] = mapped_column(String(200))  # "host:pid" of the worker process holding it; 0008
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=false())  # 0008


class QueueChangeRow(Base):
    """One write that changed the queue (a request filed, an agent away, a pin...), numbered in commit order
    on each backend: the live re-plan waits for a quiet spell after the last one, and a plan records the last
    one it saw. `at` is the real clock (debouncing is real time even when the app's clock is frozen)."""

    __tablename__ = "queue_changes"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64))


class TentativePlaceRow(Base):
    """A request's tentative place, given at once by the insertion heuristic after change `seq`, on top of plan
    `base_plan_id`; no agent (and a `note`) when it has none. Superseded by the first plan that saw `seq`."""

    __tablename__ = "tentative_places"
    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(index=True)
    base_plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    request_version: Mapped[int]
    agent_id: Mapped[str | None] = mapped_column(String(64))
    start: Mapped[datetime | None]
    end: Mapped[datetime | None]
    effort_minutes: Mapped[int]
    priority: Mapped[str | None] = mapped_column(String(2))
    note: Mapped[str | None] = mapped_column(Text)


class PlanMarkRow(Base):
    """The last queue change a plan's snapshot saw, and who asked for it ("live": the background re-plan)."""

    __tablename__ = "plan_marks"
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    seen_seq: Mapped[int]
    source: Mapped[str] = mapped_column(String(20))


class AuditRow(Base):
    """Who did what, when and why."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    principal_id: Mapped[str] = mapped_column(String(64))
    principal_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]]
    reason: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id", "id"),)


class PinRow(Base):
    """A queue lead's pin (`triage.model.Pin`): kept by every plan while its requests are open."""

    __tablename__ = "pins"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    other_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class HandOffRow(Base):
    """A hand-off proposal (`triage.results.HandOff`, kept whole in `body` as proposed) from an agent's request
    for help, and the peer's answer. `request_version` is the request's version in the plan it was computed
    from: accepting refuses a request that changed since. `kind` share: a second pair of hands (`body` a
    `triage.results.Swarm`, `parts` its two parts, `part_request_id` the request the peer's part became)."""

    __tablename__ = "handoffs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ask_id: Mapped[str] = mapped_column(String(32))  # the request for help that proposed it
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    request_id: Mapped[str] = mapped_column(String(64))
    request_version: Mapped[int]
    department_id: Mapped[str] = mapped_column(String(64))
    from_agent_id: Mapped[str] = mapped_column(String(64))
    to_agent_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None]
    answer_reason: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), default="whole", server_default="whole")
    parts: Mapped[list[Any] | None]
    part_request_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        Index("ix_handoffs_request", "request_id", "id"),
        Index("ix_handoffs_department", "department_id", "id"),
        Index("ix_handoffs_to_agent_state", "to_agent_id", "state"),
        Index("ix_handoffs_from_agent_state", "from_agent_id", "state"),
    )
