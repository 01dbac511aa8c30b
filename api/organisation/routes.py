"""The organisation: skills, the team calendar and the policy (read by all, changed by admins with If-Match)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import TypeAdapter, ValidationError

from api.answer import answer, answer_list
from api.deps import IdempotencyDep, IfMatch, Now, SessionDep, allowed, etag, expected_version, strict_body
from api.organisation.schemas import CalendarDocument, SkillCreate, SkillRead, skill_read
from api.problems import from_validation_error
from api.roles import Operation, Principal
from api.store import organisation
from api.store.convert import calendar_of, policy_of
from api.writes import respond
from triage.model import Calendar, Policy

router = APIRouter(tags=["organisation"])
Reader = Annotated[Principal, allowed(Operation.READ_ORGANISATION)]
Admin = Annotated[Principal, allowed(Operation.MANAGE_ORGANISATION)]
_skills = TypeAdapter(list[SkillRead])


@router.get("/skills", response_model=list[SkillRead], summary="The skill catalogue")
def list_skills(_: Reader, session: SessionDep) -> Response:
    return answer_list(_skills, [skill_read(s) for s in organisation.skills(session=session)])


@router.post(
    "/skills", status_code=201, response_model=SkillRead, summary="Add a skill", dependencies=[strict_body(SkillCreate)]
)
def add_skill(body: SkillCreate, principal: Admin, session: SessionDep, idem: IdempotencyDep, now: Now) -> Response:
    def act() -> tuple[SkillRead, dict[str, str]]:
        row = organisation.add_skill(session=session, actor=principal, skill_id=body.id, name=body.name, at=now)
        return skill_read(row), {}

    return respond(session=session, principal=principal, status_code=201, idempotency=idem, at=now, act=act)


@router.get("/policy", response_model=Policy, summary="The policy: priority matrix, targets and weights")
def read_policy(_: Reader, session: SessionDep) -> Response:
    row = organisation.get(session=session)
    return answer(policy_of(row), {"ETag": etag(row.policy_version)})


@router.put(
    "/policy",
    response_model=Policy,
    summary="Replace the policy (If-Match required)",
    dependencies=[strict_body(Policy)],
)
def replace_policy(body: Policy, principal: Admin, session: SessionDep, version: IfMatch, now: Now) -> Response:
    def act() -> tuple[Policy, dict[str, str]]:
        new = organisation.replace_policy(
            session=session, actor=principal, policy=body, expected_version=expected_version(version), at=now
        )
        return body, {"ETag": etag(new)}

    return respond(session=session, principal=principal, status_code=200, at=now, act=act)


@router.get("/calendar", response_model=Calendar, summary="The team calendar: time zone, hours, holidays")
def read_calendar(_: Reader, session: SessionDep) -> Response:
    row = organisation.get(session=session)
    return answer(calendar_of(row), {"ETag": etag(row.calendar_version)})


@router.put(
    "/calendar",
    response_model=Calendar,
    summary="Replace the team calendar (If-Match required)",
    dependencies=[strict_body(CalendarDocument)],
)
def replace_calendar(
    body: CalendarDocument, principal: Admin, session: SessionDep, version: IfMatch, now: Now
) -> Response:
    try:
        calendar = Calendar.model_validate(body.model_dump(exclude_none=True))
    except ValidationError as exc:
        raise from_validation_error(exc) from exc

    def act() -> tuple[Calendar, dict[str, str]]:
        new = organisation.replace_calendar(
            session=session, actor=principal, calendar=calendar, expected_version=expected_version(version), at=now
        )
        return calendar, {"ETag": etag(new)}

    return respond(session=session, principal=principal, status_code=200, at=now, act=act)
