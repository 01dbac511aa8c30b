"""A replay of a real history: the export's requests arrive at their real creation times and the team
works them under Tandem's plans, re-planned as the live queue would.

From `start`, every `every_minutes` of business time (and at each working day's opening) the requests
created by then join the queue and the open work is re-planned (`solver.simulation.day.plan_day`: the routing
heuristic and a fixed number of neighbourhoods under CP-SAT's deterministic work limit, seeded: the same
answer on any machine). The plan is carried out up to the next re-plan as `tandem simulate` carries out
a day (`solver.simulation.run`): what ends by then is done at its planned end; what has started stays with its
agent with its remaining effort; an agent away for a day hands their work back. Each request takes its
imported effort (the estimate learned from the history). The log's waits are not replayed: a request is
workable from its creation until it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from solver.simulation.day import WorkState, carry_out, hand_back_work_of_absent, plan_day
from triage.calendar import BusinessAxis
from triage.model import Request, Scenario
from triage.names import Planner, RequestStatus
from triage.simulation.replay import Outcome, measure


class ReplayParams(BaseModel):
    """How often the queue is re-planned and how hard each re-plan searches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    every_minutes: int = Field(60, ge=5, le=480, description="Business minutes between re-plans.")
    planner: Planner = Field(Planner.SEARCH, description="How each re-plan is made.")
    search_rounds: int = Field(4, ge=1, le=200, description="Neighbourhoods per re-plan with planner 'search'.")
    search_work: float = Field(0.1, gt=0, le=60, description="CP-SAT's deterministic work limit per neighbourhood.")


@dataclass(frozen=True)
class Replayed:
    """Tandem's outcome over the window, how many plans it took, and when each finished request finished."""

    outcome: Outcome
    replans: int
    finishes: dict[str, datetime]


ProgressFn = Callable[[int, int], None]
"""Called with (working days done, days)."""


def replay(
    scenario: Scenario,
    *,
    start: datetime,
    closes: list[datetime],
    open_at_start: set[str],
    params: ReplayParams,
    progress: ProgressFn | None = None,
) -> Replayed:
    """Tandem's run over the working days that close at `closes`: the scenario's requests created in the
    window arrive then; those of `open_at_start` are the queue at `start` (unowned, their full effort)."""
    fresh = {r.id: _fresh(r) for r in scenario.requests}
    queue = {k: fresh[k] for k in sorted(open_at_start & set(fresh)) if fresh[k].created_at < start}
    pending = sorted((r for r in fresh.values() if start <= r.created_at <= closes[-1]), key=lambda r: r.created_at)
    state = WorkState(open=dict(queue))
    created = {r.id: r.created_at for r in [*queue.values(), *pending]}
    owners: dict[str, str] = {}
    changes = replans = 0
    now = start
    for day, _close in enumerate(closes):
        day_axis = BusinessAxis(scenario.calendar, now, 1)
        hand_back_work_of_absent(scenario, state, day_axis)
        close = day_axis.horizon_minutes
        minute = 0
        while minute < close:
            moment = day_axis.moment_of(minute)
            while pending and pending[0].created_at <= moment:
                r = pending.pop(0)
                state.open[r.id] = r
            nxt = min(minute + params.every_minutes, close)
            if state.open:
                ids = set(state.open)
                pins = [p for p in scenario.pins if p.request in ids and (p.other is None or p.other in ids)]
                now_scenario = scenario.model_copy(
                    update={"now": moment, "requests": list(state.open.values()), "pins": pins}
                )
                plan, compiled = plan_day(
                    now_scenario,
                    params.planner,
                    rounds=params.search_rounds,
                    work_limit=params.search_work,
                    seed=day * 1000 + minute,
                )
                replans += 1
                for a in plan.assignments:  # who works on what before the next re-plan
                    if a.start_minute < nxt - minute:
                        if owners.get(a.request_id, a.agent_id) != a.agent_id:
                            changes += 1
                        owners[a.request_id] = a.agent_id
                carry_out(compiled, plan, state, nxt - minute)  # both axes start at `moment`: same minutes
            minute = nxt
        now = day_axis.moment_of(close)
        if progress is not None:
            progress(day + 1, len(closes))
    finished: dict[str, tuple[datetime, bool | None]] = dict(state.finished)
    outcome = measure(
        "Tandem",
        calendar=scenario.calendar,
        start=start,
        closes=closes,
        created=created,
        finished=finished,
        reassignments=changes,
    )
    return Replayed(outcome, replans, {k: at for k, (at, _) in finished.items()})


def _fresh(r: Request) -> Request:
    """The request as it arrived: open, nobody's, not waiting, with its estimated effort."""
    return r.model_copy(update={"status": RequestStatus.OPEN, "owner": None, "waiting": None, "pauses": []})
