"""The queue a plan was computed from, against the queue now, read under locks.

A plan records the version of every open request it saw (its items) and the pins it kept (its scenario):
together they are the version of the queue it was computed from. Applying one, or accepting a hand-off from
one, first locks what it will read and write (`SELECT ... FOR UPDATE` on PostgreSQL, in a fixed order: agents by
id, then requests by pk, so that two writers never wait for each other in a circle; SQLite's writers hold the
database's write lock from their first statement, which is the same guarantee for the whole file), then
compares. Two applies of plans computed from the same queue therefore run one after the other, and the second
sees the first one's owners: it is refused, and no mix of the two is ever committed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.store import pins
from api.store.requests import OPEN_STATUSES
from api.store.tables import AgentRow, PlanItemRow, PlanRow, RequestRow

SHOWN = 10


@dataclass(frozen=True)
class QueueChanges:
    """What changed in the queue since a plan: `covered` are requests the plan assigns (never forced over)."""

    covered: list[str] = field(default_factory=list)
    filed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    pins_added: list[str] = field(default_factory=list)
    pins_removed: list[str] = field(default_factory=list)

    def any(self) -> bool:
        return bool(self.covered or self.filed or self.changed or self.closed or self.pins_added or self.pins_removed)

    def sentence(self) -> str:
        """The changes in words, e.g. "REQ-7 was filed; pin p1 was removed"."""
        parts = [
            _listed(self.covered, "changed or closed (the plan assigns it)", "changed or closed (assigned by it)"),
            _listed(self.filed, "was filed", "were filed"),
            _listed(self.changed, "changed", "changed"),
            _listed(self.closed, "was closed", "were closed"),
            _listed([f"pin {p}" for p in self.pins_added], "was added", "were added"),
            _listed([f"pin {p}" for p in self.pins_removed], "was removed", "were removed"),
        ]
        return "; ".join(p for p in parts if p)

    def facts(self) -> dict[str, list[str]]:
        """The changes as audit facts (the non-empty lists)."""
        named = {
            "covered": self.covered,
            "filed": self.filed,
            "changed": self.changed,
            "closed": self.closed,
            "pins_added": self.pins_added,
            "pins_removed": self.pins_removed,
        }
        return {k: v for k, v in named.items() if v}


def _listed(ids: list[str], one: str, many: str) -> str:
    if not ids:
        return ""
    shown = ", ".join(ids[:SHOWN]) + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")
    return f"{shown} {one if len(ids) == 1 else many}"


def lock_agents(*, session: Session, agent_ids: Iterable[str]) -> None:
    """Lock these agents' rows until the transaction ends (first, before any request)."""
    ids = sorted(set(agent_ids))
    if ids:
        session.execute(select(AgentRow.id).where(AgentRow.id.in_(ids)).order_by(AgentRow.id).with_for_update())


def lock_requests(*, session: Session, request_ids: Iterable[str], with_open: bool) -> dict[str, RequestRow]:
    """Lock and read (fresh, not from the session's cache) these requests and, `with_open`, every open one."""
    ids = sorted(set(request_ids))
    where = RequestRow.id.in_(ids)
    if with_open:
        where = or_(where, RequestRow.status.in_(OPEN_STATUSES))
    rows = session.scalars(
        select(RequestRow)
        .where(where)
        .order_by(RequestRow.pk)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {str(r.id): r for r in rows}


def changes_since(*, session: Session, plan_row: PlanRow, current: dict[str, RequestRow]) -> QueueChanges:
    """Compare the plan's queue with `current` (the locked requests: every open one and every one it planned)."""
    items = list(session.scalars(select(PlanItemRow).where(PlanItemRow.plan_id == plan_row.id)))
    planned = {i.request_id: i for i in items}
    covered, changed, closed = [], [], []
    for item in items:
        now = current.get(item.request_id)
        moved = now is None or now.version != item.request_version or now.status not in OPEN_STATUSES
        if not moved:
            continue
        if item.agent_id is not None:
            covered.append(item.request_id)
        elif now is None or now.status not in OPEN_STATUSES:
            closed.append(item.request_id)
        else:
            changed.append(item.request_id)
    open_now = [r for r in current.values() if r.status in OPEN_STATUSES]
    filed = [str(r.id) for r in sorted(open_now, key=lambda r: r.pk) if r.id not in planned]
    kept_then = _pins_of(plan_row)
    open_ids = {str(r.id) for r in open_now}
    active = set(session.scalars(select(AgentRow.id).where(AgentRow.active.is_(True))))
    kept_now = {p.id for p in pins.in_play(pins.all_pins(session=session), open_ids, active)}
    return QueueChanges(
        covered=sorted(covered),
        filed=filed,
        changed=sorted(changed),
        closed=sorted(closed),
        pins_added=sorted(kept_now - kept_then) if kept_then is not None else [],
        pins_removed=sorted(kept_then - kept_now) if kept_then is not None else [],
    )


def _pins_of(plan_row: PlanRow) -> set[str] | None:
    """The ids of the pins the plan kept (None for plans stored without their scenario)."""
    if plan_row.scenario is None:
        return None
    return {p["id"] for p in json.loads(plan_row.scenario).get("pins", [])}
