"""Names are data: the one source for priorities, impact and urgency levels, objective terms,
hard rules and explanation kinds. CP-SAT variable names, plan term values and explanation facts all
use these values, so a name travels unchanged from the model to the sentence."""

from __future__ import annotations

from enum import StrEnum


class Priority(StrEnum):
    """P1 is the most urgent."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Impact(StrEnum):
    """How many people a request affects, widest first."""

    COMPANY = "company"
    DEPARTMENT = "department"
    TEAM = "team"
    PERSON = "person"


class Urgency(StrEnum):
    """How badly the requester's work is hindered, worst first."""

    WORK_STOPPED = "work_stopped"
    DEGRADED = "degraded"
    INCONVENIENT = "inconvenient"
    CAN_WAIT = "can_wait"


class RequestStatus(StrEnum):
    """Open and in-progress requests are planned; waiting and done ones are not."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # on the requester, a vendor or a change: not planned, its SLA clock paused
    DONE = "done"

    @property
    def plannable(self) -> bool:
        """True for the statuses a plan places: open and in progress."""
        return self in (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)


class WaitingReason(StrEnum):
    """On whom or what a waiting request waits."""

    REQUESTER = "requester"
    VENDOR = "vendor"
    CHANGE = "change"  # a scheduled change (release, maintenance window)
    OTHER = "other"


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKDAYS: tuple[Weekday, ...] = tuple(Weekday)


class Term(StrEnum):
    """Soft objective terms; each is weight x an integer quantity with a unit."""

    LATENESS = "lateness"  # priority weight x department weight x business minutes past due
    DEFERRAL = "deferral"  # same weights x minutes from due to the horizon's end plus a fixed extra
    OVERLOAD = "overload"  # business minutes assigned above an agent's target load
    SPREAD = "spread"  # highest minus lowest agent load, in per mille of available time
    CHURN = "churn"  # requests moved away from their current owner (or from the previous plan's agent)
    FAIRNESS = "fairness"  # 1000 minus the worst-served department's on-time rate, in per mille
    WAITING = "waiting"  # business minutes a request stays open beyond its priority's maximum wait
    RANK = "rank"  # minutes a department's more important request finishes after its next one (same priority)
    SHARE = "share"  # priority weight x minutes a department falls short of its fair share of a priority's time


class Rule(StrEnum):
    """Hard rules: a plan that breaks one is wrong, whatever its cost."""

    SKILLS = "skills"
    AVAILABILITY = "availability"
    RELEASE = "release"
    NO_OVERLAP = "no_overlap"
    HORIZON = "horizon"
    ONCE = "once"
    IN_PROGRESS = "in_progress"  # work in progress stays with its owner when the owner can do it
    PINS = "pins"  # the lead's pins hold
    NO_PAUSE = "no_pause"  # work that may not pause lies within one unbroken stretch of its agent's working time
    PARTS = "parts"  # a request done in parts: two agents, each part at least the policy's minimum, adding up


class PinKind(StrEnum):
    """What a queue lead can pin. Pins are hard rules for the plan."""

    ASSIGN = "assign"  # this request to this agent
    BEFORE = "before"  # this request finishes before that one starts
    FIRST = "first"  # this request is the first thing its agent works on
    UNFREEZE = "unfreeze"  # this request in progress may move away from its owner


class PlanStatus(StrEnum):
    OPTIMAL = "optimal"  # proven best under the policy
    FEASIBLE = "feasible"  # a valid plan, not proven best; see bound and gap
    INFEASIBLE = "infeasible"  # no plan satisfies the hard rules (with the pins); see conflicts
    UNKNOWN = "unknown"  # no plan keeping every pin was found within the time limit; none is proven impossible


class ExplanationKind(StrEnum):
    PRIORITY = "priority"
    ASSIGNMENT = "assignment"
    UNASSIGNED = "unassigned"
    PIN_CONFLICT = "pin_conflict"
    MOVED = "moved"
    TRADE_OFF = "trade_off"  # a late request behind another: what doing it first would cost the other
    WHY_NOT = "why_not"  # why not this other agent
    LET_IN = "let_in"  # a late or deferred request: what would let it in
    OVERLOAD = "overload"  # a teammate above target load: what would relieve them
    RECEIPT = "receipt"  # a request's priority score broken into its factors
    ORDER = "order"  # a department's own order not followed, and what decided instead
    OVERRIDE = "override"  # a request moved later by a queue lead's pin, with the lead's reason
    WAITING = "waiting"  # a request not planned because it waits; its SLA clock paused
    EFFORT = "effort"  # where a request's effort comes from: estimated from similar done requests


class HandOffState(StrEnum):
    """Where a hand-off proposal stands: proposed to the peer, then accepted or declined by them, replaced by a
    newer proposal (the same request handed to someone else, or a newer request for help), or withdrawn (its
    request was closed before an answer)."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


