"""Solver options, as a validated model: what the caller may tune, nothing passed through blindly."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SearchSchedule(BaseModel):
    """How `solver.run.plan` shares its time limit between its phases, each share with its reason (the
    measurements behind them are in benchmarks/RESULTS.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    finishing_seconds: float = Field(
        0.2, ge=0, description="Kept back for reading the plan out and explaining it: a fixed part ..."
    )
    finishing_seconds_per_request: float = Field(
        0.0002,
        ge=0,
        description="... and a part per request, for reading the plan out, the left shift and the department "
        "shares: 0.15 s at L (1,500 requests) at load 8 ...",
    )
    explaining_factor: float = Field(
        2.0,
        ge=0,
        description="... and this many times what explaining the priorities took (the planner explains them "
        "before it searches, so that the reserve follows the machine's speed at the moment): the rest of the "
        "explanations took 1.5-1.7 times as long as the priorities at M and L at load 8 (0.5-5 times in other runs; "
        "explanations past the limit are cut, `explaining_grace_seconds`).",
    )
    explaining_grace_seconds: float = Field(
        0.1,
        ge=0,
        description="Explanations, the last part of a plan, stop this long after the time limit whatever is left "
        "(the plan says how many requests are unexplained); the rest of `solver.run.MARGIN_SECONDS` is for "
        "returning: 0.25 s left a plan at L 0.28 s past it once at load 10 (a garbage collection, most likely).",
    )
    bound_grace_seconds: float = Field(
        0.05, ge=0, description="The LP bound is waited for this long after the search's deadline, no longer."
    )
    last_pass_share: float = Field(
        0.03, ge=0, lt=1, description="The last pass (solver.search.relieve) gets at most this share of the time ..."
    )
    last_pass_seconds: float = Field(0.2, ge=0, description="... or this much plus ...")
    last_pass_seconds_per_request: float = Field(
        0.0002,
        ge=0,
        description="... this much per request, whichever is less: a full pass over an XL plan took 0.33 s.",
    )
    small_first_solve_share: float = Field(
        0.25, gt=0, lt=1, description="Small scenarios: the first whole-model solve, enough to prove tiny ones optimal."
    )
    small_polish_share: float = Field(
        2 / 3,
        gt=0,
        lt=1,
        description="Small scenarios: the local search's share of the time left after the first solve; the whole "
        "model then gets the rest, from the best plan, to improve it minute by minute and raise the bound.",
    )
    large_polish_share: float = Field(
        0.75,
        gt=0,
        le=1,
        description="Large scenarios: the local search's share; the neighbourhood search gets the rest (the local "
        "search alone ended 2-3 % cheaper than neighbourhoods alone at M and L, the last quarter in "
        "neighbourhoods costs under 1 %).",
    )
    small_bound_share: float = Field(
        2 / 3,
        gt=0,
        le=1,
        description="Small scenarios: the LP bound's share of the search time, beside it in a thread (a plan proven "
        "optimal early waits for it; a third left the finest LP unsolved at S).",
    )
    large_bound_share: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Large scenarios: the LP bound's share (the search never proves a bound there).",
    )
    columns_min_seconds: float = Field(
        60.0,
        ge=0,
        description="The bound by agents' schedules (`solver.columns`) runs after the LP bound, in the same "
        "thread, only when at least this many seconds of the bound's share are left: its column generation "
        "had not converged at S after 60 s on the loaded machine, and below that its bound stayed under "
        "the LP's (benchmarks/RESULTS.md), so shorter plans keep the machine for the search.",
    )
    moves_per_work_unit: int = Field(
        10_000,
        ge=1,
        description="With a deterministic limit, the local search gets this many moves per work unit instead of a "
        "share of the time: about a second's moves at S, as a unit of CP-SAT's is about a second.",
    )


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
    schedule: SearchSchedule = Field(default_factory=SearchSchedule, description="The phases' shares of the time.")
    stall_neighbourhoods: int = Field(
        25, ge=1, description="Stop the neighbourhood search after this many neighbourhoods in a row found nothing."
    )
