"""The independent checker: the specification of a valid plan and of its cost, written without the solver.

`check_plan` lists every hard-rule violation of a plan for a scenario (work that may not pause, as
`Policy.may_pause` says, must lie within one of its agent's working windows: `Rule.NO_PAUSE`);
`term_quantities` recomputes each objective term's unweighted quantity from the scenario and the plan alone.
A request done in two parts (`Assignment.parts`, help's second pair of hands) is held part by part: each part by
a qualified agent, within their working time and clear of their other work, at least the policy's
`swarm_min_minutes`, the parts adding up to its effort (`Rule.PARTS`); its minutes count to each part's agent.
A request shared by an accepted share is planned as two requests (its own and the part filed, `part_of` it) and
presented as one in parts, each part naming the request it is planned as (`Part.request_id`): its agent's part
is its own placement, every other part is a part of it with its own assignment, done by the agent that part is
pinned to (the peer who accepted), the minutes adding up to its effort and its parts' (`Rule.PARTS`). Such a
request and its open parts are priced once, as one request (`_groups`): lateness, waiting and the on-time count
read the latest end of the request's own part and its parts when all are planned (the presented end), with the
request's weight, due and maximum wait, and the parts add nothing to them (nor count as requests of their
department for fairness); a request not planned is priced as not planned whatever its parts, and a part not
planned pays its own deferral and nothing else (the request then read by its own part's end). Deferral, churn,
overload, spread and share count each part as the request it is planned as; rank reads each request's own
part's end.
Every solver test ends with both, and the heuristic answers to the same checker.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from triage.calendar import BusinessAxis
from triage.model import Agent, Request, Scenario
from triage.names import PinKind, PlanStatus, Priority, RequestStatus, Rule, Term
from triage.results import Assignment, Part, Plan
from triage.scoring import Triage, triage_all


@dataclass(frozen=True)
class Violation:
    rule: Rule
    request_id: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule.value} [{self.request_id}]: {self.detail}"


def _holds(agent: Agent, request: Request) -> bool:
    return all(agent.skills.get(s, 0) >= level for s, level in request.required_skills.items())


def _working(windows: list[tuple[int, int]], start: int, end: int) -> int:
    return sum(max(0, min(end, high) - max(start, low)) for low, high in windows)


def check_plan(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every hard rule the plan breaks; empty for a valid plan. An infeasible plan places nothing."""
    if plan.status == PlanStatus.INFEASIBLE:
        placed = [a.request_id for a in plan.assignments] + [u.request_id for u in plan.unassigned]
        return [Violation(Rule.ONCE, rid, "an infeasible plan places nothing") for rid in placed]
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    triages = triage_all(scenario, axis)
    requests = {r.id: r for r in scenario.requests}
    agents = {a.id: a for a in scenario.agents}
    windows = {a.id: axis.agent_windows(a) for a in scenario.agents}
    unfrozen = {p.request for p in scenario.pins if p.kind == PinKind.UNFREEZE}
    out: list[Violation] = []
    out += _check_once(scenario, plan)
    for a in plan.assignments:
        request, agent = requests.get(a.request_id), agents.get(a.agent_id)
        if request is None or agent is None:
            continue  # reported by _check_once
        owner = agents.get(request.owner) if request.owner else None
        may_pause = scenario.policy.may_pause(request)
        if a.stored_parts():
            out += _check_stored_parts(scenario, plan, a, request)
        elif a.parts:
            out += _check_parts(scenario, a, request)
        for span, effort in _spans(a, request):
            doer = agents.get(span.agent_id)
            if doer is None:
                out.append(Violation(Rule.PARTS, a.request_id, f"a part by unknown agent {span.agent_id}"))
                continue
            held = owner if span.agent_id == a.agent_id else None  # work in progress: its agent's part stays theirs
            out += _check_assignment(
                span, request, doer, held, windows[doer.id], axis, unfrozen, may_pause=may_pause, effort=effort
            )
        due = triages[request.id].due_minute
        if a.minutes_late != max(a.end_minute - due, 0):
            out.append(Violation(Rule.ONCE, a.request_id, f"minutes_late {a.minutes_late} != end - due"))
    by_agent: dict[str, list[Assignment]] = defaultdict(list)
    for a in plan.assignments:
        for span, _ in _spans(a, requests.get(a.request_id)):
            by_agent[span.agent_id].append(span)
    for items in by_agent.values():
        items.sort(key=lambda x: x.start_minute)
        for first, second in itertools.pairwise(items):
            if second.start_minute < first.end_minute:
                out.append(Violation(Rule.NO_OVERLAP, second.request_id, f"overlaps {first.request_id}"))
    return out + _check_pins(scenario, plan)


