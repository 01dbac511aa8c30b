"""Structured explanations of a plan: facts first, computed from the scenario, the triage and the plan;
the sentence is rendered from those facts alone, so every number a reader sees is a fact a test can check.

Kinds here: why this priority; why this agent and this time; why a request is not planned.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import datetime

from triage.calendar import BusinessAxis
from triage.explanations import people as say
from triage.explanations.facts import FactName as F
from triage.explanations.facts import key_of, keyed
from triage.explanations.registers import fill
from triage.model import Agent, Pin, Request, Scenario, SkillIndex
from triage.names import ExplanationKind, PinKind, Rule
from triage.render import duration, impact_words, moment, people, possessive, skills_phrase, urgency_words
from triage.results import Assignment, Explanation, Fact, PinConflict, Plan, Unassigned
from triage.scoring import HIGH_URGENCY, Triage


def explain_plan(scenario: Scenario, plan: Plan, triages: dict[str, Triage]) -> list[Explanation]:
    """For every planned request: why its priority, then why its agent and time (or why it is not planned)."""
    return explain_plan_until(scenario, plan, triages)[0]


def explain_priorities(
    scenario: Scenario, triages: dict[str, Triage], out_of_time: Callable[[], bool] | None = None
) -> dict[str, Explanation]:
    """Why each plannable request has its priority, in the scenario's order (the plan does not enter), until
    `out_of_time()` says the time is up, if given: the planner explains these before it searches."""
    claims = department_claims(scenario)
    out: dict[str, Explanation] = {}
    for request in scenario.requests:
        if out_of_time is not None and out_of_time():
            break
        if request.id in triages and request.status.plannable:
            out[request.id] = explain_priority(scenario, request, triages[request.id], claims)
    return out


def explain_plan_until(
    scenario: Scenario,
    plan: Plan,
    triages: dict[str, Triage],
    *,
    priorities: dict[str, Explanation] | None = None,
    out_of_time: Callable[[], bool] | None = None,
) -> tuple[list[Explanation], int, bool]:
    """`explain_plan`, with the priorities explained already (`explain_priorities`) and a question asked
    between requests (`out_of_time`; the core reads no clock): requests reached once it says yes are not
    explained, nor the department orders.
    Returns the explanations, how many plannable requests were left unexplained, and whether the
    departments' orders were all explained."""
    out: list[Explanation] = []
    for conflict in plan.conflicts:
        explanation = explain_conflict(scenario, conflict)
        conflict.text = explanation.text
        out.append(explanation)
    skills = SkillIndex(scenario.agents)
    claims = department_claims(scenario)
    by_request = {a.request_id: a for a in plan.assignments}
    before = _previous_of(plan)
    left_out = {u.request_id: u for u in plan.unassigned}
    known = priorities or {}
    missed = 0
    for request in scenario.requests:
        if request.id not in triages or not request.status.plannable:
            continue
        if out_of_time is not None and out_of_time():
            missed += 1
            continue
        found = known.get(request.id)
        out.append(found or explain_priority(scenario, request, triages[request.id], claims))
        if request.id in by_request:
            previous = before.get(request.id, "")
            out.append(
                explain_assignment(scenario, request, by_request[request.id], skills, triages[request.id], previous)
            )
        elif request.id in left_out:
            out.append(explain_unassigned(scenario, request, left_out[request.id], plan, skills))
    if missed:
        return out, missed, False
    orders, complete = explain_order_until(scenario, plan, triages, skills, out_of_time)
    return out + orders, 0, complete


def _iso(instant: datetime) -> str:
    return instant.isoformat()


def _previous_of(plan: Plan) -> dict[str, str]:
    """For each assignment, the request the same teammate finishes last before it starts (the first such in
    the plan's order on a tie), when there is one: per teammate, ends sorted once and searched by bisection,
    not a pass over the plan per request (that was quadratic: a minute of explanations at XL)."""
    by_agent: dict[str, list[Assignment]] = {}
    for a in plan.assignments:
        by_agent.setdefault(a.agent_id, []).append(a)
    out: dict[str, str] = {}
    for work in by_agent.values():
        ordered = sorted(work, key=lambda a: a.end_minute)  # stable: ties keep the plan's order
        ends = [a.end_minute for a in ordered]
        for a in work:
            last = bisect_right(ends, a.start_minute)
            if last:
                out[a.request_id] = ordered[bisect_left(ends, ends[last - 1])].request_id
    return out


