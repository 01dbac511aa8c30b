"""The team, its customers and its requests from the tickets of an export.

- The team's tickets are those whose latest group is one of `team_groups` (every ticket when none given).
- Agents are the owners seen in the team's tickets' histories while in one of the team's groups. Their
  skills are the skills of the team's tickets they owned at some point, at level 1. Someone who also
  owned tickets of other groups gives this team a share of their time: the share of their ownership
  events that are in the team's groups, rounded to 10 % (half up, at least 10 %), as part-time hours
  (the first part of each of the team's working days).
- Departments come from the mapped department field, weight 1; a ticket without one is in `unknown`.
- Each ticket's status comes from its latest state; a waiting one waits since the event that began its
  current wait; earlier waits in its history are its pauses. In progress without an owner counts as open.
- Ids are slugs of the source's values (`Resolver 74` -> `resolver-74`); the source id is kept.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime

from triage.importers.mapping import Mapping
from triage.importers.tickets import Event, Ticket
from triage.model import WorkingHours
from triage.names import RequestStatus, WaitingReason

_NOT_ID = re.compile(r"[^a-z0-9]+")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
UNKNOWN_DEPARTMENT = "unknown"


def slug(value: str) -> str:
    """A source value as a Tandem id: lower case, runs of other characters as one '-' (at most 64)."""
    return _NOT_ID.sub("-", value.lower()).strip("-")[:64] or "x"


def request_id(source_id: str) -> str:
    """The source id itself when it is a valid Tandem id, else its slug."""
    return source_id if _ID.match(source_id) and len(source_id) <= 64 else slug(source_id)


def as_of(tickets: list[Ticket], now: datetime) -> list[Ticket]:
    """The tickets as they stood at `now`: those opened by then, their history cut at now, their state,
    owner and group those of their last event by then."""
    out = []
    for ticket in tickets:
        events = [e for e in ticket.events if e.at <= now]
        if ticket.created_at > now or not events:
            continue
        last = events[-1]
        out.append(replace(ticket, events=events, state=last.state, assignee=last.assignee, group=last.group))
    return out


def in_team(ticket: Ticket, mapping: Mapping) -> bool:
    return not mapping.team_groups or ticket.group in mapping.team_groups


@dataclass(frozen=True)
class Share:
    """A person's share of their ownership events that are in this team's groups, and their groups."""

    agent_id: str
    name: str
    share_pct: int
    groups: tuple[str, ...]


def time_shares(tickets: list[Ticket], mapping: Mapping) -> dict[str, Share]:
    """Each owner seen in the team's tickets, with the share of their time this team gets (see the rules)."""
    team_owners = {
        e.assignee
        for t in tickets
        if in_team(t, mapping)
        for e in t.events
        if e.assignee and (not mapping.team_groups or e.group in mapping.team_groups)
    }
    seen: dict[str, Counter[str | None]] = {name: Counter() for name in team_owners}
    for ticket in tickets:
        for event in ticket.events:
            if event.assignee in seen and event.group is not None:  # an unknown group says nothing of shares
                seen[event.assignee][event.group] += 1
    out = {}
    for name, groups in seen.items():
        total = sum(groups.values())
        mine = sum(n for g, n in groups.items() if not mapping.team_groups or g in mapping.team_groups)
        pct = max(10, min(100, (mine * 20 + total) // (2 * total) * 10)) if total else 100  # half up
        named = tuple(sorted(g for g in groups if g is not None))
        out[name] = Share(slug(name), name, pct, named)
    return out


def share_hours(hours: WorkingHours, share_pct: int) -> WorkingHours | None:
    """The first `share_pct` % of each day's working periods, to the minute; None at 100 % (the team's)."""
    if share_pct >= 100:
        return None
    out: WorkingHours = {}
    for day, periods in hours.items():
        budget = sum(end - start for start, end in periods) * share_pct // 100
        kept = []
        for start, end in sorted(periods):
            if budget <= 0:
                break
            kept.append((start, min(end, start + budget)))
            budget -= kept[-1][1] - start
        out[day] = kept
    return out


def status_of(ticket: Ticket, mapping: Mapping) -> tuple[RequestStatus, WaitingReason | None]:
    """The Tandem status of a source state, and the waiting reason when it waits."""
    states = mapping.states
    if ticket.state in states.done:
        return RequestStatus.DONE, None
    for reason, values in states.waiting.items():
        if ticket.state in values:
            return RequestStatus.WAITING, reason
    if ticket.state in states.in_progress and ticket.assignee is not None:
        return RequestStatus.IN_PROGRESS, None
    return RequestStatus.OPEN, None


def waits(events: list[Event], mapping: Mapping) -> list[tuple[datetime, datetime | None, WaitingReason]]:
    """The history's waits: (start, end or None while still waiting, reason), oldest first; consecutive
    waiting events make one wait, whose reason is its first event's."""
    reason_of = {value: reason for reason, values in mapping.states.waiting.items() for value in values}
    out: list[tuple[datetime, datetime | None, WaitingReason]] = []
    current: tuple[datetime, WaitingReason] | None = None
    for event in events:
        reason = reason_of.get(event.state)
        if reason is not None and current is None:
            current = (event.at, reason)
        elif reason is None and current is not None:
            out.append((current[0], event.at, current[1]))
            current = None
    if current is not None:
        out.append((current[0], None, current[1]))
    return out
