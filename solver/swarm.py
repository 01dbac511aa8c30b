"""A second pair of hands: when an agent asking for help has late work and no whole request of theirs can move,
a late request may be done in two parts, the agent's and a teammate's (`share_late_work`).

The plan is held as it is; only the shared request changes. Its agent keeps the start of its span and does the
first k minutes of it; a peer who holds its skills, has not declined it and has room (their planned minutes with
the part within their target) does the other E - k minutes in one free stretch of their own time (within one
working window when the work may not pause), after the request exists, within the horizon, and not before its
start when a pin wants another request to finish before it starts, nor before the peer's pinned first request.
Each part is at least the policy's `swarm_min_minutes`. Of every split (every peer, every k), the one that
finishes earliest is chosen, then the one that gives the peer the fewest minutes; it is proposed only when it
finishes earlier than the agent alone. The late requests are taken in turn, most late first, each split seeing
the peers' time and room the earlier ones took. Direct computation on the own-time axis of each agent: no
CP-SAT, so it is exact on what it searches (every k, every peer, every free stretch).
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.compile import AgentTime, Compiled, qualifies
from solver.run import extract_plan
from solver.terms import TERMS, weighted_sum
from solver.terms.base import Facts, Placements, team_end
from solver.terms.overload import above_target
from solver.terms.spread import compared_loads, highest_minus_lowest, load_per_mille
from triage.help_text import render_swarm_note
from triage.model import Scenario
from triage.names import PartsTiming, PinKind, PlanStatus, Term
from triage.results import Part, Plan, Swarm, TermValue

Span = tuple[int, int]
"""[start, end) on one agent's own axis (their working minutes from now)."""


@dataclass(frozen=True)
class Split:
    """One late request done in two parts: its agent's first `owner_minutes` from their start, and the peer's
    `peer_minutes` from `peer_start` (own axes); `finish` is the later part's end on the team axis."""

    job: int
    owner: int
    owner_start: int
    owner_minutes: int
    peer: int
    peer_start: int
    peer_minutes: int
    finish: int
    finish_before: int

    def parts(self, compiled: Compiled) -> list[Part]:
        """The two parts, the agent's first, with their times on the team axis and as moments."""
        out = []
        for agent, own, minutes in (
            (self.owner, self.owner_start, self.owner_minutes),
            (self.peer, self.peer_start, self.peer_minutes),
        ):
            time = compiled.agents[agent]
            start, end = time.team_start(own), time.team_end(own + minutes)
            out.append(
                Part(
                    agent_id=time.agent.id,
                    minutes=minutes,
                    start=compiled.axis.moment_of(start),
                    end=compiled.axis.moment_of(end, closing=True),
                    start_minute=start,
                    end_minute=end,
                )
            )
        return out


def share_late_work(
    compiled: Compiled,
    placements: Placements,
    asker: int,
    declined: frozenset[tuple[str, str]],
) -> list[Split]:
    """The splits proposed for the asker's late requests, most late first; none when the policy shares no work."""
    least = compiled.scenario.policy.swarm_min_minutes or 0
    if not least:
        return []
    busy: dict[int, list[Span]] = {}
    minutes = [0] * len(compiled.agents)
    for j, (a, own) in placements.items():
        busy.setdefault(a, []).append((own, own + compiled.jobs[j].effort))
        minutes[a] += compiled.jobs[j].effort
    pinned = compiled.pins.assigned_to
    late = [
        (team_end(compiled, j, p) - compiled.jobs[j].triage.due_minute, j)
        for j, p in placements.items()
        if p[0] == asker and team_end(compiled, j, p) > compiled.jobs[j].triage.due_minute
    ]
    out = []
    for _, j in sorted(late, key=lambda x: (-x[0], x[1])):
        if j in pinned or compiled.jobs[j].effort < 2 * least:
            continue
        split = _best_split(compiled, placements, j, asker, least, busy, minutes, declined)
        if split is None:
            continue
        out.append(split)
        busy.setdefault(split.peer, []).append((split.peer_start, split.peer_start + split.peer_minutes))
        minutes[split.peer] += split.peer_minutes
        minutes[asker] -= split.peer_minutes
    return out


