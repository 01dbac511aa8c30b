"""The agent's pages: my work (the newest plan's requests for me, in order, late ones marked), asking for help
(the API's helping.ask), the hand-offs and the shares (a part of a teammate's late request) proposed to me with
accept / decline and a reason, the shares of my requests I asked for and their state, and the team's load.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.deps import DatabaseDep, HandOffById, Now, SessionDep, SettingsDep
from api.handoffs import service as helping
from api.handoffs.schemas import HelpCreate, SwarmRead
from api.problems import ApiError, Forbidden
from api.roles import Operation, Role
from api.store import handoffs, plans
from api.store.errors import StoreError
from api.store.tables import HandOffRow
from api.web import live_queue
from api.web.auth import Visitor, may
from api.web.pages_common import context
from api.web.pages_lead import NO_KEY
from api.web.render import PageRoute, page
from triage.names import HandOffState

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Helped = Annotated[Visitor, may(Operation.ASK_HELP)]
Answerer = Annotated[Visitor, may(Operation.ANSWER_HANDOFF)]
PAST = {"accept": "accepted", "decline": "declined"}
SHARES_SHOWN = 20  # of my requests' shares, the newest


def _agent_id(visitor: Visitor) -> str:
    if visitor.principal.agent_id is None:
        raise Forbidden("My work is an agent's page: your token is not a teammate's.")
    return visitor.principal.agent_id


@router.get("/console/my-work")
def my_work(
    request: Request,
    visitor: Helped,
    session: SessionDep,
    now: Now,
    notice: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    """The newest plan's requests for me in order, my waiting requests (why they are not planned), the
    hand-offs proposed to me and the team's load."""
    me = _agent_id(visitor)
    row = plans.latest_with_scenario(session=session)
    mine, loads, titles, names = [], [], {}, {}
    if row is not None:
        plan, scenario = plans.body(row), plans.scenario_of(row)
        assert scenario is not None
        titles = {r.id: r.title for r in scenario.requests}
        names = {a.id: a.name for a in scenario.agents}
        mine = sorted((a for a in plan.assignments if a.agent_id == me), key=lambda a: a.start_minute)
        planned: dict[str, int] = {}
        for a in plan.assignments:
            start, end = a.own_span()  # a shared request's other parts are their own requests
            planned[a.agent_id] = planned.get(a.agent_id, 0) + end - start
        loads = [(names[a.id], planned.get(a.id, 0), a.id == me) for a in scenario.agents]
    proposed = [
        helping.handoff_read(h)
        for h in handoffs.page(
            session=session,
            principal=visitor.principal,
            request_id=None,
            state=HandOffState.PROPOSED.value,
            after=0,
            limit=100,
        )
        if h.to_agent_id == me
    ]
    offered, asked = _shares(session, visitor, me)
    return page(
        request,
        "my_work.html",
        context(
            session,
            visitor,
            plan_row=row,
            mine=mine,
            titles=titles,
            loads=loads,
            proposed=proposed,
            offered=offered,
            asked=asked,
            waiting=[w for w in live_queue.waiting_work(session=session, at=now) if w.owner_id == me],
            notice=notice,
            help=None,
        ),
    )


def _shares(session: Session, visitor: Visitor, me: str) -> tuple[list[SwarmRead], list[SwarmRead]]:
    """The shares proposed to me (my part of a teammate's request, to answer), and the newest shares of my
    requests, in any state."""
    rows = handoffs.page(
        session=session,
        principal=visitor.principal,
        request_id=None,
        state=None,
        after=0,
        limit=500,
        kind=handoffs.SHARE,
    )
    offered = [helping.share_read(h) for h in rows if h.to_agent_id == me and h.state == HandOffState.PROPOSED.value]
    return offered, [helping.share_read(h) for h in reversed(rows) if h.from_agent_id == me][:SHARES_SHOWN]


@router.post("/console/help")
def ask_help(
    request: Request, visitor: Helped, database: DatabaseDep, settings: SettingsDep, session: SessionDep, now: Now
) -> HTMLResponse:
    """Ask for help for myself: the proposals to named peers, and the paragraph for me."""
    me = _agent_id(visitor)
    answer = helping.ask(
        database=database,
        settings=settings,
        actor=visitor.principal,
        agent_id=me,
        asked=HelpCreate(reason="asked in the console"),
        idempotency=NO_KEY,
        now=now,
    )
    return page(request, "help.html", context(session, visitor, help=json.loads(bytes(answer.body))))


@router.post("/console/handoffs/{handoff_id}/{verb}")
def answer_handoff(
    request: Request,
    visitor: Answerer,
    row: HandOffById,
    session: SessionDep,
    now: Now,
    verb: str,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Accept or decline a hand-off proposed to me (a lead may answer any)."""
    return _answer(request, visitor, row, session, now, verb, reason, handoffs.WHOLE)


@router.post("/console/shares/{handoff_id}/{verb}")
def answer_share(
    request: Request,
    visitor: Answerer,
    row: HandOffById,
    session: SessionDep,
    now: Now,
    verb: str,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Accept or decline a share proposed to me: my part of a teammate's late request (a lead may answer any)."""
    return _answer(request, visitor, row, session, now, verb, reason, handoffs.SHARE)


def _answer(
    request: Request,
    visitor: Visitor,
    row: HandOffRow,
    session: Session,
    now: datetime,
    verb: str,
    reason: str,
    kind: str,
) -> Response:
    """The API's answer (`handoffs.accept` or `decline`, under its rule: the peer it is proposed to, or a lead),
    then back to the answerer's page with what happened."""
    if verb not in PAST:
        return page(request, "error.html", {"status": 404, "title": "Not found", "detail": "Accept or decline."}, 404)
    helping.answering(visitor.principal, row, kind)
    act = handoffs.accept if verb == "accept" else handoffs.decline
    what = "Hand-off" if kind == handoffs.WHOLE else "Share"
    try:
        act(session=session, actor=visitor.principal, row=row, reason=reason or None, at=now)
        helping.answered(session, row, now)
        session.commit()
    except (ApiError, StoreError) as exc:
        session.rollback()
        notice = f"{what} {row.id} was not {PAST[verb]}: {exc.detail}"
    else:
        notice = f"{what} {row.id} {PAST[verb]}: {_outcome(row, verb)}."
    home = "/console/my-work" if visitor.principal.role == Role.AGENT else "/console/board"
    return RedirectResponse(f"{home}?notice={quote(notice[:280])}", status_code=303)


def _outcome(row: HandOffRow, verb: str) -> str:
    if row.kind == handoffs.WHOLE:
        return f"{row.request_id} {'is yours now' if verb == 'accept' else 'stays'}"
    if verb == "accept":
        return f"the part of {row.request_id} is {row.part_request_id}, planned with its agent"
    return f"{row.request_id} stays whole with its agent"
