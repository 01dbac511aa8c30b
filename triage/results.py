"""What a plan returns: assignments, unassigned requests, the value of every objective term, how good the
plan is (status, bound, gap), and explanations as structured facts with their rendered sentence."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from triage.names import (
    ExplanationKind,
    HandOffState,
    HelpOutcome,
    HelpReason,
    MoveReasonKind,
    PartsTiming,
    PlanStatus,
    Priority,
    Rule,
    StayReason,
    Term,
)


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Part(_Result):
    """One part of a request done in two parts: who does how many minutes of its work, and when."""

    agent_id: str
    minutes: int = Field(description="Working minutes of the request's effort done in this part.")
    start: datetime = Field(description="When this part starts, in the team's time zone.")
    end: datetime = Field(description="When this part finishes.")
    start_minute: int = Field(description="Start on the business-time axis.")
    end_minute: int = Field(description="End on the business-time axis.")
    request_id: str | None = Field(
        None,
        description="Once a share is accepted: the request this part is planned as (the shared request itself for "
        "its agent's part, the part filed for the peer's), whose own assignment it is; left out in a proposal.",
        exclude_if=lambda request_id: request_id is None,
    )


class Assignment(_Result):
    """One request given to one agent for one span of time; or, when `parts` is set, done in parts by two
    agents (the request's agent does the first part): start and end then span the parts. A request shared by an
    accepted share is planned as two requests (its own and the part filed, `Request.part_of`); a plan presents it
    as one in parts (`solver.parts`), each part naming the request it is planned as (`Part.request_id`), and
    prices it as one, by its later part's end."""

    request_id: str
    agent_id: str
    start: datetime = Field(description="When work starts, in the team's time zone.")
    end: datetime = Field(description="When work finishes; it pauses while the agent is off.")
    start_minute: int = Field(description="Start on the business-time axis (working minutes from now).")
    end_minute: int = Field(description="End on the business-time axis.")
    priority: Priority
    due: datetime
    minutes_late: int = Field(description="Business minutes past due at the end; 0 when on time.")
    parts: list[Part] = Field(
        default_factory=list,
        description="When shared: its parts, the agent's first; empty (and left out) when one agent does it.",
        exclude_if=lambda parts: not parts,
    )

    def own_span(self) -> tuple[int, int]:
        """Start and end minute of its agent's own work: its first part when done in parts, else its span."""
        if self.parts:
            return self.parts[0].start_minute, self.parts[0].end_minute
        return self.start_minute, self.end_minute

    def stored_parts(self) -> list[Part]:
        """The parts planned as other requests (the parts filed by accepted shares); none in a proposal."""
        return [p for p in self.parts if p.request_id is not None and p.request_id != self.request_id]


class Unassigned(_Result):
    """A request the plan leaves out of its horizon, and why."""

    request_id: str
    priority: Priority
    due: datetime
    reason: str = Field(
        description="'missing_skill' when no agent qualifies, 'no_room' when none has time, 'no_stretch' when its "
        "work may not pause and no qualified agent has one unbroken stretch as long as its effort."
    )
    missing_skills: dict[str, int] = Field(
        default_factory=dict, description="Skill id to the level nobody holds, when the reason is missing_skill."
    )


class TermValue(_Result):
    """One objective term: weight x quantity = value."""

    term: Term
    weight: int
    quantity: int = Field(description="The term's unweighted amount, in its unit.")
    unit: str
    value: int = Field(description="weight x quantity: this term's share of the plan's cost.")


class Fact(_Result):
    """A named number or name an explanation rests on."""

    name: str
    value: str | int
    unit: str = ""


class Explanation(_Result):
    """Why something is as it is: a structured claim first, a sentence second."""

    kind: ExplanationKind
    request_ids: list[str] = Field(default_factory=list)
    agent_ids: list[str] = Field(default_factory=list)
    department_ids: list[str] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    text: str = Field(description="The claim for requesters and department heads (the people register).")
    lead_text: str = Field("", description="The claim for the queue lead: with its trade-off per department.")
    detail_text: str = Field("", description="The engineering view: cost points, rule and term names.")

    def fact(self, name: str) -> str | int:
        return next(f.value for f in self.facts if f.name == name)

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.facts)

    def in_register(self, register: str) -> str:
        """The sentence for a reader: "people", "lead" or "detail" (each falls back to the people one)."""
        chosen = {"lead": self.lead_text, "detail": self.detail_text}.get(register, "")
        return chosen or self.text


