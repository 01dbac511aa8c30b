"""Checks every help answer is held to: the independent checker on the plan with every proposal accepted (a
shared request in its parts), each fact of each proposal recomputed from that plan and the current one, and the
fewest moves found by brute force."""

from __future__ import annotations

import itertools
import re
from zoneinfo import ZoneInfo

from solver.compile import qualifies
from solver.help import Declined, ask_help
from solver.params import SolveParams
from solver.tradeoffs import targets_by_agent
from triage.help_text import render_help, render_note, render_swarm_note
from triage.model import Scenario
from triage.names import HelpOutcome, PinKind, RequestStatus
from triage.render import duration, moment
from triage.results import HandOff, Help, Plan, Swarm
from triage.validation import check_plan, term_quantities

QUICK = SolveParams(time_limit_seconds=2, workers=2)


def planned_minutes(scenario: Scenario, plan: Plan) -> dict[str, int]:
    """Each agent's planned minutes in a plan, from its assignments and the requests' efforts (a shared request's
    from its parts)."""
    effort = {r.id: r.effort_minutes for r in scenario.requests}
    out = dict.fromkeys((a.id for a in scenario.agents), 0)
    for a in plan.assignments:
        if not a.parts:
            out[a.agent_id] += effort[a.request_id]
        for part in a.parts:
            out[part.agent_id] += part.minutes
    return out


def checked_help(
    scenario: Scenario, plan: Plan, agent_id: str, declined: Declined = frozenset(), params: SolveParams = QUICK
) -> Help:
    """Ask for help, then hold the answer to the checker and recompute every fact it states."""
    result = ask_help(scenario, plan, agent_id, params, declined)
    after = result.after
    assert after is not None
    assert check_plan(scenario, after) == []
    assert {t.term: t.quantity for t in after.terms} == term_quantities(scenario, after)
    targets = targets_by_agent(scenario)
    before_loads, after_loads = planned_minutes(scenario, plan), planned_minutes(scenario, after)
    assert (result.planned_before, result.planned_after) == (before_loads[agent_id], after_loads[agent_id])
    assert result.target_minutes == targets[agent_id]
    assert result.over_after == max(after_loads[agent_id] - targets[agent_id], 0)
    assert result.moves == len(result.proposals)
    if result.outcome == HelpOutcome.NOT_OVER:
        assert before_loads[agent_id] <= targets[agent_id] and result.proposals == []
    before_agent = {a.request_id: a.agent_id for a in plan.assignments}
    after_agent = {a.request_id: a.agent_id for a in after.assignments}
    assert set(after_agent) == set(before_agent), "help never drops nor adds work"
    moved = {r for r, a in after_agent.items() if a != before_agent[r]}
    assert moved == {p.request_id for p in result.proposals}, "only the asking agent's requests change hands"
    requests = {r.id: r for r in scenario.requests}
    for p in result.proposals:
        request, peer = requests[p.request_id], scenario.agent(p.to_agent_id)
        assert before_agent[p.request_id] == agent_id == p.from_agent_id
        assert request.status != RequestStatus.IN_PROGRESS, "work in progress stays with its owner"
        assert qualifies(peer, request) and (p.request_id, p.to_agent_id) not in declined
        assert not any(pin.kind == PinKind.ASSIGN and pin.request == p.request_id for pin in scenario.pins)
        assert (p.to_planned_before, p.to_planned_after) == (before_loads[peer.id], after_loads[peer.id])
        assert p.to_planned_after <= p.to_target_minutes == targets[peer.id], "the peer stays within target"
        assert (p.from_planned_before, p.from_planned_after) == (result.planned_before, result.planned_after)
        now, was = after.assignment(p.request_id), plan.assignment(p.request_id)
        assert now is not None and was is not None
        assert (p.start_after, p.end_after, p.minutes_late_after) == (now.start, now.end, now.minutes_late)
        assert (p.start_before, p.end_before, p.minutes_late_before) == (was.start, was.end, was.minutes_late)
        assert p.note == render_note(p)
        assert_numbers_are_fields(p.note, note_numbers(p))
    for swarm in result.swarms:
        check_swarm(scenario, plan, after, swarm, declined)
    assert {a.request_id for a in after.assignments if a.parts} == {w.request_id for w in result.swarms}
    assert result.text == render_help(result)
    assert_numbers_are_fields(result.text, help_numbers(result))
    return result


