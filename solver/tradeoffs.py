"""Explanations that need a counterfactual: each is a what-if computed by planning again with the
alternative forced (`solver.counterfactual`), and states only what that re-plan produced.

- trade-off: B follows A on the same teammate and B is late; what if B went before A?
- why not agent X: X lacks a skill, or what if the request went to X (and what X is busy with then)?
- what would let it in (deferred or late): what if it went first, and how much of whose time it needs?
- overload relief: what if one of an overloaded teammate's requests went to a qualified teammate below target?
"""

from __future__ import annotations

import itertools

from solver.counterfactual import what_if
from solver.params import SolveParams
from triage.calendar import BusinessAxis
from triage.explanations import people as say
from triage.explanations.facts import FactName as F
from triage.explanations.facts import keyed
from triage.explanations.registers import fill
from triage.model import Change, Request, Scenario
from triage.names import ExplanationKind, PinKind, PlanStatus
from triage.results import Assignment, Explanation, Fact, Plan, WhatIf
from triage.targets import target_minutes
from triage.tradeoff_text import (
    render_elsewhere,
    render_let_in,
    render_override,
    render_relief,
    render_trade_off,
    render_why_not,
)

DEFAULT_PARAMS = SolveParams(time_limit_seconds=1.0, workers=2)
REQUEST_PARAMS = SolveParams(time_limit_seconds=0.35, workers=2)
"""Everything about one request (`explain_request`, the API's and the CLI's explanations of a request) plans up
to 9 alternatives: 0.35 s each keeps the answer within 3 s at M (measured in benchmarks/explain_bench.py); each
claim states the time its search had."""

SHARED_AFTER, LIST_SECONDS = 15, 15.0
"""A list of more than 15 trade-offs shares 15 s of search among them, at most the alternatives' own limit each
(50 at M: 0.3 s each, so that the list is answered within 30 s; each claim states the seconds its search had, and
a search not taken to the end says so)."""

UNWORKED = (PlanStatus.INFEASIBLE, PlanStatus.UNKNOWN)  # no alternative to state: impossible, or not found in time
Replans = dict[tuple[str, str | None, str | None, str | None], WhatIf]
"""The re-plans of one plan's explanations, by change: one alternative is planned once, so that two explanations
of one request never state different numbers for the same alternative."""


def replan(scenario: Scenario, plan: Plan, change: Change, params: SolveParams, cache: Replans | None) -> WhatIf:
    """The what-if of a change, planned once per cache."""
    key = (change.kind, change.request, change.agent, change.other)
    if cache is None:
        return what_if(scenario, plan, change, params)
    if key not in cache:
        cache[key] = what_if(scenario, plan, change, params)
    return cache[key]


def _facts_of(result: WhatIf) -> list[Fact]:
    facts = [
        Fact(name="change", value=result.change),
        Fact(name="cost_before", value=result.cost_before),
        Fact(name="cost_after", value=result.cost_after),
        Fact(name="feasible", value=int(result.status not in UNWORKED)),
        Fact(name=F.EXAMINED, value=int(result.status != PlanStatus.UNKNOWN)),
    ]
    if result.search is not None:  # how the alternative was searched: the claim is about that search
        search = result.search
        facts += [
            Fact(name=F.SEARCHED, value=", ".join(search.agents)),
            Fact(name=F.SEARCHED_REQUESTS, value=search.requests),
            Fact(name=F.SEARCHED_TEAMMATES, value=len(search.agents)),
            Fact(name=F.SEARCH_LOCAL, value=int(search.local)),
            Fact(name=F.SEARCH_PROVEN, value=int(search.proven)),
            Fact(name=F.SEARCH_SECONDS, value=f"{search.seconds:g}", unit="seconds"),
        ]
        if search.bound is not None and result.status not in UNWORKED:
            facts.append(Fact(name=F.SEARCH_BOUND, value=search.bound, unit="cost points"))
    for shift in result.shifts:
        facts.append(Fact(name=f"later_by:{shift.request_id}", value=shift.later_by, unit="business minutes"))
        if shift.minutes_late_after is not None:
            facts.append(
                Fact(name=f"late_after:{shift.request_id}", value=shift.minutes_late_after, unit="business minutes")
            )
    return facts


