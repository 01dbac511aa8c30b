"""The admin's pages: the organisation at a glance (people, departments, skills, calendar and policy, each with
its edit page or add form: `pages_policy`, `pages_organisation`) and the principals with their tokens (when
each expires and was last used; issue one, with an expiry, its secret shown once; rotate one; revoke one),
through the API's schemas and store. Webhooks: `pages_webhooks`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.deps import Now, PrincipalById, SessionDep, TokenById
from api.principals.schemas import TokenCreate, TokenRotate
from api.principals.service import expiry
from api.problems import from_validation_error
from api.roles import Operation
from api.store import agents, departments, organisation, principals
from api.store.convert import calendar_of
from api.web.auth import Visitor, may
from api.web.pages_common import context
from api.web.render import PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Admin = Annotated[Visitor, may(Operation.MANAGE_ORGANISATION)]
KeyHolder = Annotated[Visitor, may(Operation.MANAGE_PRINCIPALS)]


def admin_page(
    request: Request, visitor: Visitor, session: SessionDep, status_code: int = 200, **more: object
) -> HTMLResponse:
    """The overview; `more` may carry a refused add form (`failed`: "department" or "skill") with its values
    and field errors."""
    people = principals.all_principals(session=session)
    return page(
        request,
        "admin.html",
        context(
            session,
            visitor,
            agents=agents.all_agents(session=session),
            departments=departments.all_departments(session=session),
            skills=organisation.skills(session=session),
            policy=organisation.policy(session=session),
            calendar=calendar_of(organisation.get(session=session)),
            people=people,
            tokens={p.id: principals.tokens(session=session, principal_id=p.id) for p in people},
            real_now=datetime.now(UTC),
            **{
                "issued": None,
                "refused": "",
                "notice": "",
                "failed": "",
                "errors": {},
                "values": {},
                "refused_form": "",
                **more,
            },
        ),
        status_code=status_code,
    )


@router.get("/console/admin")
def admin(
    request: Request, visitor: Admin, session: SessionDep, notice: Annotated[str, Query(max_length=300)] = ""
) -> HTMLResponse:
    return admin_page(request, visitor, session, notice=notice)


def _days(raw: str) -> int | str | None:
    """The form's days as the JSON body would carry them: blank for none, a non-number for the schema's error."""
    raw = raw.strip()
    return None if not raw else int(raw) if raw.isdigit() else raw


@router.post("/console/admin/principals/{principal_id}/tokens")
def issue_token(
    request: Request,
    visitor: KeyHolder,
    row: PrincipalById,
    session: SessionDep,
    now: Now,
    label: Annotated[str, Form(min_length=1, max_length=100)] = "console",
    expires_in_days: Annotated[str, Form(max_length=10)] = "",
) -> HTMLResponse:
    """A new token (the API's TokenCreate: label, days until it stops working); its secret is on this page
    once and nowhere else."""
    try:
        body = TokenCreate.model_validate({"label": label, "expires_in_days": _days(expires_in_days)})
    except ValidationError as exc:
        problem = from_validation_error(exc)
        return admin_page(
            request,
            visitor,
            session,
            refused=f"No token issued for {row.name}: {problem.detail} "
            + "; ".join(f"{e.field}: {e.message}" for e in problem.errors),
        )
    _, secret = principals.issue_token(
        session=session,
        actor=visitor.principal,
        principal_id=row.id,
        label=body.label,
        at=now,
        expires_at=expiry(body.expires_in_days),
    )
    session.commit()
    return admin_page(request, visitor, session, issued=(row.name, secret))


@router.post("/console/admin/tokens/{token_id}/rotate")
def rotate_token(
    request: Request,
    visitor: KeyHolder,
    token: TokenById,
    session: SessionDep,
    now: Now,
    expires_in_days: Annotated[str, Form(max_length=10)] = "",
) -> HTMLResponse:
    """A new secret in the token's place (shown once), the old one revoked at once (the API's rotate): it works
    as long as the old one had left, or the days given."""
    try:
        body = TokenRotate.model_validate({"expires_in_days": _days(expires_in_days)})
    except ValidationError as exc:
        problem = from_validation_error(exc)
        return admin_page(
            request,
            visitor,
            session,
            refused=f"Token {token.id} not rotated: " + "; ".join(f"{e.field}: {e.message}" for e in problem.errors),
        )
    expires = expiry(body.expires_in_days) if body.expires_in_days is not None else token.expires_at
    new, secret = principals.rotate(session=session, actor=visitor.principal, token=token, at=now, expires_at=expires)
    session.commit()
    owner = principals.get(session=session, principal_id=new.principal_id)
    return admin_page(request, visitor, session, issued=(owner.name if owner else new.principal_id, secret))


@router.post("/console/admin/tokens/{token_id}/revoke")
def revoke_token(visitor: KeyHolder, token: TokenById, session: SessionDep, now: Now) -> RedirectResponse:
    principals.revoke(session=session, actor=visitor.principal, token=token, at=now, real_now=datetime.now(UTC))
    session.commit()
    return RedirectResponse("/console/admin#principals", status_code=303)