def _spans(a: Assignment, request: Request | None) -> list[tuple[Assignment, int]]:
    """The spans of work of an assignment, each with its working minutes: the whole, or each part."""
    if not a.parts:
        return [(a, request.effort_minutes if request else 0)]
    if a.stored_parts():  # the other parts are their own requests' assignments, held as those
        return [(_as_span(a, a.parts[0]), a.parts[0].minutes)]
    return [(_as_span(a, p), p.minutes) for p in a.parts]


def _priced_end(a: Assignment) -> int:
    """The end of an assignment's own work: a request shared by an accepted share, by its own part's end (its
    parts are their own assignments); otherwise the assignment's end."""
    return a.own_span()[1] if a.stored_parts() else a.end_minute


def _groups(scenario: Scenario) -> dict[str, str]:
    """Per open part of an open shared request (`Request.part_of`, followed up to the first open request that is
    no open part itself), that request's id; parts of each other lead nothing."""
    open_ids = {r.id for r in scenario.requests if r.status.plannable}
    up = {r.id: r.part_of for r in scenario.requests if r.id in open_ids and r.part_of in open_ids}
    out = {}
    for rid in up:
        seen, lead = {rid}, rid
        while lead in up and up[lead] not in seen:
            lead = up[lead]
            seen.add(lead)
        if lead not in up:
            out[rid] = lead
    return out


def _group_ends(scenario: Scenario, plan: Plan) -> tuple[dict[str, int], set[str]]:
    """(the end each planned request's lateness, waiting and on-time read, the open parts of shared requests):
    a shared request's is the latest of its own part's end and its parts' when every part is planned, else its
    own part's; a part reads none."""
    lead_of = _groups(scenario)
    ends = {a.request_id: _priced_end(a) for a in plan.assignments}
    out = {rid: end for rid, end in ends.items() if rid not in lead_of}
    left_out = {lead for part, lead in lead_of.items() if part not in ends}  # read by their own part's end
    for part, lead in lead_of.items():
        if lead in out and lead not in left_out:
            out[lead] = max(out[lead], ends[part])
    return out, set(lead_of)


def _check_stored_parts(scenario: Scenario, plan: Plan, a: Assignment, request: Request) -> list[Violation]:
    """A request shared by an accepted share, presented in parts: its agent's part is its own placement; each
    other part is a request filed as its part (or as a part of one of its parts), placed as the part says, by the
    agent that part is pinned to; the minutes add up to its effort and its parts'; the assignment spans its parts."""
    requests = {r.id: r for r in scenario.requests}
    placed = {x.request_id: x for x in plan.assignments}
    pinned = {p.request: p.agent for p in scenario.pins if p.kind == PinKind.ASSIGN}
    lead_of = _groups(scenario)  # a part shared again is one more part of the same request
    own, out = a.parts[0], []
    if (own.request_id, own.agent_id, own.minutes) != (a.request_id, a.agent_id, request.effort_minutes):
        out.append(Violation(Rule.PARTS, a.request_id, "its first part is not its own work by its agent"))
    efforts = request.effort_minutes
    for p in a.stored_parts():
        part, there = requests.get(p.request_id or ""), placed.get(p.request_id or "")
        if part is None or lead_of.get(part.id) != a.request_id:
            out.append(Violation(Rule.PARTS, a.request_id, f"{p.request_id} is not a part of it"))
            continue
        efforts += part.effort_minutes
        if there is None or (there.agent_id, there.start_minute, there.end_minute, part.effort_minutes) != (
            p.agent_id,
            p.start_minute,
            p.end_minute,
            p.minutes,
        ):
            out.append(Violation(Rule.PARTS, a.request_id, f"its part {p.request_id} is not as that request is placed"))
        if pinned.get(part.id, p.agent_id) != p.agent_id:
            out.append(
                Violation(Rule.PARTS, a.request_id, f"its part {part.id} is not with {pinned[part.id]}, its pin")
            )
    if sum(p.minutes for p in a.parts) != efforts:
        out.append(Violation(Rule.PARTS, a.request_id, f"its parts add up to {sum(p.minutes for p in a.parts)} min"))
    if (a.start_minute, a.end_minute) != (min(p.start_minute for p in a.parts), max(p.end_minute for p in a.parts)):
        out.append(Violation(Rule.PARTS, a.request_id, "its start and end are not those of its parts"))
    return out


