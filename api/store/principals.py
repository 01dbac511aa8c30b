"""Principals (who holds tokens, with which role) and their bearer tokens, stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.orm import Session

from api.roles import Principal, Role
from api.store import audit
from api.store.errors import StateConflict, invalid
from api.store.inputs import NewPrincipal
from api.store.session import Database
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
    select(
        *(_PRINCIPALS.c[name] for name in ("id", "name", "role", "department_id", "agent_id")),
        _TOKENS.c.id.label("token_id"),
        _TOKENS.c.expires_at,
        _TOKENS.c.last_used_at,
    )
    .join(_TOKENS, _TOKENS.c.principal_id == _PRINCIPALS.c.id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.revoked_at.is_(None))
)  # built once, with a parameter: compiled once, only bound per request
LAST_USED_STEP_SECONDS = 60
"""A token's last use is written at most once a minute: a write per request would double the cost of reads."""


def by_token(*, database: Database, secret: str, real_now: datetime) -> Principal | None:
    """The principal holding this unrevoked, unexpired token, if any. `real_now` is the wall clock (expiry is
    real time, even when the planning clock is fixed). One plain query on a connection (no session, no ORM
    object: an ORM lookup in a session of its own cost about five times as much CPU), and a write of its last
    use when that is over a minute old."""
    with database.connection() as connection:
        row = connection.execute(_BY_TOKEN, {"token_hash": hash_token(secret)}).one_or_none()
    if row is None or (row.expires_at is not None and _utc(row.expires_at) <= real_now):
        return None
    if row.last_used_at is None or (real_now - _utc(row.last_used_at)).total_seconds() >= LAST_USED_STEP_SECONDS:
        with database.writing() as session:
            session.execute(update(TokenRow).where(TokenRow.id == row.token_id).values(last_used_at=real_now))
            session.commit()
    return principal_of(row)


def _utc(moment: datetime) -> datetime:
    """A datetime read by a plain query (naive UTC, as `UtcDateTime` stores it) as an aware one."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def get(*, session: Session, principal_id: str) -> PrincipalRow | None:
    return session.get(PrincipalRow, principal_id)


def all_principals(*, session: Session) -> list[PrincipalRow]:
    return list(session.scalars(select(PrincipalRow).order_by(PrincipalRow.id)))


def create(*, session: Session, actor: Principal | None, data: NewPrincipal, at: datetime) -> PrincipalRow:
    """A new principal; a requester needs a department, an agent their agent record, and no one else either."""
    if session.get(PrincipalRow, data.id) is not None:
        raise StateConflict(f"A principal with id {data.id!r} exists already.")
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
    *,
    session: Session,
    actor: Principal | None,
    principal_id: str,
    label: str,
    at: datetime,
    expires_at: datetime | None = None,
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
        expires_at=expires_at,
        last_used_at=None,
        replaced_by=None,
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
            changes={"token": [None, row.id], "expires_at": None if expires_at is None else expires_at.isoformat()},
        )
    session.flush()
    return row, secret


def rotate(
    *, session: Session, actor: Principal, token: TokenRow, at: datetime, expires_at: datetime | None
) -> tuple[TokenRow, str]:
    """A new token in place of `token` (same principal and label), which is revoked at once; audited."""
    if token.revoked_at is not None:
        raise StateConflict(f"Token {token.id} is revoked; issue a new token instead.")
    new, secret = issue_token(
        session=session, actor=None, principal_id=token.principal_id, label=token.label, at=at, expires_at=expires_at
    )
    token.revoked_at, token.replaced_by = at, new.id
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="token.rotated",
        subject_type="principal",
        subject_id=token.principal_id,
        changes={"token": [token.id, new.id]},
    )
    session.flush()
    return new, secret


def tokens(*, session: Session, principal_id: str) -> list[TokenRow]:
    return list(
        session.scalars(select(TokenRow).where(TokenRow.principal_id == principal_id).order_by(TokenRow.created_at))
    )


def get_token(*, session: Session, token_id: str) -> TokenRow | None:
    return session.get(TokenRow, token_id)


def revoke(*, session: Session, actor: Principal, token: TokenRow, at: datetime, real_now: datetime) -> None:
    """Revoke a token; never the last working admin token (409: nobody could manage tokens again through the
    API; `tandem admin-token` on the server's machine issues one when that is needed)."""
    if token.revoked_at is not None:
        raise StateConflict(f"Token {token.id} is revoked already.")
    others = working_admin_tokens(session=session, real_now=real_now) - {token.id}
    owner = session.get(PrincipalRow, token.principal_id)
    if owner is not None and owner.role == Role.ADMIN.value and not others:
        raise StateConflict(
            f"Token {token.id} is the last working admin token: revoking it would lock every admin out. Issue "
            "another admin token first (or rotate this one)."
        )
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


def working_admin_tokens(*, session: Session, real_now: datetime) -> set[str]:
    """Ids of the admins' tokens that are neither revoked nor expired."""
    rows = session.execute(
        select(TokenRow.id, TokenRow.expires_at)
        .join(PrincipalRow, PrincipalRow.id == TokenRow.principal_id)
        .where(PrincipalRow.role == Role.ADMIN.value, TokenRow.revoked_at.is_(None))
    )
    return {token_id for token_id, expires in rows if expires is None or expires > real_now}