def _shift(result: WhatIf, request_id: str) -> int:
    return next((s.later_by for s in result.shifts if s.request_id == request_id), 0)


def trade_offs(
    scenario: Scenario,
    plan: Plan,
    params: SolveParams = DEFAULT_PARAMS,
    limit: int = 12,
    cache: Replans | None = None,
    only: str | None = None,
) -> list[Explanation]:
    """For requests that are late behind another request of the same teammate: what doing the late one
    first would cost the other. Orders that look wrong (a lower priority ahead of a higher) first, then the
    costliest lateness; at most `limit`; `only`: the pairs this request is part of."""
    by_agent: dict[str, list[Assignment]] = {}
    for a in plan.assignments:
        by_agent.setdefault(a.agent_id, []).append(a)
    pairs = []
    for items in by_agent.values():
        items.sort(key=lambda a: a.start_minute)
        for first, second in itertools.pairwise(items):
            if second.minutes_late > 0:
                pairs.append((first, second))
    if only is not None:
        pairs = [pair for pair in pairs if only in (pair[0].request_id, pair[1].request_id)]
    # orders that look wrong first (a lower priority ahead of a higher one), then the costliest lateness
    pairs.sort(key=lambda pair: (pair[0].priority <= pair[1].priority, -pair[1].minutes_late))
    chosen = pairs[:limit]
    each = params
    if len(chosen) > SHARED_AFTER:  # a long list shares its search time
        seconds = min(params.time_limit_seconds, round(LIST_SECONDS / len(chosen), 2))
        each = params.model_copy(update={"time_limit_seconds": seconds})
    out = []
    for first, second in chosen:
        change = Change(kind="before", request=second.request_id, other=first.request_id)
        result = replan(scenario, plan, change, each, cache)
        if result.status in UNWORKED:
            continue
        facts = [
            Fact(name="first", value=first.request_id),
            Fact(name="second", value=second.request_id),
            Fact(name="agent", value=first.agent_id),
            Fact(name="first_later_by", value=_shift(result, first.request_id), unit="business minutes"),
            Fact(name="second_earlier_by", value=-_shift(result, second.request_id), unit="business minutes"),
            Fact(name=F.FIRST_PRIORITY, value=first.priority.value),
            Fact(name=F.SECOND_PRIORITY, value=second.priority.value),
            *_facts_of(result),
        ]
        e = Explanation(
            kind=ExplanationKind.TRADE_OFF,
            request_ids=[second.request_id, first.request_id],
            agent_ids=[first.agent_id],
            facts=facts,
            text="",
        )
        fill(scenario, e, say.trade_off(scenario, e), render_trade_off(scenario, e))
        out.append(e)
    return sorted(out, key=lambda e: -abs(int(e.fact("cost_after")) - int(e.fact("cost_before"))))


def why_not(
    scenario: Scenario,
    plan: Plan,
    request_id: str,
    agent_id: str,
    params: SolveParams = DEFAULT_PARAMS,
    cache: Replans | None = None,
) -> Explanation:
    """Why the request is not with this agent: a skill they lack, or what giving it to them would do."""
    request = next(r for r in scenario.requests if r.id == request_id)
    agent = next(a for a in scenario.agents if a.id == agent_id)
    lacking = {s: lvl for s, lvl in request.required_skills.items() if agent.skills.get(s, 0) < lvl}
    facts = [
        Fact(name="agent", value=agent_id),
        *(Fact(name=f"lacks:{s}", value=lvl) for s, lvl in sorted(lacking.items())),
    ]
    mine = plan.assignment(request_id)
    if not lacking and mine is not None:
        overlapping = (
            a for a in plan.assignments if a.start_minute < mine.end_minute and mine.start_minute < a.end_minute
        )
        busy = [a.request_id for a in overlapping if a.agent_id == agent_id]
        facts += [Fact(name="busy_with", value=", ".join(busy))]
        facts += _pin_facts(scenario, request, agent_id)
        facts += _facts_of(
            replan(scenario, plan, Change(kind="assign", request=request_id, agent=agent_id), params, cache)
        )
    e = Explanation(kind=ExplanationKind.WHY_NOT, request_ids=[request_id], agent_ids=[agent_id], facts=facts, text="")
    fill(scenario, e, say.why_not(scenario, e), render_why_not(scenario, e))
    return e