def _as_span(a: Assignment, p: Part) -> Assignment:
    update = {
        "agent_id": p.agent_id,
        "start": p.start,
        "end": p.end,
        "start_minute": p.start_minute,
        "end_minute": p.end_minute,
        "parts": [],
    }
    return a.model_copy(update=update)


def _check_parts(scenario: Scenario, a: Assignment, request: Request) -> list[Violation]:
    """A request done in parts: the policy shares work, two parts by two agents (the request's agent first), each
    at least the policy's minimum, adding up to its effort; the assignment spans its parts."""
    least = scenario.policy.swarm_min_minutes or 0
    parts, out = a.parts, []
    if not least:
        out.append(Violation(Rule.PARTS, a.request_id, "done in parts, but the policy shares no request"))
    if len(parts) != 2 or len({p.agent_id for p in parts}) != 2:
        out.append(Violation(Rule.PARTS, a.request_id, "a shared request has two parts, by two agents"))
    if parts[0].agent_id != a.agent_id:
        out.append(Violation(Rule.PARTS, a.request_id, f"its agent {a.agent_id} does not do its first part"))
    out += [
        Violation(Rule.PARTS, a.request_id, f"a part of {p.minutes} min by {p.agent_id}, below the least {least} min")
        for p in parts
        if p.minutes < least
    ]
    if sum(p.minutes for p in parts) != request.effort_minutes:
        out.append(
            Violation(
                Rule.PARTS,
                a.request_id,
                f"its parts add up to {sum(p.minutes for p in parts)} min, not its effort {request.effort_minutes}",
            )
        )
    if (a.start_minute, a.end_minute) != (min(p.start_minute for p in parts), max(p.end_minute for p in parts)):
        out.append(Violation(Rule.PARTS, a.request_id, "its start and end are not those of its parts"))
    return out