class PinConflict(_Result):
    """A set of pins that cannot all hold, and the rules they meet."""

    pin_ids: list[str]
    rules: list[Rule] = Field(description="The hard rules the pins collide with.")
    text: str


class MoveReason(_Result):
    """One fact behind a move: its kind, the requests and agent involved, and its numbers."""

    kind: MoveReasonKind
    agent_id: str | None = Field(None, description="The agent the fact is about.")
    request_ids: list[str] = Field(default_factory=list, description="The other requests involved.")
    priorities: list[Priority] = Field(default_factory=list, description="Their priorities, in the same order.")
    before: str | None = Field(None, description="The value before (a priority), when the fact is a change.")
    after: str | None = Field(None, description="The value after.")
    minutes: int | None = Field(None, description="How many minutes (earlier; or of work ahead, after).")
    minutes_before: int | None = Field(None, description="The minutes the same measure had in the previous plan.")


class Move(_Result):
    """A request whose agent changed, or whose finish moved by more than the threshold, since the previous plan;
    `facts` are the computed reasons, `reasons` the same as sentences."""

    request_id: str
    from_agent: str | None
    to_agent: str | None
    from_start: datetime | None
    to_start: datetime | None
    reasons: list[str]
    facts: list[MoveReason] = Field(default_factory=list)


class DepartmentShare(_Result):
    """One department's claim on the team and what the plan gives it."""

    department_id: str
    fair_share_pct: float = Field(description="Its fair share of planned time (policy, or from weights).")
    planned_share_pct: float = Field(description="Its share of all planned working minutes.")
    asks_for_share: bool = Field(description="Its open work is at least its fair share of the team's time.")
    requests: int
    planned: int
    on_time: int
    not_planned: int
    urgent_marks: int = Field(description="Requests it marks as stopping or slowing work.")
    urgent_honoured: int = Field(description="Of those, marks the inflation rule honours in full.")


class Plan(_Result):
    """A plan and how good it is. A plan always exists: when the solver finds nothing better within its time
    limit, it is the heuristic's plan, and the status says it is not proven."""

    status: PlanStatus
    objective: int = Field(description="Total cost under the policy: the sum of the term values.")
    best_bound: int = Field(description="No plan can cost less than this (proven by the solver).")
    gap: float = Field(description="(objective - best_bound) / objective; 0 when proven optimal.")
    bound_source: str = Field(description="How the bound was obtained (solver, workers, time).")
    solve_seconds: float
    horizon_end: datetime = Field(description="The end of the planning horizon.")
    terms: list[TermValue]
    assignments: list[Assignment]
    unassigned: list[Unassigned]
    explanations: list[Explanation] = Field(default_factory=list)
    conflicts: list[PinConflict] = Field(default_factory=list, description="Why the pins cannot all hold.")
    changes: list[Move] = Field(default_factory=list, description="What moved since the previous plan.")
    departments: list[DepartmentShare] = Field(
        default_factory=list, description="Each department's share of planned time against its fair share."
    )

    def assignment(self, request_id: str) -> Assignment | None:
        return next((a for a in self.assignments if a.request_id == request_id), None)

    def term(self, term: Term) -> TermValue:
        return next(t for t in self.terms if t.term == term)