def _pin_facts(scenario: Scenario, request: Request, agent_id: str) -> list[Fact]:
    """The assign pin that holds the request to another teammate, if any, and the request it is a part of."""
    pinned = next((p.agent for p in scenario.pins if p.kind == PinKind.ASSIGN and p.request == request.id), None)
    if pinned is None or pinned == agent_id:
        return []
    facts = [Fact(name=F.PINNED_TO, value=pinned)]
    return facts + ([Fact(name=F.PART_OF, value=request.part_of)] if request.part_of else [])


def elsewhere(scenario: Scenario, plan: Plan, request_id: str) -> list[Explanation]:
    """For a late request: the other teammates who start lower-priority work before it starts and lack a skill it
    needs, one explanation per skill gap (the skill is the reason, said once for all of them). Teammates who
    hold the skills are compared by `why_not` (a re-plan) instead."""
    from solver.compile import qualifies

    mine = plan.assignment(request_id)
    if mine is None or mine.minutes_late <= 0:
        return []
    request = next(r for r in scenario.requests if r.id == request_id)
    groups: dict[tuple[tuple[str, int], ...], list[tuple[str, Assignment]]] = {}
    for agent in scenario.agents:
        lacking = tuple(sorted((s, lvl) for s, lvl in request.required_skills.items() if agent.skills.get(s, 0) < lvl))
        lower = [
            a
            for a in plan.assignments
            if a.agent_id == agent.id and a.priority > mine.priority and a.start_minute < mine.start_minute
        ]
        if agent.id != mine.agent_id and lacking and lower:
            groups.setdefault(lacking, []).append((agent.id, min(lower, key=lambda a: a.start_minute)))
    holders = [a.name for a in scenario.agents if qualifies(a, request)]
    out = []
    for lacking, starts in groups.items():
        facts = [
            *(Fact(name=keyed(F.LACKS, s), value=lvl) for s, lvl in lacking),
            Fact(name=F.PRIORITY, value=mine.priority.value),
            Fact(name=F.MINUTES_LATE, value=mine.minutes_late, unit="business minutes"),
            Fact(name=F.MEANWHILE, value=", ".join(a.request_id for _, a in starts)),
            Fact(name=F.MEANWHILE_START, value=min(a.start for _, a in starts).isoformat()),
            Fact(name=F.QUALIFIED, value=", ".join(holders)),
            Fact(name=F.MEANWHILE_TEAMMATES, value=len(starts)),
        ]
        e = Explanation(
            kind=ExplanationKind.WHY_NOT,
            request_ids=[request_id, *(a.request_id for _, a in starts)],
            agent_ids=[agent for agent, _ in starts],
            facts=facts,
            text="",
        )
        fill(scenario, e, say.elsewhere(scenario, e), render_elsewhere(scenario, e))
        out.append(e)
    return out


def let_in(
    scenario: Scenario, plan: Plan, request_id: str, params: SolveParams = DEFAULT_PARAMS, cache: Replans | None = None
) -> Explanation:
    """For a request late or not planned: what putting it first would do, and the time it needs."""
    from solver.compile import qualifies

    request = next(r for r in scenario.requests if r.id == request_id)
    qualified = [a.name for a in scenario.agents if qualifies(a, request)]
    facts = [
        Fact(name="effort_minutes", value=request.effort_minutes, unit="minutes"),
        Fact(name="qualified", value=", ".join(qualified)),
    ]
    facts += _facts_of(replan(scenario, plan, Change(kind="first", request=request_id), params, cache))
    now = plan.assignment(request_id)
    if now is not None and not any(f.name == keyed(F.LATE_AFTER, request_id) for f in facts):
        # not shifted by the re-plan: it fares as it does now, and the sentence says so from this fact
        facts.append(Fact(name=keyed(F.LATE_AFTER, request_id), value=now.minutes_late, unit="business minutes"))
    e = Explanation(kind=ExplanationKind.LET_IN, request_ids=[request_id], facts=facts, text="")
    fill(scenario, e, say.let_in(scenario, plan, e), render_let_in(scenario, plan, e))
    return e


