"""The admin's policy form: every field of the policy (the priority matrix, the targets, weights and waits per
priority, the plan's settings, the fair shares, the weights of the plan's costs), saved through `PUT /policy`'s
checks and store function (`organisation.replace_policy`: known departments in the fair shares, the version
read with the form still current, audited as `policy.replaced`), or refused with each problem next to its
field and nothing stored. The form carries the ETag it was read at, as the API's If-Match: a policy changed
meanwhile is refused (412), not overwritten; a form without it, as a PUT without If-Match (428)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import Now, SessionDep, etag, expected_version
from api.roles import Operation
from api.store import departments, organisation
from api.store.convert import policy_of
from api.web.auth import Visitor, may
from api.web.forms import Refusal, as_api, back, fields_of, form_page, number, saved
from api.web.pages_common import context
from api.web.render import PageRoute
from triage.model import Policy, TermWeights
from triage.names import Impact, Priority, Urgency

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Admin = Annotated[Visitor, may(Operation.MANAGE_ORGANISATION)]

PRIORITY_MAPS = ("target_minutes", "priority_weights", "max_wait_minutes")
NUMBERS = (
    "horizon_days",
    "ageing_step_minutes",
    "ageing_cap",
    "urgent_share_pct",
    "deferral_extra_minutes",
    "deferral_per_effort_minute",
    "replan_agent_change_cost",
    "replan_finish_shift_cost",
)
OPTIONAL_NUMBERS = ("help_late_minutes", "swarm_min_minutes")
FLAGS = ("protect_priorities", "auto_apply", "pausable")
POLICY_FORM = {
    "matrix",
    "term_weights",
    "fair_share_pct",
    "pausable_skills",
    *PRIORITY_MAPS,
    *NUMBERS,
    *OPTIONAL_NUMBERS,
    *FLAGS,
}
PAUSE_MARKS = {"yes": True, "no": False}
"""The per-skill pause choice as the form says it; blank: the policy-wide `pausable`."""
"""The policy form's fields: every field of `Policy` (a test holds the two to each other)."""


def policy_values(policy: Policy) -> dict[str, str]:
    """The policy as the form's fields: dotted paths to text ('matrix.company.work_stopped': 'P1')."""
    flat: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, bool):
            flat[prefix] = "on" if value else ""
        else:
            flat[prefix] = "" if value is None else str(value)

    walk("", policy.model_dump(mode="json"))
    for skill, pauses in policy.pausable_skills.items():
        flat[f"pausable_skills.{skill}"] = "yes" if pauses else "no"
    return flat


def policy_document(values: dict[str, str], department_ids: list[str], skill_ids: Sequence[str] = ()) -> dict[str, Any]:
    """The form as the body of `PUT /policy`: numbers as integers, a blank optional number as null, the fair
    shares of the departments given (none given: null, shares by weight), the pause marks of the skills given."""
    document: dict[str, Any] = {
        "matrix": {i.value: {u.value: values.get(f"matrix.{i.value}.{u.value}", "") for u in Urgency} for i in Impact},
        "term_weights": {t: number(values.get(f"term_weights.{t}")) for t in TermWeights.model_fields},
    }
    for field in PRIORITY_MAPS:
        document[field] = {p.value: number(values.get(f"{field}.{p.value}")) for p in Priority}
    for field in NUMBERS:
        document[field] = number(values.get(field))
    for field in OPTIONAL_NUMBERS:
        document[field] = number(values.get(field)) if values.get(field, "").strip() else None
    for field in FLAGS:
        document[field] = bool(values.get(field))
    shares = {
        d: number(values[f"fair_share_pct.{d}"])
        for d in department_ids
        if values.get(f"fair_share_pct.{d}", "").strip()
    }
    document["fair_share_pct"] = shares or None
    document["pausable_skills"] = {
        s: PAUSE_MARKS.get(values[f"pausable_skills.{s}"], values[f"pausable_skills.{s}"])
        for s in skill_ids
        if values.get(f"pausable_skills.{s}", "").strip()
    }
    return document


def _policy_page(
    request: Request, visitor: Visitor, session: SessionDep, status_code: int = 200, **more: Any
) -> HTMLResponse:
    row = organisation.get(session=session)
    more.setdefault("values", policy_values(policy_of(row)))
    more.setdefault("version", etag(row.policy_version))
    return form_page(
        request,
        "policy.html",
        status_code,
        **context(
            session,
            visitor,
            impacts=[i.value for i in Impact],
            urgencies=[u.value for u in Urgency],
            priorities=[p.value for p in Priority],
            terms=TermWeights.model_fields,
            fields=Policy.model_fields,
            priority_maps=PRIORITY_MAPS,
            numbers=NUMBERS + OPTIONAL_NUMBERS,
            optional_numbers=OPTIONAL_NUMBERS,
            flags=FLAGS,
            departments=departments.all_departments(session=session),
            skills=organisation.skills(session=session),
            **{"notice": "", "detail": "", "errors": {}, **more},
        ),
    )


@router.get("/console/admin/policy")
def policy_form(
    request: Request, visitor: Admin, session: SessionDep, notice: Annotated[str, Query(max_length=300)] = ""
) -> HTMLResponse:
    return _policy_page(request, visitor, session, notice=notice)


@router.post("/console/admin/policy")
async def replace_policy(request: Request, visitor: Admin, session: SessionDep, now: Now) -> Response:
    """`PUT /policy` from the form: the schema's checks, then the store's (known departments in the fair
    shares; the version read with the form still current), audited as the API's change."""
    values = fields_of(await request.form())
    version = values.pop("version", "") or None
    ids = [d.id for d in departments.all_departments(session=session)]
    skill_ids = [s.id for s in organisation.skills(session=session)]

    def save() -> None:
        policy = as_api(Policy, policy_document(values, ids, skill_ids))
        organisation.replace_policy(
            session=session, actor=visitor.principal, policy=policy, expected_version=expected_version(version), at=now
        )

    refused = saved(session, save)
    if isinstance(refused, Refusal):
        return _policy_page(
            request,
            visitor,
            session,
            refused.status,
            values=values,
            version=version or "",
            errors=refused.errors,
            detail=refused.detail,
        )
    return back("/console/admin/policy", f"Policy saved (version {organisation.get(session=session).policy_version}).")
