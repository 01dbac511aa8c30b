"""Explanations of a real desk's request states: why a waiting request is not planned, and where an
estimated effort comes from. Facts first, the sentence rendered from the facts alone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from triage.calendar import BusinessAxis
from triage.desk import paused_minutes
from triage.model import Request
from triage.names import ExplanationKind, WaitingReason
from triage.render import duration, moment
from triage.results import Explanation, Fact

_ON_WHOM = {
    WaitingReason.REQUESTER: "the requester",
    WaitingReason.VENDOR: "a vendor",
    WaitingReason.CHANGE: "a change",
    WaitingReason.OTHER: "something outside the team",
}


def on_whom(reason: WaitingReason) -> str:
    """On whom a request waits, as people read it: "the requester", "a vendor"."""
    return _ON_WHOM[reason]


def waiting_explanation(request: Request, axis: BusinessAxis, now: datetime) -> Explanation | None:
    """For a waiting request: on whom it waits, since when, until when if known, and how many business
    minutes its SLA clock has been paused in all (its due time moves later by as much)."""
    if request.waiting is None:
        return None
    facts = [
        Fact(name="reason", value=request.waiting.reason.value),
        Fact(name="since", value=request.waiting.since.isoformat()),
        Fact(name="paused_minutes", value=paused_minutes(request, axis), unit="business minutes"),
    ]
    if request.waiting.until is not None:
        facts.append(Fact(name="until", value=request.waiting.until.isoformat()))
    return Explanation(
        kind=ExplanationKind.WAITING, request_ids=[request.id], facts=facts, text=_waiting_text(facts, axis.zone, now)
    )


def _waiting_text(facts: list[Fact], zone: ZoneInfo, now: datetime) -> str:
    by_name = {f.name: f.value for f in facts}
    since = moment(datetime.fromisoformat(str(by_name["since"])), zone, now)
    text = f"Waiting for {on_whom(WaitingReason(str(by_name['reason'])))} since {since}; the clock is paused"
    if "until" in by_name:
        text += f", expected back {moment(datetime.fromisoformat(str(by_name['until'])), zone, now)}"
    paused = int(by_name["paused_minutes"])
    if paused:
        text += f" (paused {duration(paused)} of working time so far, which moves its due time as much)"
    return text + ". It is not planned until it comes back."


def effort_explanation(request: Request) -> Explanation | None:
    """For an estimated effort: the estimate, its class and how many done requests it rests on."""
    if request.effort_estimate is None:
        return None
    facts = [
        Fact(name="effort_minutes", value=request.effort_minutes, unit="minutes"),
        Fact(name="similar_requests", value=request.effort_estimate.similar_requests),
        Fact(name="effort_class", value=request.effort_estimate.effort_class),
    ]
    count = request.effort_estimate.similar_requests
    noun = "request" if count == 1 else "requests"
    text = f"Effort estimated from {count} similar {noun} ({request.effort_estimate.effort_class}): " + duration(
        request.effort_minutes
    )
    return Explanation(kind=ExplanationKind.EFFORT, request_ids=[request.id], facts=facts, text=text + ".")
