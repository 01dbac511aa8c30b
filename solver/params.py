"""Solver options, as a validated model: what the caller may tune, nothing passed through blindly."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SolveParams(BaseModel):
    """How long and how hard CP-SAT may work on one plan."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_limit_seconds: float = Field(
        10.0, gt=0, le=3600, description="Wall-clock limit of the whole plan, model building and explanations included."
    )
    workers: int = Field(
        8, ge=1, le=64, description="CP-SAT search workers; more workers prove tighter bounds, even on 2 cores."
    )
    random_seed: int = Field(0, ge=0, description="CP-SAT's seed, for repeatable runs with one worker.")
    relative_gap_limit: float = Field(0.0, ge=0, lt=1, description="Stop once proven within this share of optimal.")
    deterministic_limit: float | None = Field(
        None,
        gt=0,
        description="CP-SAT's deterministic time limit (work units, not seconds): with one worker, the same "
        "answer on any machine, as golden tests need. The wall-clock limit still applies.",
    )
    move_threshold_minutes: int = Field(
        30,
        ge=0,
        description="A re-plan lists a request that stays with its agent as moved only when its expected finish "
        "moves by more than this many business minutes.",
    )
    log_search: bool = Field(False, description="Print CP-SAT's search log (to the caller's stdout).")
    direct_pairs_limit: int = Field(
        1500,
        ge=0,
        description="Above this many (request, qualified agent) pairs, plan by large-neighbourhood search "
        "instead of one model.",
    )
    neighbourhood_requests: int = Field(120, ge=5, description="Requests per neighbourhood of the search.")
    neighbourhood_seconds: float = Field(1.0, gt=0, description="Time limit of one neighbourhood's solve.")
    stall_neighbourhoods: int = Field(
        25, ge=1, description="Stop the neighbourhood search after this many neighbourhoods in a row found nothing."
    )
