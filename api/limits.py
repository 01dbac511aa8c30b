"""Admission control: the largest scenario and simulation a deployment takes, checked at the edge (the API's
plan, what-if, report and simulation routes; every `tandem` command that reads a scenario) before any work
starts. One pydantic-settings class, read from `TANDEM_LIMIT_<FIELD>`; a refusal names the limit, the value
and the maximum (the API answers 413, the CLI exits with status 2).

The defaults are sized from measurement on the development machine (2 cores, shared; benchmarks/RESULTS.md,
"Admission and the time guarantee"): the part of a plan no clock cuts (compiling the scenario and the first
routing order) grows with the requests and the (request, qualified agent) pairs; it was 1.1-1.5 s at L (1,500
requests, 80 agents) and 3.2-3.4 s at the largest accepted size (2,000 requests, 250 agents) at load 20-23.
So a time limit is admitted only when it is at least that part, estimated from the sizes, less the margin
(`least_time_limit`): below, the API answers 422 naming `time_limit_seconds` and the least it may be, the CLI
exits with status 2 naming `--time-limit`; a limit left to the server's default is raised to it.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from solver.run import MARGIN_SECONDS
from triage.model import Scenario, SkillIndex


class Limits(BaseSettings):
    """The sizes a deployment accepts, each a count (or days) with its reason."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_LIMIT_", extra="ignore", frozen=True)

    requests: int = Field(
        2_000,
        ge=1,
        description="Open requests in one scenario: above L (1,500), where the unsearchable part of a plan (model "
        "building, routing, explanations) took about 3 s on the loaded machine; at XL (8,000) it took 37 s.",
    )
    agents: int = Field(
        250,
        ge=1,
        description="Agents in one scenario: XL's 250; model building and routing grow with requests x agents "
        "(20,000 agents with 300 requests: 45 s building and 128 s routing under the profiler).",
    )
    skills: int = Field(500, ge=1, description="Skills in the catalogue.")
    departments: int = Field(500, ge=1, description="Departments in one scenario.")
    pins: int = Field(2_000, ge=0, description="The queue lead's pins in one scenario.")
    horizon_days: int = Field(30, ge=1, le=60, description="Business days a plan may cover (XL plans 10).")
    simulation_runs: int = Field(
        300,
        ge=1,
        description="Planned days of one simulation: (variants + 1) x seeds x days. At about 1 s a planned day "
        "with the search planner, 5 minutes; the largest simulation the schema allows is 1,350.",
    )
    plan_seconds_fixed: float = Field(
        0.15,
        ge=0,
        description="The part of a plan no clock cuts, fixed: 0.11-0.15 s at S at load 20, with a quarter more.",
    )
    plan_seconds_per_request: float = Field(
        0.0006,
        ge=0,
        description="... and per open request (triage, the routing order, reading the plan out): 0.5 ms at load "
        "20-23, with a fifth more.",
    )
    plan_seconds_per_pair: float = Field(
        0.000028,
        ge=0,
        description="... and per (request, qualified agent) pair (each candidate's earliest start, the routing's "
        "look at each): 22 us at load 20-23, with a quarter more. At 2,000 requests and 250 agents of the generator "
        "(117,806 pairs) the estimate is 4.6 s, against 3.2-3.4 s measured.",
    )
    import_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1024,
        description="Bytes of one export uploaded to POST /imports, once decompressed (a .gz is inflated up to "
        "this and refused beyond): 64 MiB holds about 200,000 rows of the ServiceNow event log (100,000 rows "
        "are 33 MB and import in about 30 s and 600 MB on the loaded machine: benchmarks/RESULTS.md, Import).",
    )


class TooLarge(Exception):
    """A size over its limit: `limit` is the field of `Limits`, `value` the size asked for."""

    def __init__(self, limit: str, value: int, maximum: int, what: str, outcome: str = "nothing was planned") -> None:
        self.limit, self.value, self.maximum = limit, value, maximum
        env = f"TANDEM_LIMIT_{limit.upper()}"
        shown = f"{value:,} {what}" if value > maximum else f"more than {maximum:,} {what}"
        super().__init__(f"too large: {shown}, over the limit `{limit}` of {maximum:,} ({env}); {outcome}")


class Size(BaseModel):
    """The measured sizes of a scenario, in the limits' names."""

    requests: int
    agents: int
    skills: int
    departments: int
    pins: int
    horizon_days: int