class Shift(_Result):
    """How one request fares under a forced change, against the current plan."""

    request_id: str
    agent_before: str | None
    agent_after: str | None
    end_before: datetime | None
    end_after: datetime | None
    end_minute_before: int | None = Field(description="On the business-time axis; None when not planned.")
    end_minute_after: int | None = Field(description="On the business-time axis; None when not planned.")
    minutes_late_before: int | None = Field(description="None when not planned.")
    minutes_late_after: int | None = Field(description="None when not planned.")

    @property
    def later_by(self) -> int:
        """Working minutes later it finishes (negative: earlier); 0 when either side is not planned."""
        if self.end_minute_before is None or self.end_minute_after is None:
            return 0
        return self.end_minute_after - self.end_minute_before

    @property
    def more_late_by(self) -> int:
        """Working minutes more late it is (negative: less late); 0 when either side is not planned."""
        if self.minutes_late_before is None or self.minutes_late_after is None:
            return 0
        return self.minutes_late_after - self.minutes_late_before


class TermDelta(_Result):
    term: Term
    before: int = Field(description="The term's value (weight x quantity) in the current plan.")
    after: int = Field(description="Its value with the change forced.")


class Search(_Result):
    """How an alternative was searched, as its claim states it: the teammates whose work was re-arranged (the
    rest of the plan held as it is; when `local` is false, everything was free), the requests free to move, the
    seconds allowed, and whether the search proved its answer the cheapest of that scope (else it is the
    cheapest found in that time, and `bound` is what the search proved no arrangement of that scope costs
    less than: a claim of the best found is a claim of a plan between the bound and its cost)."""

    agents: tuple[str, ...]
    requests: int
    seconds: float
    proven: bool
    local: bool
    bound: int | None = None


class WhatIf(_Result):
    """The consequences of forcing a change on a plan, computed by planning again with it forced."""

    change: str = Field(description="The change, in words.")
    status: PlanStatus = Field(description="Status of the plan with the change forced.")
    cost_before: int
    cost_after: int = Field(description="0 when the change cannot hold (status infeasible).")
    terms: list[TermDelta]
    shifts: list[Shift] = Field(description="Requests whose agent, end or lateness changes.")
    re_planned: str = Field(description="How the alternative was computed: which requests were free to move.")
    conflict: str = Field("", description="Why the change cannot hold, when it cannot.")
    already_holds: bool = Field(False, description="The current plan already does what the change forces.")
    text: str = Field(description="A paragraph a lead can read before deciding: hours, names and departments.")
    detail_text: str = Field("", description="The same with the plan's cost and its terms (the engineering view).")
    after: Plan | None = Field(None, exclude=True, description="The plan with the change forced (not serialised).")
    search: Search | None = Field(None, exclude=True, description="How the alternative was searched (not serialised).")


class HandOff(_Result):
    """A proposal to hand one request from an overloaded agent to a named peer, with the facts of its reason and
    its new expected time, computed by re-planning with the agent capped; `note` is the sentence for the
    requester, built from these fields alone."""

    request_id: str
    title: str
    department_id: str
    department_name: str
    requester: str
    effort_minutes: int
    from_agent_id: str
    from_agent_name: str
    to_agent_id: str
    to_agent_name: str
    from_planned_before: int = Field(description="The asking agent's planned minutes in the horizon, before.")
    from_planned_after: int = Field(description="Their planned minutes after every hand-off of the re-plan.")
    from_target_minutes: int = Field(description="Their target load in the horizon, in minutes.")
    to_planned_before: int = Field(description="The peer's planned minutes in the horizon, before.")
    to_planned_after: int = Field(description="The peer's planned minutes after the re-plan; at most their target.")
    to_target_minutes: int = Field(description="The peer's target load in the horizon, in minutes.")
    horizon_days: int = Field(description="Working days the plan covers: the span loads are measured over.")
    start_before: datetime | None = Field(description="Expected start in the current plan.")
    end_before: datetime | None = Field(description="Expected finish in the current plan.")
    minutes_late_before: int = Field(description="Business minutes past due in the current plan; 0 when on time.")
    start_after: datetime = Field(description="Expected start with the peer, from the re-plan.")
    end_after: datetime = Field(description="Expected finish with the peer, from the re-plan.")
    minutes_late_after: int = Field(description="Business minutes past due with the peer; 0 when on time.")
    timezone: str = Field(description="The team's time zone, in which times are written.")
    now: datetime = Field(description="When the plan was made: times within six days of it are written as weekdays.")
    reason: HelpReason = Field(HelpReason.OVER_TARGET, description="Why the asking agent was offered help.")
    from_late_before: int = Field(0, description="Business minutes the asking agent's planned work is past due.")
    state: HandOffState = HandOffState.PROPOSED
    note: str = Field("", description="The hand-off note for the requester; every number in it is a field.")


