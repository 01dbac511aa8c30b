"""What a staffing simulation returns: one run's raw record (a variant on one seed's arrivals), each
variant's outcome pooled over the seeds, and the side-by-side comparison with the baseline.

Definitions (the README states them too):
- a request is *judged* when it finished during the simulation or came due before its end; it is *on time*
  when it finished by its due time. On-time rates are judged requests on time, per department and priority.
- *backlog*: open requests and their remaining minutes of work at the close of each simulated day.
- *load*: each teammate's worked minutes over their available minutes, against their target load.
- *fairness*: each department's share of the on-time work (minutes) against its fair share of the team.
- *time to finish*: business minutes from filing to finish, of the requests that finished.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from triage.model import Scenario
from triage.names import Planner, Priority


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Judged(_Out):
    """A request finished during the simulation or due before its end."""

    request_id: str
    department: str
    priority: Priority
    effort_minutes: int
    finished: bool
    on_time: bool
    minutes_to_finish: int | None = Field(description="Business minutes from filing to finish; None if open.")


class BacklogDay(_Out):
    day: date = Field(description="The simulated working day.")
    open_requests: float = Field(description="Open requests at the day's close (mean over seeds).")
    open_hours: float = Field(description="Their remaining work in hours (mean over seeds).")


class AgentTime(_Out):
    agent_id: str
    worked_minutes: int
    available_minutes: int
    target_load_pct: int


class Run(_Out):
    """One variant on one seed's arrivals: the raw record outcomes are computed from."""

    variant: str
    seed: int
    arrivals: dict[str, int] = Field(description="Arrivals per department.")
    judged: list[Judged]
    backlog: list[BacklogDay]
    agents: list[AgentTime]
    plans_checked: int = Field(0, description="Daily plans the run made.")


class Rate(_Out):
    """On time among judged requests of one department or priority."""

    key: str = Field(description="The department id or the priority.")
    judged: int = Field(description="Requests finished during the simulation or due before its end.")
    on_time: int = Field(description="Of those, finished by their due time.")
    on_time_pct: float = Field(description="on_time / judged, in per cent.")


class Load(_Out):
    agent_id: str = Field(description="The teammate.")
    name: str = Field(description="Their name.")
    load_pct: float = Field(description="Worked over available minutes, in per cent.")
    target_load_pct: int = Field(description="Their target load, in per cent.")
    available_hours: float = Field(description="Their working hours over the simulated days (mean over seeds).")


class Fairness(_Out):
    department_id: str = Field(description="The department.")
    on_time_share_pct: float = Field(description="Its share of the minutes of on-time work.")
    fair_share_pct: float = Field(description="Its fair share of the team's time (policy, or from weights).")
    gap_points: float = Field(description="on_time_share_pct - fair_share_pct.")


class Outcome(_Out):
    """A variant's outcome over the simulated days, pooled over the seeds."""

    variant: str = Field(description="The variant's name; 'baseline' for the team as it is.")
    changes: list[str] = Field(description="The variant's changes in words.")
    arrivals: int = Field(description="Requests that arrived, summed over the seeds.")
    judged: int = Field(description="Requests finished during the simulation or due before its end.")
    on_time_pct: float = Field(description="Of the judged requests, on time, in per cent.")
    by_department: list[Rate] = Field(description="On-time rate per department.")
    by_priority: list[Rate] = Field(description="On-time rate per priority.")
    backlog: list[BacklogDay] = Field(description="Open work at the close of each simulated day.")
    backlog_end_requests: float = Field(description="Open requests at the end (mean over seeds).")
    backlog_end_hours: float = Field(description="Their remaining work in hours (mean over seeds).")
    load: list[Load] = Field(description="Load per teammate.")
    fairness: list[Fairness] = Field(description="Each department's share of on-time work against its fair share.")
    median_hours_to_finish: float = Field(description="Median working hours from filing to finish.")
    p90_hours_to_finish: float = Field(description="90th percentile of working hours from filing to finish.")


class Delta(_Out):
    key: str = Field(description="What is compared: a measure, a department id or a priority.")
    baseline: float = Field(description="Its value as things are.")
    variant: float = Field(description="Its value under the variant.")
    change: float = Field(description="variant - baseline (points for rates).")


class Away(_Out):
    """A teammate with less available time under the variant (a leave, time off, shorter hours): their load is
    over fewer hours, so a higher load is not more work."""

    agent_id: str = Field(description="The teammate.")
    name: str = Field(description="Their name.")
    available_hours_baseline: float = Field(description="Their working hours as things are (mean over seeds).")
    available_hours_variant: float = Field(description="Their working hours under the variant.")


