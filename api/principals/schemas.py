"""HTTP schemas of principals, their tokens, and who the caller is; principal and token rows shaped as their
Reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from api.roles import Role
from api.schemas import Identifier, In, Name, Out
from api.store.tables import (
    PrincipalRow,
    TokenRow,
)


def _one_role_one_link(role: str, field: str) -> dict[str, Any]:
    """JSON Schema for "`field` is given exactly when the role is `role`" (checked in `store.principals`)."""
    return {
        "if": {"properties": {"role": {"const": role}}, "required": ["role"]},
        "then": {"properties": {field: {"type": "string"}}, "required": [field]},
        "else": {"properties": {field: {"type": "null"}}},
    }


class PrincipalCreate(In):
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


class PrincipalRead(Out):
    id: str = Field(description="Principal id.")
    name: str = Field(description="Readable name.")
    role: Role = Field(description="The principal's role.")
    department_id: str | None = Field(description="A requester's department.")
    agent_id: str | None = Field(description="An agent's agent record.")
    created_at: datetime = Field(description="When the principal was created.")


class TokenCreate(In):
    label: Name = Field("token", description="What the token is for, e.g. 'chat bot'.")
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="Days until the token stops working; absent: it does not expire."
    )


class TokenRotate(In):
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="Days the new token works; absent: as long as the old one had left."
    )


class TokenRead(Out):
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


class Me(Out):
    """The caller."""

    id: str = Field(description="Principal id.")
    name: str = Field(description="Readable name.")
    role: Role = Field(description="The caller's role.")
    department_id: str | None = Field(description="A requester's department.")
    agent_id: str | None = Field(description="An agent's agent record.")


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
