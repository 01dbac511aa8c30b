"""Staffing simulations: managers run them (always a job, polled at /jobs/{id}) and read their results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from api.answer import answer
from api.deps import DatabaseDep, IdempotencyDep, JobById, JobsDep, Now, SettingsDep, allowed, strict_body
from api.jobs.schemas import JobRead
from api.roles import Operation, Principal
from api.simulations import service as simulating
from api.simulations.schemas import SimulationCreate, SimulationRead

router = APIRouter(tags=["simulations"])
Simulator = Annotated[Principal, allowed(Operation.SIMULATE)]


@router.post(
    "/simulations",
    status_code=202,
    response_model=JobRead,
    summary="Simulate staffing changes against the team as it is: a job to poll at /jobs/{id}",
    dependencies=[strict_body(SimulationCreate)],
)
def start_simulation(
    body: SimulationCreate,
    principal: Simulator,
    database: DatabaseDep,
    jobs: JobsDep,
    idem: IdempotencyDep,
    now: Now,
    settings: SettingsDep,
) -> Response:
    return simulating.start(
        database=database, runner=jobs, actor=principal, asked=body, idempotency=idem, now=now, limits=settings.limits
    )


@router.get(
    "/simulations/{job_id}",
    response_model=SimulationRead,
    summary="A finished simulation: baseline and variants side by side, one paragraph per variant",
)
def read_simulation(_: Simulator, row: JobById) -> Response:
    return answer(simulating.read(row))
