"""The plan that keeps itself current: after changes to the queue, a warm re-plan from the current plan runs
in the background, debounced (it starts once the newest change is `live_replan_delay_seconds` old, so a
burst of changes gets one re-plan), and becomes the current plan unless a plan newer than the one it
started from was stored meanwhile (a lead's plan supersedes it; the next change starts another).

Repeatable: the live re-plan runs with one CP-SAT worker, a fixed seed and a deterministic work limit
(`live_replan_work_units`), so the same data and settings give the same plan whatever the machine's load; the
wall-clock limit is a generous backstop, and a search it cuts before the work limit is dropped for the
tentative plan (`solver.local`), never kept as a time-dependent answer. Stable: the previous plan's places
are held outside the neighbourhood of the changes, every request moved is priced (the policy's
`replan_agent_change_cost` and `replan_finish_shift_cost`), and the previous placements (with the new
requests inserted where they cost least) stand when moving saves less than its price.

One re-plan at a time per deployment: on PostgreSQL a transaction-level advisory lock is held while one
runs (other processes skip that turn); SQLite is the single-process embedded deployment, where a thread
lock is enough. Stored plans are audited as the system (`LIVE_ACTOR`).

Applied when the policy says `auto_apply`: in the transaction that stores it, as the system, with the lead's
apply (`api.store.plans.apply`: the same locks and queue-version check, at most once per plan); a plan the
queue moved past meanwhile stays stored unapplied. Only the neighbourhood of the changes moves
(`solver.local`): requests on agents who share no skill with a changed request keep their places.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from api import offload
from api.live import marks
from api.live.moves import publish_moves
from api.plans.service import snapshot
from api.roles import Principal, Role
from api.settings import Settings
from api.store import agents, plans
from api.store.errors import StateConflict
from api.store.session import Database
from api.store.tables import PlanRow
from solver.local import changed_between, replan_near
from solver.params import SolveParams
from solver.run import plan as make_plan
from triage.errors import ScenarioError
from triage.model import Scenario
from triage.results import Plan

log = logging.getLogger("tandem.live")
LIVE_ACTOR = Principal(id="system", name="Tandem live re-plan", role=Role.LEAD)
POLL_SECONDS = 0.1
AUTO_APPLY_REASON = "the policy says auto_apply: the live re-plan is applied"
_ADVISORY_KEY = 0x7A4D_0013  # an arbitrary constant naming the live re-plan's lock


def live_params(settings: Settings) -> SolveParams:
    """Deterministic by default: one worker, seed 0, a work limit; the wall-clock limit as a backstop."""
    return SolveParams(
        time_limit_seconds=settings.live_replan_time_limit_seconds,
        workers=1,
        random_seed=0,
        deterministic_limit=settings.live_replan_work_units,
    )


def live_replan(scenario: Scenario, params: SolveParams, previous: Plan | None, before: Scenario | None) -> Plan:
    """The live re-plan of `scenario` from the current plan `previous`, which was computed from `before`:
    only the neighbourhood of the changes moves (`solver.local`); without a previous plan, the whole plan."""
    if previous is None or before is None:
        return make_plan(scenario, params, previous)
    return replan_near(scenario, params, previous, changed_between(before, scenario))


class LiveReplanner:
    """A daemon thread: watches the numbered changes and re-plans after a quiet spell."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self._database = database
        self._settings = settings
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._failed_at_seq = -1  # a change the last re-plan could not plan: wait for a newer one
        self._warmed: int | None = None  # the plan whose placer this process built last
        self._thread = threading.Thread(target=self._loop, name="live-replan", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_seconds: float = 10.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout_seconds)

    def _loop(self) -> None:
        while not self._stopping.wait(POLL_SECONDS):
            try:
                self.replan_if_due()
            except Exception:  # a failed turn is logged; the next change tries again
                log.exception("live re-plan failed")

    def replan_if_due(self) -> int | None:
        """Re-plan when changes are waiting and the newest is old enough; the id of the plan stored, if any."""
        with self._database.reading() as session:
            seq, at = marks.last_change(session=session)
            base = marks.current_plan_id(session=session)
            seen = -1 if base is None else marks.seen_seq(session=session, plan_id=base)
        if base is not None and base != self._warmed:
            self._warm_current(base)
        if seq <= max(seen, self._failed_at_seq) or at is None:
            return None
        if (datetime.now(UTC) - at).total_seconds() < self._settings.live_replan_delay_seconds:
            return None
        with self._lock, self._exclusive() as turn:
            return self._replan(base, at) if turn else None

    def _replan(self, base: int | None, change_at: datetime) -> int | None:
        now = self._now()
        started, cpu = time.perf_counter(), time.thread_time()
        waited = (datetime.now(UTC) - change_at).total_seconds()
        with self._database.reading() as session:
            scenario, versions = snapshot(session=session, now=now)
            seen, _ = marks.last_change(session=session)
            previous, before = _base(session, base)
        read = time.perf_counter()
        if not scenario.requests:
            self._failed_at_seq = seen  # nothing to plan until the queue changes again
            return None
        try:
            params = live_params(self._settings)
            result = offload.call(self._settings.plan_in_child, live_replan, scenario, params, previous, before)
        except ScenarioError as exc:
            log.warning("live re-plan: the queue cannot be planned: %s", exc)
            self._failed_at_seq = seen
            return None
        solved = time.perf_counter()
        with self._database.writing() as session:
            if marks.newest_plan_id(session=session) != (base or 0):
                session.rollback()  # a newer plan (a lead's, or another process's re-plan) supersedes this one
                return None
            row = plans.save(
                session=session,
                actor=LIVE_ACTOR,
                plan=result,
                scenario=scenario,
                versions=versions,
                at=now,
                reason="the queue changed: the live re-plan",
            )
            marks.mark_plan(session=session, plan_id=row.id, seen_seq=seen, source=marks.LIVE)
            publish_moves(session=session, scenario=scenario, plan=result, at=now)
            if scenario.policy.auto_apply:
                _auto_apply(session, row, now)
            session.commit()
            stored = row.id
        # Where the time from a change to its re-plan goes (benchmarks/deploy_bench.py reads this line).
        # The thread's CPU time is what the re-plan costs an idle core (the search runs in this thread: one worker).
        log.info(
            "live re-plan: plan %d stored; its newest change was %.3f s old at the start; read %.3f s, "
            "solve %.3f s, store %.3f s; this thread's CPU %.3f s",
            stored,
            waited,
            read - started,
            solved - read,
            time.perf_counter() - solved,
            time.thread_time() - cpu,
        )
        warming = time.perf_counter()
        self._warm(stored)
        log.info("live re-plan: plan %d's placer built in %.3f s", stored, time.perf_counter() - warming)
        return stored

    def _warm_current(self, plan_id: int) -> None:
        """Build the placer for a current plan this process did not compute (the one there when it started, or
        another process's or a lead's), so that its next filing does not pay for it."""
        started = time.perf_counter()
        try:
            self._warm(plan_id)
        except Exception:  # a filing builds it instead
            log.exception("live re-plan: the placer of plan %d could not be built", plan_id)
            self._warmed = plan_id
            return
        log.info("live re-plan: the current plan %d's placer built in %.3f s", plan_id, time.perf_counter() - started)

    def _warm(self, plan_id: int) -> None:
        """Build the placer for the new current plan now, so the next filing does not pay for it."""
        from api.live.placing import warm

        with self._database.reading() as session:
            row = plans.get(session=session, plan_id=plan_id)
            assert row is not None
            warm(row, agents.all_agents(session=session, active_only=True), str(self._database.engine.url))
        self._warmed = plan_id

    @contextmanager
    def _exclusive(self) -> Iterator[bool]:
        """Whether this process has the deployment's re-plan turn (PostgreSQL: an advisory lock)."""
        if self._database.is_sqlite:
            yield True
            return
        with self._database.connection() as connection:
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _ADVISORY_KEY}).scalar())
            try:
                yield got
            finally:
                if got:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
                    connection.commit()

    def _now(self) -> datetime:
        fixed = self._settings.fixed_now
        return fixed.astimezone(UTC) if fixed else datetime.now(UTC)


