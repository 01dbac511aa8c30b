"""Staffing simulations from the stored organisation: always a job (202), polled at /jobs/{id}, its result
read at /simulations/{job id}. The variants are checked against the organisation before anything is stored;
a problem is a 422 naming the field in the body (`variants.1.changes.0.agent`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import Response
from pydantic import TypeAdapter

from api.deps import Idempotency
from api.jobs.runner import SIMULATIONS, JobRunner, forget_if_lost
from api.jobs.schemas import job_read
from api.limits import Limits, TooLarge, admit_simulation
from api.plans.service import admitted, snapshot
from api.problems import FieldError, InvalidInput, NotFound, PayloadTooLarge, summary
from api.roles import Principal
from api.simulations.schemas import SimulationCreate, SimulationRead
from api.store import jobs
from api.store.session import Database
from api.store.tables import JobRow
from api.writes import Outcome, replay_if_retried, respond
from solver.simulation.run import SimulationParams
from triage.demand import PROFILE
from triage.errors import ScenarioError
from triage.model import Scenario
from triage.simulation.arrivals import observed_rates
from triage.simulation.changes import Variant, check_variants
from triage.simulation.outcomes import Simulation

KIND = "simulation"
SECONDS_PER_PLAN = 0.05  # routing on a few hundred requests, measured; for the progress guess only
_variants = TypeAdapter(list[Variant])


def start(
    *,
    database: Database,
    runner: JobRunner,
    actor: Principal,
    asked: SimulationCreate,
    idempotency: Idempotency,
    now: datetime,
    limits: Limits | None = None,
) -> Response:
    """202 with the job; replays a retried request; 422 naming the field when a change does not fit the team."""
    forget_if_lost(database, actor, idempotency.key, idempotency.fingerprint)
    retried = replay_if_retried(database, actor, idempotency)
    if retried is not None:
        return retried
    with database.reading() as session:
        scenario, versions = snapshot(session=session, now=now)
    limits = limits or Limits()  # the console's caller passes none yet: the environment's limits
    admitted(scenario, limits)
    try:
        admit_simulation(len(asked.variants), asked.seeds, asked.days, limits)
    except TooLarge as exc:
        raise PayloadTooLarge(str(exc)) from exc
    _check(scenario, asked)
    rates = observed_rates(
        scenario,
        asked.arrivals_per_day,
        [float(n) for n in PROFILE.hour_counts],
        [float(n) for n in PROFILE.weekday_counts],
    )
    params = SimulationParams(days=asked.days, seed=asked.seed, seeds=asked.seeds, planner=asked.planner)
    created: list[str] = []
    with database.writing() as session:

        def create_job() -> Outcome:
            row = jobs.create(
                session=session,
                actor=actor,
                kind=KIND,
                queue=SIMULATIONS,
                request_count=len(versions),
                at=now,
                heartbeat_at=datetime.now(UTC),
            )
            created.append(row.id)
            return job_read(row), {"Location": f"/jobs/{row.id}"}

        response = respond(
            session=session, principal=actor, status_code=202, idempotency=idempotency, at=now, act=create_job
        )
    if created:
        runs = (len(asked.variants) + 1) * asked.seeds * asked.days
        inputs = (
            scenario.model_dump_json(),
            _variants.dump_json(asked.variants).decode(),
            rates.model_dump_json(),
            params.model_dump_json(),
        )
        runner.start_simulation(job_id=created[0], inputs=inputs, expected_seconds=5.0 + runs * SECONDS_PER_PLAN)
    return response


def _check(scenario: Scenario, asked: SimulationCreate) -> None:
    """The variants against the organisation; problems as 422 naming body fields."""
    try:
        check_variants(scenario, asked.variants)
    except ScenarioError as exc:
        index = {v.name: i for i, v in reversed(list(enumerate(asked.variants)))}
        errors = [
            FieldError(field=_body_field(p.record, p.field, index), location="body", message=p.message)
            for p in exc.problems
        ]
        raise InvalidInput(summary(errors), errors=errors) from exc


def _body_field(record: str, field: str, index: dict[str, int]) -> str:
    """'variants[hire].changes[0]' and 'agent' -> 'variants.0.changes.0.agent'."""
    match = re.fullmatch(r"variants\[(.*?)\](?:\.changes\[(\d+)\])?", record, re.S)
    if match is None:
        return f"{record}.{field}"
    path = f"variants.{index.get(match.group(1), 0)}"
    if match.group(2) is not None:
        path += f".changes.{match.group(2)}"
    return f"{path}.{field}" if field else path


def read(row: JobRow) -> SimulationRead:
    """A finished simulation; 404 when the job is not a simulation or has no result (yet)."""
    if row.kind != KIND or row.result is None:
        raise NotFound(f"No finished simulation {row.id}: poll /jobs/{row.id} until it has succeeded.")
    return SimulationRead(
        job_id=row.id,
        created_at=row.created_at,
        created_by=row.created_by,
        simulation=Simulation.model_validate_json(row.result),
    )