def _best_split(
    compiled: Compiled,
    placements: Placements,
    j: int,
    asker: int,
    least: int,
    busy: dict[int, list[Span]],
    minutes: list[int],
    declined: frozenset[tuple[str, str]],
) -> Split | None:
    job, owner = compiled.jobs[j], compiled.agents[asker]
    own_start = placements[j][1]
    finish_before = owner.team_end(own_start + job.effort)
    not_before = _not_before(compiled, placements, j)
    best: tuple[int, int, int, int] | None = None  # (finish, peer minutes, peer, peer start)
    for b, peer in enumerate(compiled.agents):  # work in progress too: its agent's part first, the peer's besides
        if b == asker or not qualifies(peer.agent, job.request) or (job.request.id, peer.agent.id) in declined:
            continue
        room = peer.target_minutes - minutes[b]
        most = min(job.effort - least, room)
        if most < least:
            continue
        earliest = max(
            peer.own_minute(max(job.triage.release_minute, not_before)), _after_first(compiled, placements, b)
        )
        stretches = _free(peer, sorted(busy.get(b, [])), earliest, pausable=job.pausable)
        first = 0  # the earliest stretch the part fits: a stretch too short for m is too short for m + 1
        for m in range(least, most + 1):
            while first < len(stretches) and stretches[first][1] - stretches[first][0] < m:
                first += 1
            if first == len(stretches):
                break  # a longer part fits no stretch either
            start = stretches[first][0]
            finish = max(owner.team_end(own_start + job.effort - m), peer.team_end(start + m))
            key = (finish, m, b, start)
            if best is None or key < best:
                best = key
    if best is None or best[0] >= finish_before:
        return None
    finish, m, b, start = best
    return Split(j, asker, own_start, job.effort - m, b, start, m, finish, finish_before)


def _not_before(compiled: Compiled, placements: Placements, j: int) -> int:
    """Team minute no part may start before: the request's start when a pin wants another request to end
    before it starts (sharing must not start it earlier), else 0."""
    request_id = compiled.jobs[j].request.id
    if any(p.kind == PinKind.BEFORE and p.other == request_id for p in compiled.scenario.pins):
        return compiled.agents[placements[j][0]].team_start(placements[j][1])
    return 0


def _after_first(compiled: Compiled, placements: Placements, b: int) -> int:
    """Own minute of the peer from which a part may start: after their pinned first request ends, if any."""
    index = compiled.job_index()
    out = 0
    for pin in compiled.scenario.pins:
        j = index.get(pin.request)
        if pin.kind == PinKind.FIRST and j is not None and j in placements and placements[j][0] == b:
            out = max(out, placements[j][1] + compiled.jobs[j].effort)
    return out


def _free(peer: AgentTime, spans: list[Span], earliest: int, *, pausable: bool) -> list[Span]:
    """The peer's free stretches of own time from `earliest` to the horizon's end, between their work; within
    one working window each when the work may not pause."""
    edges = [(earliest, peer.capacity_minutes)]
    if not pausable:  # own-axis ranges of the windows
        cuts, total = [], 0
        for low, high in peer.windows:
            cuts.append((total, total + high - low))
            total += high - low
        edges = [(max(a, earliest), b) for a, b in cuts if b > max(a, earliest)]
    out = []
    for low, high in edges:
        cursor = low
        for start, end in spans:
            if end <= cursor or start >= high:
                continue
            if start > cursor:
                out.append((cursor, start))
            cursor = max(cursor, end)
        if cursor < high:
            out.append((cursor, high))
    return out