def check_swarm(scenario: Scenario, plan: Plan, after: Plan, w: Swarm, declined: Declined) -> None:
    """A shared request's facts, recomputed: its parts are the plan's, its before the current plan's, the peer is
    qualified, not declined and within target, and the note is built from its fields with no other number."""
    was, now = plan.assignment(w.request_id), after.assignment(w.request_id)
    assert was is not None and now is not None
    assert now.parts == w.parts and [p.agent_id for p in w.parts] == [w.owner_id, w.peer_id] == [
        was.agent_id,
        w.peer_id,
    ]
    assert (w.end_before, w.minutes_late_before) == (was.end, was.minutes_late) and was.minutes_late > 0
    assert (w.end_after, w.minutes_late_after) == (now.end, now.minutes_late)
    assert w.earlier_by == was.end_minute - now.end_minute > 0, "a share is proposed only when it finishes earlier"
    assert min(p.minutes for p in w.parts) >= w.min_part_minutes == scenario.policy.swarm_min_minutes
    request = next(r for r in scenario.requests if r.id == w.request_id)
    assert qualifies(scenario.agent(w.peer_id), request) and (w.request_id, w.peer_id) not in declined
    targets, loads = targets_by_agent(scenario), planned_minutes(scenario, after)
    assert (w.peer_planned_after, w.peer_target_minutes) == (loads[w.peer_id], targets[w.peer_id])
    assert w.peer_planned_before == planned_minutes(scenario, plan)[w.peer_id]
    assert w.peer_planned_after <= w.peer_target_minutes, "the peer stays within target"
    overlap = max(p.start_minute for p in w.parts) < min(p.end_minute for p in w.parts)
    assert w.timing == ("parallel" if overlap else "sequence")
    assert w.note == render_swarm_note(w)
    assert_numbers_are_fields(w.note, swarm_numbers(w))


def swarm_numbers(w: Swarm) -> set[str]:
    """The numbers a shared request's note may show: its fields' durations and times, ids and names."""
    zone = ZoneInfo(w.timezone)
    minutes = [
        w.effort_minutes,
        w.minutes_late_before,
        w.minutes_late_after,
        w.earlier_by,
        *(p.minutes for p in w.parts),
    ]
    times = [w.end_before, w.end_after, *(p.start for p in w.parts), *(p.end for p in w.parts)]
    return _digits(
        *map(duration, minutes),
        *(moment(t, zone, w.now) for t in times),
        w.request_id,
        w.title,
        w.requester,
        w.department_name,
        w.owner_name,
        w.peer_name,
    )


def _digits(*texts: str) -> set[str]:
    return {n for text in texts for n in re.findall(r"\d+", text)}


def note_numbers(p: HandOff) -> set[str]:
    """The numbers a note may show: its fields' durations, times, ids, names and the horizon."""
    zone = ZoneInfo(p.timezone)
    minutes = [
        p.from_planned_before,
        p.from_target_minutes,
        p.to_planned_before,
        p.to_target_minutes,
        p.to_planned_after,
        p.minutes_late_after,
        p.minutes_late_before,
        p.from_late_before,
    ]
    times = [t for t in (p.start_after, p.end_after, p.start_before, p.end_before) if t is not None]
    return _digits(
        *map(duration, minutes),
        *(moment(t, zone, p.now) for t in times),
        p.request_id,
        p.title,
        p.requester,
        p.department_name,
        p.from_agent_name,
        p.to_agent_name,
        str(p.horizon_days),
    )


def help_numbers(h: Help) -> set[str]:
    minutes = [h.planned_before, h.target_minutes, h.planned_after, h.over_after, h.late_before, h.late_after]
    minutes += [h.late_threshold_minutes] if h.late_threshold_minutes is not None else []
    names = [*(p.to_agent_name for p in h.proposals), *h.skill_names.values(), h.agent_name]
    ids = [*(p.request_id for p in h.proposals), *(s.request_id for s in h.stays)]
    for w in h.swarms:  # who takes how much of which request, and its finish before and after
        zone = ZoneInfo(w.timezone)
        minutes.append(w.parts[1].minutes)
        names.append(w.peer_name)
        ids += [w.request_id, moment(w.end_after, zone, w.now), moment(w.end_before, zone, w.now)]
    levels = [str(level) for s in h.stays for level in s.required_skills.values()]
    return _digits(*map(duration, minutes), *names, *ids, *levels, str(h.horizon_days), str(h.moves))


def assert_numbers_are_fields(text: str, allowed: set[str]) -> None:
    invented = _digits(text) - allowed
    assert invented == set(), f"numbers not from the fields: {invented} in {text!r}"


def fewest_moves(scenario: Scenario, plan: Plan, agent_id: str, declined: Declined = frozenset()) -> tuple[int, int]:
    """(minutes over target, moves), lexicographically least, by trying every way to hand the agent's movable
    requests to qualified peers with room (timing ignored: the tests' scenarios leave every agent the time)."""
    targets, loads = targets_by_agent(scenario), planned_minutes(scenario, plan)
    requests = {r.id: r for r in scenario.requests}
    pinned = {p.request for p in scenario.pins if p.kind == PinKind.ASSIGN}
    mine = [a.request_id for a in plan.assignments if a.agent_id == agent_id]
    choices = []
    for rid in mine:
        request = requests[rid]
        movable = request.status != RequestStatus.IN_PROGRESS and rid not in pinned
        peers = [
            a.id
            for a in scenario.agents
            if a.id != agent_id and qualifies(a, request) and (rid, a.id) not in declined and movable
        ]
        choices.append([None, *peers])
    best = (max(loads[agent_id] - targets[agent_id], 0), 0)
    for pick in itertools.product(*choices):
        taken = dict.fromkeys(loads, 0)
        for rid, peer in zip(mine, pick, strict=True):
            if peer is not None:
                taken[peer] += requests[rid].effort_minutes
        if any(loads[p] + m > targets[p] for p, m in taken.items() if m):
            continue
        left = loads[agent_id] - sum(taken.values())
        best = min(best, (max(left - targets[agent_id], 0), sum(peer is not None for peer in pick)))
    return best