_WHAT = {
    "requests": "requests",
    "agents": "agents",
    "skills": "skills",
    "departments": "departments",
    "pins": "pins",
    "horizon_days": "horizon days",
}


def size_of(scenario: Scenario) -> Size:
    return Size(
        requests=len(scenario.requests),
        agents=len(scenario.agents),
        skills=len(scenario.skills),
        departments=len(scenario.departments),
        pins=len(scenario.pins),
        horizon_days=scenario.policy.horizon_days,
    )


def size_of_document(document: object) -> Size:
    """The sizes of a scenario document not yet validated (parsed JSON), so that a file too large is refused
    before the seconds its validation takes (20 s for 160,000 requests); what is not a list counts 0."""
    body = document if isinstance(document, dict) else {}
    policy = body.get("policy")
    horizon = policy.get("horizon_days") if isinstance(policy, dict) else None

    def count(key: str) -> int:
        value = body.get(key)
        return len(value) if isinstance(value, list) else 0

    return Size(
        requests=count("requests"),
        agents=count("agents"),
        skills=count("skills"),
        departments=count("departments"),
        pins=count("pins"),
        horizon_days=horizon if isinstance(horizon, int) and not isinstance(horizon, bool) else 0,
    )


def admit(scenario: Scenario, limits: Limits) -> None:
    """Raise `TooLarge` for the first size over its limit, in the order of `Size`'s fields."""
    admit_size(size_of(scenario), limits)


def admit_size(size: Size, limits: Limits) -> None:
    """Raise `TooLarge` for the first of these sizes over its limit."""
    for name, value in size.model_dump().items():
        maximum = getattr(limits, name)
        if value > maximum:
            raise TooLarge(name, value, maximum, _WHAT[name])


def admit_simulation(variants: int, seeds: int, days: int, limits: Limits) -> None:
    """Raise `TooLarge` when (variants + 1) x seeds x days planned days exceed `simulation_runs`."""
    runs = (variants + 1) * seeds * days
    if runs > limits.simulation_runs:
        raise TooLarge("simulation_runs", runs, limits.simulation_runs, "planned days ((variants + 1) x seeds x days)")


class TooShort(Exception):
    """A time limit below what the scenario's uncut part of planning takes (`least_time_limit`)."""

    def __init__(self, seconds: float, least: float, requests: int, pairs: int, uncut: float) -> None:
        self.seconds, self.least = seconds, least
        super().__init__(
            f"{seconds:g} s is too short for {requests:,} requests with {pairs:,} (request, qualified agent) pairs: "
            f"compiling them and the first routing order, which no clock cuts, take up to {uncut:.1f} s here, so "
            f"the least time limit that keeps the promise (the limit plus {MARGIN_SECONDS:g} s) is {least:g} s "
            "(limits `plan_seconds_per_request`, `plan_seconds_per_pair`); nothing was planned"
        )


def pairs_of(scenario: Scenario) -> tuple[int, int]:
    """(open requests, their (request, qualified agent) pairs): the sizes the uncut part of a plan grows with
    (every agent holding the skills counts; the planner drops those who cannot start in time)."""
    index = SkillIndex(scenario.agents)
    open_requests = [r for r in scenario.requests if r.status.plannable]
    return len(open_requests), sum(len(index.qualified(r.required_skills)) for r in open_requests)


def least_time_limit(scenario: Scenario, limits: Limits) -> float:
    """The shortest time limit whose promise (the limit plus `solver.run.MARGIN_SECONDS`) the uncut part of
    planning this scenario leaves room for, by the limits' estimate; 0 when any limit does. Rounded up to a
    tenth of a second."""
    return _least(uncut_seconds(*pairs_of(scenario), limits))


def uncut_seconds(requests: int, pairs: int, limits: Limits) -> float:
    """The limits' estimate of the part of a plan no clock cuts, for these sizes."""
    per_size = limits.plan_seconds_per_request * requests + limits.plan_seconds_per_pair * pairs
    return limits.plan_seconds_fixed + per_size


def _least(uncut: float) -> float:
    return max(math.ceil(round((uncut - MARGIN_SECONDS) * 10, 6)) / 10, 0.0)


def admit_time_limit(scenario: Scenario, seconds: float, limits: Limits) -> None:
    """Raise `TooShort` when `seconds` is below the scenario's `least_time_limit`."""
    requests, pairs = pairs_of(scenario)
    uncut = uncut_seconds(requests, pairs, limits)
    if seconds < _least(uncut):
        raise TooShort(seconds, _least(uncut), requests, pairs, uncut)
