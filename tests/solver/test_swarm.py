"""A second pair of hands: when an agent's late request cannot move whole, help proposes a peer to take part of
it. Known answers on small scenarios worked out by hand; every answer through `checked_help` (the plan in parts
through the independent checker, every fact recomputed, every number of the notes a field); a property over
random small teams, whose first share is held to a brute force on the team axis (no split finishes earlier); and
the checker fed broken part plans.

The organisation is the builders' (Mon 09:00, Mon-Fri 09:00-17:00, Europe/Berlin); every request is due an hour
after filing (`flat_policy(60)`) and churn weighs so much that the plan keeps each request with its owner, so that
a big request of one agent ends late until they ask for help."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.compile import qualifies
from solver.help import ask_help
from solver.run import plan
from solver.tradeoffs import targets_by_agent
from tests.builders import agent, flat_policy, request, scenario
from tests.solver.help_checks import QUICK, assert_numbers_are_fields, checked_help, planned_minutes, swarm_numbers
from tests.triage.test_registers import COST_POINTS, ENUM_VALUE, FORBIDDEN
from triage.calendar import BusinessAxis, subtract
from triage.explanations.style import MAX_SENTENCE_WORDS, sentences, words
from triage.help_text import render_swarm_note
from triage.model import Scenario
from triage.names import HandOffState, HelpOutcome, PartsTiming, Rule
from triage.results import Help, Part, Plan
from triage.validation import check_plan

LATE = flat_policy(60, term_weights={"churn": 5000})


def asked(agents: list[dict[str, Any]], requests: list[dict[str, Any]], **policy: Any) -> tuple[Scenario, Plan, Help]:
    s = scenario(agents, requests, policy={**LATE, **policy})
    current = plan(s, QUICK)
    owners = {r.id: r.owner for r in s.requests}
    assert all(a.agent_id == owners[a.request_id] for a in current.assignments), "the plan keeps the owners"
    return s, current, checked_help(s, current, "ana")


def spans(h: Help) -> list[tuple[str, int, str, str]]:
    """(agent, minutes, start, end) of each part of the one shared request, times as 'Mon 09:00'."""
    (w,) = h.swarms
    return [(p.agent_id, p.minutes, p.start.strftime("%a %H:%M"), p.end.strftime("%a %H:%M")) for p in w.parts]


def test_a_free_peer_takes_half_at_the_same_time() -> None:
    # A is 10 h: Ana alone ends Tue 11:00, 9 h past due. Moving it whole to Ben ends it no earlier, so nothing is
    # handed off; shared, each does 5 h from Mon 09:00 and it ends Mon 14:00, 4 h past due: 5 h earlier.
    _, _, h = asked([agent("ana"), agent("ben")], [request("A", 600, owner="ana")])
    assert (h.outcome, h.moves) == (HelpOutcome.SHARED, 0)
    assert spans(h) == [("ana", 300, "Mon 09:00", "Mon 14:00"), ("ben", 300, "Mon 09:00", "Mon 14:00")]
    (w,) = h.swarms
    assert (w.timing, w.minutes_late_before, w.minutes_late_after, w.earlier_by) == (
        PartsTiming.PARALLEL,
        540,
        240,
        300,
    )
    assert (h.late_before, h.late_after, h.planned_after) == (540, 240, 300)
    assert w.note == (
        'Robin (Operations): your request "Request A" (A) would finish Tue 11:00 with Ana alone, 9 h past its due '
        "time. Ben holds its skills and has room, and is proposed to take 5 h of its 10 h, Mon 09:00 to Mon 14:00. "
        "Ana does the other 5 h at the same time, Mon 09:00 to Mon 14:00. If Ben accepts, it is expected to finish "
        "Mon 14:00, 5 h earlier, 4 h past its due time."
    )
    assert h.text.endswith(
        "No hand-off makes their late work earlier. Handing A on whole would make nothing earlier. Ben could take "
        "5 h of A, so that it finishes Mon 14:00 instead of Tue 11:00. Shared so, their late work would come to 4 h."
    )


def test_the_notes_are_in_the_people_register() -> None:
    # no engineering words, enum values or cost points; no sentence over the style sheet's length (a quoted title
    # counts as one word); the parallel and the sequence wording both
    free = asked([agent("ana"), agent("ben")], [request("A", 600, owner="ana")])[2]
    later = asked(
        [
            agent("ana", time_off=[{"start": "2026-11-24", "end": "2026-11-24"}]),
            agent("ben", working_hours={d: ["09:00-17:00"] for d in ("tue", "wed")}),
        ],
        [request("A", 600, owner="ana")],
    )[2]
    assert (free.swarms[0].timing, later.swarms[0].timing) == (PartsTiming.PARALLEL, PartsTiming.SEQUENCE)
    for h in (free, later):  # the agent's paragraph, with its two sentences on sharing, and the requester's note
        shared = [x for x in sentences(h.text) if " could take " in x or x.startswith("Shared so")]
        assert len(shared) == 2
        for text in (h.swarms[0].note, h.text):
            lowered = text.lower()
            assert [w for w in FORBIDDEN if re.search(rf"\b{re.escape(w)}\b", lowered)] == [], text
            assert ENUM_VALUE.findall(text) == [] and COST_POINTS.findall(text) == [], text
            for sentence in sentences(text):
                assert words(re.sub(r'"[^"]*"', "TITLE", sentence)) <= MAX_SENTENCE_WORDS, sentence


def test_the_notes_of_an_answered_share_are_facts_in_the_people_register() -> None:
    # accepted (the part filed as its own request), declined, superseded, withdrawn: each note in the people
    # register, every number in it a field (the part's request id among them)
    (w,) = asked([agent("ana"), agent("ben")], [request("A", 600, owner="ana")])[2].swarms
    notes = {}
    for state in (HandOffState.ACCEPTED, HandOffState.DECLINED, HandOffState.SUPERSEDED, HandOffState.WITHDRAWN):
        answered = w.model_copy(update={"state": state, "part_request_id": "REQ-17"})
        notes[state] = render_swarm_note(answered)
        assert_numbers_are_fields(notes[state], swarm_numbers(answered) | {"17"})
        lowered = notes[state].lower()
        assert [x for x in FORBIDDEN if re.search(rf"\b{re.escape(x)}\b", lowered)] == [], notes[state]
        assert ENUM_VALUE.findall(notes[state]) == [] and COST_POINTS.findall(notes[state]) == [], notes[state]
        for sentence in sentences(notes[state]):
            assert words(re.sub(r'"[^"]*"', "TITLE", sentence)) <= MAX_SENTENCE_WORDS, sentence
    assert notes[HandOffState.ACCEPTED] == (
        'Robin (Operations): your request "Request A" (A) is shared: Ben accepted to take 5 h of its 10 h, planned '
        "as its own request REQ-17; Ana keeps the other 5 h. It was expected to finish Mon 14:00 in parts, 4 h past "
        "its due time; the next plan places both parts."
    )
    assert notes[HandOffState.DECLINED].endswith("(A) stays with Ana alone: Ben declined to take part of it.")


def test_a_busy_peer_takes_the_part_that_makes_both_end_together() -> None:
    # Ben works on his own B until Mon 12:00: the earliest finish has Ana's part end when Ben's does,
    # 0 + k = 180 + m with k + m = 600: Ben 3 h 30 min from Mon 12:00, Ana 6 h 30 min, both ending Mon 15:30.
    _, _, h = asked([agent("ana"), agent("ben")], [request("A", 600, owner="ana"), request("B", 180, owner="ben")])
    assert spans(h) == [("ana", 390, "Mon 09:00", "Mon 15:30"), ("ben", 210, "Mon 12:00", "Mon 15:30")]
    assert h.swarms[0].timing == PartsTiming.PARALLEL


def test_a_peer_who_starts_later_takes_the_rest_in_sequence() -> None:
    # Ana is off on Tuesday, Ben works Tuesday to Friday: alone, Ana ends A (10 h) Wed 11:00; Ben taking it whole
    # would too. Shared, Ana does Monday's 8 h and Ben the last 2 h on Tuesday: it ends a working day earlier.
    tuesday_on = {day: ["09:00-17:00"] for day in ("tue", "wed", "thu", "fri")}
    _, _, h = asked(
        [agent("ana", time_off=[{"start": "2026-11-24", "end": "2026-11-24"}]), agent("ben", working_hours=tuesday_on)],
        [request("A", 600, owner="ana")],
    )
    assert spans(h) == [("ana", 480, "Mon 09:00", "Mon 17:00"), ("ben", 120, "Tue 09:00", "Tue 11:00")]
    (w,) = h.swarms
    assert (w.timing, w.earlier_by) == (PartsTiming.SEQUENCE, 480)
    assert "Ana does the other 8 h first, Mon 09:00 to Mon 17:00." in w.note


def test_the_peers_room_bounds_their_part() -> None:
    # Ben's target is 4 % (96 of 2,400 minutes): he can take 1 h 36 min at most, so Ana keeps 8 h 24 min and A
    # ends Tue 09:24, 1 h 36 min earlier.
    _, _, h = asked([agent("ana"), agent("ben", target_load_pct=4)], [request("A", 600, owner="ana")])
    assert spans(h) == [("ana", 504, "Mon 09:00", "Tue 09:24"), ("ben", 96, "Mon 09:00", "Mon 10:36")]
    assert h.swarms[0].peer_planned_after == h.swarms[0].peer_target_minutes == 96


def test_an_agent_above_target_shares_what_cannot_move_whole() -> None:
    # Ana (target 10 %: 240 min) owns A (10 h); Ben (target 20 %: 480 min) has no room for all of it. Shared 5 h
    # each, Ana ends 1 h over target.
    _, _, h = asked(
        [agent("ana", target_load_pct=10), agent("ben", target_load_pct=20)], [request("A", 600, owner="ana")]
    )
    assert (h.reason, h.outcome, h.moves, h.planned_after, h.over_after) == ("over_target", "shared", 0, 300, 60)
    assert spans(h) == [("ana", 300, "Mon 09:00", "Mon 14:00"), ("ben", 300, "Mon 09:00", "Mon 14:00")]
    assert h.text.endswith(
        "No whole request can move. No teammate who holds Networking has room left for A. Ben could take 5 h of A, "
        "so that it finishes Mon 14:00 instead of Tue 11:00. Shared so, they would be 1 h over target."
    )


def test_a_share_that_brings_the_agent_within_target_says_so() -> None:
    # Ana's target is 13 % (312 min): keeping 5 h of A, she is within it.
    _, _, h = asked(
        [agent("ana", target_load_pct=13), agent("ben", target_load_pct=20)], [request("A", 600, owner="ana")]
    )
    assert (h.outcome, h.planned_after, h.over_after) == ("shared", 300, 0)
    assert h.text.endswith(
        "No whole request can move. Ben could take 5 h of A, so that it finishes Mon 14:00 instead of Tue 11:00. "
        "Shared so, they would be within their target."
    )


def test_no_share_below_the_minimum_nor_when_the_policy_says_none() -> None:
    # A of 1 h 50 min cannot be two parts of an hour (help offered for any late work: the threshold at 0), nor
    # 10 h two parts of 5 h 1 min; with the minimum switched off nothing is shared.
    _, _, small = asked([agent("ana"), agent("ben")], [request("A", 110, owner="ana")], help_late_minutes=0)
    assert (small.reason, small.late_before) == ("late_work", 50)
    assert small.swarms == [] and small.outcome == HelpOutcome.NO_HAND_OFF
    _, _, big = asked([agent("ana"), agent("ben")], [request("A", 600, owner="ana")], swarm_min_minutes=301)
    assert big.swarms == [] and big.outcome == HelpOutcome.NO_HAND_OFF
    for off in (0, None):
        _, _, none = asked([agent("ana"), agent("ben")], [request("A", 600, owner="ana")], swarm_min_minutes=off)
        assert none.swarms == [] and none.outcome == HelpOutcome.NO_HAND_OFF


def test_a_declined_peer_and_an_unqualified_one_are_not_proposed() -> None:
    s = scenario([agent("ana"), agent("ben"), agent("cal", {"pay": 1})], [request("A", 600, owner="ana")], policy=LATE)
    current = plan(s, QUICK)
    h = checked_help(s, current, "ana", frozenset({("A", "ben")}))
    assert h.swarms == [], "Ben declined A, Cal lacks Networking"


# -- every part plan passes the checker ------------------------------------------------------------------


@st.composite
def late_teams(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]], frozenset[tuple[str, str]]]:
    """a0 owns one or two big requests; one to three peers, some part-time, some busy with their own work."""
    days = ["mon", "tue", "wed", "thu", "fri"]
    agents = [agent("a0", {"net": 2, "pay": 1}, target_load_pct=draw(st.integers(5, 60)))]
    for i in range(1, draw(st.integers(2, 4))):
        fields: dict[str, Any] = {"target_load_pct": draw(st.integers(3, 60))}
        if draw(st.booleans()):
            hours = st.sampled_from(["09:00-17:00", "09:00-13:00", "13:00-17:00"])
            on = draw(st.lists(st.sampled_from(days), min_size=1, unique=True))
            fields["working_hours"] = {d: [draw(hours)] for d in on}
        skills = draw(st.sampled_from([{"net": 1}, {"net": 2}, {"pay": 1}, {"net": 2, "pay": 1}]))
        agents.append(agent(f"a{i}", skills, **fields))
    requests = []
    for i in range(draw(st.integers(1, 2))):
        requests.append(
            request(
                f"r{i}",
                draw(st.sampled_from([130, 300, 480, 700, 900])),
                owner="a0",
                status="in_progress" if draw(st.integers(0, 3)) == 0 else "open",
                required_skills=draw(st.sampled_from([{}, {"net": 1}, {"net": 2}, {"pay": 1}])),
                pausable=draw(st.sampled_from([None, False])),
            )
        )
    for i in range(draw(st.integers(0, 3))):
        owner = draw(st.sampled_from([a["id"] for a in agents[1:]]))
        requests.append(request(f"p{i}", draw(st.sampled_from([60, 120, 240])), owner=owner, required_skills={}))
    pairs = [(r["id"], a["id"]) for r in requests for a in agents]
    return agents, requests, frozenset(draw(st.lists(st.sampled_from(pairs), max_size=2)))


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(late_teams(), st.sampled_from([60, 90]))
def test_every_part_plan_passes_the_checker(
    team: tuple[list[dict[str, Any]], list[dict[str, Any]], frozenset[tuple[str, str]]], least: int
) -> None:
    # help is offered for any late work (threshold 0), so that many asks share a request; the others hand off
    # whole or keep their work, all through the same checks.
    agents, requests, declined = team
    s = scenario(agents, requests, policy={**LATE, "swarm_min_minutes": least, "help_late_minutes": 0})
    current = plan(s, QUICK)
    for asker in ("a0", "a1"):
        h = checked_help(s, current, asker, declined)  # the checker on the parts, and every fact of every note
        if h.swarms:  # the first share saw the plan untouched: no split finishes earlier, none as early with less
            w = h.swarms[0]
            after = h.after.assignment(w.request_id) if h.after else None
            assert after is not None
            assert (after.end_minute, w.parts[1].minutes) == _best_by_brute_force(s, current, w.request_id, declined)


def _walk(windows: list[tuple[int, int]], start: int, minutes: int) -> int | None:
    """The team minute at which `minutes` of work from `start` ends, working through the windows; None past them."""
    left = minutes
    for low, high in windows:
        if high <= start:
            continue
        begin = max(low, start)
        take = min(high - begin, left)
        left -= take
        if left == 0:
            return begin + take
    return None


def _best_by_brute_force(
    s: Scenario, current: Plan, request_id: str, declined: frozenset[tuple[str, str]]
) -> tuple[int, int]:
    """(finish, peer minutes) of the best split, on the team axis from the agents' windows and the plan's spans:
    every qualified peer with room, every part size, every start where a free stretch opens."""
    axis = BusinessAxis(s.calendar, s.now, s.policy.horizon_days)
    request = next(r for r in s.requests if r.id == request_id)
    was = current.assignment(request_id)
    assert was is not None
    least, effort = s.policy.swarm_min_minutes or 0, request.effort_minutes
    targets, loads = targets_by_agent(s), planned_minutes(s, current)
    release = max(axis.minute_of(request.created_at), 0)
    pausable = s.policy.may_pause(request)
    owner_windows = axis.agent_windows(s.agent(was.agent_id))
    best: tuple[int, int] | None = None
    for peer in s.agents:
        if peer.id == was.agent_id or not qualifies(peer, request) or (request_id, peer.id) in declined:
            continue
        windows = axis.agent_windows(peer)
        busy = sorted((a.start_minute, a.end_minute) for a in current.assignments if a.agent_id == peer.id)
        opens = [max(low, release) for low, high in subtract(windows, busy) if high > max(low, release)]
        for m in range(least, min(effort - least, targets[peer.id] - loads[peer.id]) + 1):
            for start in opens:
                end = _walk(windows, start, m)
                if end is None:
                    break
                clear = all(b_end <= start or b_start >= end for b_start, b_end in busy)
                one_window = any(low <= start and end <= high for low, high in windows)
                if clear and (pausable or one_window):
                    mine = _walk(owner_windows, was.start_minute, effort - m)
                    assert mine is not None
                    key = (max(mine, end), m)
                    best = key if best is None or key < best else best
                    break
    assert best is not None and best[0] < was.end_minute
    return best


# -- the checker fed broken part plans -------------------------------------------------------------------


def _part(s: Scenario, agent_id: str, start: int, minutes: int) -> Part:
    """A part of a full-timer on the builders' calendar (no gaps inside the axis: it ends `minutes` later)."""
    axis = BusinessAxis(s.calendar, s.now, s.policy.horizon_days)
    return Part(
        agent_id=agent_id,
        minutes=minutes,
        start=axis.moment_of(start),
        start_minute=start,
        end=axis.moment_of(start + minutes, closing=True),
        end_minute=start + minutes,
    )


