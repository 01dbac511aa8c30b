"""Writes that race: two plans computed from the same queue, applied at the same moment by two leads (each
through its own engine, as two API processes would), never commit a mix of both; a plan computed from a queue
that moved on is refused saying what changed, unless forced (audited); two hand-offs to one peer never both
take the peer's last room."""

from __future__ import annotations

import json
import threading

from sqlalchemy import select

from api.roles import Principal, Role
from api.store import handoffs as handoff_store
from api.store import plans as plan_store
from api.store.errors import StateConflict
from api.store.session import Database
from api.store.tables import HandOffRow, PlanItemRow, PlanRow, RequestRow
from tests.api.conftest import Api
from tests.api.help_setup import proposal_to_ben
from tests.api.org import NOW

LEAD = Principal(id="lead", name="Lee Lead", role=Role.LEAD, department_id=None, agent_id=None)
ROUNDS = 100
QUICK = {"time_limit_seconds": 1}


def _state(database: Database) -> dict[str, tuple[str | None, int]]:
    with database.reading() as session:
        return {str(r.id): (r.owner_id, r.version) for r in session.scalars(select(RequestRow))}


def _plan_with(database: Database, base: PlanRow, owners: dict[str, str]) -> int:
    """A stored plan assigning each request to `owners[request]`, computed from the queue as it is now."""
    state = _state(database)
    with database.writing() as session:
        row = PlanRow(
            created_at=NOW,
            created_by="lead",
            now=NOW,
            status=base.status,
            objective=base.objective,
            request_count=len(owners),
            body=base.body,
            scenario=base.scenario,
        )
        session.add(row)
        session.flush()
        for position, (request_id, agent_id) in enumerate(sorted(owners.items()), start=1):
            session.add(
                PlanItemRow(
                    plan_id=row.id,
                    request_id=request_id,
                    request_version=state[request_id][1],
                    agent_id=agent_id,
                    position=position,
                )
            )
        session.commit()
        return row.id


def _apply(database: Database, plan_id: int, gate: threading.Barrier, outcome: dict[int, str]) -> None:
    gate.wait()  # before the transaction: a SQLite writer holds the file's write lock from its first read
    with database.writing() as session:
        row = session.get(PlanRow, plan_id)
        assert row is not None
        try:
            plan_store.apply(session=session, actor=LEAD, plan_row=row, at=NOW, reason="race")
            session.commit()
            outcome[plan_id] = "applied"
        except StateConflict:
            session.rollback()
            outcome[plan_id] = "refused"


def _flip(owner: str | None) -> str:
    return "ben" if owner == "ana" else "ana"


