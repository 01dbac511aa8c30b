"""Principals and their tokens (admins), and who the caller is (everyone)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import TypeAdapter

from api.answer import answer, answer_list
from api.deps import CurrentPrincipal, IdempotencyDep, Now, PrincipalById, SessionDep, TokenById, allowed, strict_body
from api.principals.schemas import (
    Me,
    PrincipalCreate,
    PrincipalRead,
    TokenCreate,
    TokenIssued,
    TokenRead,
    TokenRotate,
    principal_read,
    token_read,
)
from api.principals.service import expiry
from api.roles import Operation, Principal
from api.store import principals
from api.writes import respond

router = APIRouter(tags=["principals"])
Admin = Annotated[Principal, allowed(Operation.MANAGE_PRINCIPALS)]
_principals = TypeAdapter(list[PrincipalRead])
_tokens = TypeAdapter(list[TokenRead])


@router.get("/me", response_model=Me, summary="Who the token belongs to")
def me(principal: CurrentPrincipal) -> Me:
    return Me(
        id=principal.id,
        name=principal.name,
        role=principal.role,
        department_id=principal.department_id,
        agent_id=principal.agent_id,
    )


@router.get("/principals", response_model=list[PrincipalRead], summary="List principals")
def list_principals(_: Admin, session: SessionDep) -> Response:
    return answer_list(_principals, [principal_read(r) for r in principals.all_principals(session=session)])


@router.post(
    "/principals",
    status_code=201,
    response_model=PrincipalRead,
    summary="Create a principal",
    dependencies=[strict_body(PrincipalCreate)],
)
def create_principal(
    body: PrincipalCreate, principal: Admin, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    def act() -> tuple[PrincipalRead, dict[str, str]]:
        row = principals.create(session=session, actor=principal, data=body, at=now)
        return principal_read(row), {"Location": f"/principals/{row.id}"}

    return respond(session=session, principal=principal, status_code=201, idempotency=idem, at=now, act=act)


@router.get("/principals/{principal_id}", response_model=PrincipalRead, summary="Read a principal")
def read_principal(_: Admin, row: PrincipalById) -> Response:
    return answer(principal_read(row))


@router.get("/principals/{principal_id}/tokens", response_model=list[TokenRead], summary="List a principal's tokens")
def list_tokens(_: Admin, row: PrincipalById, session: SessionDep) -> Response:
    return answer_list(_tokens, [token_read(t) for t in principals.tokens(session=session, principal_id=row.id)])


@router.post(
    "/principals/{principal_id}/tokens",
    status_code=201,
    response_model=TokenIssued,
    summary="Issue a token (its secret is shown once)",
    dependencies=[strict_body(TokenCreate)],
)
def issue_token(
    body: TokenCreate, principal: Admin, row: PrincipalById, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    def act() -> tuple[TokenIssued, dict[str, str]]:
        expires = expiry(body.expires_in_days)
        token, secret = principals.issue_token(
            session=session, actor=principal, principal_id=row.id, label=body.label, at=now, expires_at=expires
        )
        return TokenIssued(**token_read(token).model_dump(), token=secret), {}

    return respond(
        session=session,
        principal=principal,
        status_code=201,
        idempotency=idem,
        at=now,
        act=act,
        stored_body=_without_secret,
    )


def _without_secret(issued: object) -> str:
    """What an Idempotency-Key replay answers: the token without its secret, which is shown once."""
    assert isinstance(issued, TokenIssued)
    return TokenRead(**issued.model_dump(exclude={"token"})).model_dump_json()


@router.post("/tokens/{token_id}/revoke", response_model=TokenRead, summary="Revoke a token")
def revoke_token(principal: Admin, token: TokenById, session: SessionDep, idem: IdempotencyDep, now: Now) -> Response:
    def act() -> tuple[TokenRead, dict[str, str]]:
        principals.revoke(session=session, actor=principal, token=token, at=now, real_now=datetime.now(UTC))
        return token_read(token), {}

    return respond(session=session, principal=principal, status_code=200, idempotency=idem, at=now, act=act)


@router.post(
    "/tokens/{token_id}/rotate",
    status_code=201,
    response_model=TokenIssued,
    summary="Rotate a token: a new secret in its place (shown once), the old one revoked at once",
    dependencies=[strict_body(TokenRotate)],
)
def rotate_token(
    body: TokenRotate, principal: Admin, token: TokenById, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    def act() -> tuple[TokenIssued, dict[str, str]]:
        expires = expiry(body.expires_in_days) if body.expires_in_days is not None else token.expires_at
        new, secret = principals.rotate(session=session, actor=principal, token=token, at=now, expires_at=expires)
        return TokenIssued(**token_read(new).model_dump(), token=secret), {}

    return respond(
        session=session,
        principal=principal,
        status_code=201,
        idempotency=idem,
        at=now,
        act=act,
        stored_body=_without_secret,
    )
