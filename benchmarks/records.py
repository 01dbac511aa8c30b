"""What one benchmark run measures, as plain records the report reads."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.metrics import PlanFigures

PLANNER = "planner"


@dataclass(frozen=True)
class Row:
    """One method on one generated scenario."""

    size: str
    seed: int
    method: str
    status: str
    figures: PlanFigures
    wall_seconds: float  # the whole call: compile, model building, search, extraction
    peak_rss_mb: float  # peak resident memory of the fresh process that ran it
    bound: int | None  # the planner's proven lower bound (None for baselines)
    gap: float | None  # (cost - bound) / cost
    bound_source: str
    violations: int  # hard-rule violations found by triage.validation.check_plan (0 for a valid plan)


@dataclass(frozen=True)
class WarmRow:
    """A re-plan after a small change: warm from the cold plan vs a cold plan of the changed scenario."""

    size: str
    seed: int
    changes: str  # e.g. "1 new, 1 re-estimated, 1 closed"
    warm_limit_seconds: float
    warm_seconds: float
    warm_cost: int  # churn counted against the previous (cold) plan
    cold_limit_seconds: float
    cold_seconds: float
    cold_cost: int  # its own objective: churn against owners only
    cold_cost_vs_previous: int  # the same plan priced as a re-plan (churn against the previous plan too)
    warm_violations: int
    cold_violations: int

    @property
    def speedup(self) -> float:
        return self.cold_seconds / self.warm_seconds if self.warm_seconds else float("inf")

    @property
    def met(self) -> bool:
        """Target: at least 3x faster at equal or better cost (both priced as re-plans)."""
        return self.speedup >= 3 and self.warm_cost <= self.cold_cost_vs_previous


@dataclass(frozen=True)
class InsertRow:
    """Single new requests placed into a planner's plan, one at a time."""

    size: str
    seed: int
    count: int
    placed: int
    build_ms: float
    median_ms: float
    p95_ms: float
    max_ms: float
