"""Scenario -> indexed form: the numbers the model and the heuristic work on.

Each agent has an *own axis*: their working minutes within the horizon laid end to end. A request of
`effort_minutes` occupies exactly that many minutes of its agent's own axis, which is how work pauses
over evenings, part-time afternoons and days off without being split. `AgentTime` maps between the own
axis and the team's business-time axis.

Work that may not pause (`triage.model.Policy.may_pause`) must lie within one of its agent's windows: one
continuous stretch of their working time on the team axis, with no absence, off day or part-time off hours
between its start and its end. Its candidate then lists the own-axis starts that keep it so
(`Candidate.stretches`), and every engine asks `Candidate.fit` for a start.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from solver.rules.pins import Pins, unfrozen
from triage.calendar import BusinessAxis, Window
from triage.model import Agent, Request, Scenario, SkillIndex
from triage.names import Priority, RequestStatus, Term
from triage.results import Plan
from triage.scoring import Triage, triage_all
from triage.targets import fair_shares_per_mille, target_minutes

if TYPE_CHECKING:
    from solver.protect import UrgentCaps

PRIORITY_ORDER = {p: i for i, p in enumerate(Priority)}


@dataclass(frozen=True)
class AgentTime:
    """One agent's working minutes within the horizon, on the team axis, and the map to their own axis."""

    agent: Agent
    windows: list[Window]
    capacity_minutes: int  # working minutes of this agent within the horizon
    _cumulative: list[int] = field(repr=False)  # own-axis position where each window opens
    _opens: list[int] = field(repr=False)  # team-axis minute each window opens

    @classmethod
    def of(cls, agent: Agent, windows: list[Window]) -> AgentTime:
        cumulative, total = [], 0
        for start, end in windows:
            cumulative.append(total)
            total += end - start
        return cls(agent, windows, total, cumulative, [start for start, _ in windows])

    @property
    def target_minutes(self) -> int:
        """The agent's target load in the horizon: target_load_pct of their working minutes, rounded down."""
        return target_minutes(self.capacity_minutes, self.agent.target_load_pct)

    def own_minute(self, team_minute: int) -> int:
        """Working minutes of this agent between now and a team-axis minute."""
        index = bisect.bisect_right(self._opens, team_minute) - 1
        if index < 0:
            return 0
        start, end = self.windows[index]
        return self._cumulative[index] + min(team_minute, end) - start

    def team_start(self, own: int) -> int:
        """Team-axis minute at which work starting at own-axis minute `own` really starts."""
        index = max(bisect.bisect_right(self._cumulative, own) - 1, 0)
        return self.windows[index][0] + own - self._cumulative[index]

    def team_end(self, own: int) -> int:
        """Team-axis minute at which work ending at own-axis minute `own` really ends."""
        index = max(bisect.bisect_left(self._cumulative, own) - 1, 0)
        return self.windows[index][0] + own - self._cumulative[index]

    def stretch_starts(self, earliest: int, latest: int, effort: int) -> tuple[tuple[int, int], ...]:
        """Closed own-axis ranges [low, high] of starts within [earliest, latest] at which `effort` minutes
        fit inside one window: the starts of work that may not pause."""
        out = []
        for (start, end), opens in zip(self.windows, self._cumulative, strict=True):
            low, high = max(opens, earliest), min(opens + end - start - effort, latest)
            if low <= high:
                out.append((low, high))
        return tuple(out)

    def jumps(self) -> list[tuple[int, int]]:
        """(own-axis position, gap minutes) for each gap between windows: an end past the position lands
        that many team minutes later than the own axis alone says."""
        return [(self._cumulative[i], self.windows[i][0] - self.windows[i - 1][1]) for i in range(1, len(self.windows))]


@dataclass(frozen=True)
class Candidate:
    """A qualified agent for a request, with the own-axis range its start may take."""

    agent: int  # index into Compiled.agents
    earliest_start: int  # own axis: not before the request exists
    latest_start: int  # own axis: the work must end within the horizon
    stretches: tuple[tuple[int, int], ...] | None = None  # work that may not pause: its allowed start ranges

    def fit(self, own: int) -> int | None:
        """The first allowed own-axis start at or after `own`, None when there is none: within the range and,
        for work that may not pause, where its whole effort lies in one window of the agent."""
        if self.stretches is None:
            start = max(own, self.earliest_start)
            return start if start <= self.latest_start else None
        for low, high in self.stretches:
            if own <= high:
                return max(own, low)
        return None


