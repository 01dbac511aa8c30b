"""Help between peers: an agent asks for help (a lead on any agent's behalf), the named peer (or a lead) accepts
or declines each hand-off and each share (`/shares`: a peer's part of a late request), requesters follow their
department's requests' hand-offs and shares, managers read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from api.answer import answer, answer_list
from api.deps import (
    Cursor,
    DatabaseDep,
    HandOffById,
    Idempotency,
    IdempotencyDep,
    Now,
    SessionDep,
    SettingsDep,
    VisibleRequest,
    allowed,
    cursor,
    strict_body,
)
from api.handoffs import service as helping
from api.handoffs.schemas import HandOffAnswer, HandOffRead, HelpCreate, HelpRead, SwarmRead
from api.problems import Forbidden
from api.roles import Operation, Principal, Role
from api.schemas import Identifier, Page
from api.store import handoffs
from api.store.tables import HandOffRow
from api.writes import respond
from triage.names import HandOffState

router = APIRouter(tags=["help"])
Asker = Annotated[Principal, allowed(Operation.ASK_HELP)]
Answerer = Annotated[Principal, allowed(Operation.ANSWER_HANDOFF)]
Reader = Annotated[Principal, allowed(Operation.READ_HANDOFFS)]
_list = TypeAdapter(list[HandOffRead])
_shares = TypeAdapter(list[SwarmRead])


@router.post(
    "/agents/{agent_id}/help",
    status_code=201,
    response_model=HelpRead,
    summary="Ask for help: hand-offs of the agent's work to peers with the skills and the room (fewest moves)",
    dependencies=[strict_body(HelpCreate)],
)
def ask_for_help(
    body: HelpCreate,
    principal: Asker,
    agent_id: Annotated[str, Path(max_length=64)],
    database: DatabaseDep,
    settings: SettingsDep,
    idem: IdempotencyDep,
    now: Now,
) -> Response:
    """No session dependency: the solver runs between a reading and a writing transaction of its own."""
    if principal.role == Role.AGENT and principal.agent_id != agent_id:
        raise Forbidden(f"An agent asks for help for themselves ({principal.agent_id}) only.")
    return helping.ask(
        database=database, settings=settings, actor=principal, agent_id=agent_id, asked=body, idempotency=idem, now=now
    )


@router.get("/handoffs", response_model=Page[HandOffRead], summary="Hand-offs you may see, oldest first, by page")
def list_handoffs(
    principal: Reader,
    session: SessionDep,
    request_id: Annotated[Identifier | None, Query(description="Only hand-offs of this request.")] = None,
    state: Annotated[HandOffState | None, Query(description="Only hand-offs in this state.")] = None,
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Hand-offs per page.")] = 100,
) -> Response:
    rows = handoffs.page(
        session=session,
        principal=principal,
        request_id=request_id,
        state=state.value if state else None,
        after=cursor(after),
        limit=limit,
    )
    next_after = str(rows[-1].id) if len(rows) == limit else None
    return answer(Page[HandOffRead](items=[helping.handoff_read(r) for r in rows], next_after=next_after))


@router.get("/handoffs/{handoff_id}", response_model=HandOffRead, summary="Read a hand-off and its note")
def read_handoff(principal: Reader, row: HandOffById) -> Response:
    return answer(helping.handoff_read(helping.seen(principal, row)))


@router.get(
    "/requests/{request_id}/handoffs",
    response_model=list[HandOffRead],
    summary="The request's hand-offs and their notes for the requester",
)
def request_handoffs(principal: Reader, request: VisibleRequest, session: SessionDep) -> Response:
    rows = handoffs.page(
        session=session, principal=principal, request_id=str(request.id), state=None, after=0, limit=1000
    )
    return answer_list(_list, [helping.handoff_read(r) for r in rows])


@router.post(
    "/handoffs/{handoff_id}/accept",
    response_model=HandOffRead,
    summary="Accept a hand-off: the peer becomes the request's owner (409 if the request changed since)",
    dependencies=[strict_body(HandOffAnswer)],
)
def accept_handoff(
    body: HandOffAnswer, principal: Answerer, row: HandOffById, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    return _answered(body, principal, row, session, idem, now, handoffs.accept)


@router.post(
    "/handoffs/{handoff_id}/decline",
    response_model=HandOffRead,
    summary="Decline a hand-off: the request stays, and this peer is not proposed for it again",
    dependencies=[strict_body(HandOffAnswer)],
)
def decline_handoff(
    body: HandOffAnswer, principal: Answerer, row: HandOffById, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    return _answered(body, principal, row, session, idem, now, handoffs.decline)


@router.get("/shares", response_model=Page[SwarmRead], summary="Shares you may see, oldest first, by page")
def list_shares(
    principal: Reader,
    session: SessionDep,
    request_id: Annotated[Identifier | None, Query(description="Only shares of this request.")] = None,
    state: Annotated[HandOffState | None, Query(description="Only shares in this state.")] = None,
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Shares per page.")] = 100,
) -> Response:
    rows = handoffs.page(
        session=session,
        principal=principal,
        request_id=request_id,
        state=state.value if state else None,
        after=cursor(after),
        limit=limit,
        kind=handoffs.SHARE,
    )
    next_after = str(rows[-1].id) if len(rows) == limit else None
    return answer(Page[SwarmRead](items=[helping.share_read(r) for r in rows], next_after=next_after))


@router.get("/shares/{handoff_id}", response_model=SwarmRead, summary="Read a share, its parts and its note")
def read_share(principal: Reader, row: HandOffById) -> Response:
    return answer(helping.share_read(helping.seen(principal, row, handoffs.SHARE)))


@router.post(
    "/shares/{handoff_id}/accept",
    response_model=SwarmRead,
    summary="Accept a share: the peer's part is filed as its own request, pinned to them, and its minutes leave "
    "the shared request (409 if the request changed since)",
    dependencies=[strict_body(HandOffAnswer)],
)
def accept_share(
    body: HandOffAnswer, principal: Answerer, row: HandOffById, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    return _answered(body, principal, row, session, idem, now, handoffs.accept, handoffs.SHARE)


@router.post(
    "/shares/{handoff_id}/decline",
    response_model=SwarmRead,
    summary="Decline a share: the request stays whole with its agent, and this peer is not proposed for it again",
    dependencies=[strict_body(HandOffAnswer)],
)
def decline_share(
    body: HandOffAnswer, principal: Answerer, row: HandOffById, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    return _answered(body, principal, row, session, idem, now, handoffs.decline, handoffs.SHARE)


def _answered(
    body: HandOffAnswer,
    principal: Principal,
    row: HandOffRow,
    session: Session,
    idem: Idempotency,
    now: datetime,
    answer_with: Callable[..., None],
    kind: str = handoffs.WHOLE,
) -> Response:
    """A hand-off's or a share's answer (`handoffs.accept` or `handoffs.decline`), by the peer or a lead, once
    per Idempotency-Key; the answer is the proposal as it now stands."""
    helping.answering(principal, row, kind)
    read = helping.handoff_read if kind == handoffs.WHOLE else helping.share_read

    def act() -> tuple[HandOffRead | SwarmRead, dict[str, str]]:
        answer_with(session=session, actor=principal, row=row, reason=body.reason, at=now)
        helping.answered(session, row, now)
        return read(row), {}

    return respond(session=session, principal=principal, status_code=200, idempotency=idem, at=now, act=act)