def targets_by_agent(scenario: Scenario) -> dict[str, int]:
    """Each teammate's target load in the horizon in minutes (`triage.targets.target_minutes`)."""
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    return {
        a.id: target_minutes(sum(end - start for start, end in axis.agent_windows(a)), a.target_load_pct)
        for a in scenario.agents
    }


def relieve(
    scenario: Scenario,
    plan: Plan,
    agent_id: str,
    params: SolveParams = DEFAULT_PARAMS,
    targets: dict[str, int] | None = None,
    cache: Replans | None = None,
) -> Explanation | None:
    """For a teammate above target load: the cheapest single move of one of their requests to a qualified
    teammate below target, computed; None when they are not above target or no such move exists. `targets`
    (from `targets_by_agent`) saves recomputing the teammates' working time per call."""
    from solver.compile import qualifies

    target = targets or targets_by_agent(scenario)
    agents = {a.id: a for a in scenario.agents}
    effort = {r.id: r.effort_minutes for r in scenario.requests}
    planned = {a: sum(effort[x.request_id] for x in plan.assignments if x.agent_id == a) for a in agents}
    if planned[agent_id] <= target[agent_id]:
        return None
    options = []
    for x in sorted((x for x in plan.assignments if x.agent_id == agent_id), key=lambda x: -effort[x.request_id])[:3]:
        request = next(r for r in scenario.requests if r.id == x.request_id)
        for other, teammate in agents.items():
            if (
                other != agent_id
                and planned[other] + effort[x.request_id] <= target[other]
                and qualifies(teammate, request)
            ):
                change = Change(kind="assign", request=x.request_id, agent=other)
                result = replan(scenario, plan, change, params, cache)
                if result.status not in UNWORKED:
                    options.append((result.cost_after - result.cost_before, x.request_id, other, result))
                break
    facts = [
        Fact(name="agent", value=agent_id),
        Fact(name="planned_minutes", value=planned[agent_id], unit="minutes"),
        Fact(name="target_minutes", value=target[agent_id], unit="minutes"),
    ]
    if options:
        _, request_id, other, result = min(options, key=lambda o: o[0])
        facts += [Fact(name="move", value=request_id), Fact(name="to", value=other), *_facts_of(result)]
    e = Explanation(kind=ExplanationKind.OVERLOAD, agent_ids=[agent_id], facts=facts, text="")
    fill(scenario, e, say.relief(scenario, e), render_relief(scenario, e))
    return e


WHY_NOT_AGENTS = 3  # other qualified teammates compared per request, those with the most room first


def explain_request(
    scenario: Scenario,
    plan: Plan,
    request_id: str,
    params: SolveParams = REQUEST_PARAMS,
    cache: Replans | None = None,
) -> list[Explanation]:
    """Everything about one request: its priority and placement, then what matters most to the reader:
    what would let it in (if late or not planned), the trade-offs it is part of, why not other qualified
    teammates (those not compared are named as such), and its teammate's overload. One alternative is planned
    once (`cache`), so every explanation states the same numbers for it."""
    from solver.compile import qualifies

    cache = {} if cache is None else cache
    request = next(r for r in scenario.requests if r.id == request_id)
    basics = [e for e in plan.explanations if request_id in e.request_ids and e.kind in _BASIC]
    mine = plan.assignment(request_id)
    out: list[Explanation] = []
    if mine is None or mine.minutes_late > 0:
        out.append(let_in(scenario, plan, request_id, params, cache))
    out += [e for e in override_effects(scenario, plan, params) if e.request_ids[0] == request_id]
    out += trade_offs(scenario, plan, params, cache=cache, only=request_id)
    effort = {r.id: r.effort_minutes for r in scenario.requests}
    room = {a.id: -sum(effort[x.request_id] for x in plan.assignments if x.agent_id == a.id) for a in scenario.agents}
    others = sorted(
        (a for a in scenario.agents if qualifies(a, request) and (mine is None or a.id != mine.agent_id)),
        key=lambda a: (-room[a.id], a.id),
    )
    for agent in others[:WHY_NOT_AGENTS]:
        out.append(why_not(scenario, plan, request_id, agent.id, params, cache))
    if others[WHY_NOT_AGENTS:]:
        out.append(not_examined(scenario, request_id, [a.id for a in others[WHY_NOT_AGENTS:]]))
    out += elsewhere(scenario, plan, request_id)
    if mine is not None:
        relief = relieve(scenario, plan, mine.agent_id, params, cache=cache)
        if relief is not None:
            out.append(relief)
    return basics + out


