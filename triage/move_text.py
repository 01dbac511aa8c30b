"""Sentences for the reasons a request moved since the previous plan (`triage.results.MoveReason`): every
name, priority and number comes from the fact."""

from __future__ import annotations

from triage.names import MoveReasonKind
from triage.render import duration
from triage.results import MoveReason


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
        case MoveReasonKind.WORK_AHEAD_LONGER:
            return (
                f"the work before it on {who} takes {duration(reason.minutes or 0)} now, "
                f"{duration(reason.minutes_before or 0)} in the previous plan"
            )
