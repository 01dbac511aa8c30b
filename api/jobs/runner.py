"""Durable jobs on huey: the API stores a job (its row, then its inputs) in the database and puts its id on a
huey queue; worker processes (`api.jobs.worker.Worker`: `tandem worker`, or inside `tandem serve` for the embedded
default) take it, claim it in the database and run it. The queue's storage is the deployment's own
database engine: huey's SQLite storage in a file beside the SQLite database, or huey's PostgreSQL storage
(tables `huey_*` in the schema `tandem_jobs`, LISTEN/NOTIFY) in the PostgreSQL database, so workers on
other machines need nothing but DATABASE_URL.

Three queues with their own slots and limits: `solver` (plans), `simulations` and `imports` (one at a time
in the deployment), so a long simulation or import never holds up a lead's plan. The database row is the
truth: a message delivered twice, or delivered for a job
cancelled meanwhile, finds the job claimed or gone and does nothing.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from huey import Huey, PostgresHuey, SqliteHuey
from sqlalchemy.engine import make_url

from api.roles import Principal
from api.settings import Settings
from api.store import jobs
from api.store.session import Database
from api.store.tables import IdempotencyRow
from solver.params import SolveParams
from triage.model import Scenario

SOLVER, SIMULATIONS, IMPORTS = "solver", "simulations", "imports"
QUEUES = (SOLVER, SIMULATIONS, IMPORTS)
IMPORT_JOBS_MAX = 1  # imports run one at a time in the whole deployment: two would race on the same source ids
TASK = "tandem.job"
JOB_SCHEMA = "tandem_jobs"
_DDL_LOCK = 0x7A4D_0100  # huey's tables on PostgreSQL, apart from the schema the migrations own
# How long a PostgreSQL consumer thread waits on LISTEN before it looks again (huey's default is 1 s): a new
# job wakes it at once, so this bounds only how long a stopping worker waits for its threads, at the cost of
# one indexed dequeue query per thread per wait when idle.
LISTEN_SECONDS = 0.2
_brokers: dict[tuple[str, str], Huey] = {}
_tasks: dict[tuple[str, str], Any] = {}  # huey's task wrappers: calling one enqueues the task
_connections: dict[str, list[psycopg.Connection[Any]]] = {}
_lock = threading.Lock()


def broker(database_url: str, queue: str) -> Huey:
    """The huey queue `queue` for this deployment (one instance per process), with the job task registered."""
    with _lock:
        found = _brokers.get((database_url, queue))
        if found is None:
            found = _brokers[database_url, queue] = _new_broker(database_url, queue)
        return found


def _new_broker(database_url: str, queue: str) -> Huey:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database:
            raise ValueError("durable jobs need a SQLite file, not an in-memory database")
        path = Path(url.database).with_name(Path(url.database).name + "-jobs")
        huey: Huey = SqliteHuey(name=queue, filename=str(path), results=False)
    else:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)

        def connect() -> psycopg.Connection[Any]:  # kept, so that shutting down closes every one
            connection = psycopg.connect(dsn, autocommit=True, options=f"-c search_path={JOB_SCHEMA}")
            _connections.setdefault(database_url, []).append(connection)
            return connection

        huey = PostgresHuey(
            name=queue, connection=connect, results=False, create_tables=False, read_timeout=LISTEN_SECONDS
        )
        _create_tables(dsn, huey.storage.ddl)
    from api.jobs.worker import execute  # the worker side: imported here so the API needs no worker code at import

    _tasks[database_url, queue] = huey.task(name=TASK)(execute)
    return huey


def _create_tables(dsn: str, ddl: list[str]) -> None:
    """huey's tables in their schema, created once however many processes start at the same moment (an
    advisory lock: CREATE ... IF NOT EXISTS alone races on PostgreSQL)."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (_DDL_LOCK,))
        try:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {JOB_SCHEMA}")
            connection.execute(f"SET search_path TO {JOB_SCHEMA}")
            for statement in ddl:
                connection.execute(statement)  # type: ignore[arg-type]
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (_DDL_LOCK,))


def close_brokers(database_url: str) -> None:
    """Close the queue connections this process opened to the database (each is opened again if needed)."""
    with _lock:
        opened = _connections.pop(database_url, [])
    for connection in opened:
        connection.close()


def enqueue(database_url: str, queue: str, job_id: str) -> None:
    """Put a job's id on its queue (the job's row and inputs are committed already)."""
    broker(database_url, queue)
    _tasks[database_url, queue](job_id)


class JobRunner:
    """The API's side: hand jobs over to the workers; with `embedded_worker`, also runs a worker in-process."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self._database = database
        self._settings = settings
        self._worker: Any = None
        if settings.embedded_worker:
            from api.jobs.worker import Worker

            self._worker = Worker(database, settings)
            self._worker.start()

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
        inputs = {
            "actor": {"id": actor.id, "name": actor.name, "role": actor.role.value},
            "scenario": scenario.model_dump_json(),
            "params": params.model_dump_json(),
            "versions": versions,
            "reason": reason,
            "seen_seq": seen_seq,
        }
        self._hand_over(job_id, SOLVER, inputs)

    def start_simulation(self, *, job_id: str, inputs: tuple[str, str, str, str], expected_seconds: float) -> None:
        """A simulation job: inputs are the scenario, variants, rates and parameters as JSON."""
        scenario, variants, rates, params = inputs
        document = {
            "scenario": scenario,
            "variants": variants,
            "rates": rates,
            "params": params,
            "expected_seconds": expected_seconds,
        }
        self._hand_over(job_id, SIMULATIONS, document)

    def start_import(self, *, job_id: str, inputs: dict[str, Any]) -> None:
        """An import job: inputs are the upload (the file gzip-compressed, in base64) and its options."""
        self._hand_over(job_id, IMPORTS, inputs)

    def _hand_over(self, job_id: str, queue: str, inputs: dict[str, Any]) -> None:
        with self._database.writing() as session:
            jobs.hand_over(session=session, job_id=job_id, inputs=json.dumps(inputs))
            session.commit()
        enqueue(self._database.url, queue, job_id)

    def shutdown(self, timeout_seconds: float = 10.0) -> None:
        if self._worker is not None:
            self._worker.stop(timeout_seconds)
        close_brokers(self._database.url)


def forget_if_lost(database: Database, actor: Principal, key: str | None, fingerprint: str) -> None:
    """A retry with the Idempotency-Key of a job whose worker died starts the job anew: the stored answer
    (202 and that job) is forgotten, so the same request runs again (a job that failed for its input, or
    finished, still replays; another request with that key is still refused)."""
    if key is None:
        return
    with database.writing() as session:
        stored = session.get(IdempotencyRow, (actor.id, key))
        if stored is None or stored.status_code != 202 or stored.fingerprint != fingerprint:
            return
        row = jobs.get(session=session, job_id=str(json.loads(stored.body).get("id", "")))
        if row is not None and jobs.is_lost(row):
            session.delete(stored)
            session.commit()


def now_of(settings: Settings) -> datetime:
    fixed = settings.fixed_now
    return fixed.astimezone(UTC) if fixed else datetime.now(UTC)