class HelpOutcome(StrEnum):
    """What a request for help found."""

    NOT_OVER = "not_over"  # the agent is not above their target load: nothing to hand off
    RELIEVED = "relieved"  # hand-offs bring the agent to their target or below
    PARTLY = "partly"  # some hand-offs, and the agent is still above target
    NO_HAND_OFF = "no_hand_off"  # no hand-off is possible (work in progress, pins, no peer with skills and room)
    SHARED = "shared"  # no whole request can move, but a peer can take part of a late one (a second pair of hands)


class PartsTiming(StrEnum):
    """How the two parts of a shared request lie in time."""

    PARALLEL = "parallel"  # the two agents work on it at the same time, at least for a while
    SEQUENCE = "sequence"  # one part follows the other


class HelpReason(StrEnum):
    """Why an agent is offered help."""

    OVER_TARGET = "over_target"  # planned minutes above their target load
    LATE_WORK = "late_work"  # within target, but their planned work is late by more than the policy allows


class StayReason(StrEnum):
    """Why one of the asking agent's requests stays with them."""

    IN_PROGRESS = "in_progress"  # work in progress stays with its owner
    PINNED = "pinned"  # the queue lead pinned it to them
    NO_SKILL = "no_skill"  # no other teammate holds its skills
    DECLINED = "declined"  # every qualified teammate with room declined it before
    NO_ROOM = "no_room"  # no qualified teammate has room for it (left)
    NOT_NEEDED = "not_needed"  # the agent is within target without moving it
    NOT_EARLIER = "not_earlier"  # help for late work: a teammate has room, but handing it on makes nothing earlier


class ChangeKind(StrEnum):
    """Staffing changes a manager can simulate."""

    HIRE = "hire"  # a new agent with skills and hours, from a date
    LEAVE = "leave"  # an agent gone from a date, for some days or for good
    TIME_OFF = "time_off"  # an agent away on dates
    SKILL = "skill"  # an agent gains a skill at a level
    HOURS = "hours"  # an agent's working hours changed
    SURGE = "surge"  # a department's arrival rate multiplied, optionally on some dates


class Planner(StrEnum):
    """How a simulation plans each day."""

    ROUTING = "routing"  # the routing heuristic alone: instant, deterministic
    SEARCH = "search"  # routing, then a fixed number of neighbourhoods solved by CP-SAT, deterministic


class MoveReasonKind(StrEnum):
    """Why a request moved since the previous plan: each a fact the data shows (`triage.results.MoveReason`)."""

    NEW = "new"  # it is new since the previous plan
    NOT_PLANNED_BEFORE = "not_planned_before"  # the previous plan left it out
    LEFT_PLAN = "left_plan"  # this plan leaves it out
    AGENT_GONE = "agent_gone"  # its previous agent is no longer on the team
    AGENT_AWAY = "agent_away"  # its previous agent is not working at its previous time any more
    PRIORITY_CHANGED = "priority_changed"  # its priority changed (before -> after)
    PINNED = "pinned"  # a lead's pin names it
    NEW_WORK_AHEAD = "new_work_ahead"  # requests new since the previous plan now come before it on its agent
    WORK_MOVED_AHEAD = "work_moved_ahead"  # planned requests moved ahead of it on its agent
    WORK_AHEAD_GONE = "work_ahead_gone"  # requests ahead of it on its agent are done or went elsewhere
    EARLIER_ELSEWHERE = "earlier_elsewhere"  # another agent finishes it earlier (minutes earlier)
    WORK_AHEAD_LONGER = "work_ahead_longer"  # the work before it on its agent takes longer (minutes before/after)
    RANKED_AHEAD = "ranked_ahead"  # it finishes later; its department ranks these before it, and they finished after it
