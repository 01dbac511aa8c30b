"""Agents (teammates): read by agents, leads, managers and admins; created and changed by admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import TypeAdapter

from api.agents.schemas import AgentCreate, AgentRead, AgentUpdate, agent_read
from api.answer import answer, answer_list
from api.deps import AgentById, IdempotencyDep, IfMatch, Now, SessionDep, allowed, etag, require_version, strict_body
from api.live.placing import after_change
from api.roles import Operation, Principal
from api.store import agents
from api.writes import respond

router = APIRouter(tags=["agents"])
Reader = Annotated[Principal, allowed(Operation.READ_AGENTS)]
Admin = Annotated[Principal, allowed(Operation.MANAGE_ORGANISATION)]
_list = TypeAdapter(list[AgentRead])


@router.get("/agents", response_model=list[AgentRead], summary="List agents")
def list_agents(_: Reader, session: SessionDep) -> Response:
    return answer_list(_list, [agent_read(r) for r in agents.all_agents(session=session)])


@router.post(
    "/agents",
    status_code=201,
    response_model=AgentRead,
    summary="Create an agent",
    dependencies=[strict_body(AgentCreate)],
)
def create_agent(body: AgentCreate, principal: Admin, session: SessionDep, idem: IdempotencyDep, now: Now) -> Response:
    def act() -> tuple[AgentRead, dict[str, str]]:
        row = agents.create(session=session, actor=principal, data=body, at=now)
        after_change(session=session, kind="agent.created", subject_id=row.id, at=now)
        return agent_read(row), {"ETag": etag(row.version), "Location": f"/agents/{row.id}"}

    return respond(session=session, principal=principal, status_code=201, idempotency=idem, at=now, act=act)


@router.get("/agents/{agent_id}", response_model=AgentRead, summary="Read an agent")
def read_agent(_: Reader, row: AgentById) -> Response:
    return answer(agent_read(row), {"ETag": etag(row.version)})


@router.patch(
    "/agents/{agent_id}",
    response_model=AgentRead,
    summary="Change an agent (If-Match required)",
    dependencies=[strict_body(AgentUpdate)],
)
def update_agent(
    body: AgentUpdate, principal: Admin, row: AgentById, session: SessionDep, version: IfMatch, now: Now
) -> Response:
    require_version(version, row.version, f"Agent {row.id}")

    def act() -> tuple[AgentRead, dict[str, str]]:
        agents.update(session=session, actor=principal, row=row, data=body, at=now)
        after_change(session=session, kind="agent.updated", subject_id=row.id, agent_ids=[row.id], at=now)
        return agent_read(row), {"ETag": etag(row.version)}

    return respond(session=session, principal=principal, status_code=200, at=now, act=act)
