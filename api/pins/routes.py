"""Pins: the queue lead's hard rules for every plan (made and removed by leads, read with the plans)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import TypeAdapter

from api.answer import answer, answer_list
from api.deps import IdempotencyDep, Now, PinById, SessionDep, allowed, strict_body
from api.live.placing import after_change
from api.pins.schemas import PinCreate, PinRead, PinRemove, pin_read
from api.roles import Operation, Principal
from api.store import pins
from api.writes import respond

router = APIRouter(tags=["pins"])
Reader = Annotated[Principal, allowed(Operation.READ_PLANS)]
Pinner = Annotated[Principal, allowed(Operation.PIN)]
_list = TypeAdapter(list[PinRead])


@router.get("/pins", response_model=list[PinRead], summary="The pins every plan keeps")
def list_pins(_: Reader, session: SessionDep) -> Response:
    return answer_list(_list, [pin_read(r) for r in pins.all_pins(session=session)])


@router.post(
    "/pins",
    status_code=201,
    response_model=PinRead,
    summary="Pin: a hard rule for every plan, with a reason",
    dependencies=[strict_body(PinCreate)],
)
def create_pin(body: PinCreate, principal: Pinner, session: SessionDep, idem: IdempotencyDep, now: Now) -> Response:
    def act() -> tuple[PinRead, dict[str, str]]:
        row = pins.create(session=session, actor=principal, data=body, at=now)
        after_change(session=session, kind="pin.created", subject_id=row.id, request_ids=[row.request_id], at=now)
        return pin_read(row), {"Location": f"/pins/{row.id}"}

    return respond(session=session, principal=principal, status_code=201, idempotency=idem, at=now, act=act)


@router.get("/pins/{pin_id}", response_model=PinRead, summary="Read a pin")
def read_pin(_: Reader, row: PinById) -> Response:
    return answer(pin_read(row))


@router.post(
    "/pins/{pin_id}/remove",
    response_model=PinRead,
    summary="Remove a pin (audited, with a reason)",
    dependencies=[strict_body(PinRemove)],
)
def remove_pin(
    body: PinRemove, principal: Pinner, row: PinById, session: SessionDep, idem: IdempotencyDep, now: Now
) -> Response:
    def act() -> tuple[PinRead, dict[str, str]]:
        removed = pin_read(row)
        pins.remove(session=session, actor=principal, row=row, reason=body.reason, at=now)
        after_change(session=session, kind="pin.removed", subject_id=removed.id, request_ids=[removed.request], at=now)
        return removed, {}

    return respond(session=session, principal=principal, status_code=200, idempotency=idem, at=now, act=act)
