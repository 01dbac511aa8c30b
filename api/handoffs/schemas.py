"""HTTP schemas of help between peers: asking for help, the hand-off proposals and the peers' answers, and the
requests a peer would share (a second pair of hands). They mirror `triage.results.Help`, `HandOff` and `Swarm`
field for field, with what the store adds (ids, state, answers)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.schemas import In, Out, Reason
from triage.names import HandOffState, HelpOutcome, HelpReason, PartsTiming, StayReason


class HelpCreate(In):
    """An agent above their target load asks for help (a lead may ask on behalf of any agent)."""

    time_limit_seconds: float | None = Field(
        None,
        gt=0,
        le=3600,
        description="Solver time limit for the re-plan; absent: 3 s. Capped by the server."
        " A limit below the least this queue can be planned in (api.limits.least_time_limit: it grows with the "
        "requests and the request-agent pairs; 0 at M) is refused with 422; a default is raised to it.",
    )
    reason: Reason | None = Field(None, description="Why help is asked; kept in the audit log.")


class HandOffAnswer(In):
    reason: Reason | None = Field(None, description="Why the peer accepts or declines; kept in the audit log.")


class HandOffRead(Out):
    """A hand-off proposal and where it stands; `note` is the sentence for the requester, built from the fields."""

    id: int = Field(description="Hand-off id.")
    ask_id: str = Field(description="The request for help that proposed it (one per POST /agents/{id}/help).")
    plan_id: int = Field(description="The plan it was computed from.")
    state: HandOffState = Field(
        description="proposed, accepted, declined, superseded by a newer proposal, or withdrawn (its request was "
        "closed before an answer)."
    )
    request_id: str = Field(description="The request to hand off.")
    request_version: int = Field(description="The request's version in the plan: accepting refuses a newer one.")
    title: str = Field(description="The request's title.")
    department_id: str = Field(description="The requesting department.")
    department_name: str = Field(description="Its readable name.")
    requester: str = Field(description="Who filed the request: the note is for them.")
    effort_minutes: int = Field(description="The request's effort, in minutes.")
    from_agent_id: str = Field(description="The agent who asked for help (the request's agent in the plan).")
    from_agent_name: str = Field(description="Their name.")
    to_agent_id: str = Field(description="The peer proposed to take it: they accept or decline.")
    to_agent_name: str = Field(description="Their name.")
    from_planned_before: int = Field(description="The asking agent's planned minutes in the horizon, before.")
    from_planned_after: int = Field(description="Their planned minutes once every proposal of the ask is accepted.")
    from_target_minutes: int = Field(description="Their target load in the horizon, in minutes.")
    to_planned_before: int = Field(description="The peer's planned minutes in the horizon, before.")
    to_planned_after: int = Field(description="The peer's planned minutes after the re-plan; at most their target.")
    to_target_minutes: int = Field(description="The peer's target load in the horizon, in minutes.")
    horizon_days: int = Field(description="Working days the plan covers: the span loads are measured over.")
    start_before: datetime | None = Field(description="Expected start in the plan.")
    end_before: datetime | None = Field(description="Expected finish in the plan.")
    minutes_late_before: int = Field(description="Business minutes past due in the plan; 0 when on time.")
    start_after: datetime = Field(description="Expected start with the peer, from the re-plan.")
    end_after: datetime = Field(description="Expected finish with the peer, from the re-plan.")
    minutes_late_after: int = Field(description="Business minutes past due with the peer; 0 when on time.")
    reason: HelpReason = Field(description="Why the asking agent was offered help: over target, or late work.")
    from_late_before: int = Field(description="Business minutes the asking agent's planned work is past due.")
    note: str = Field(description="The hand-off note for the requester, as the proposal stands now.")
    asked_by: str = Field(description="Who asked for help: the agent, or a lead on their behalf.")
    created_at: datetime = Field(description="When it was proposed.")
    answered_by: str | None = Field(description="Who accepted or declined it.")
    answered_at: datetime | None = Field(description="When.")
    answer_reason: str | None = Field(description="Why, as given.")


class StayRead(Out):
    request_id: str = Field(description="One of the agent's requests that stays with them.")
    effort_minutes: int = Field(description="Its effort, in minutes.")
    reason: StayReason = Field(
        description="in_progress, pinned, no_skill (nobody else holds its skills), declined (by every peer with "
        "room), no_room (no peer with its skills has room left), not_needed (within target without moving it) or "
        "not_earlier (help for late work: a peer has room, but handing it on whole makes nothing earlier)."
    )
    required_skills: dict[str, int] = Field(description="Skill id to level, for no_skill and no_room.")


class PartRead(Out):
    agent_id: str = Field(description="Who does this part.")
    minutes: int = Field(description="Working minutes of the request's effort in this part.")
    start: datetime = Field(description="When this part starts, in the team's time zone.")
    end: datetime = Field(description="When this part finishes.")
    start_minute: int = Field(description="Start on the business-time axis.")
    end_minute: int = Field(description="End on the business-time axis.")


class SwarmRead(Out):
    """A share: a late request proposed to be done in two parts, the asking agent's and a peer's, and where it
    stands. Accepting files the peer's part as a request of its own (`part_request_id`), pinned to the peer, and
    takes its minutes off the shared request; `note` is the sentence for the requester, for the state."""

    id: int = Field(description="Share id (hand-offs and shares count from one sequence).")
    ask_id: str = Field(description="The request for help that proposed it.")
    plan_id: int = Field(description="The plan it was computed from.")
    state: HandOffState = Field(
        description="proposed, accepted, declined, superseded by a newer proposal, or withdrawn (its request was "
        "closed before an answer)."
    )
    request_version: int = Field(description="The request's version in the plan: accepting refuses a newer one.")
    asked_by: str = Field(description="Who asked for help: the agent, or a lead on their behalf.")
    created_at: datetime = Field(description="When it was proposed.")
    answered_by: str | None = Field(description="Who accepted or declined it.")
    answered_at: datetime | None = Field(description="When.")
    answer_reason: str | None = Field(description="Why, as given.")
    part_request_id: str | None = Field(description="Once accepted: the request the peer's part was filed as.")
    request_id: str = Field(description="The request to share.")
    title: str = Field(description="Its title.")
    department_id: str = Field(description="The requesting department.")
    department_name: str = Field(description="Its readable name.")
    requester: str = Field(description="Who filed it: the note is for them.")
    effort_minutes: int = Field(description="Its effort, in minutes.")
    owner_id: str = Field(description="The agent who asked: they keep the first part.")
    owner_name: str = Field(description="Their name.")
    peer_id: str = Field(description="The peer proposed to take the other part.")
    peer_name: str = Field(description="Their name.")
    parts: list[PartRead] = Field(description="The owner's part, then the peer's; their minutes add up to the effort.")
    timing: PartsTiming = Field(description="parallel when the two parts overlap in time, else sequence.")
    min_part_minutes: int = Field(description="The policy's least part (swarm_min_minutes).")
    peer_planned_before: int = Field(description="The peer's planned minutes in the horizon, before.")
    peer_planned_after: int = Field(description="With their part; at most their target.")
    peer_target_minutes: int = Field(description="The peer's target load in the horizon, in minutes.")
    end_before: datetime = Field(description="Expected finish with the owner alone, in the plan.")
    minutes_late_before: int = Field(description="Business minutes past due then.")
    end_after: datetime = Field(description="Expected finish in parts: the later part's end.")
    minutes_late_after: int = Field(description="Business minutes past due in parts; 0 when on time.")
    earlier_by: int = Field(description="Business minutes it finishes earlier in parts.")
    timezone: str = Field(description="The team's time zone, in which the note writes times.")
    now: datetime = Field(description="The plan's start: times within six days of it are written as weekdays.")
    note: str = Field(description="The note for the requester; every number in it is a field.")


class HelpRead(Out):
    """The answer to a request for help: the proposals stored (state proposed), what stays and why."""

    ask_id: str = Field(description="Id of this request for help; its proposals carry it.")
    plan_id: int = Field(description="The plan the re-plan started from: the newest plan.")
    agent_id: str = Field(description="The agent who is helped.")
    agent_name: str = Field(description="Their name.")
    outcome: HelpOutcome = Field(
        description="not_over, relieved, partly (still above target), no_hand_off, or shared (no whole request "
        "can move, but a peer would take part of a late one: see swarms)."
    )
    planned_before: int = Field(description="The agent's planned minutes in the horizon, in the plan.")
    planned_after: int = Field(description="Their planned minutes once every proposal is accepted.")
    target_minutes: int = Field(description="Their target load in the horizon, in minutes.")
    over_after: int = Field(description="Minutes still above target once every proposal is accepted.")
    horizon_days: int = Field(description="Working days the plan covers: the span loads are measured over.")
    moves: int = Field(description="Requests proposed to move: the fewest that bring the agent as close to target.")
    reason: HelpReason = Field(description="Why help was offered: over_target, or late_work (within target).")
    late_before: int = Field(description="Business minutes their planned work is past due, summed, in the plan.")
    late_after: int = Field(description="The same once every proposal is accepted.")
    late_threshold_minutes: int | None = Field(description="The policy's late work after which help is offered.")
    proposals: list[HandOffRead] = Field(description="The hand-offs proposed, each to a named peer.")
    stays: list[StayRead] = Field(description="The agent's requests that stay with them, and why.")
    swarms: list[SwarmRead] = Field(
        description="When no whole request can move: late requests a peer would share, each in two parts (stored "
        "as proposed; the peer accepts or declines with POST /shares/{id}/accept or /decline)."
    )
    skill_names: dict[str, str] = Field(description="Skill id to name, for the skills named.")
    re_planned: str = Field(description="How the re-plan was computed.")
    solve_seconds: float = Field(description="Time the re-plan took.")
    text: str = Field(description="A paragraph for the agent; every number in it is a field.")
