"""What each department asked for and what it gets: shares of the team's time against fair shares, urgency
claims made and honoured, a priority receipt per request, and a per-department report in plain words.
Everything here is computed from the scenario and a plan; nothing is estimated."""

from __future__ import annotations

from collections import Counter

from triage.calendar import BusinessAxis
from triage.explanations import people as say
from triage.explanations.facts import FactName as F
from triage.explanations.registers import fill
from triage.model import Request, Scenario
from triage.names import ExplanationKind
from triage.render import duration, moment, people, possessive
from triage.results import DepartmentShare, Explanation, Fact, Plan
from triage.scoring import HIGH_URGENCY, discounted_claims, triage_all


def department_shares(scenario: Scenario, plan: Plan) -> list[DepartmentShare]:
    """Per department with open requests: fair share against planned share, on-time work, urgency claims."""
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    open_requests = [r for r in scenario.requests if r.status.plannable]
    asking = [d for d in scenario.departments if any(r.department == d.id for r in open_requests)]
    explicit = scenario.policy.fair_share_pct
    weights = sum(d.weight for d in asking) or 1
    capacity = sum(high - low for a in scenario.agents for low, high in axis.agent_windows(a))
    placed = {a.request_id: a for a in plan.assignments}
    effort = {r.id: r.effort_minutes for r in scenario.requests}
    total = sum(effort[rid] for rid in placed) or 1
    discounted = discounted_claims(scenario)
    out = []
    for d in asking:
        mine = [r for r in open_requests if r.department == d.id]
        fair = explicit.get(d.id, 0) / 100 if explicit is not None else d.weight / weights
        claims = [r for r in mine if r.urgency in HIGH_URGENCY and r.part_of is None]  # a part is its request's mark
        out.append(
            DepartmentShare(
                department_id=d.id,
                fair_share_pct=round(100 * fair, 1),
                planned_share_pct=round(100 * sum(effort[r.id] for r in mine if r.id in placed) / total, 1),
                asks_for_share=sum(r.effort_minutes for r in mine) >= fair * capacity,
                requests=len(mine),
                planned=sum(1 for r in mine if r.id in placed),
                on_time=sum(1 for r in mine if r.id in placed and placed[r.id].minutes_late == 0),
                not_planned=sum(1 for r in mine if r.id not in placed),
                urgent_marks=len(claims),
                urgent_honoured=sum(1 for r in claims if r.id not in discounted),
            )
        )
    return out


def receipt(scenario: Scenario, plan: Plan, request_id: str) -> Explanation:
    """A request's priority score broken into its factors, so that anyone can see why one request outranks
    another: matrix cell, urgency discount, lead override, weights, waiting, deadline slack, the department's
    own rank and its fair-share balance."""
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    t = triage_all(scenario, axis)[request_id]
    request = next(r for r in scenario.requests if r.id == request_id)
    share = next((s for s in department_shares(scenario, plan) if s.department_id == request.department), None)
    facts = [
        Fact(name="matrix_cell", value=f"{request.impact.value} x {t.urgency_used.value}"),
        Fact(name=F.IMPACT, value=request.impact.value),
        Fact(name=F.URGENCY_USED, value=t.urgency_used.value),
        Fact(name="urgency_claimed", value=request.urgency.value),
        Fact(name="urgency_discounted", value=int(t.urgency_discounted)),
        Fact(name="override", value=request.priority_override.value if request.priority_override else ""),
        Fact(name="priority", value=t.priority.value),
        Fact(name="priority_weight", value=t.priority_weight),
        Fact(name="department_weight", value=t.department_weight),
        Fact(name="ageing_factor", value=t.ageing_factor),
        Fact(name="weight", value=t.weight, unit="per minute late"),
        Fact(name="waited_minutes", value=t.waited_minutes, unit="business minutes"),
        Fact(name="slack_minutes", value=t.due_minute, unit="business minutes from now to due"),
        Fact(name="department_rank", value=request.department_rank or 0),
        Fact(name="fair_share_pct", value=str(share.fair_share_pct if share else 0)),
        Fact(name="planned_share_pct", value=str(share.planned_share_pct if share else 0)),
    ]
    e = Explanation(
        kind=ExplanationKind.RECEIPT,
        request_ids=[request_id],
        department_ids=[request.department],
        facts=facts,
        text="",
    )
    return fill(scenario, e, say.receipt(scenario, e), _render_receipt(scenario, e))


