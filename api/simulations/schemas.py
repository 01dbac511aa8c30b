"""HTTP schemas of staffing simulations. The variants and the result are the domain's own documents
(`triage.simulation.changes.Variant`, `triage.simulation.Simulation`): they are already plain, fully described
pydantic models with nothing internal to hide, so the HTTP layer states its limits around them rather than
copying them field by field."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from triage.names import Planner
from triage.simulation.changes import Variant
from triage.simulation.outcomes import Simulation


class SimulationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variants: list[Variant] = Field(
        min_length=1,
        max_length=8,
        description="The staffing changes to compare with the team as it is. Variant names are distinct and not "
        "'baseline'; changes name agents, skills and departments that exist (a hire: an agent id not in the team), "
        "hours within the team's, and days from the first simulated day on, an end not before its start.",
    )
    days: int = Field(10, ge=1, le=30, description="Working days to simulate from now.")
    seed: int = Field(1, ge=0, le=2**31, description="Seed of the arrivals: the same seed, the same answer.")
    seeds: int = Field(1, ge=1, le=5, description="Seeds seed, seed + 1, ...; outcomes are pooled over them.")
    planner: Planner = Field(Planner.ROUTING, description="How each day is planned: routing (fast) or search.")
    arrivals_per_day: float | None = Field(
        None, ge=0, le=10_000, description="Arrivals per working day; absent: as observed in the open requests."
    )


class SimulationRead(BaseModel):
    job_id: str = Field(description="The job that computed it.")
    created_at: datetime = Field(description="When it was asked for.")
    created_by: str = Field(description="Who asked for it.")
    simulation: Simulation = Field(description="Baseline and variants side by side, and one paragraph per variant.")
