"""The organisation row (team calendar and policy, each versioned) and the skill catalogue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.roles import Principal
from api.store import audit
from api.store.convert import document_of, stored_policy
from api.store.errors import StateConflict, VersionMismatch, invalid
from api.store.tables import DepartmentRow, OrganisationRow, SkillRow
from triage.model import Calendar, Policy

ORGANISATION_ID = 1


def ensure(*, session: Session) -> None:
    """Create the organisation row with the domain's default calendar and policy, once."""
    if session.get(OrganisationRow, ORGANISATION_ID) is None:
        session.add(
            OrganisationRow(
                id=ORGANISATION_ID,
                calendar=document_of(Calendar()),
                policy=document_of(Policy()),
                calendar_version=1,
                policy_version=1,
            )
        )


def get(*, session: Session) -> OrganisationRow:
    row = session.get(OrganisationRow, ORGANISATION_ID)
    if row is None:  # the app creates it at start-up
        raise RuntimeError("the organisation row is missing: start the app once to create it")
    return row


_ORGANISATION = OrganisationRow.__table__
_POLICY = select(_ORGANISATION.c.policy_version, _ORGANISATION.c.policy).where(_ORGANISATION.c.id == ORGANISATION_ID)


def policy(*, session: Session) -> Policy:
    """The stored policy, reading only its two columns (every answer about a request needs its matrix)."""
    found = session.execute(_POLICY).one_or_none()
    if found is None:  # the app creates it at start-up
        raise RuntimeError("the organisation row is missing: start the app once to create it")
    return stored_policy(found.policy_version, found.policy)


def replace_policy(*, session: Session, actor: Principal, policy: Policy, expected_version: int, at: datetime) -> int:
    """Store a new policy if the stored one is still at `expected_version`; return the new version. Fair shares
    name known departments only, pause marks known skills only (422 naming the first unknown one)."""
    if policy.fair_share_pct:
        known = set(session.scalars(select(DepartmentRow.id)))
        unknown = sorted(set(policy.fair_share_pct) - known)
        if unknown:
            raise invalid(
                f"fair_share_pct.{unknown[0]}",
                f"unknown department {unknown[0]!r} ({len(unknown)} unknown department(s) in all)",
            )
    if policy.pausable_skills:
        missing = sorted(set(policy.pausable_skills) - skill_ids(session=session))
        if missing:
            raise invalid(
                f"pausable_skills.{missing[0]}",
                f"unknown skill {missing[0]!r} ({len(missing)} unknown skill(s) in all)",
            )
    return _replace(session, actor, "policy", document_of(policy), expected_version, at)


def replace_calendar(
    *, session: Session, actor: Principal, calendar: Calendar, expected_version: int, at: datetime
) -> int:
    return _replace(session, actor, "calendar", document_of(calendar), expected_version, at)


def _replace(
    session: Session, actor: Principal, what: str, document: dict[str, object], expected: int, at: datetime
) -> int:
    version_column = getattr(OrganisationRow, f"{what}_version")
    before = getattr(get(session=session), what)
    done = session.execute(
        update(OrganisationRow)
        .where(OrganisationRow.id == ORGANISATION_ID, version_column == expected)
        .values({what: document, f"{what}_version": expected + 1})
        .execution_options(synchronize_session="fetch")
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise VersionMismatch(f"The {what} changed since version {expected}; read it again.")
    changed = {k: [before.get(k), v] for k, v in document.items() if before.get(k) != v}
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action=f"{what}.replaced",
        subject_type=what,
        subject_id=str(ORGANISATION_ID),
        changes=changed,
    )
    return expected + 1


def skills(*, session: Session) -> list[SkillRow]:
    return list(session.scalars(select(SkillRow).order_by(SkillRow.id)))


def skill_ids(*, session: Session) -> set[str]:
    return set(session.scalars(select(SkillRow.id)))


def add_skill(*, session: Session, actor: Principal, skill_id: str, name: str, at: datetime) -> SkillRow:
    if session.get(SkillRow, skill_id) is not None:
        raise StateConflict(f"A skill with id {skill_id!r} exists already.")
    row = SkillRow(id=skill_id, name=name)
    session.add(row)
    audit.record(
        session=session,
        actor=actor,
        at=at,
        action="skill.created",
        subject_type="skill",
        subject_id=skill_id,
        changes={"name": [None, name]},
    )
    return row