_BASIC = (ExplanationKind.PRIORITY, ExplanationKind.ASSIGNMENT, ExplanationKind.UNASSIGNED, ExplanationKind.ORDER)


def not_examined(scenario: Scenario, request_id: str, agent_ids: list[str]) -> Explanation:
    """The qualified teammates the request was not re-planned with: said, not guessed."""
    facts = [Fact(name=F.NOT_EXAMINED, value=", ".join(agent_ids))]
    e = Explanation(kind=ExplanationKind.WHY_NOT, request_ids=[request_id], agent_ids=agent_ids, facts=facts, text="")
    text = say.not_examined(scenario, e)
    return fill(scenario, e, text, text)


def explain_all(
    scenario: Scenario, plan: Plan, params: SolveParams = DEFAULT_PARAMS, limit: int = 12, cache: Replans | None = None
) -> list[Explanation]:
    """Every counterfactual explanation of a plan, biggest first: the trade-offs, what would let each late or
    unplanned request in, the teammates who start lower-priority work meanwhile without its skills, and what
    would relieve each teammate above target (priority and placement
    explanations are in the plan already); each alternative planned once."""
    cache = {} if cache is None else cache
    out = trade_offs(scenario, plan, params, limit, cache)
    placed = {a.request_id: a for a in plan.assignments}
    stuck = [r.id for r in scenario.requests if r.id in placed and placed[r.id].minutes_late > 0]
    stuck += [u.request_id for u in plan.unassigned if u.reason == "no_room"]
    out += [let_in(scenario, plan, request_id, params, cache) for request_id in stuck]
    out += [e for request_id in stuck for e in elsewhere(scenario, plan, request_id)]  # no re-plan: skills alone
    out += override_effects(scenario, plan, params)
    targets = targets_by_agent(scenario)
    for agent in scenario.agents:
        relief = relieve(scenario, plan, agent.id, params, targets, cache)
        if relief is not None:
            out.append(relief)
    return out


def override_effects(scenario: Scenario, plan: Plan, params: SolveParams = DEFAULT_PARAMS) -> list[Explanation]:
    """For each pin of the queue lead, the requests it moved later: computed by re-planning without that pin
    (the teammates it involves), so that affected requesters read "moved later by the queue lead" with the
    lead's reason and the minutes it cost them."""
    from solver.counterfactual import shifts, without_pin

    out = []
    for pin in scenario.pins:
        if pin.kind == PinKind.UNFREEZE:  # it widens who may take the request; it moves nothing
            continue
        free = without_pin(scenario, plan, pin.id, params)
        if free is None:
            continue
        for shift in shifts(free, plan):
            if shift.later_by <= 0 or shift.request_id in (pin.request, pin.other):
                continue
            facts = [
                Fact(name="pin", value=pin.id),
                Fact(name="pinned_request", value=pin.request),
                Fact(name="pin_kind", value=pin.kind.value),
                Fact(name="by", value=pin.by),
                Fact(name="reason", value=pin.reason),
                Fact(name="later_by", value=shift.later_by, unit="business minutes"),
            ]
            e = Explanation(
                kind=ExplanationKind.OVERRIDE, request_ids=[shift.request_id, pin.request], facts=facts, text=""
            )
            fill(scenario, e, say.override(scenario, e), render_override(scenario, e))
            out.append(e)
    return sorted(out, key=lambda e: -int(e.fact("later_by")))
