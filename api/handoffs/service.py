"""Help between peers at the edge: an agent's request for help is answered from the newest plan (the scenario
it was computed from), with the pairs peers declined left out; the solver runs outside any write transaction,
then the proposals are stored in one, refused if a proposed request changed since the plan."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import Response
from sqlalchemy.orm import Session

from api import offload
from api.deps import Idempotency
from api.handoffs.schemas import HandOffRead, HelpCreate, HelpRead, SwarmRead
from api.live.placing import after_change
from api.plans.service import time_limit
from api.problems import Conflict, Forbidden, NotFound
from api.roles import Principal, Role
from api.settings import Settings
from api.store import agents, handoffs, plans
from api.store.session import Database
from api.store.tables import HandOffRow
from api.writes import Outcome, replay_if_retried, respond
from solver.help import ask_help
from solver.params import SolveParams
from triage.names import HandOffState
from triage.results import Help

HELP_SECONDS = 3.0


def handoff_read(row: HandOffRow) -> HandOffRead:
    return HandOffRead.model_validate({**handoffs.domain(row).model_dump(exclude={"timezone", "now"}), **_stored(row)})


def share_read(row: HandOffRow) -> SwarmRead:
    return SwarmRead.model_validate({**handoffs.share(row).model_dump(), **_stored(row)})


def _stored(row: HandOffRow) -> dict[str, object]:
    """What the store adds to a proposal, a hand-off's or a share's: its id, its ask and plan, its answer."""
    return {
        "id": row.id,
        "ask_id": row.ask_id,
        "plan_id": row.plan_id,
        "request_version": row.request_version,
        "asked_by": row.asked_by,
        "created_at": row.created_at,
        "answered_by": row.answered_by,
        "answered_at": row.answered_at,
        "answer_reason": row.answer_reason,
    }


def help_read(help_: Help, rows: list[HandOffRow], ask_id: str, plan_id: int) -> HelpRead:
    body = help_.model_dump(exclude={"after", "proposals", "swarms"})
    return HelpRead.model_validate(
        {
            **body,
            "ask_id": ask_id,
            "plan_id": plan_id,
            "proposals": [handoff_read(r) for r in rows if r.kind == handoffs.WHOLE],
            "swarms": [share_read(r) for r in rows if r.kind == handoffs.SHARE],
        }
    )


def ask(
    *,
    database: Database,
    settings: Settings,
    actor: Principal,
    agent_id: str,
    asked: HelpCreate,
    idempotency: Idempotency,
    now: datetime,
) -> Response:
    """201 with the hand-offs and shares proposed for the agent (stored as proposed); replays a retried request."""
    retried = replay_if_retried(database, actor, idempotency)
    if retried is not None:
        return retried
    with database.reading() as session:
        if agents.get(session=session, agent_id=agent_id) is None:
            raise NotFound(f"No agent {agent_id!r}.")
        plan_row = plans.latest_with_scenario(session=session)
        if plan_row is None:
            raise Conflict("No plan has been computed yet: a lead or manager computes one with POST /plans.")
        scenario, current, plan_id = plans.scenario_of(plan_row), plans.body(plan_row), plan_row.id
        versions = plans.item_versions(session=session, plan_id=plan_id)
        declined = handoffs.declined_pairs(session=session)
    if scenario is None or agent_id not in {a.id for a in scenario.agents}:
        raise Conflict(f"Agent {agent_id!r} is not in plan {plan_id}, the newest plan; compute a new plan first.")
    limit = time_limit(scenario, asked.time_limit_seconds, HELP_SECONDS, settings)
    params = SolveParams(time_limit_seconds=limit, workers=settings.plan_workers)
    answer = offload.call(settings.plan_in_child, ask_help, scenario, current, agent_id, params, declined)
    ask_id = uuid.uuid4().hex
    with database.writing() as session:

        def store() -> Outcome:
            rows = handoffs.save_help(
                session=session,
                actor=actor,
                help_=answer,
                ask_id=ask_id,
                plan_id=plan_id,
                versions=versions,
                reason=asked.reason,
                at=now,
            )
            return help_read(answer, rows, ask_id, plan_id), {}

        return respond(session=session, principal=actor, status_code=201, idempotency=idempotency, at=now, act=store)


def seen(principal: Principal, row: HandOffRow, kind: str = handoffs.WHOLE) -> HandOffRow:
    """The hand-off (or share, by `kind`), if the caller may see it; 404 otherwise (its existence is not told)."""
    if row.kind != kind or not handoffs.visible(principal, row):
        raise NotFound(f"No {'handoff' if kind == handoffs.WHOLE else 'share'} '{row.id}'.")
    return row


def answering(principal: Principal, row: HandOffRow, kind: str = handoffs.WHOLE) -> None:
    """Refused unless the caller may answer: the peer it is proposed to, or a lead (the API's and the console's
    one rule)."""
    seen(principal, row, kind)
    if principal.role == Role.AGENT and principal.agent_id != row.to_agent_id:
        what = "hand-off" if kind == handoffs.WHOLE else "share"
        raise Forbidden(f"Only the peer it is proposed to ({row.to_agent_id}) or a lead answers {what} {row.id}.")


def answered(session: Session, row: HandOffRow, at: datetime) -> None:
    """After an answer, in its transaction: an accepted hand-off changed its request's owner, an accepted share
    filed a part and shortened its request; each is a change of the queue (numbered, the requests it touches
    placed at once), so the live re-plan follows. A decline changes nothing in the queue."""
    if row.state != HandOffState.ACCEPTED.value:
        return
    touched = [row.request_id] + ([row.part_request_id] if row.part_request_id else [])
    kind = "handoff.accepted" if row.kind == handoffs.WHOLE else "share.accepted"
    after_change(session=session, kind=kind, subject_id=str(row.id), request_ids=touched, at=at)
