"""Principals (who holds tokens, with which role) and their bearer tokens, stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.orm import Session

from api.problems import Conflict, invalid
from api.roles import Principal, Role
from api.schemas import PrincipalCreate
from api.store import audit
from api.store.tables import AgentRow, DepartmentRow, PrincipalRow, TokenRow

TOKEN_PREFIX = "tdm_"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def principal_of(row: PrincipalRow | Row[Any]) -> Principal:
    return Principal(
        id=row.id, name=row.name, role=Role(row.role), department_id=row.department_id, agent_id=row.agent_id
    )


_PRINCIPALS, _TOKENS = PrincipalRow.__table__, TokenRow.__table__
_BY_TOKEN = (
    select(*(_PRINCIPALS.c[name] for name in ("id", "name", "role", "department_id", "agent_id")))
    .join(_TOKENS, _TOKENS.c.principal_id == _PRINCIPALS.c.id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.revoked_at.is_(None))
)  # built once, with a parameter: compiled once, only bound per request


def by_token(*, connection: Connection, secret: str) -> Principal | None:
    """The principal holding this unrevoked token, if any: read on every request, so a revocation counts from
    the next request on, in every process. One plain query on a connection (no session, no ORM object): an ORM
    lookup in a session of its own cost about five times as much CPU."""
    row = connection.execute(_BY_TOKEN, {"token_hash": hash_token(secret)}).one_or_none()
    return None if row is None else principal_of(row)


def get(*, session: Session, principal_id: str) -> PrincipalRow | None:
    return session.get(PrincipalRow, principal_id)


def all_principals(*, session: Session) -> list[PrincipalRow]:
    return list(session.scalars(select(PrincipalRow).order_by(PrincipalRow.id)))


def create(*, session: Session, actor: Principal | None, data: PrincipalCreate, at: datetime) -> PrincipalRow:
    """A new principal; a requester needs a department, an agent their agent record, and no one else either."""
    if session.get(PrincipalRow, data.id) is not None:
        raise Conflict(f"A principal with id {data.id!r} exists already.")
    if (data.role == Role.REQUESTER) != (data.department_id is not None):
        raise invalid("department_id", "required for a requester, and only for a requester")
    if (data.role == Role.AGENT) != (data.agent_id is not None):
        raise invalid("agent_id", "required for an agent, and only for an agent")
    if data.department_id is not None and session.get(DepartmentRow, data.department_id) is None:
        raise invalid("department_id", f"unknown department {data.department_id!r}")
    if data.agent_id is not None and session.get(AgentRow, data.agent_id) is None:
        raise invalid("agent_id", f"unknown agent {data.agent_id!r}")
    row = PrincipalRow(
        id=data.id,
        name=data.name,
        role=data.role.value,
        department_id=data.department_id,
        agent_id=data.agent_id,
        created_at=at,
    )
    session.add(row)
    if actor is not None:
        audit.record(
            session=session,
            actor=actor,
            at=at,
            action="principal.created",
            subject_type="principal",
            subject_id=data.id,
            changes={"role": [None, data.role.value]},
        )
    session.flush()
    return row


def issue_token(
    *, session: Session, actor: Principal | None, principal_id: str, label: str, at: datetime
) -> tuple[TokenRow, str]:
    """A new token for the principal; the secret is returned once and only its hash is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = TokenRow(
        id=secrets.token_hex(8),
        principal_id=principal_id,
        token_hash=hash_token(secret),
        label=label,
        created_at=at,
        revoked_at=None,
    )
    session.add(row)
    if actor is not None:
        audit.record(
            session=session,
            actor=actor,
            at=at,
            action="token.issued",
            subject_type="principal",
            subject_id=principal_id,
            changes={"token": [None, row.id]},
        )
    session.flush()
    return row, secret


def tokens(*, session: Session, principal_id: str) -> list[TokenRow]:
    return list(
        session.scalars(select(TokenRow).where(TokenRow.principal_id == principal_id).order_by(TokenRow.created_at))
    )


def get_token(*, session: Session, token_id: str) -> TokenRow | None:
    return session.get(TokenRow, token_id)


def revoke(*, session: Session, actor: Principal, token: TokenRow, at: datetime) -> None:
    if token.revoked_at is not None:
        raise Conflict(f"Token {token.id} is revoked already.")
    token.revoked_at = at
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="token.revoked",
        subject_type="principal",
        subject_id=token.principal_id,
        changes={"token": [token.id, None]},
    )
    session.flush()
