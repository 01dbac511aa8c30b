"""Sentences for the reasons a request moved since the previous plan (`triage.results.MoveReason`): every
name, priority and number comes from the fact."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from triage.names import MoveReasonKind
from triage.render import duration, moment, possessive
from triage.results import Move, MoveReason


def listed(reason: MoveReason, limit: int = 3) -> str:
    """ "REQ-7 (P1), REQ-9 (P2)" and "and 2 more" past `limit`."""
    items = [f"{r} ({p.value})" for r, p in zip(reason.request_ids, reason.priorities, strict=True)]
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" and {more} more" if more > 0 else "")


def move_reason_text(reason: MoveReason, names: dict[str, str]) -> str:
    """One reason as a clause ("new work ahead of it on Ana Costa: REQ-7 (P1)")."""
    who = names.get(reason.agent_id or "", reason.agent_id or "")
    match reason.kind:
        case MoveReasonKind.NEW:
            return "it is new since the last plan"
        case MoveReasonKind.NOT_PLANNED_BEFORE:
            return "it was not planned before"
        case MoveReasonKind.LEFT_PLAN:
            return "it no longer fits in the plan's horizon"
        case MoveReasonKind.AGENT_GONE:
            return "its previous agent is no longer on the team"
        case MoveReasonKind.AGENT_AWAY:
            return f"{who} is not working at its previous time any more"
        case MoveReasonKind.PRIORITY_CHANGED:
            return f"its priority changed from {reason.before} to {reason.after}"
        case MoveReasonKind.PINNED:
            return f"a queue lead pinned it ({reason.after}{f' to {who}' if reason.agent_id else ''})"
        case MoveReasonKind.NEW_WORK_AHEAD:
            return f"new work ahead of it on {who}: {listed(reason)}"
        case MoveReasonKind.WORK_MOVED_AHEAD:
            return f"work moved ahead of it on {who}: {listed(reason)}"
        case MoveReasonKind.WORK_AHEAD_GONE:
            return f"work that was ahead of it on {who} is done or went elsewhere: {listed(reason)}"
        case MoveReasonKind.EARLIER_ELSEWHERE:
            return f"{who} finishes it {duration(reason.minutes or 0)} earlier than the previous plan did"
        case MoveReasonKind.RANKED_AHEAD:
            return f"its department puts {listed(reason)} before it, and the previous plan finished it first"
        case MoveReasonKind.WORK_AHEAD_LONGER:
            return (
                f"the work before it on {who} takes {duration(reason.minutes or 0)} now, "
                f"{duration(reason.minutes_before or 0)} in the previous plan"
            )


def requester_subject(department_name: str, title: str, request_id: str) -> str:
    """ "Sales' "VPN drops every hour" (REQ-1)": how a requester's sentence names the request."""
    return f'{possessive(department_name)} "{title}" ({request_id})'


def placed_sentence(
    subject: str,
    agent_name: str | None,
    start: datetime | None,
    end: datetime | None,
    note: str | None,
    zone: ZoneInfo,
    now: datetime,
) -> str:
    """A tentative place for the requester: who and when, or why it has no place yet."""
    if agent_name is None or start is None or end is None:
        return f"{subject} has no place yet: {note or 'the next re-plan places it'}."
    return (
        f"{subject} is placed for now with {agent_name}: expected to start {moment(start, zone, now)} and "
        f"finish {moment(end, zone, now)} (tentative: the full re-plan follows)."
    )


def moved_sentence(subject: str, move: Move, names: dict[str, str], zone: ZoneInfo, now: datetime) -> str:
    """A move since the previous plan for the requester: the new agent and start, the old ones, and why."""
    why = "; ".join(move_reason_text(reason, names) for reason in move.facts)
    because = f", because {why}" if why else ""
    if move.to_agent is None or move.to_start is None:
        return f"{subject} is no longer planned{because}."
    now_at = f"{names.get(move.to_agent, move.to_agent)} from {moment(move.to_start, zone, now)}"
    if move.from_agent is None or move.from_start is None:
        return f"{subject} is now planned: {now_at}{because}."
    was_at = f"{names.get(move.from_agent, move.from_agent)} from {moment(move.from_start, zone, now)}"
    return f"{subject} moved: now {now_at} (was {was_at}){because}."
