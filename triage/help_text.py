"""Sentences of help between peers: the hand-off note a requester reads, the note of a request shared in two
parts (a second pair of hands), and the paragraph the asking agent reads. Each is built from the fields of its
`HandOff`, `Swarm` or `Help` alone: names, durations as "1 h 30 min", times as "Tue 10:30" in the team's time
zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from triage.names import HandOffState, HelpOutcome, HelpReason, PartsTiming, StayReason
from triage.render import duration, moment, people, possessive, skills_phrase
from triage.results import HandOff, Help, Stay, Swarm


def _end(text: str) -> str:
    """The text ending with one full stop, also after a name that ends with one ("Paul P.")."""
    return text.rstrip(".") + "."


def render_note(h: HandOff) -> str:
    """The hand-off note for the requester: who asked, who would take it, why, and when it would be done; one
    fact a sentence, each within the style sheet's length."""
    head = f'{h.requester} ({h.department_name}): your request "{h.title}" ({h.request_id})'
    move = f"from {h.from_agent_name} to {h.to_agent_name}"
    if h.state == HandOffState.DECLINED:
        return f"{head} stays with {h.from_agent_name}: {h.to_agent_name} declined to take it."
    if h.state == HandOffState.SUPERSEDED:
        return f"{head}: the proposal to move it {move} was replaced by a newer one."
    if h.state == HandOffState.WITHDRAWN:
        return f"{head} was closed before {h.to_agent_name} answered, so it was not handed off."
    if h.reason == HelpReason.LATE_WORK:
        load = f"{possessive(h.from_agent_name)} planned work is {duration(h.from_late_before)} past due in all"
    else:
        load = (
            f"{h.from_agent_name} is planned {duration(h.from_planned_before)} over the next {h.horizon_days} working "
            f"days, against a target of {duration(h.from_target_minutes)}"
        )
    room = (
        f"{h.to_agent_name} holds its skills and has room: planned {duration(h.to_planned_before)} against a target "
        f"of {duration(h.to_target_minutes)}, {duration(h.to_planned_after)} with the hand-off"
    )
    zone = ZoneInfo(h.timezone)
    expected = f"start {moment(h.start_after, zone, h.now)} and finish {moment(h.end_after, zone, h.now)}"
    if h.minutes_late_after:
        expected += f", {duration(h.minutes_late_after)} past its due time"
    before = ""
    if h.start_before is not None and h.end_before is not None:
        if (h.start_before, h.end_before) == (h.start_after, h.end_after):
            before = f"That is when it was planned with {h.from_agent_name}."
        else:
            span = f"{moment(h.start_before, zone, h.now)} to {moment(h.end_before, zone, h.now)}"
            late = f", {duration(h.minutes_late_before)} past its due time" if h.minutes_late_before else ""
            before = f"It was planned {span} with {h.from_agent_name}{late}."
    if h.state == HandOffState.ACCEPTED:
        opening, outcome = f"{head} moved {move}, who accepted.", f"It is expected to {expected}."
    else:
        opening = _end(f"{head} is proposed to move {move}")
        outcome = f"If {h.to_agent_name} accepts, it is expected to {expected}."
    return " ".join(s for s in (opening, f"Why: {load}.", _end(room), outcome, before) if s)


def _late_phrase(minutes: int) -> str:
    return f"{duration(minutes)} past its due time" if minutes else "on time"


def render_swarm_note(s: Swarm) -> str:
    """The note for the requester of a shared request: when it would finish with its agent alone, who would do
    which part and when, and when it would finish in parts; every number is a field."""
    zone = ZoneInfo(s.timezone)
    mine, theirs = s.parts

    def span(start: datetime, end: datetime) -> str:
        return f"{moment(start, zone, s.now)} to {moment(end, zone, s.now)}"

    head = f'{s.requester} ({s.department_name}): your request "{s.title}" ({s.request_id})'
    if s.state == HandOffState.DECLINED:
        return f"{head} stays with {s.owner_name} alone: {s.peer_name} declined to take part of it."
    if s.state == HandOffState.SUPERSEDED:
        return f"{head}: the proposal to share it between {s.owner_name} and {s.peer_name} was replaced by a newer one."
    if s.state == HandOffState.WITHDRAWN:
        return f"{head} was closed before {s.peer_name} answered, so it was not shared."
    if s.state == HandOffState.ACCEPTED:
        return (
            f"{head} is shared: {s.peer_name} accepted to take {duration(theirs.minutes)} of its "
            f"{duration(s.effort_minutes)}, planned as its own request {s.part_request_id}; {s.owner_name} keeps the "
            f"other {duration(mine.minutes)}. It was expected to finish {moment(s.end_after, zone, s.now)} in parts, "
            f"{_late_phrase(s.minutes_late_after)}; the next plan places both parts."
        )
    alone = f"{head} would finish {moment(s.end_before, zone, s.now)} with {s.owner_name} alone, " + _late_phrase(
        s.minutes_late_before
    )
    helper = (
        f"{s.peer_name} holds its skills and has room, and is proposed to take {duration(theirs.minutes)} of its "
        f"{duration(s.effort_minutes)}, {span(theirs.start, theirs.end)}"
    )
    if s.timing == PartsTiming.PARALLEL:
        own = f"{s.owner_name} does the other {duration(mine.minutes)} at the same time, {span(mine.start, mine.end)}"
    else:
        order = "first" if mine.end_minute <= theirs.start_minute else "after"
        own = f"{s.owner_name} does the other {duration(mine.minutes)} {order}, {span(mine.start, mine.end)}"
    after = (
        f"If {s.peer_name} accepts, it is expected to finish {moment(s.end_after, zone, s.now)}, "
        f"{duration(s.earlier_by)} earlier, {_late_phrase(s.minutes_late_after)}"
    )
    return " ".join(_end(sentence) for sentence in (alone, helper, own, after))