@dataclass(frozen=True)
class Job:
    """A request to plan, its triage and the agents who may take it."""

    request: Request
    triage: Triage
    candidates: list[Candidate]
    missing_skills: dict[str, int]  # skill -> level that no agent holds
    qualified_agents: list[int]  # every agent with the skills, whether or not they have room
    department: int  # index into Compiled.departments
    reference_agent: int | None  # current owner, else the previous plan's agent: moving away is churn
    pausable: bool = True  # may its work pause over its agent's absences (`Policy.may_pause`)
    lead: int | None = None  # a part of an open shared request (`Request.part_of`): that request's job index

    @property
    def is_part(self) -> bool:
        """Whether it is a teammate's part of an open shared request: priced with that request (`shared_parts`)."""
        return self.lead is not None

    @property
    def effort(self) -> int:
        return self.request.effort_minutes

    def sort_key(self) -> tuple[int, int, int, int, str]:
        """Routing order: priority, due, heavier cost first, the department's own rank."""
        rank = self.request.department_rank or 10**6
        return (
            PRIORITY_ORDER[self.triage.priority],
            self.triage.due_minute,
            -self.triage.weight,
            rank,
            self.request.id,
        )


@dataclass(frozen=True)
class Compiled:
    scenario: Scenario
    axis: BusinessAxis
    agents: list[AgentTime]
    jobs: list[Job]
    departments: list[str]  # ids of departments with open requests, in scenario order
    spread_agents: list[int]  # agents the spread term compares: working time and the skills of some request
    rank_pairs: list[tuple[int, int]]  # (job, the job its department ranks next below it), same priority
    share_classes: list[ShareClass]  # fair shares of planned time, one class per priority

    @cached_property
    def weights(self) -> dict[Term, int]:
        """Per term, the weight every engine prices it with (`solver.protect.objective_weights`), computed once."""
        from solver.protect import objective_weights  # here: solver.protect reads the term modules, which import this

        return objective_weights(self)

    @cached_property
    def urgent_caps(self) -> UrgentCaps | None:
        """Under `protect_priorities`, the P1 and P2 minutes late every plan keeps to
        (`solver.protect.urgent_caps`), computed once; else None."""
        from solver.protect import urgent_caps

        return urgent_caps(self)

    @cached_property
    def parts(self) -> dict[int, tuple[int, ...]]:
        """Per shared request with open parts (`Job.lead`), its parts' job indices: the request and its parts
        are priced once, as one request ending at the later end of its members (`solver.terms.base`)."""
        out: dict[int, list[int]] = {}
        for j, job in enumerate(self.jobs):
            if job.lead is not None:
                out.setdefault(job.lead, []).append(j)
        return {lead: tuple(members) for lead, members in out.items()}

    @cached_property
    def pins(self) -> Pins:
        """The pins that bind open work, as every engine reads them (`solver.rules.pins`), computed once."""
        return Pins.of(self)

    def job_index(self) -> dict[str, int]:
        return {job.request.id: j for j, job in enumerate(self.jobs)}

    def agent_index(self) -> dict[str, int]:
        return {a.agent.id: i for i, a in enumerate(self.agents)}

    @property
    def horizon_minutes(self) -> int:
        return self.axis.horizon_minutes

    def deferral_minutes(self, job: Job) -> int:
        """A deferred request is charged as late to the horizon's end, plus the policy's extra minutes, plus
        `deferral_per_effort_minute` x its effort in minutes (the rule of `solver.terms.deferral`)."""
        policy = self.scenario.policy
        late_at_horizon = max(self.horizon_minutes - job.triage.due_minute, 0)
        return late_at_horizon + policy.deferral_extra_minutes + policy.deferral_per_effort_minute * job.effort


def qualifies(agent: Agent, request: Request) -> bool:
    """Rule skills: the agent holds every required skill at the required level or above."""
    return all(agent.skills.get(skill, 0) >= level for skill, level in request.required_skills.items())


def missing_skills(request: Request, agents: list[Agent]) -> dict[str, int]:
    """Required skills that no agent holds at the required level."""
    return {
        skill: level
        for skill, level in request.required_skills.items()
        if not any(agent.skills.get(skill, 0) >= level for agent in agents)
    }