def explain_priority(
    scenario: Scenario, request: Request, triage: Triage, claims: dict[str, tuple[int, int]]
) -> Explanation:
    """Why this priority: the matrix cell or the lead's override, the due time, the department's weight."""
    department = scenario.department(request.department)
    facts = [
        Fact(name="priority", value=triage.priority.value),
        Fact(name="impact", value=request.impact.value),
        Fact(name="urgency", value=request.urgency.value),
        Fact(name="matrix_priority", value=triage.matrix_priority.value),
        Fact(name="overridden", value=int(triage.overridden)),
        Fact(name="target_minutes", value=triage.target_minutes, unit="business minutes"),
        Fact(name="due_at", value=_iso(triage.due_at)),
        Fact(name="due_by_deadline", value=int(triage.due_by_deadline)),
        Fact(name="waited_minutes", value=triage.waited_minutes, unit="business minutes"),
        Fact(name="department", value=department.name),
        Fact(name="department_weight", value=triage.department_weight),
        Fact(name="priority_weight", value=triage.priority_weight),
        Fact(name="ageing_factor", value=triage.ageing_factor),
        Fact(name="department_rank", value=request.department_rank or 0),
        Fact(name="urgency_used", value=triage.urgency_used.value),
        Fact(name="urgency_discounted", value=int(triage.urgency_discounted)),
        *_claim_facts(scenario, request.department, claims),
    ]
    explanation = Explanation(
        kind=ExplanationKind.PRIORITY,
        request_ids=[request.id],
        department_ids=[department.id],
        facts=facts,
        text="",
    )
    return fill(scenario, explanation, say.priority(scenario, explanation), render_priority(explanation, scenario))


def department_claims(scenario: Scenario) -> dict[str, tuple[int, int]]:
    """Per department: (open requests, of which marked urgent), in one pass; a teammate's part of a request is
    not counted (`triage.scoring.marked_requests`)."""
    counts: dict[str, tuple[int, int]] = {}
    for r in scenario.requests:
        if r.status.plannable and r.part_of is None:
            total, urgent = counts.get(r.department, (0, 0))
            counts[r.department] = (total + 1, urgent + int(r.urgency in HIGH_URGENCY))
    return counts


def _claim_facts(scenario: Scenario, department_id: str, claims: dict[str, tuple[int, int]]) -> list[Fact]:
    """How many of the department's open requests it marks urgent, and the share the policy honours."""
    total, urgent = claims.get(department_id, (0, 0))
    return [
        Fact(name="department_open", value=total),
        Fact(name="department_urgent_marks", value=urgent),
        Fact(name="urgent_share_pct", value=scenario.policy.urgent_share_pct, unit="%"),
    ]


def render_priority(e: Explanation, scenario: Scenario) -> str:
    zone = scenario.calendar.zone
    cell = f"it affects {impact_words(str(e.fact('impact')))} and {urgency_words(str(e.fact('urgency_used')))}"
    if e.fact("overridden"):
        why = f"{e.fact('priority')}, set by the queue lead ({cell}, which the policy matrix alone rates "
        why += f"{e.fact('matrix_priority')})"
    else:
        why = f"{e.fact('priority')}: {cell}, which the policy matrix rates {e.fact('priority')}"
    due = moment(datetime.fromisoformat(str(e.fact("due_at"))), zone, scenario.now)
    if e.fact("due_by_deadline"):
        when = f"due {due}, the requester's deadline"
    else:
        when = f"due {due}, {duration(int(e.fact('target_minutes')))} of working time after it was filed"
    waited = int(e.fact("waited_minutes"))
    wait = f"; it has waited {duration(waited)} of working time" if waited else ""
    if int(e.fact("ageing_factor")) > 1:
        wait += f", so each minute late now counts {e.fact('ageing_factor')} times"
    if int(e.fact("urgency_discounted")):
        why = (
            f"{e.fact('department')} marks {e.fact('department_urgent_marks')} of its {e.fact('department_open')} "
            f"open requests urgent, more than the {e.fact('urgent_share_pct')} % the policy honours in full, so "
            f"this one's mark ({urgency_words(str(e.fact('urgency')))}) counts one level lower. "
            f"{why[:1].upper()}{why[1:]}"
        )
    weight = f"{possessive(str(e.fact('department')))} work weighs {e.fact('department_weight')}"
    if int(e.fact("department_rank")):
        weight += f", and {e.fact('department')} ranks it number {e.fact('department_rank')} of its requests"
    return f"{why}; {when}{wait}; {weight}."


