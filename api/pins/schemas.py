"""HTTP schemas of pins, and a pin row shaped as its Read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from api.schemas import Identifier, In, Out, Reason, in_utc
from api.store.tables import (
    PinRow,
)
from triage.names import PinKind


def _kind_needs(kind: PinKind, field: str) -> dict[str, Any]:
    """JSON Schema for "a pin of `kind` names `field`" (checked by `triage.model.Pin`)."""
    return {
        "if": {"properties": {"kind": {"const": kind.value}}, "required": ["kind"]},
        "then": {"properties": {field: {"type": "string"}}, "required": [field]},
    }


class PinCreate(In):
    """A queue lead's decision every plan must keep, with the reason the requesters affected will see.

    An assign pin names an agent who has the request's skills, a before pin another request (not the pinned
    one); the requests are open ones and the agent a known one."""

    model_config = ConfigDict(
        json_schema_extra={"allOf": [_kind_needs(PinKind.ASSIGN, "agent"), _kind_needs(PinKind.BEFORE, "other")]}
    )

    id: Identifier = Field(description="Pin id, named when pins conflict.")
    kind: PinKind = Field(
        description="assign: request to agent; before: request finishes before `other` starts; first: request "
        "is its agent's first work; unfreeze: request in progress may move away from its owner."
    )
    request: Identifier = Field(description="The pinned request (open).")
    agent: Identifier | None = Field(None, description="The agent, for kind assign.")
    other: Identifier | None = Field(None, description="The request that must wait, for kind before.")
    reason: Reason = Field(description="Why: shown to the requesters affected, kept in the audit log.")


class PinRead(Out):
    id: str = Field(description="Pin id.")
    kind: PinKind = Field(description="assign, before, first or unfreeze.")
    request: str = Field(description="The pinned request.")
    agent: str | None = Field(description="The agent, for kind assign.")
    other: str | None = Field(description="The request that must wait, for kind before.")
    reason: str = Field(description="Why the lead pinned it.")
    created_by: str = Field(description="Who pinned it.")
    created_at: datetime = Field(description="When.")


class PinRemove(In):
    reason: Reason | None = Field(None, description="Why the pin is removed; kept in the audit log.")


def pin_read(row: PinRow) -> PinRead:
    return PinRead(
        id=row.id,
        kind=row.kind,
        request=row.request_id,
        agent=row.agent_id,
        other=row.other_id,
        reason=row.reason,
        created_by=row.created_by,
        created_at=in_utc(row.created_at),
    )
