"""The worker: huey consumer threads for the `solver` and `simulations` queues, each job run in a child
process of its own (CPU-heavy model building never stalls the worker's threads, and cancelling or a time
limit ends the process). Started by `tandem worker`, and inside `tandem serve` for the embedded default.

A job is claimed in the database first (`api.store.jobs.claim`, within the deployment's limit of running
jobs per queue: `solver_jobs_max`, `simulation_jobs_max`), beats every second with its progress, and ends in
one transaction with its result. When a worker starts it fails at once, with the reason, every job held by a
dead worker process of this machine, and puts every queued job back on its queue (a message taken by a
worker that died before claiming it is not lost); while it runs it fails jobs whose heartbeat stopped.
The child watches its parent: if the worker is killed, its planner process ends too.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

from huey.consumer import Consumer
from sqlalchemy.exc import OperationalError

from api.child import main as child_main
from api.child import name_of
from api.imports import reading as importing
from api.jobs.runner import IMPORT_JOBS_MAX, IMPORTS, QUEUES, SIMULATIONS, SOLVER, broker, enqueue, now_of
from api.live import marks
from api.live.moves import publish_lead_moves
from api.roles import Principal, Role
from api.settings import Settings
from api.store import jobs, plans
from api.store.session import Database
from solver.params import SolveParams
from triage.model import Scenario
from triage.results import Plan

log = logging.getLogger("tandem.work")
BEAT_SECONDS = 1.0
SWEEP_SECONDS = 5.0
_workers: dict[str, Worker] = {}  # by database URL: the worker of this process that runs jobs of that database


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Cancelled(Exception):
    """The job was cancelled while it ran."""


class Worker:
    """Consumer threads for both queues, and a sweeper for dead jobs."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self.stopping = threading.Event()
        self._consumers: list[Consumer] = []
        self._sweeper = threading.Thread(target=self._sweep_loop, name="job-sweeper", daemon=True)

    def start(self) -> None:
        _workers[self.database.url] = self
        self.sweep()
        slots = {SOLVER: self.settings.solver_slots, SIMULATIONS: self.settings.simulation_slots, IMPORTS: 1}
        for queue in QUEUES:
            consumer = Consumer(
                broker(self.database.url, queue),
                workers=slots[queue],
                worker_type="thread",
                periodic=False,
                check_worker_health=False,
                max_delay=1.0,
            )
            for _, thread in consumer.worker_threads:  # not consumer.start(): it takes the process's signals
                thread.start()
            self._consumers.append(consumer)
        with self.database.reading() as session:
            queued = jobs.queued_ids(session=session)
        for job_id, queue in queued:
            enqueue(self.database.url, queue, job_id)
        self._sweeper.start()

    def stop(self, timeout_seconds: float = 10.0) -> None:
        self.stopping.set()
        deadline = time.monotonic() + timeout_seconds
        for consumer in self._consumers:
            consumer.stop_flag.set()
        for consumer in self._consumers:
            for _, thread in consumer.worker_threads:
                thread.join(max(deadline - time.monotonic(), 0.1))
        if _workers.get(self.database.url) is self:
            del _workers[self.database.url]

    def sweep(self) -> None:
        """Fail the jobs of dead workers: of this machine at once, elsewhere once their heartbeat is stale."""
        real_now = datetime.now(UTC)
        with self.database.writing() as session:
            jobs.fail_dead_here(session=session, host=socket.gethostname(), real_now=real_now)
            stale = timedelta(seconds=self.settings.job_stale_seconds)
            jobs.fail_stale(session=session, stale_after=stale, real_now=real_now)
            session.commit()

    def _sweep_loop(self) -> None:
        while not self.stopping.wait(SWEEP_SECONDS):
            try:
                self.sweep()
            except Exception:  # the database is away for a moment: the next sweep tries again
                log.exception("job sweep failed")