def explain_assignment(
    scenario: Scenario,
    request: Request,
    assignment: Assignment,
    skills: SkillIndex,
    triage: Triage | None = None,
    previous: str = "",
) -> Explanation:
    """Why this agent and this time: the agent holds the skills; when the plan starts and ends the work; when
    late, the one reason (longer than its target, or the teammate's `previous` request until then)."""
    agent = scenario.agent(assignment.agent_id)
    qualified = skills.qualified(request.required_skills)
    facts = [
        Fact(name="agent", value=agent.name),
        Fact(name="start", value=_iso(assignment.start)),
        Fact(name="end", value=_iso(assignment.end)),
        Fact(name="effort_minutes", value=request.effort_minutes, unit="minutes"),
        Fact(name="qualified_count", value=len(qualified)),
        Fact(name="minutes_late", value=assignment.minutes_late, unit="business minutes"),
        Fact(name="kept_owner", value=int(request.owner == agent.id)),
        Fact(name=F.TARGET_MINUTES, value=triage.target_minutes if triage else 0, unit="business minutes"),
        Fact(name=F.PREVIOUS_REQUEST, value=previous),
        *(Fact(name=keyed(F.NEEDS, skill), value=level) for skill, level in sorted(request.required_skills.items())),
        *_parts_facts(scenario, assignment),
    ]
    explanation = Explanation(
        kind=ExplanationKind.ASSIGNMENT,
        request_ids=[request.id],
        agent_ids=[agent.id],
        department_ids=[request.department],
        facts=facts,
        text="",
    )
    needed = skills_phrase(request.required_skills, {s.id: s.name for s in scenario.skills})
    people_text = say.assignment(scenario, explanation)
    return fill(scenario, explanation, people_text, render_assignment(explanation, scenario, needed))


def _parts_facts(scenario: Scenario, assignment: Assignment) -> list[Fact]:
    """Done in parts (a share accepted): its agent's own part, and each other part's teammate, minutes and times."""
    if not assignment.stored_parts():
        return []
    own = assignment.parts[0]
    out = [
        Fact(name=F.OWN_START, value=_iso(own.start)),
        Fact(name=F.OWN_END, value=_iso(own.end)),
        Fact(name=F.OWN_MINUTES, value=own.minutes, unit="minutes"),
    ]
    for p in assignment.stored_parts():
        rid = str(p.request_id)
        out += [
            Fact(name=keyed(F.PART_AGENT, rid), value=scenario.agent(p.agent_id).name),
            Fact(name=keyed(F.PART_MINUTES, rid), value=p.minutes, unit="minutes"),
            Fact(name=keyed(F.PART_START, rid), value=_iso(p.start)),
            Fact(name=keyed(F.PART_END, rid), value=_iso(p.end)),
        ]
    return out


def render_assignment(e: Explanation, scenario: Scenario, skills: str) -> str:
    zone = scenario.calendar.zone
    start = moment(datetime.fromisoformat(str(e.fact("start"))), zone, scenario.now)
    end = moment(datetime.fromisoformat(str(e.fact("end"))), zone, scenario.now)
    count = int(e.fact("qualified_count"))
    if not skills:
        who = f"{e.fact('agent')} takes it"
    elif count == 1:
        who = f"{e.fact('agent')}, the only teammate with {skills}, takes it"
    else:
        who = f"{e.fact('agent')}, one of {count} teammates with {skills}, takes it"
    if e.fact("kept_owner"):
        who += " (already the owner)"
    late = int(e.fact("minutes_late"))
    outcome = f"finishing {duration(late)} of working time late" if late else "finishing on time"
    if not e.has(F.OWN_END):
        return f"{who} from {start} to {end}, {outcome}."
    own = duration(int(e.fact(F.OWN_MINUTES)))
    mine = f"{who}: {own} from {_at(e, F.OWN_START, scenario)} to {_at(e, F.OWN_END, scenario)}"
    others = [
        f"{e.fact(keyed(F.PART_AGENT, rid))} {duration(int(e.fact(keyed(F.PART_MINUTES, rid))))} as {rid} from "
        f"{_at(e, keyed(F.PART_START, rid), scenario)} to {_at(e, keyed(F.PART_END, rid), scenario)}"
        for rid in _part_ids(e)
    ]
    return f"{mine}; {'; '.join(others)}; in parts from {start} to {end}, {outcome}."


