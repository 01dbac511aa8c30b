"""The admin's pages: the organisation at a glance (people, departments, skills, calendar and policy) and the
principals with their tokens (issue one, its secret shown once; revoke one), through the API's store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import Now, PrincipalById, SessionDep, TokenById
from api.roles import Operation
from api.store import agents, departments, organisation, principals
from api.store.convert import calendar_of
from api.web.auth import Visitor, may
from api.web.pages_common import context
from api.web.render import PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Admin = Annotated[Visitor, may(Operation.MANAGE_ORGANISATION)]
KeyHolder = Annotated[Visitor, may(Operation.MANAGE_PRINCIPALS)]


def _admin_page(request: Request, visitor: Visitor, session: SessionDep, **more: object) -> HTMLResponse:
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
            **{"issued": None, **more},
        ),
    )


@router.get("/console/admin")
def admin(request: Request, visitor: Admin, session: SessionDep) -> HTMLResponse:
    return _admin_page(request, visitor, session)


@router.post("/console/admin/principals/{principal_id}/tokens")
def issue_token(
    request: Request,
    visitor: KeyHolder,
    row: PrincipalById,
    session: SessionDep,
    now: Now,
    label: Annotated[str, Form(min_length=1, max_length=100)] = "console",
) -> HTMLResponse:
    """A new token; its secret is on this page once and nowhere else."""
    _, secret = principals.issue_token(
        session=session, actor=visitor.principal, principal_id=row.id, label=label, at=now
    )
    session.commit()
    return _admin_page(request, visitor, session, issued=(row.name, secret))


@router.post("/console/admin/tokens/{token_id}/revoke")
def revoke_token(visitor: KeyHolder, token: TokenById, session: SessionDep, now: Now) -> RedirectResponse:
    principals.revoke(session=session, actor=visitor.principal, token=token, at=now, real_now=datetime.now(UTC))
    session.commit()
    return RedirectResponse("/console/admin#principals", status_code=303)
