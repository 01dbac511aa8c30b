"""Explanations of a request over HTTP: every kind, for the latest plan that includes it, in the reader's
register (requesters and agents: people; leads and managers: lead; `detail=true`: the engineering view)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import TypeAdapter

from api.answer import answer_list
from api.deps import SessionDep, VisibleRequest, allowed
from api.explanations import service as explaining
from api.plans.schemas import ExplanationRead, explanations_read
from api.problems import NotFound
from api.roles import Operation, Principal
from api.store import plans
from triage.names import ExplanationKind

router = APIRouter(tags=["explanations"])
Reader = Annotated[Principal, allowed(Operation.READ_REQUESTS)]
_explanations = TypeAdapter(list[ExplanationRead])


def _cache(request: Request) -> explaining.ExplanationCache:
    """The app's explanation cache, made on first use (one per app, so one per database)."""
    state = request.app.state
    if not hasattr(state, "explanations"):
        state.explanations = explaining.ExplanationCache(in_child=state.settings.plan_in_child)
    return state.explanations  # type: ignore[no-any-return]


@router.get(
    "/requests/{request_id}/explanations",
    response_model=list[ExplanationRead],
    summary="Why, about one request: every kind of explanation in the latest plan that includes it",
)
def read_request_explanations(
    principal: Reader,
    cache: Annotated[explaining.ExplanationCache, Depends(_cache)],
    row: VisibleRequest,
    session: SessionDep,
    kind: Annotated[ExplanationKind | None, Query(description="Only this kind of explanation.")] = None,
    detail: Annotated[bool, Query(description="The engineering view: cost points, rule and term names.")] = False,
) -> Response:
    found = plans.latest_item(session=session, request_id=str(row.id))
    if found is None:
        raise NotFound(f"No plan includes {row.id} yet.")
    plan_row, _ = found
    explanations = explaining.for_reader(principal, plan_row, explaining.computed(cache, plan_row, str(row.id)))
    chosen = [e for e in explanations if kind is None or e.kind == kind]
    return answer_list(_explanations, explanations_read(chosen, explaining.register_of(principal, detail)))