def _check_pins(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every pin holds: assign to its agent, before ends first, first starts before its agent's other work. A pin
    on a request shared by an accepted share binds its own part (its agent's own work, `Assignment.own_span`),
    as every engine holds it: its parts are requests of their own, each bound by its own pins (the share's
    assignment to the teammate who accepted)."""
    placed = {a.request_id: a for a in plan.assignments}
    done = {r.id for r in scenario.requests if not r.status.plannable}
    out = []
    for pin in scenario.pins:
        if pin.request in done or pin.other in done or pin.kind == PinKind.UNFREEZE:
            continue  # a done or waiting request binds nothing
        mine = placed.get(pin.request)
        if pin.kind == PinKind.ASSIGN:
            broken = mine is None or mine.agent_id != pin.agent
        elif pin.kind == PinKind.BEFORE:
            other = placed.get(pin.other or "")
            broken = mine is None or other is None or _own(mine)[1] > _own(other)[0]
        else:
            broken = mine is None or any(
                agent_id == mine.agent_id and start < _own(mine)[0] for agent_id, start in _starts(plan)
            )
        if broken:
            out.append(Violation(Rule.PINS, pin.request, f"pin {pin.id} ({pin.kind.value}) does not hold"))
    return out


def _own(a: Assignment) -> tuple[int, int]:
    """Start and end minute a pin reads: a request shared by an accepted share, its own part's; otherwise the
    assignment's span (a proposal's parts, help's second pair of hands, are one request's work)."""
    return a.own_span() if a.stored_parts() else (a.start_minute, a.end_minute)


def _starts(plan: Plan) -> list[tuple[str, int]]:
    """(agent id, start minute) of every span of work: each whole assignment, each part of a shared one."""
    return [(p.agent_id, p.start_minute) for a in plan.assignments for p in a.parts] + [
        (a.agent_id, a.start_minute) for a in plan.assignments if not a.parts
    ]


def _check_once(scenario: Scenario, plan: Plan) -> list[Violation]:
    open_ids = [r.id for r in scenario.requests if r.status.plannable]
    seen = [a.request_id for a in plan.assignments] + [u.request_id for u in plan.unassigned]
    out = [Violation(Rule.ONCE, rid, f"appears {seen.count(rid)} times") for rid in open_ids if seen.count(rid) != 1]
    out += [Violation(Rule.ONCE, rid, "not an open request of the scenario") for rid in set(seen) - set(open_ids)]
    agent_ids = {a.id for a in scenario.agents}
    out += [
        Violation(Rule.ONCE, a.request_id, "unknown agent") for a in plan.assignments if a.agent_id not in agent_ids
    ]
    return out


def _check_assignment(
    a: Assignment,
    request: Request,
    agent: Agent,
    owner: Agent | None,
    windows: list[tuple[int, int]],
    axis: BusinessAxis,
    unfrozen: set[str],
    *,
    may_pause: bool,
    effort: int,
) -> list[Violation]:
    """The rules of one span of work: the whole request (`effort` its effort), or one of its parts."""
    out = []
    if not _holds(agent, request):
        out.append(Violation(Rule.SKILLS, request.id, f"{agent.id} lacks {request.required_skills}"))
    moved = request.status == RequestStatus.IN_PROGRESS and owner is not None and owner.id != agent.id
    moved = moved and request.id not in unfrozen
    if moved and owner is not None and _holds(owner, request):
        out.append(Violation(Rule.IN_PROGRESS, request.id, f"work in progress moved from {owner.id}"))
    if a.start_minute < max(axis.minute_of(request.created_at), 0):
        out.append(Violation(Rule.RELEASE, request.id, "starts before the request exists or before now"))
    if a.end_minute > axis.horizon_minutes:
        out.append(Violation(Rule.HORIZON, request.id, "ends after the horizon"))
    starts_working = any(low <= a.start_minute < high for low, high in windows)
    if not starts_working or _working(windows, a.start_minute, a.end_minute) != effort:
        out.append(Violation(Rule.AVAILABILITY, request.id, f"{agent.id} is not working its whole effort in the span"))
    elif not may_pause and not any(low <= a.start_minute and a.end_minute <= high for low, high in windows):
        out.append(Violation(Rule.NO_PAUSE, request.id, f"its work may not pause but runs across {agent.id}'s absence"))
    if axis.moment_of(a.start_minute) != a.start or axis.moment_of(a.end_minute, closing=True) != a.end:
        out.append(Violation(Rule.AVAILABILITY, request.id, "timestamps do not match the axis minutes"))
    return out


def term_quantities(scenario: Scenario, plan: Plan, previous: Plan | None = None) -> dict[Term, int]:
    """Each term's unweighted quantity, recomputed from the scenario and the plan (and, for churn on a
    re-plan, the previous plan)."""
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    triages = triage_all(scenario, axis)
    horizon = axis.horizon_minutes
    extra, per_effort = scenario.policy.deferral_extra_minutes, scenario.policy.deferral_per_effort_minute
    effort = {r.id: r.effort_minutes for r in scenario.requests}
    ends, parts = _group_ends(scenario, plan)
    lateness = sum(triages[rid].weight * max(end - triages[rid].due_minute, 0) for rid, end in ends.items())
    deferral = sum(
        triages[u.request_id].weight
        * (max(horizon - triages[u.request_id].due_minute, 0) + extra + per_effort * effort[u.request_id])
        for u in plan.unassigned
    )
    open_requests = [r for r in scenario.requests if r.status.plannable]
    overload, loads = 0, []
    worked: dict[str, list[int]] = defaultdict(list)  # per agent: the minutes of each span of work
    for a in plan.assignments:
        for p in a.parts:
            if p.request_id in (None, a.request_id):  # a part filed as its own request counts as that one
                worked[p.agent_id].append(p.minutes)
        if not a.parts:
            worked[a.agent_id].append(effort[a.request_id])
    for agent in scenario.agents:
        capacity = sum(high - low for low, high in axis.agent_windows(agent))
        mine = worked[agent.id]
        overload += max(sum(mine) - capacity * agent.target_load_pct // 100, 0)
        if capacity and any(_holds(agent, r) for r in open_requests):
            loads.append(sum(1000 * e // capacity for e in mine))
    spread = max(loads) - min(loads) if len(loads) >= 2 else 0
    return {
        Term.LATENESS: lateness,
        Term.DEFERRAL: deferral,
        Term.OVERLOAD: overload,
        Term.SPREAD: spread,
        Term.CHURN: _churn(scenario, plan, previous),
        Term.FAIRNESS: _fairness(scenario, ends, parts, triages),
        Term.WAITING: _waiting(scenario, plan, axis, ends, parts),
        Term.RANK: _rank(scenario, plan, triages),
        Term.SHARE: _share(scenario, plan, axis),
    }


def _rank(scenario: Scenario, plan: Plan, triages: dict[str, Triage]) -> int:
    """Minutes each ranked request finishes after the next one its department ranks below it, among requests
    of one department and one priority, both planned."""
    ends = {a.request_id: _priced_end(a) for a in plan.assignments}
    groups: dict[tuple[str, str], list[Request]] = defaultdict(list)
    for r in scenario.requests:
        if r.status.plannable and r.department_rank is not None:
            groups[r.department, triages[r.id].priority.value].append(r)
    total = 0
    for members in groups.values():
        members.sort(key=lambda r: (r.department_rank, r.id))
        for hi, lo in itertools.pairwise(members):
            if hi.id in ends and lo.id in ends:
                total += max(ends[hi.id] - ends[lo.id], 0)
    return total


def _share(scenario: Scenario, plan: Plan, axis: BusinessAxis) -> int:
    """Per priority with requests from two or more departments: priority weight x the minutes each department
    asking for at least its fair share of that priority's demand falls short of its fair share of that
    priority's planned minutes, rounded up; shares from the policy or the weights, renormalised."""
    triages = triage_all(scenario, axis)
    open_requests = [r for r in scenario.requests if r.status.plannable]
    placed = {a.request_id for a in plan.assignments}
    weight = {d.id: d.weight for d in scenario.departments}
    explicit = scenario.policy.fair_share_pct
    total = 0
    for priority in Priority:
        mine = [r for r in open_requests if triages[r.id].priority == priority]
        demand: dict[str, int] = defaultdict(int)
        planned: dict[str, int] = defaultdict(int)
        for r in mine:
            demand[r.department] += r.effort_minutes
            planned[r.department] += r.effort_minutes if r.id in placed else 0
        if len(demand) < 2:
            continue
        raw = {d: (explicit.get(d, 0) if explicit is not None else weight[d]) for d in demand}
        fair = {d: 1000 * raw[d] // (sum(raw.values()) or 1) for d in demand}
        everything, asked = sum(planned.values()), sum(demand.values())
        short = sum(
            max(-(-(fair[d] * everything - 1000 * planned[d]) // 1000), 0)
            for d in demand
            if 1000 * demand[d] >= fair[d] * asked
        )
        total += scenario.policy.priority_weights[priority] * short
    return total


def _churn(scenario: Scenario, plan: Plan, previous: Plan | None) -> int:
    """Requests placed with another agent than their owner, or than the previous plan's agent."""
    agent_ids = {a.id for a in scenario.agents}
    planned = {a.request_id: a.agent_id for a in previous.assignments} if previous else {}
    owners = {r.id: r.owner or planned.get(r.id) for r in scenario.requests}
    return sum(
        1 for a in plan.assignments if owners.get(a.request_id) in agent_ids and owners[a.request_id] != a.agent_id
    )


def _fairness(scenario: Scenario, ends: dict[str, int], parts: set[str], triages: dict[str, Triage]) -> int:
    """1000 minus the worst department on-time rate (per mille, rounded down), over departments with open work
    (a shared request's parts not counted: the request is, on time by its later part's end), when there are at
    least two of them (with one, an on-time count is not fairness): else 0."""
    on_time = {rid for rid, end in ends.items() if end <= triages[rid].due_minute}
    rates = []
    for department in scenario.departments:
        mine = [
            r for r in scenario.requests if r.department == department.id and r.status.plannable and r.id not in parts
        ]
        if mine:
            rates.append(1000 * sum(r.id in on_time for r in mine) // len(mine))
    return 1000 - min(rates) if len(rates) >= 2 else 0


def _waiting(scenario: Scenario, plan: Plan, axis: BusinessAxis, ends: dict[str, int], parts: set[str]) -> int:
    """Minutes open past each request's maximum wait: to its end (a shared request's: its later part's), or for
    a request not planned, to the horizon's end plus the deferral extra; a shared request's parts add nothing."""
    policy = scenario.policy
    requests = {r.id: r for r in scenario.requests}

    def limit(request_id: str, priority: str) -> int:
        return axis.minute_of(requests[request_id].created_at) + policy.max_wait_minutes[Priority(priority)]

    priority = {a.request_id: a.priority for a in plan.assignments}
    placed = sum(max(end - limit(rid, priority[rid]), 0) for rid, end in ends.items())
    left = sum(
        max(axis.horizon_minutes - limit(u.request_id, u.priority), 0) + policy.deferral_extra_minutes
        for u in plan.unassigned
        if u.request_id not in parts
    )
    return placed + left