def compile_scenario(scenario: Scenario, previous: Plan | None = None) -> Compiled:
    """Index a scenario for planning; done and waiting requests are left out. `previous` is the last plan, whose
    agents count as owners for churn where a request has no owner yet."""
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    agents = [AgentTime.of(agent, axis.agent_windows(agent)) for agent in scenario.agents]
    triages = triage_all(scenario, axis)
    index_of = {a.agent.id: i for i, a in enumerate(agents)}
    thawed = unfrozen(scenario.pins)
    planned = {a.request_id: a.agent_id for a in previous.assignments} if previous else {}
    open_requests = [r for r in scenario.requests if r.status.plannable]
    departments = list(
        dict.fromkeys(d.id for d in scenario.departments if any(r.department == d.id for r in open_requests))
    )
    department_of = {d: i for i, d in enumerate(departments)}
    skills = SkillIndex(scenario.agents)
    able: set[int] = set()  # agents who hold the skills of some open request
    jobs = []
    for request in open_requests:
        qualified = skills.qualified(request.required_skills)
        able.update(qualified)
        frozen = request.status == RequestStatus.IN_PROGRESS and request.id not in thawed
        if frozen and request.owner in index_of and index_of[request.owner] in qualified:
            qualified = [index_of[request.owner]]  # work in progress stays with its owner
        triage = triages[request.id]
        pausable = scenario.policy.may_pause(request)
        candidates = [
            c
            for i in qualified
            if (c := candidate_of(agents[i], i, triage.release_minute, request.effort_minutes, pausable=pausable))
        ]
        reference = index_of.get(request.owner or planned.get(request.id, ""))
        jobs.append(
            Job(
                request,
                triage,
                candidates,
                missing_skills(request, scenario.agents),
                qualified,
                department_of[request.department],
                reference,
                pausable,
            )
        )
    jobs = shared_parts(jobs)
    spread_agents = [a for a, agent in enumerate(agents) if agent.capacity_minutes and a in able]
    classes = share_classes(scenario, departments, jobs)
    return Compiled(scenario, axis, agents, jobs, departments, spread_agents, rank_pairs(jobs), classes)


def shared_parts(jobs: list[Job]) -> list[Job]:
    """The jobs with each part of an open shared request (`Request.part_of`) knowing its lead: the open request
    it is a part of, followed up the chain to the first that is no open part itself (a part shared again is
    one more part of the same request). A part whose request is not open (done, waiting) is a request alone."""
    index = {job.request.id: j for j, job in enumerate(jobs)}

    def lead_of(j: int) -> int | None:
        seen, k = {j}, j
        while (up := index.get(jobs[k].request.part_of or "")) is not None:
            if up in seen:
                return None  # parts of each other: no request leads them, each is priced alone
            seen.add(up)
            k = up
        return None if k == j else k

    return [job if (lead := lead_of(j)) is None else replace(job, lead=lead) for j, job in enumerate(jobs)]


def rank_pairs(jobs: list[Job]) -> list[tuple[int, int]]:
    """Each department's requests in its own order, paired with the next one of the same priority: the
    department's order is what decides between them when nothing else does."""
    out = []
    groups: dict[tuple[int, Priority], list[int]] = {}
    for j, job in enumerate(jobs):
        if job.request.department_rank is not None:
            groups.setdefault((job.department, job.triage.priority), []).append(j)
    for members in groups.values():
        ordered = sorted(members, key=lambda j: (jobs[j].request.department_rank or 0, jobs[j].request.id))
        out += list(itertools.pairwise(ordered))
    return out


@dataclass(frozen=True)
class ShareClass:
    """Fair shares among the departments with requests of one priority: each department's share of the
    planned time of that priority, and the departments that ask for at least their share of its demand."""

    priority: Priority
    priority_weight: int
    fair: dict[int, int]  # department index -> fair share of this priority's planned time, per mille
    eligible: frozenset[int]  # departments whose demand at this priority is at least their fair share of it


def share_classes(scenario: Scenario, departments: list[str], jobs: list[Job]) -> list[ShareClass]:
    """One class per priority with requests from two or more departments, fair shares as
    `triage.targets.fair_shares_per_mille` gives them among the departments present."""
    out = []
    for priority in Priority:
        demand: dict[int, int] = {}
        for job in jobs:
            if job.triage.priority == priority:
                demand[job.department] = demand.get(job.department, 0) + job.effort
        if len(demand) < 2:
            continue
        shares = fair_shares_per_mille(scenario, (departments[d] for d in demand))
        fair = {d: shares[departments[d]] for d in demand}
        total_demand = sum(demand.values())
        eligible = frozenset(d for d in demand if 1000 * demand[d] >= fair[d] * total_demand)
        out.append(ShareClass(priority, scenario.policy.priority_weights[priority], fair, eligible))
    return out


def candidate_of(agent: AgentTime, index: int, release_minute: int, effort: int, *, pausable: bool) -> Candidate | None:
    """Agent `index` as a candidate for work of `effort` minutes released at a team-axis minute: None when it
    cannot start and end within the horizon (for work that may not pause: within one of the agent's windows)."""
    earliest = agent.own_minute(release_minute)
    latest = agent.capacity_minutes - effort
    if earliest > latest:
        return None
    if pausable:
        return Candidate(index, earliest, latest)
    stretches = agent.stretch_starts(earliest, latest, effort)
    if not stretches:
        return None
    return Candidate(index, stretches[0][0], stretches[-1][1], stretches)