def execute(job_id: str) -> None:
    """The huey task: run one job in this process's worker (a message for another database is dropped)."""
    for worker in list(_workers.values()):
        with worker.database.reading() as session:
            row = jobs.get(session=session, job_id=job_id)
        if row is not None:
            Execution(worker, job_id, row.queue, row.kind, row.inputs or "{}").run()
            return


class Execution:
    """One job: wait for a slot, run the child, store the result, beat, obey a cancel or a time limit."""

    def __init__(self, worker: Worker, job_id: str, queue: str, kind: str, inputs: str) -> None:
        self.worker, self.job_id, self.queue, self.kind = worker, job_id, queue, kind
        self.raw_inputs = inputs
        self.inputs: dict[str, Any] = json.loads(inputs)
        self.database, self.settings = worker.database, worker.settings

    def run(self) -> None:
        if not self._claim():
            return
        try:
            payload = self._in_child()
            self._store(payload)
        except Cancelled:
            self._end("cancelled while it ran", jobs.CANCELLED)
        except Exception as exc:
            log.warning("job %s failed: %s", self.job_id, exc)
            self._end(str(exc) or type(exc).__name__, jobs.FAILED)

    def _claim(self) -> bool:
        limits = {SIMULATIONS: self.settings.simulation_jobs_max, IMPORTS: IMPORT_JOBS_MAX}
        limit = limits.get(self.queue, self.settings.solver_jobs_max)
        while not self.worker.stopping.is_set():
            with self.database.writing() as session:
                got = jobs.claim(
                    session=session,
                    job_id=self.job_id,
                    queue=self.queue,
                    worker=worker_name(),
                    limit=limit,
                    at=datetime.now(UTC),
                )
                session.commit()
            if got != jobs.WAIT:
                return got == jobs.CLAIMED
            time.sleep(BEAT_SECONDS)  # the deployment's slots for this queue are taken: wait for one
        return False  # stopping: the job stays queued, and the next worker to start puts it back on its queue

    def _end(self, error: str, state: str) -> None:
        with self.database.writing() as session:
            jobs.fail(session=session, job_id=self.job_id, error=error, at=now_of(self.settings), state=state)
            session.commit()

    def _store(self, payload: str) -> None:
        at = now_of(self.settings)
        with self.database.writing() as session:
            if self.kind == "plan":
                actor = self.inputs["actor"]
                previous_id = marks.current_plan_id(session=session)
                row = plans.save(
                    session=session,
                    actor=Principal(id=actor["id"], name=actor["name"], role=Role(actor["role"])),
                    plan=Plan.model_validate_json(payload),
                    scenario=Scenario.model_validate_json(self.inputs["scenario"]),
                    versions=self.inputs["versions"],
                    at=at,
                    reason=self.inputs["reason"],
                )
                marks.mark_plan(session=session, plan_id=row.id, seen_seq=self.inputs["seen_seq"], source=marks.LEAD)
                threshold = SolveParams.model_validate_json(self.inputs["params"]).move_threshold_minutes
                publish_lead_moves(
                    session=session,
                    scenario=Scenario.model_validate_json(self.inputs["scenario"]),
                    plan=Plan.model_validate_json(payload),
                    previous_id=previous_id,
                    threshold_minutes=threshold,
                    at=at,
                )
                jobs.succeed(session=session, job_id=self.job_id, plan_id=row.id, at=at)
            elif self.kind == importing.KIND:
                done = json.loads(payload)
                if done["committed"]:  # written, and the job succeeded, in the child's one transaction
                    return
                error, result = importing.ended(done["outcome"])
                if error is None:  # a dry run
                    jobs.succeed_with_result(session=session, job_id=self.job_id, result=result, at=at)
                else:
                    jobs.fail(session=session, job_id=self.job_id, error=error, at=at, result=result)
                jobs.forget_inputs(session=session, job_id=self.job_id)  # the uploaded file: no more use
            else:
                jobs.succeed_with_result(session=session, job_id=self.job_id, result=payload, at=at)
            session.commit()

    def _in_child(self) -> str:
        """Run the job in a spawned child; beat every second with its reported progress (or the share of the
        expected time gone); return its ("ok", payload) payload or raise its error."""
        target: Callable[..., None]
        args: tuple[str, ...]
        if self.kind == "plan":
            target, args = _plan_in_child, (self.inputs["scenario"], self.inputs["params"])
            expected = json.loads(self.inputs["params"])["time_limit_seconds"] + 5.0  # start-up, roughly
            limit = None
        elif self.kind == importing.KIND:  # the child reports its progress; writing takes what it takes
            fixed = self.settings.fixed_now.astimezone(UTC).isoformat() if self.settings.fixed_now else ""
            target, args = importing.import_in_child, (self.raw_inputs, self.database.url, self.job_id, fixed)
            expected, limit = 60.0, None
        else:
            i = self.inputs
            target, args = _simulate_in_child, (i["scenario"], i["variants"], i["rates"], i["params"])
            expected, limit = i["expected_seconds"], self.settings.simulation_max_seconds
        context = multiprocessing.get_context("spawn")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=child_main, daemon=True, args=(os.getpid(), name_of(target), args, send))
        child.start()
        send.close()
        started = time.monotonic()
        reported: float | None = None
        kind, payload = "error", "no answer"
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
                elapsed = time.monotonic() - started
                if self.worker.stopping.is_set():
                    raise RuntimeError("lost: the worker stopped before the job finished; ask again to start it anew")
                if limit is not None and elapsed > limit:
                    raise RuntimeError(f"it ran longer than the simulation limit of {limit:g} s and was stopped")
                if self._beat(min(0.95, reported if reported is not None else elapsed / expected)):
                    raise Cancelled
        finally:
            receive.close()
            if child.is_alive():
                child.kill()
            child.join()
            child.close()
        if kind != "ok":
            raise RuntimeError(payload)
        return str(payload)

    def _beat(self, progress: float) -> bool:
        try:
            with self.database.writing() as session:
                asked = jobs.beat(session=session, job_id=self.job_id, progress=progress, at=datetime.now(UTC))
                session.commit()
        except OperationalError:  # SQLite's write lock held 30 s by another process (an import's write): a
            log.warning("job %s: a heartbeat was missed (the database was locked)", self.job_id)  # missed beat
            return False
        return asked