def _part_ids(e: Explanation) -> list[str]:
    return [key for f in e.facts if (key := key_of(f.name, F.PART_AGENT)) is not None]


def _at(e: Explanation, name: str, scenario: Scenario) -> str:
    return moment(datetime.fromisoformat(str(e.fact(name))), scenario.calendar.zone, scenario.now)


def explain_unassigned(
    scenario: Scenario, request: Request, unassigned: Unassigned, plan: Plan, skills: SkillIndex
) -> Explanation:
    """Why a request is not planned: a skill nobody holds, no single teammate with all skills, or no room."""
    qualified = [scenario.agents[i] for i in skills.qualified(request.required_skills)]
    facts = [
        Fact(name="reason", value=unassigned.reason),
        Fact(name="horizon_end", value=_iso(plan.horizon_end)),
        Fact(name="qualified", value=", ".join(a.name for a in qualified)),
    ]
    facts += [Fact(name=f"missing:{skill}", value=level) for skill, level in sorted(unassigned.missing_skills.items())]
    if unassigned.reason == "no_stretch":
        facts += [
            Fact(name=F.EFFORT_MINUTES, value=request.effort_minutes),
            Fact(name=F.LONGEST_STRETCH, value=longest_stretch(scenario, request, qualified)),
        ]
    explanation = Explanation(
        kind=ExplanationKind.UNASSIGNED,
        request_ids=[request.id],
        agent_ids=[a.id for a in qualified],
        department_ids=[request.department],
        facts=facts,
        text="",
    )
    people_text = say.unassigned(scenario, explanation, request.required_skills)
    return fill(
        scenario,
        explanation,
        people_text,
        render_unassigned(explanation, scenario, request, [a.name for a in qualified]),
    )


def render_unassigned(e: Explanation, scenario: Scenario, request: Request, qualified: list[str]) -> str:
    names = {s.id: s.name for s in scenario.skills}
    reason = e.fact("reason")
    if reason == "missing_skill":
        missing = {f.name.split(":", 1)[1]: int(f.value) for f in e.facts if f.name.startswith("missing:")}
        return f"Not planned: no teammate has {skills_phrase(missing, names)}."
    if reason == "no_qualified_agent":
        return f"Not planned: no single teammate has all of {skills_phrase(request.required_skills, names)}."
    end = moment(datetime.fromisoformat(str(e.fact("horizon_end"))), scenario.calendar.zone, scenario.now)
    if reason == "no_stretch":
        effort, longest = int(e.fact(F.EFFORT_MINUTES)), int(e.fact(F.LONGEST_STRETCH))
        return (
            f"Not planned: its work may not pause, and it takes {duration(effort)} of working time in one stretch; "
            f"the longest unbroken working time of the teammates who could take it ({people(qualified)}) before "
            f"the horizon ends ({end}) is {duration(longest)}."
        )
    who = people(qualified)
    return (
        f"Not planned before the plan's horizon ends ({end}): "
        f"the time of the teammates who could take it ({who}) goes to other requests."
    )


_RULE_WORDS = {
    Rule.SKILLS: "a teammate must hold every skill a request needs",
    Rule.IN_PROGRESS: "work in progress stays with its owner",
    Rule.HORIZON: "work must end within the plan's horizon",
    Rule.RELEASE: "work cannot start before the request is filed",
    Rule.AVAILABILITY: "work happens only in the teammate's working time",
    Rule.NO_OVERLAP: "a teammate does one request at a time",
    Rule.PINS: "the pins contradict each other",
    Rule.NO_PAUSE: "work that may not pause needs one unbroken stretch of the teammate's working time",
}


def _pin_words(scenario: Scenario, pin: Pin) -> str:
    names = {a.id: a.name for a in scenario.agents}
    what = {
        PinKind.ASSIGN: f"{pin.request} to {names.get(pin.agent or '', pin.agent)}",
        PinKind.BEFORE: f"{pin.request} before {pin.other}",
        PinKind.FIRST: f"{pin.request} first",
        PinKind.UNFREEZE: f"{pin.request} may move",
    }[pin.kind]
    return f"{pin.id} ({what}{': ' + pin.reason if pin.reason else ''})"