def test_two_applies_at_once_never_commit_a_mix(api: Api) -> None:
    made = api.post("/plans", "lead", QUICK).json()
    first, second = Database(api.settings.database_url), Database(api.settings.database_url)
    try:
        with first.reading() as session:
            base = session.get(PlanRow, made["id"])
            assert base is not None
        start = {"REQ-1": "ana", "REQ-2": "ben", "REQ-3": "ana", "REQ-4": "ben"}
        assert _apply_alone(first, _plan_with(first, base, start)) == "applied"
        mixes, applied_both = 0, 0
        for _ in range(ROUNDS):
            owners = {r: owner for r, (owner, _) in _state(first).items()}
            one = _plan_with(first, base, {**owners, "REQ-1": _flip(owners["REQ-1"])})  # moves REQ-1 only
            two = _plan_with(first, base, {**owners, "REQ-3": _flip(owners["REQ-3"])})  # moves REQ-3 only
            gate, outcome = threading.Barrier(2), {}
            threads = [
                threading.Thread(target=_apply, args=(db, plan, gate, outcome))
                for db, plan in ((first, one), (second, two))
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            after = {r: owner for r, (owner, _) in _state(first).items()}
            moved = {r for r in owners if after[r] != owners[r]}
            mixes += moved == {"REQ-1", "REQ-3"}
            applied_both += list(outcome.values()).count("applied") == 2
            assert sorted(outcome.values()) == ["applied", "refused"], outcome
            assert moved == ({"REQ-1"} if outcome[one] == "applied" else {"REQ-3"})
        assert (mixes, applied_both) == (0, 0)
    finally:
        first.dispose()
        second.dispose()


def _apply_alone(database: Database, plan_id: int) -> str:
    outcome: dict[int, str] = {}
    _apply(database, plan_id, threading.Barrier(1), outcome)
    return outcome[plan_id]


def test_a_plan_from_an_older_queue_is_refused_saying_what_changed_unless_forced(api: Api) -> None:
    plan = api.post("/plans", "lead", QUICK).json()
    filed = api.post(
        "/requests",
        "sales",
        {
            "requester": "Sam Reyes",
            "title": "Printer jam",
            "impact": "person",
            "urgency": "can_wait",
            "effort_minutes": 30,
        },
    )
    assert filed.status_code == 201, filed.text
    new_id = filed.json()["id"]
    refused = api.post(f"/plans/{plan['id']}/apply", "lead", {})
    assert refused.status_code == 409
    assert f"{new_id} was filed" in refused.json()["detail"] and "force" in refused.json()["detail"]
    assert api.get(f"/plans/{plan['id']}", "lead").json()["applied_at"] is None
    forced = api.post(f"/plans/{plan['id']}/apply", "lead", {"force": True, "reason": "new one can wait"})
    assert forced.status_code == 200, forced.text
    entry = api.get("/audit", "lead", params={"action": "plan.applied"}).json()["items"][0]
    assert entry["changes"]["forced_over"] == {"filed": [new_id]} and entry["reason"] == "new one can wait"


def test_a_plan_whose_own_requests_changed_is_refused_even_when_forced(api: Api) -> None:
    plan = api.post("/plans", "lead", QUICK).json()
    assigned = plan["plan"]["assignments"][0]["request_id"]
    etag = api.get(f"/requests/{assigned}", "lead").headers["etag"]
    assert api.patch(f"/requests/{assigned}", "lead", {"effort_minutes": 45}, etag=etag).status_code == 200
    refused = api.post(f"/plans/{plan['id']}/apply", "lead", {"force": True})
    assert refused.status_code == 409 and assigned in refused.json()["detail"]
    assert api.get(f"/plans/{plan['id']}", "lead").json()["applied_at"] is None


def test_the_queue_check_names_pins_added_since(api: Api) -> None:
    plan = api.post("/plans", "lead", QUICK).json()
    pinned = api.post("/pins", "lead", {"id": "p-late", "kind": "first", "request": "REQ-3", "reason": "CEO"})
    assert pinned.status_code == 201, pinned.text
    refused = api.post(f"/plans/{plan['id']}/apply", "lead", {})
    assert refused.status_code == 409 and "pin p-late was added" in refused.json()["detail"]


HANDOFF_ROUNDS = 20


def _accept(database: Database, handoff_id: int, gate: threading.Barrier, outcome: dict[int, str]) -> None:
    gate.wait()
    with database.writing() as session:
        row = handoff_store.get(session=session, handoff_id=handoff_id)
        assert row is not None
        try:
            handoff_store.accept(session=session, actor=LEAD, row=row, reason="race", at=NOW)
            session.commit()
            outcome[handoff_id] = "accepted"
        except StateConflict:
            session.rollback()
            outcome[handoff_id] = "refused"


def _proposals_to_ben(database: Database, template: HandOffRow, room_left_minutes: int) -> list[int]:
    """REQ-1 and REQ-3 (both Ana's, 90 and 60 minutes) proposed to Ben, each leaving him `room_left_minutes`
    below target alone: room for one of them, not for both."""
    with database.writing() as session:
        ids = []
        for request_id in ("REQ-1", "REQ-3"):
            request = session.scalar(select(RequestRow).where(RequestRow.id == request_id))
            assert request is not None
            body = json.loads(template.body)
            body.update(request_id=request_id, to_planned_after=body["to_target_minutes"] - room_left_minutes)
            row = HandOffRow(
                ask_id="race",
                plan_id=template.plan_id,
                request_id=request_id,
                request_version=request.version,
                department_id=request.department_id,
                from_agent_id="ana",
                to_agent_id="ben",
                state="proposed",
                body=json.dumps(body),
                asked_by="ana",
                created_at=NOW,
            )
            session.add(row)
            session.flush()
            ids.append(row.id)
        session.commit()
        return ids


def _give_back_to_ana(database: Database) -> None:
    with database.writing() as session:
        for request in session.scalars(select(RequestRow).where(RequestRow.id.in_(["REQ-1", "REQ-3"]))):
            request.owner_id = "ana"
        session.commit()


def test_two_hand_offs_to_one_peer_at_once_never_both_take_his_last_room(api: Api) -> None:
    proposal = proposal_to_ben(api)
    first, second = Database(api.settings.database_url), Database(api.settings.database_url)
    try:
        with first.reading() as session:
            template = handoff_store.get(session=session, handoff_id=proposal["id"])
            assert template is not None
        for _ in range(HANDOFF_ROUNDS):
            _give_back_to_ana(first)
            one, two = _proposals_to_ben(first, template, room_left_minutes=50)
            gate, outcome = threading.Barrier(2), {}
            threads = [
                threading.Thread(target=_accept, args=(db, h, gate, outcome)) for db, h in ((first, one), (second, two))
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            assert sorted(outcome.values()) == ["accepted", "refused"], outcome
            owners = {r: owner for r, (owner, _) in _state(first).items()}
            assert [owners["REQ-1"], owners["REQ-3"]].count("ben") == 1, owners
    finally:
        first.dispose()
        second.dispose()
