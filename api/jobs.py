"""Background jobs: a plan too large to answer at once is computed in a child process (CPU-heavy model
building never stalls the API's threads) while a thread keeps the job's heartbeat and progress.

Jobs survive nothing: if the server stops or dies, the job is reported failed (at once on a clean stop, after
`job_stale_seconds` without heartbeat otherwise). The plan and the job's success are written in one
transaction, so a job never leaves half a result; applying a plan is a separate, single transaction.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import TypeVar

from api.live import marks
from api.roles import Principal
from api.settings import Settings
from api.store import jobs, plans
from api.store.session import Database
from solver.params import SolveParams
from triage.model import Scenario
from triage.results import Plan

log = logging.getLogger("tandem.jobs")
T = TypeVar("T")
BEAT_SECONDS = 1.0


def _simulate_in_child(
    scenario_json: str, variants_json: str, rates_json: str, params_json: str, out: Connection
) -> None:
    """Runs in the child process: simulate, reporting ("progress", share done), then ("ok", JSON) or ("error", ...)."""
    from pydantic import TypeAdapter

    from solver.arrivals import ArrivalRates
    from solver.simulate import Progress, SimulationParams, simulate
    from triage.staffing import Variant

    def report(step: Progress) -> None:
        out.send(("progress", step.done / step.total))

    try:
        result = simulate(
            Scenario.model_validate_json(scenario_json),
            TypeAdapter(list[Variant]).validate_json(variants_json),
            ArrivalRates.model_validate_json(rates_json),
            SimulationParams.model_validate_json(params_json),
            report,
        )
        out.send(("ok", result.model_dump_json()))
    except Exception as exc:  # the parent records it as the job's error
        out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()


def _plan_in_child(scenario_json: str, params_json: str, out: Connection) -> None:
    """Runs in the child process: plan, and send back ("ok", plan JSON) or ("error", message)."""
    from solver.run import plan as make_plan

    try:
        result = make_plan(Scenario.model_validate_json(scenario_json), SolveParams.model_validate_json(params_json))
        out.send(("ok", result.model_dump_json()))
    except Exception as exc:  # the parent records it as the job's error
        out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()


class JobRunner:
    """Starts plan jobs and stops them all when the app stops."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self._database = database
        self._settings = settings
        self._stopping = threading.Event()
        self._solver_slot = threading.Semaphore(1)  # one solver process at a time on a small machine
        self._threads: list[threading.Thread] = []

    def start_plan(
        self,
        *,
        job_id: str,
        actor: Principal,
        scenario: Scenario,
        params: SolveParams,
        versions: dict[str, int],
        reason: str | None,
        seen_seq: int,
    ) -> None:
        thread = threading.Thread(
            target=self._run_plan,
            name=f"job-{job_id[:8]}",
            daemon=True,
            args=(job_id, actor, scenario, params, versions, reason, seen_seq),
        )
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def start_simulation(self, *, job_id: str, inputs: tuple[str, str, str, str], expected_seconds: float) -> None:
        """Run a simulation job: inputs are the scenario, variants, rates and parameters as JSON."""
        thread = threading.Thread(
            target=self._run_simulation, name=f"job-{job_id[:8]}", daemon=True, args=(job_id, inputs, expected_seconds)
        )
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _run_simulation(self, job_id: str, inputs: tuple[str, str, str, str], expected_seconds: float) -> None:
        try:
            result = self._queued(job_id, lambda: self._in_child(job_id, _simulate_in_child, inputs, expected_seconds))
            with self._database.writing() as session:
                jobs.succeed_with_result(session=session, job_id=job_id, result=result, at=self._now())
                session.commit()
        except Exception as exc:
            self._failed(job_id, exc)

    def shutdown(self, timeout_seconds: float = 10.0) -> None:
        self._stopping.set()
        deadline = time.monotonic() + timeout_seconds
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0.1))

    def _now(self) -> datetime:
        fixed = self._settings.fixed_now
        return fixed.astimezone(UTC) if fixed else datetime.now(UTC)

    def _run_plan(
        self,
        job_id: str,
        actor: Principal,
        scenario: Scenario,
        params: SolveParams,
        versions: dict[str, int],
        reason: str | None,
        seen_seq: int,
    ) -> None:
        try:
            result = self._solve(job_id, scenario, params)
            with self._database.writing() as session:
                row = plans.save(
                    session=session,
                    actor=actor,
                    plan=result,
                    scenario=scenario,
                    versions=versions,
                    at=self._now(),
                    reason=reason,
                )
                marks.mark_plan(session=session, plan_id=row.id, seen_seq=seen_seq, source=marks.LEAD)
                jobs.succeed(session=session, job_id=job_id, plan_id=row.id, at=self._now())
                session.commit()
        except Exception as exc:
            self._failed(job_id, exc)

    def _beat(self, job_id: str, progress: float, started: bool = False, state: str = jobs.RUNNING) -> None:
        with self._database.writing() as session:
            jobs.beat(
                session=session, job_id=job_id, progress=progress, at=datetime.now(UTC), started=started, state=state
            )
            session.commit()

    def _solve(self, job_id: str, scenario: Scenario, params: SolveParams) -> Plan:
        return self._queued(job_id, lambda: self._solve_in_child(job_id, scenario, params))

    def _queued(self, job_id: str, work: Callable[[], T]) -> T:
        """Run `work` once the solver slot is free (one solver process at a time), beating while queued."""
        while not self._solver_slot.acquire(timeout=BEAT_SECONDS):  # queued behind another job
            if self._stopping.is_set():
                raise RuntimeError("the server stopped before the job started")
            self._beat(job_id, 0.0, state=jobs.QUEUED)
        try:
            return work()
        finally:
            self._solver_slot.release()

    def _failed(self, job_id: str, exc: Exception) -> None:
        log.warning("job %s failed: %s", job_id, exc)
        with self._database.writing() as session:
            jobs.fail(session=session, job_id=job_id, error=str(exc) or type(exc).__name__, at=self._now())
            session.commit()

    def _solve_in_child(self, job_id: str, scenario: Scenario, params: SolveParams) -> Plan:
        expected = params.time_limit_seconds + 5.0  # model building and start-up, roughly
        args = (scenario.model_dump_json(), params.model_dump_json())
        return Plan.model_validate_json(self._in_child(job_id, _plan_in_child, args, expected))

    def _in_child(self, job_id: str, target: Callable[..., None], args: tuple[str, ...], expected: float) -> str:
        """Run `target(*args, pipe)` in a spawned child; beat every second with its reported progress (or the
        share of `expected` seconds gone); return its ("ok", payload) payload or raise its error."""
        context = multiprocessing.get_context("spawn")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=target, daemon=True, args=(*args, send))
        child.start()
        send.close()
        started = last_beat = time.monotonic()
        reported: float | None = None
        self._beat(job_id, 0.0, started=True)
        try:
            while True:
                if receive.poll(BEAT_SECONDS):
                    try:
                        kind, payload = receive.recv()
                    except EOFError as exc:  # the child died before it answered
                        raise RuntimeError(f"the job's process died (exit code {child.exitcode})") from exc
                    if kind != "progress":
                        break
                    reported = float(payload)
                if self._stopping.is_set():
                    raise RuntimeError("the server stopped before the job finished")
                if not child.is_alive() and not receive.poll(0):
                    raise RuntimeError(f"the planner process died (exit code {child.exitcode})")
                if time.monotonic() - last_beat >= BEAT_SECONDS:
                    guess = reported if reported is not None else (time.monotonic() - started) / expected
                    self._beat(job_id, min(0.95, guess))
                    last_beat = time.monotonic()
        finally:
            receive.close()
            if child.is_alive():
                child.kill()
            child.join()
            child.close()
        if kind != "ok":
            raise RuntimeError(payload)
        return str(payload)