def _with_parts(s: Scenario, after: Plan, parts: list[Part]) -> list[tuple[Rule, str]]:
    start, end = min(p.start_minute for p in parts), max(p.end_minute for p in parts)
    axis = BusinessAxis(s.calendar, s.now, s.policy.horizon_days)
    changed = [
        a.model_copy(
            update={
                "parts": parts,
                "start_minute": start,
                "end_minute": end,
                "start": axis.moment_of(start),
                "end": axis.moment_of(end, closing=True),
                "minutes_late": max(end - 60, 0),
            }
        )
        if a.request_id == "A"
        else a
        for a in after.assignments
    ]
    return [(v.rule, v.detail) for v in check_plan(s, after.model_copy(update={"assignments": changed}))]


def test_the_checker_refuses_broken_part_plans() -> None:
    s = scenario(
        [agent("ana"), agent("ben"), agent("cal", {"pay": 1})],
        [request("A", 600, owner="ana"), request("B", 180, owner="ben")],
        policy=LATE,
    )
    after = ask_help(s, plan(s, QUICK), "ana", QUICK).after
    assert after is not None
    assert _with_parts(s, after, [_part(s, "ana", 0, 390), _part(s, "ben", 180, 210)]) == []  # the proposal itself
    assert _with_parts(s, after, [_part(s, "ana", 0, 570), _part(s, "ben", 180, 30)]) == [
        (Rule.PARTS, "a part of 30 min by ben, below the least 60 min")
    ]
    assert _with_parts(s, after, [_part(s, "ana", 0, 390), _part(s, "ben", 120, 210)]) == [
        (Rule.NO_OVERLAP, "overlaps B")
    ]
    assert _with_parts(s, after, [_part(s, "ana", 0, 390), _part(s, "cal", 0, 210)]) == [
        (Rule.SKILLS, "cal lacks {'net': 1}")
    ]
    assert _with_parts(s, after, [_part(s, "ana", 0, 390), _part(s, "ben", 180, 150)]) == [
        (Rule.PARTS, "its parts add up to 540 min, not its effort 600")
    ]
    assert _with_parts(s, after, [_part(s, "ana", 0, 300), _part(s, "ana", 300, 300)]) == [
        (Rule.PARTS, "a shared request has two parts, by two agents")
    ]
    assert _with_parts(s, after, [_part(s, "ben", 180, 210), _part(s, "ana", 0, 390)]) == [
        (Rule.PARTS, "its agent ana does not do its first part")
    ]
    off = s.model_copy(update={"policy": s.policy.model_copy(update={"swarm_min_minutes": None})})
    assert _with_parts(off, after, [_part(s, "ana", 0, 390), _part(s, "ben", 180, 210)]) == [
        (Rule.PARTS, "done in parts, but the policy shares no request")
    ]