def proposal(scenario: Scenario, compiled: Compiled, split: Split, before: list[int], after: list[int]) -> Swarm:
    """The proposal of one shared request: its facts from the split, the peer's planned minutes before and with
    every part of the answer (`before`, `after`: per agent), and the note built from them."""
    job = compiled.jobs[split.job]
    request, owner, peer = job.request, compiled.agents[split.owner].agent, compiled.agents[split.peer]
    parts = split.parts(compiled)
    overlap = max(p.start_minute for p in parts) < min(p.end_minute for p in parts)
    due = job.triage.due_minute
    s = Swarm(
        request_id=request.id,
        title=request.title,
        department_id=request.department,
        department_name=scenario.department(request.department).name,
        requester=request.requester,
        effort_minutes=request.effort_minutes,
        owner_id=owner.id,
        owner_name=owner.name,
        peer_id=peer.agent.id,
        peer_name=peer.agent.name,
        parts=parts,
        timing=PartsTiming.PARALLEL if overlap else PartsTiming.SEQUENCE,
        min_part_minutes=scenario.policy.swarm_min_minutes or 0,
        peer_planned_before=before[split.peer],
        peer_planned_after=after[split.peer],
        peer_target_minutes=peer.target_minutes,
        end_before=compiled.axis.moment_of(split.finish_before, closing=True),
        minutes_late_before=max(split.finish_before - due, 0),
        end_after=compiled.axis.moment_of(split.finish, closing=True),
        minutes_late_after=max(split.finish - due, 0),
        earlier_by=split.finish_before - split.finish,
        timezone=scenario.calendar.timezone,
        now=scenario.now,
    )
    s.note = render_swarm_note(s)
    return s


def plan_with_parts(compiled: Compiled, placements: Placements, splits: list[Split], how: str) -> Plan:
    """The plan of these placements with each split request done in its parts: its assignment spans the parts
    and is late by its finish; every term is priced with the parts (the agents' minutes moved to the peers)."""
    plan = extract_plan(compiled, dict(placements), PlanStatus.FEASIBLE, 0, how)
    by_request = {compiled.jobs[s.job].request.id: s for s in splits}
    for i, a in enumerate(plan.assignments):
        split = by_request.get(a.request_id)
        if split is None:
            continue
        parts = split.parts(compiled)
        start = min(p.start_minute for p in parts)
        due = compiled.jobs[split.job].triage.due_minute
        plan.assignments[i] = a.model_copy(
            update={
                "start": compiled.axis.moment_of(start),
                "end": compiled.axis.moment_of(split.finish, closing=True),
                "start_minute": start,
                "end_minute": split.finish,
                "minutes_late": max(split.finish - due, 0),
                "parts": parts,
            }
        )
    quantities = quantities_with_parts(compiled, placements, splits)
    weights = compiled.weights
    terms = [
        TermValue(
            term=t.term,
            weight=weights[t.term],
            quantity=quantities[t.term],
            unit=t.unit,
            value=weights[t.term] * quantities[t.term],
        )
        for t in TERMS
    ]
    objective = weighted_sum(compiled, quantities)
    return plan.model_copy(update={"terms": terms, "objective": objective, "gap": 1.0 if objective else 0.0})


def quantities_with_parts(compiled: Compiled, placements: Placements, splits: list[Split]) -> dict[Term, int]:
    """Every term's quantity with the splits: a shared request ends at its later part's end (the per-request
    terms, rank and fairness read that end); its agents' minutes are its parts' (overload and spread)."""
    facts = Facts.of(compiled, placements)
    ends = dict(facts.ends)
    for s in splits:
        ends[s.job] = s.finish
    shared = Facts.of(compiled, placements, ends)
    out = {t.term: t.quantity(shared) for t in TERMS}
    pieces: list[list[int]] = [[] for _ in compiled.agents]  # per agent: the minutes of each span of work
    split_of = {s.job: s for s in splits}
    for j, (a, _) in placements.items():
        split = split_of.get(j)
        if split is None:
            pieces[a].append(compiled.jobs[j].effort)
        else:
            pieces[split.owner].append(split.owner_minutes)
            pieces[split.peer].append(split.peer_minutes)
    out[Term.OVERLOAD] = sum(above_target(sum(p), compiled.agents[a].target_minutes) for a, p in enumerate(pieces))
    per_mille = [sum(load_per_mille(compiled, a, m) for m in p) for a, p in enumerate(pieces)]
    out[Term.SPREAD] = highest_minus_lowest(compared_loads(compiled)(per_mille))
    return out