def _swarm_sentences(h: Help) -> list[str]:
    """One sentence per shared request, for the agent who asked."""
    out = []
    for s in h.swarms:
        zone = ZoneInfo(s.timezone)
        out.append(
            f"{s.peer_name} could take {duration(s.parts[1].minutes)} of {s.request_id}, so that it finishes "
            f"{moment(s.end_after, zone, s.now)} instead of {moment(s.end_before, zone, s.now)}."
        )
    return out


def _count(n: int) -> str:
    return "1 hand-off" if n == 1 else f"{n} hand-offs"


def _stay_sentences(help_: Help, reason: StayReason, stays: list[Stay]) -> list[str]:
    """Why these requests stay with the agent: one sentence a reason (and, for want of skills or room, one a
    set of skills)."""
    ids = people([s.request_id for s in stays])
    one = len(stays) == 1
    if reason == StayReason.IN_PROGRESS:
        return [f"{ids} {'is' if one else 'are'} in progress, so {'it stays' if one else 'they stay'} with them."]
    if reason == StayReason.PINNED:
        return [f"{ids} {'is' if one else 'are'} pinned to them by the queue lead."]
    if reason == StayReason.DECLINED:
        return [f"Every qualified teammate with room declined {ids} before."]
    if reason == StayReason.NOT_EARLIER:
        return [f"Handing {ids} on whole would make nothing earlier."]
    by_skills: dict[str, list[str]] = {}
    for stay in stays:
        by_skills.setdefault(skills_phrase(stay.required_skills, help_.skill_names), []).append(stay.request_id)
    out = []
    for skills, request_ids in by_skills.items():
        named = people(request_ids)
        if reason == StayReason.NO_SKILL:
            out.append(f"No other teammate holds {skills} for {named}.")
        elif skills:
            out.append(f"No teammate who holds {skills} has room left for {named}.")
        else:
            out.append(f"No teammate has room left for {named}.")
    return out


def _why_staying(h: Help) -> list[str]:
    """The sentences of why the agent's requests that could not move stay with them."""
    blocked: dict[StayReason, list[Stay]] = {}
    for stay in h.stays:
        if stay.reason != StayReason.NOT_NEEDED:
            blocked.setdefault(stay.reason, []).append(stay)
    return [sentence for reason, stays in blocked.items() for sentence in _stay_sentences(h, reason, stays)]


def _late_help(h: Help, load: str) -> str:
    """Help for late work: within target, but their planned work is past due by more than the policy allows."""
    threshold = duration(h.late_threshold_minutes or 0)
    sentences = [
        f"{load}.",
        f"Their planned work is {duration(h.late_before)} past due in all, more than the {threshold} after which "
        "help is offered.",
    ]
    if h.proposals:
        to = ", ".join(f"{p.request_id} to {p.to_agent_name}" for p in h.proposals)
        sentences.append(_end(f"With {_count(h.moves)} their late work would come to {duration(h.late_after)}: {to}"))
        return " ".join(sentences)
    sentences.append("No hand-off makes their late work earlier.")
    sentences += _why_staying(h)
    if h.swarms:
        sentences += _swarm_sentences(h)
        sentences.append(f"Shared so, their late work would come to {duration(h.late_after)}.")
    return " ".join(sentences)


def render_help(h: Help) -> str:
    """The paragraph for the agent who asked: their load, the hand-offs proposed, and what is left and why; one
    fact a sentence."""
    load = (
        f"{h.agent_name} is planned {duration(h.planned_before)} over the next {h.horizon_days} working days, "
        f"against a target of {duration(h.target_minutes)}"
    )
    if h.outcome == HelpOutcome.NOT_OVER:
        return f"{load}: not above target, so no hand-off is proposed."
    if h.reason == HelpReason.LATE_WORK:
        return _late_help(h, load)
    sentences = [f"{load}."]
    if h.proposals:
        to = ", ".join(f"{p.request_id} to {p.to_agent_name}" for p in h.proposals)
        sentences.append(_end(f"With {_count(h.moves)} they would be at {duration(h.planned_after)}: {to}"))
    why = _why_staying(h)
    if h.swarms:
        sentences.append("No whole request can move.")
        sentences += why
        sentences += _swarm_sentences(h)
        sentences.append(
            f"Shared so, they would be {duration(h.over_after)} over target."
            if h.over_after
            else "Shared so, they would be within their target."
        )
        return " ".join(sentences)
    if h.over_after == 0:
        sentences.append("That is within their target.")
        return " ".join(sentences)
    sentences.append(
        f"They would still be {duration(h.over_after)} over target."
        if h.proposals
        else f"No hand-off is possible, so they stay {duration(h.over_after)} over target."
    )
    sentences += why
    return " ".join(sentences)