def explain_conflict(scenario: Scenario, conflict: PinConflict) -> Explanation:
    """Why a set of pins cannot all hold: the pins, by id, and the rules they run into."""
    pins = {p.id: p for p in scenario.pins}
    chosen = [pins[i] for i in conflict.pin_ids if i in pins]
    facts = [Fact(name=f"pin:{p.id}", value=p.kind.value) for p in chosen]
    facts += [Fact(name="rule", value=rule.value) for rule in conflict.rules]
    if chosen:
        rules = " and ".join(_RULE_WORDS[r] for r in conflict.rules)
        text = f"These pins cannot all hold: {'; '.join(_pin_words(scenario, p) for p in chosen)}. The rule: {rules}."
    else:
        text = "The plan's hard rules cannot all hold, even without pins."
    return Explanation(
        kind=ExplanationKind.PIN_CONFLICT,
        request_ids=sorted({p.request for p in chosen} | {p.other for p in chosen if p.other}),
        agent_ids=sorted({p.agent for p in chosen if p.agent}),
        facts=facts,
        text=text,
    )


def _first_overtaking(ranked: list[Request], ends: dict[str, Assignment]) -> list[tuple[Request, Request]]:
    """For each request in rank order, the first lower-ranked one that finishes before it (a monotonic stack:
    linear in the number of requests)."""
    out: list[tuple[Request, Request]] = []
    waiting: list[Request] = []  # requests not yet overtaken, their ends increasing from bottom to top
    for request in ranked:
        end = ends[request.id].end_minute
        while waiting and end < ends[waiting[-1].id].end_minute:
            out.append((waiting.pop(), request))
        waiting.append(request)
    return sorted(out, key=lambda pair: (pair[0].department_rank or 0, pair[0].id))


def explain_order(scenario: Scenario, plan: Plan, triages: dict[str, Triage], skills: SkillIndex) -> list[Explanation]:
    """Where a department's own order is not followed (a request it ranks lower finishes first), say what
    decided instead: a higher priority, an earlier due time, or different skills held by different people."""
    return explain_order_until(scenario, plan, triages, skills)[0]


def explain_order_until(
    scenario: Scenario,
    plan: Plan,
    triages: dict[str, Triage],
    skills: SkillIndex,
    out_of_time: Callable[[], bool] | None = None,
) -> tuple[list[Explanation], bool]:
    """`explain_order` until `out_of_time()` says the time is up, and whether it got to the end."""
    ends = {a.request_id: a for a in plan.assignments}
    out: list[Explanation] = []
    for department in scenario.departments:
        ranked = sorted(
            (r for r in scenario.requests if r.department == department.id and r.department_rank and r.id in ends),
            key=lambda r: (r.department_rank or 0, r.id),
        )
        for first, overtaking in _first_overtaking(ranked, ends):
            if out_of_time is not None and out_of_time():
                return out, False
            a, b = triages[first.id], triages[overtaking.id]
            holders = [scenario.agents[k] for k in skills.qualified(first.required_skills)]
            facts = [
                Fact(name=F.RANK, value=first.department_rank or 0),
                Fact(name=F.OVERTAKEN_BY, value=overtaking.id),
                Fact(name=F.OVERTAKING_RANK, value=overtaking.department_rank or 0),
                Fact(name=F.PRIORITY, value=a.priority.value),
                Fact(name=F.OVERTAKING_PRIORITY, value=b.priority.value),
                Fact(name=F.OVERTAKING_DUE_AT, value=_iso(b.due_at)),
                Fact(name=F.QUALIFIED, value=", ".join(h.name for h in holders)),
                *(Fact(name=keyed(F.NEEDS, s), value=lvl) for s, lvl in sorted(first.required_skills.items())),
            ]
            if b.priority < a.priority:
                reason = "priority"
            elif b.due_minute < a.due_minute:
                reason = "due"
            elif ends[overtaking.id].agent_id not in {h.id for h in holders}:
                reason = "other_agent"
            else:
                reason = "cheaper"
            facts.append(Fact(name=F.REASON, value=reason))
            e = Explanation(
                kind=ExplanationKind.ORDER,
                request_ids=[first.id, overtaking.id],
                department_ids=[department.id],
                facts=facts,
                text="",
            )
            out.append(fill(scenario, e, say.order(scenario, e), say.order(scenario, e)))
    return out, True


def longest_stretch(scenario: Scenario, request: Request, qualified: list[Agent]) -> int:
    """The longest unbroken working time (business minutes, within one window of their own time) any of the
    qualified teammates has between the request's filing (or now) and the horizon's end."""
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    release = max(axis.minute_of(request.created_at), 0)
    return max(
        (end - max(start, release) for agent in qualified for start, end in axis.agent_windows(agent) if end > release),
        default=0,
    )
