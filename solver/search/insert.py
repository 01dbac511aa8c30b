"""Fast insertion: a new request gets a tentative place at once, in the earliest gap that fits on any
qualified agent, without moving anything already planned (work that may not pause: the earliest gap that
fits within one window of the agent); the full re-plan can follow in the background.

`Placer` is built once from a scenario and its plan (that is the costly part: the business-time axis and
each agent's timeline); `Placer.place(request)` then costs one triage and a scan of the qualified agents'
gaps.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from solver.compile import AgentTime, Candidate, Compiled, candidate_of, compile_scenario, qualifies
from triage.model import Request, Scenario
from triage.results import Assignment, Plan
from triage.scoring import discounted_claims, triage_request


@dataclass(frozen=True)
class Slot:
    agent: int
    own_start: int
    team_end: int


class Timelines:
    """Each agent's booked own-axis spans, sorted, for finding gaps."""

    def __init__(self, compiled: Compiled, placements: dict[int, tuple[int, int]]) -> None:
        self.compiled = compiled
        self.booked: list[list[tuple[int, int]]] = [[] for _ in compiled.agents]
        for j, (a, start) in placements.items():
            self.book(a, start, compiled.jobs[j].effort)

    def book(self, agent: int, start: int, effort: int) -> None:
        bisect.insort(self.booked[agent], (start, start + effort))

    def unbook(self, agent: int, start: int, effort: int) -> None:
        self.booked[agent].remove((start, start + effort))

    def earliest_gap(
        self, agent: int, earliest: int, latest: int, effort: int, fit: Callable[[int], int | None] | None = None
    ) -> int | None:
        """The first own-axis start >= earliest where `effort` minutes are free, if it is <= latest; with `fit`
        (`Candidate.fit`: work that may not pause), the first such start `fit` also allows."""
        cursor = earliest
        while True:
            for start, end in self.booked[agent]:
                if end <= cursor:
                    continue
                if start - cursor >= effort:
                    break
                cursor = max(cursor, end)
            if cursor > latest:
                return None
            if fit is None:
                return cursor
            allowed = fit(cursor)
            if allowed is None or allowed == cursor:
                return allowed
            cursor = allowed  # the free gap would cross an absence: look again from the next stretch

    def earliest_fit(self, candidate: Candidate, effort: int, earliest: int | None = None) -> int | None:
        """The candidate's first own-axis start, at or after `earliest` (default: its own), where `effort`
        minutes are free and the candidate's rules allow it."""
        low = candidate.earliest_start if earliest is None else max(earliest, candidate.earliest_start)
        fit = candidate.fit if candidate.stretches is not None else None
        return self.earliest_gap(candidate.agent, low, candidate.latest_start, effort, fit)


def best_slot(agents: list[AgentTime], timelines: Timelines, candidates: list[Candidate], effort: int) -> Slot | None:
    """The slot that finishes first among the candidates."""
    best: Slot | None = None
    for candidate in candidates:
        start = timelines.earliest_fit(candidate, effort)
        if start is None:
            continue
        end = agents[candidate.agent].team_end(start + effort)
        if best is None or end < best.team_end:
            best = Slot(candidate.agent, start, end)
    return best


class Placer:
    """Places new requests into an existing plan at once."""

    def __init__(self, scenario: Scenario, plan: Plan) -> None:
        self.compiled = compile_scenario(scenario)
        index = self.compiled.job_index()
        agents = self.compiled.agent_index()
        placements = {
            index[a.request_id]: (
                agents[a.agent_id],
                self.compiled.agents[agents[a.agent_id]].own_minute(a.own_span()[0]),
            )
            for a in plan.assignments
            if a.request_id in index and a.agent_id in agents
        }
        self.timelines = Timelines(self.compiled, placements)
        jobs = self.compiled.jobs
        self.booked: dict[str, tuple[int, int, int]] = {
            jobs[j].request.id: (a, own, jobs[j].effort) for j, (a, own) in placements.items()
        }

    def fork(self) -> Placer:
        """A copy whose bookings change apart from this one (the compiled scenario is shared, read only)."""
        forked = copy.copy(self)
        forked.timelines = copy.copy(self.timelines)
        forked.timelines.booked = [list(spans) for spans in self.timelines.booked]
        forked.booked = dict(self.booked)
        return forked

    def remove(self, request_id: str) -> None:
        """Free the time booked for a request (closed, changed, or about to be placed again)."""
        found = self.booked.pop(request_id, None)
        if found is not None:
            self.timelines.unbook(*found)

    def book(self, request_id: str, agent_id: str, start: datetime, effort_minutes: int) -> None:
        """Book a place made earlier (a stored tentative place, starting at `start`); an agent no longer on
        the team books nothing."""
        agents = self.compiled.agent_index()
        if agent_id not in agents:
            return
        self.remove(request_id)
        a = agents[agent_id]
        own = self.compiled.agents[a].own_minute(self.compiled.axis.minute_of(start))
        self.timelines.book(a, own, effort_minutes)
        self.booked[request_id] = (a, own, effort_minutes)

    def place(self, request: Request, agent_ids: frozenset[str] | None = None) -> Assignment | None:
        """A tentative assignment for a new or changed request (None when no qualified agent has room), on
        one of `agent_ids` when given (a pin or an owner); it is booked, so the next request is placed
        around it. A request booked before is first removed."""
        self.remove(request.id)
        compiled = self.compiled
        others = [r for r in compiled.scenario.requests if r.id != request.id]
        with_it = compiled.scenario.model_copy(update={"requests": [*others, request]})
        discounted = request.id in discounted_claims(with_it)
        triage = triage_request(request, compiled.scenario, compiled.axis, discounted=discounted)
        pausable = compiled.scenario.policy.may_pause(request)
        candidates = []
        for a, agent in enumerate(compiled.agents):
            if qualifies(agent.agent, request) and (agent_ids is None or agent.agent.id in agent_ids):
                candidate = candidate_of(agent, a, triage.release_minute, request.effort_minutes, pausable=pausable)
                if candidate is not None:
                    candidates.append(candidate)
        slot = best_slot(compiled.agents, self.timelines, candidates, request.effort_minutes)
        if slot is None:
            return None
        self.timelines.book(slot.agent, slot.own_start, request.effort_minutes)
        self.booked[request.id] = (slot.agent, slot.own_start, request.effort_minutes)
        agent = compiled.agents[slot.agent]
        start = agent.team_start(slot.own_start)
        return Assignment(
            request_id=request.id,
            agent_id=agent.agent.id,
            start=compiled.axis.moment_of(start),
            end=compiled.axis.moment_of(slot.team_end, closing=True),
            start_minute=start,
            end_minute=slot.team_end,
            priority=triage.priority,
            due=triage.due_at,
            minutes_late=max(slot.team_end - triage.due_minute, 0),
        )