def _render_receipt(scenario: Scenario, e: Explanation) -> str:
    department = next(d.name for d in scenario.departments if d.id == e.department_ids[0])
    cell = f"matrix cell {e.fact('matrix_cell')}"
    if int(e.fact("urgency_discounted")):
        cell += f" (marked {e.fact('urgency_claimed')}, one level lower under the urgency rule)"
    if e.fact("override"):
        cell = f"set to {e.fact('override')} by the queue lead over the {cell}"
    slack = int(e.fact("slack_minutes"))
    due = f"due in {duration(slack)} of working time" if slack >= 0 else f"{duration(-slack)} overdue"
    rank = f"; {department} ranks it number {e.fact('department_rank')}" if int(e.fact("department_rank")) else ""
    return (
        f"{e.request_ids[0]}: {e.fact('priority')} ({cell}) weighs {e.fact('priority_weight')}, x {department} "
        f"{e.fact('department_weight')}, x {e.fact('ageing_factor')} for waiting "
        f"{duration(int(e.fact('waited_minutes')))}"
        f" = {e.fact('weight')} per minute late; {due}{rank}; {department} has "
        f"{e.fact('planned_share_pct')} % of the planned time against a fair share of {e.fact('fair_share_pct')} %."
    )


def department_report(
    scenario: Scenario, plan: Plan, department_id: str, overrides: list[Explanation] | None = None
) -> list[str]:
    """What the department asked for, what it gets and when, and the main reasons its requests wait;
    `overrides` are the queue lead's pins' effects (solver.tradeoffs.override_effects), when computed."""
    name = next(d.name for d in scenario.departments if d.id == department_id)
    share = next(s for s in department_shares(scenario, plan) if s.department_id == department_id)
    mine = [r for r in scenario.requests if r.department == department_id and r.status.plannable]
    placed = {a.request_id: a for a in plan.assignments}
    hours = duration(sum(r.effort_minutes for r in mine))
    asked = f"{name} asked for {share.requests} request(s), {hours} of work, and marked {share.urgent_marks} urgent"
    if share.urgent_marks > share.urgent_honoured:
        asked += (
            f"; {share.urgent_honoured} of those marks count in full, the rest one level lower, because the policy "
            f"honours urgent marks in full on {scenario.policy.urgent_share_pct} % of a department's requests"
        )
    gets = (
        f"It gets {share.planned} planned in the next {scenario.policy.horizon_days} working days, {share.on_time} on "
        f"time, {share.planned - share.on_time} late and {share.not_planned} not planned: {share.planned_share_pct} % "
        f"of the team's planned time against a fair share of {share.fair_share_pct} %."
    )
    lines = [asked + ".", gets]
    upcoming = sorted((placed[r.id] for r in mine if r.id in placed), key=lambda a: a.end_minute)[:3]
    if upcoming:
        zone = scenario.calendar.zone
        when = ", ".join(f"{a.request_id} {moment(a.end, zone, scenario.now)}" for a in upcoming)
        lines.append(f"Next to finish: {when}.")
    lines += _reasons_to_wait(scenario, plan, mine)
    ids = {r.id for r in mine}
    lines += [e.text for e in overrides or [] if e.request_ids[0] in ids]
    return lines


def _reasons_to_wait(scenario: Scenario, plan: Plan, mine: list[Request]) -> list[str]:
    """Why its late or unplanned requests wait, counted: missing skills, and other departments' work of
    higher priority planned before them with the same teammate."""
    placed = {a.request_id: a for a in plan.assignments}
    names = {a.id: a.name for a in scenario.agents}
    departments = {d.id: d.name for d in scenario.departments}
    owner_of = {r.id: r.department for r in scenario.requests}
    missing = [u for u in plan.unassigned if u.request_id in {r.id for r in mine} and u.reason == "missing_skill"]
    ahead: Counter[tuple[str, str]] = Counter()
    for r in mine:
        a = placed.get(r.id)
        if a is None or a.minutes_late == 0:
            continue
        for other in plan.assignments:
            before = other.agent_id == a.agent_id and other.end_minute <= a.start_minute
            if before and owner_of[other.request_id] != r.department and other.priority.value < a.priority.value:
                ahead[departments[owner_of[other.request_id]], names[a.agent_id]] += 1
    lines = []
    if ahead:
        top = ", ".join(f"{n} of {possessive(dept)} on {agent}'s time" for (dept, agent), n in ahead.most_common(3))
        lines.append(f"Its late requests wait behind higher-priority requests of other departments: {top}.")
    if missing:
        listed = people([u.request_id for u in missing])
        lines.append(f"{len(missing)} request(s) need a skill nobody on the team has: {listed}.")
    return lines