def _base(session: Session, plan_id: int | None) -> tuple[Plan | None, Scenario | None]:
    """The current plan and the scenario it was computed from, as applied: when it was applied, its requests
    have its agents as owners (an owner the plan gave is not a change to re-plan around)."""
    row = None if plan_id is None else session.scalar(select(PlanRow).where(PlanRow.id == plan_id))
    if row is None:
        return None, None
    body, before = plans.body(row), plans.scenario_of(row)
    if before is None or row.applied_at is None:
        return body, before
    owners = {a.request_id: a.agent_id for a in body.assignments}
    applied = [r.model_copy(update={"owner": owners[r.id]}) if r.id in owners else r for r in before.requests]
    return body, before.model_copy(update={"requests": applied})


def _auto_apply(session: Session, row: PlanRow, at: datetime) -> None:
    """Apply the live re-plan just stored, as the system, under the same locks and queue check as a lead's
    apply (`api.store.plans.apply`, never forced); when the queue changed since its snapshot (a write, or a
    lead's apply of another plan), it stays stored but unapplied, and the next change's re-plan tries again."""
    try:
        with session.begin_nested():  # a refused apply undoes only itself: the plan stays stored
            plans.apply(session=session, actor=LIVE_ACTOR, plan_row=row, at=at, reason=AUTO_APPLY_REASON)
    except StateConflict as exc:
        log.info("live re-plan %s not applied: %s", row.id, exc)