def _simulate_in_child(
    scenario_json: str, variants_json: str, rates_json: str, params_json: str, out: Connection
) -> None:
    """Simulate, reporting ("progress", share done), then ("ok", JSON) or ("error", ...)."""
    from pydantic import TypeAdapter

    from api.simulations.pool import side_by_side
    from solver.simulation.run import Progress, SimulationParams, simulate
    from triage.simulation.arrivals import ArrivalRates
    from triage.simulation.changes import Variant

    def report(step: Progress) -> None:
        out.send(("progress", step.done / step.total))

    try:
        result = simulate(
            Scenario.model_validate_json(scenario_json),
            TypeAdapter(list[Variant]).validate_json(variants_json),
            ArrivalRates.model_validate_json(rates_json),
            SimulationParams.model_validate_json(params_json),
            report,
            side_by_side,
        )
        out.send(("ok", result.model_dump_json()))
    except Exception as exc:  # the parent records it as the job's error
        out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()


def _plan_in_child(scenario_json: str, params_json: str, out: Connection) -> None:
    """Plan, and send back ("ok", plan JSON) or ("error", message)."""
    from solver.params import SolveParams
    from solver.run import plan as make_plan

    try:
        result = make_plan(Scenario.model_validate_json(scenario_json), SolveParams.model_validate_json(params_json))
        out.send(("ok", result.model_dump_json()))
    except Exception as exc:  # the parent records it as the job's error
        out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()