class Stay(_Result):
    """One of the asking agent's requests that stays with them, and why."""

    request_id: str
    effort_minutes: int
    reason: StayReason
    required_skills: dict[str, int] = Field(description="Skill id to level, when no peer holds them or has room.")


class Swarm(_Result):
    """A proposal for a second pair of hands: a late request of the asking agent done in two parts, theirs and a
    peer's who holds its skills and has room, each part at least the policy's minimum; the request's finish before
    and after, from the plan and from the parts. `note` is the sentence for the requester, built from these
    fields alone."""

    request_id: str
    title: str
    department_id: str
    department_name: str
    requester: str
    effort_minutes: int
    owner_id: str = Field(description="The asking agent: they keep the first part.")
    owner_name: str
    peer_id: str = Field(description="The teammate proposed to take the other part.")
    peer_name: str
    parts: list[Part] = Field(description="The owner's part, then the peer's: their minutes add up to the effort.")
    timing: PartsTiming = Field(description="parallel when the two parts overlap in time, else sequence.")
    min_part_minutes: int = Field(description="The policy's least part (`swarm_min_minutes`).")
    peer_planned_before: int = Field(description="The peer's planned minutes in the horizon, before.")
    peer_planned_after: int = Field(description="With their part; at most their target.")
    peer_target_minutes: int = Field(description="The peer's target load in the horizon, in minutes.")
    end_before: datetime = Field(description="Expected finish with the owner alone, in the current plan.")
    minutes_late_before: int = Field(description="Business minutes past due then.")
    end_after: datetime = Field(description="Expected finish in parts: the later part's end.")
    minutes_late_after: int = Field(description="Business minutes past due in parts; 0 when on time.")
    earlier_by: int = Field(description="Business minutes it finishes earlier in parts.")
    timezone: str = Field(description="The team's time zone, in which times are written.")
    now: datetime = Field(description="When the plan was made: times within six days of it are written as weekdays.")
    state: HandOffState = HandOffState.PROPOSED
    part_request_id: str | None = Field(None, description="Once accepted: the request the peer's part became.")
    note: str = Field("", description="The note for the requester; every number in it is a field.")


class Help(_Result):
    """An agent's request for help: the hand-offs proposed (fewest moves that bring them to target, only to
    qualified peers who stay within theirs), what stays and why, and a paragraph for the agent."""

    agent_id: str
    agent_name: str
    outcome: HelpOutcome
    planned_before: int = Field(description="The agent's planned minutes in the horizon, in the current plan.")
    planned_after: int = Field(description="Their planned minutes once every proposal is accepted.")
    target_minutes: int = Field(description="Their target load in the horizon, in minutes.")
    over_after: int = Field(description="Minutes still above target once every proposal is accepted.")
    horizon_days: int
    moves: int = Field(description="Requests handed off: the fewest that bring the agent as close to target.")
    reason: HelpReason = Field(HelpReason.OVER_TARGET, description="Why help was offered (or not).")
    late_before: int = Field(0, description="Business minutes their planned work is past due, summed, before.")
    late_after: int = Field(0, description="The same once every proposal is accepted.")
    late_threshold_minutes: int | None = Field(None, description="The policy's late work that offers help.")
    proposals: list[HandOff]
    stays: list[Stay]
    swarms: list[Swarm] = Field(
        default_factory=list, description="When no whole request can move: late requests a peer would share."
    )
    skill_names: dict[str, str] = Field(default_factory=dict, description="Skill id to name, for the skills named.")
    re_planned: str = Field(description="How the re-plan was computed.")
    solve_seconds: float
    text: str = Field(description="A paragraph for the agent; every number in it is a field.")
    after: Plan | None = Field(None, exclude=True, description="The plan with every proposal accepted.")