class Comparison(_Out):
    """A variant against the baseline: the deltas, and one paragraph built only from them."""

    variant: str = Field(description="The variant's name.")
    on_time: Delta = Field(description="On-time rate, in per cent; change in points.")
    by_department: list[Delta] = Field(description="On-time rate per department, in per cent.")
    by_priority: list[Delta] = Field(description="On-time rate per priority, in per cent.")
    backlog_end_requests: Delta
    backlog_end_hours: Delta
    median_hours_to_finish: Delta
    p90_hours_to_finish: Delta
    busiest: Load | None = Field(description="The variant's teammate with the highest load, of those not away.")
    baseline_by_priority: list[Rate] = Field(default_factory=list, description="Counts behind the rates, as is.")
    variant_by_priority: list[Rate] = Field(default_factory=list, description="Counts under the variant.")
    baseline_by_department: list[Rate] = Field(default_factory=list, description="Counts per department, as is.")
    variant_by_department: list[Rate] = Field(default_factory=list, description="Counts per department, variant.")
    away: list[Away] = Field(default_factory=list, description="Teammates with less available time in the variant.")
    text: str = Field(description="The comparison in one paragraph; every number in it is a field above.")


class Simulation(_Out):
    """A staffing simulation: baseline and variants on the same arrivals, side by side."""

    start: date = Field(description="The first simulated day.")
    days: list[date] = Field(description="The simulated working days.")
    seeds: list[int] = Field(description="The seeds of the arrivals; outcomes are pooled over them.")
    planner: Planner = Field(description="How each day was planned.")
    arrivals_per_day: float = Field(description="Mean arrivals per working day the draws used.")
    baseline: Outcome = Field(description="The team as it is.")
    variants: list[Outcome] = Field(description="Each variant, in the order given.")
    comparisons: list[Comparison] = Field(description="Each variant against the baseline.")


def pct(part: float, whole: float) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def quantile_hours(minutes: list[int], q: float) -> float:
    """The q-quantile (nearest rank) of business minutes, in hours; 0 when empty."""
    if not minutes:
        return 0.0
    ordered = sorted(minutes)
    return round(ordered[max(math.ceil(q * len(ordered)) - 1, 0)] / 60, 1)


def rates(judged: list[Judged], key: Callable[[Judged], str], keys: list[str]) -> list[Rate]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for j in judged:
        counts[key(j)][0] += 1
        counts[key(j)][1] += j.on_time
    return [
        Rate(key=k, judged=counts[k][0], on_time=counts[k][1], on_time_pct=pct(counts[k][1], counts[k][0]))
        for k in keys
        if counts[k][0]
    ]


def outcome(scenario: Scenario, name: str, changes: list[str], runs: list[Run]) -> Outcome:
    """Pool a variant's runs (one per seed): rates over all judged requests, backlogs as means."""
    judged = [j for run in runs for j in run.judged]
    departments = [d.id for d in scenario.departments]
    finish = [j.minutes_to_finish for j in judged if j.minutes_to_finish is not None]
    backlog = _mean_backlog(runs)
    return Outcome(
        variant=name,
        changes=changes,
        arrivals=sum(sum(run.arrivals.values()) for run in runs),
        judged=len(judged),
        on_time_pct=pct(sum(j.on_time for j in judged), len(judged)),
        by_department=rates(judged, lambda j: j.department, departments),
        by_priority=rates(judged, lambda j: j.priority.value, [p.value for p in Priority]),
        backlog=backlog,
        backlog_end_requests=backlog[-1].open_requests if backlog else 0.0,
        backlog_end_hours=backlog[-1].open_hours if backlog else 0.0,
        load=_loads(scenario, runs),
        fairness=_fairness(scenario, judged),
        median_hours_to_finish=quantile_hours(finish, 0.5),
        p90_hours_to_finish=quantile_hours(finish, 0.9),
    )


def _mean_backlog(runs: list[Run]) -> list[BacklogDay]:
    if not runs:
        return []
    n = len(runs)
    return [
        BacklogDay(
            day=days[0].day,
            open_requests=round(sum(d.open_requests for d in days) / n, 1),
            open_hours=round(sum(d.open_hours for d in days) / n, 1),
        )
        for days in zip(*(run.backlog for run in runs), strict=True)
    ]


def _loads(scenario: Scenario, runs: list[Run]) -> list[Load]:
    worked: dict[str, int] = defaultdict(int)
    available: dict[str, int] = defaultdict(int)
    targets: dict[str, int] = {}
    for run in runs:
        for a in run.agents:
            worked[a.agent_id] += a.worked_minutes
            available[a.agent_id] += a.available_minutes
            targets[a.agent_id] = a.target_load_pct
    names = {a.id: a.name for a in scenario.agents}
    return [
        Load(
            agent_id=k,
            name=names.get(k, k),
            load_pct=pct(worked[k], available[k]),
            target_load_pct=targets[k],
            available_hours=round(available[k] / 60 / len(runs), 1),
        )
        for k in targets
    ]


def _fairness(scenario: Scenario, judged: list[Judged]) -> list[Fairness]:
    asking = [d for d in scenario.departments if any(j.department == d.id for j in judged)]
    explicit = scenario.policy.fair_share_pct
    weights = sum(d.weight for d in asking) or 1
    on_time = [j for j in judged if j.on_time]
    total = sum(j.effort_minutes for j in on_time)
    out = []
    for d in asking:
        fair = float(explicit.get(d.id, 0)) if explicit is not None else round(100 * d.weight / weights, 1)
        share = pct(sum(j.effort_minutes for j in on_time if j.department == d.id), total)
        out.append(
            Fairness(
                department_id=d.id, on_time_share_pct=share, fair_share_pct=fair, gap_points=round(share - fair, 1)
            )
        )
    return out
