"""The paragraph of a what-if: what gets later, what gets earlier, what is no longer planned, and how the
plan's cost moves, biggest effects first; every number is a field of the WhatIf it renders."""

from __future__ import annotations

from triage.model import Scenario
from triage.names import PlanStatus, Term
from triage.render import duration, moment, possessive
from triage.results import Plan, Shift, WhatIf

MOST_NAMED = 4  # requests named per list; the rest are counted


def _named(shifts: list[Shift], scenario: Scenario, amount: str) -> str:
    departments = {d.id: d.name for d in scenario.departments}
    requests = {r.id: r for r in scenario.requests}
    parts = []
    for shift in shifts[:MOST_NAMED]:
        request = requests.get(shift.request_id)
        who = f"{shift.request_id} ({departments[request.department]})" if request else shift.request_id
        minutes = abs(shift.later_by)
        parts.append(f"{who} by {duration(minutes)}" if amount == "time" else who)
    rest = len(shifts) - MOST_NAMED
    return ", ".join(parts) + (f" and {rest} more" if rest > 0 else "")


def _by_department(scenario: Scenario, result: WhatIf) -> str:
    """Per department, the working minutes its requests would finish later (or earlier), summed."""
    department_of = {r.id: r.department for r in scenario.requests}
    names = {d.id: d.name for d in scenario.departments}
    totals: dict[str, int] = {}
    for shift in result.shifts:
        if shift.later_by:
            key = department_of[shift.request_id]
            totals[key] = totals.get(key, 0) + shift.later_by
    parts = [
        f"{names[d]} {duration(abs(m))} {'later' if m > 0 else 'earlier'}"
        for d, m in sorted(totals.items(), key=lambda item: -abs(item[1]))
        if m
    ]
    return ", ".join(parts)


def _count(shifts: list[Shift]) -> str:
    return "1 request" if len(shifts) == 1 else f"{len(shifts)} requests"


def _dropped_headline(scenario: Scenario, dropped: list[Shift], plan: Plan | None) -> str:
    """ "5 requests could no longer be done before Fri 17:00, among them Customer Support's "GDPR export"
    (REQ-1)": the most urgent of them (in the current plan) named, by department and title."""
    requests = {r.id: r for r in scenario.requests}
    departments = {d.id: d.name for d in scenario.departments}
    priority = {a.request_id: a.priority.value for a in plan.assignments} if plan else {}
    named = []
    for shift in sorted(dropped, key=lambda s: (priority.get(s.request_id, "P9"), s.request_id))[:2]:
        request = requests.get(shift.request_id)
        named.append(
            f'{possessive(departments[request.department])} "{request.title}" ({shift.request_id})'
            if request
            else shift.request_id
        )
    when = moment(plan.horizon_end, scenario.calendar.zone, scenario.now) if plan else "the plan's horizon ends"
    what = "1 request could" if len(dropped) == 1 else f"{len(dropped)} requests could"
    among = ("among them " if len(dropped) > len(named) else "") + " and ".join(named)
    return f"{what} no longer be done before {when}: {among}."


def render_what_if(scenario: Scenario, result: WhatIf, plan: Plan | None = None) -> str:
    """One paragraph a lead can read before deciding: requests that drop out of the plan first, then what
    finishes later, earlier, or changes hands, then the effect per department; a change that moves nothing
    says so and why. Hours, names and departments only (the cost is in `render_what_if_detail`)."""
    if result.status == PlanStatus.INFEASIBLE:
        return f"With {result.change}: no plan can keep this. {result.conflict}".strip()
    if result.status == PlanStatus.UNKNOWN:  # not shown impossible: nothing keeping it was found in the time
        return f"With {result.change}: nothing was worked out; {result.conflict}".strip()
    later = [s for s in result.shifts if s.later_by > 0]
    earlier = [s for s in result.shifts if s.later_by < 0]
    dropped = [s for s in result.shifts if s.agent_before is not None and s.agent_after is None]
    added = [s for s in result.shifts if s.agent_before is None and s.agent_after is not None]
    moved = [
        s for s in result.shifts if None not in (s.agent_before, s.agent_after) and s.agent_before != s.agent_after
    ]
    sentences = [f"With {result.change}:"]
    if dropped:
        sentences.append(_dropped_headline(scenario, dropped, plan))
    if later:
        sentences.append(f"{_count(later)} would finish later: {_named(later, scenario, 'time')}.")
    if earlier:
        sentences.append(f"{len(earlier)} would finish earlier: {_named(earlier, scenario, 'time')}.")
    if added:
        sentences.append(f"{len(added)} would now be planned: {_named(added, scenario, 'id')}.")
    if moved:
        sentences.append(f"{len(moved)} would change hands: {_named(moved, scenario, 'id')}.")
    if len(sentences) == 1:
        why = "the plan already does this" if result.already_holds else "the plan found with it forced is the same"
        return f"With {result.change}: nothing would change, because {why}."
    by_department = _by_department(scenario, result)
    if by_department:
        sentences.append(f"By department: {by_department}.")
    return " ".join(sentences)


def render_what_if_detail(scenario: Scenario, result: WhatIf, plan: Plan | None = None) -> str:
    """The lead's paragraph with the cost: weighted lateness and the plan's total, before and after."""
    text = render_what_if(scenario, result, plan)
    if result.status in (PlanStatus.INFEASIBLE, PlanStatus.UNKNOWN):
        return text
    sentences = [text]
    lateness = next((t for t in result.terms if t.term == Term.LATENESS), None)
    if lateness is not None and lateness.before != lateness.after:
        sentences.append(f"Weighted lateness would go from {lateness.before:,} to {lateness.after:,}.")
    delta = result.cost_after - result.cost_before
    sentences.append(
        f"The plan's total cost would go from {result.cost_before:,} to {result.cost_after:,} ({delta:+,})."
    )
    search = result.search
    if search is not None and not search.proven and search.bound is not None:  # the best found, not the best
        low = search.bound - result.cost_before
        sentences.append(
            f"That is the best found in {search.seconds:g} s, not searched to the end: no plan with it costs less "
            f"than {search.bound:,} ({low:+,})."
        )
    return " ".join(sentences)
