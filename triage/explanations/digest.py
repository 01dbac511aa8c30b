"""A whole plan in words: the summary line and the "Why" of `tandem plan`, in a register. Department-wide
rules (the urgency rule) are said once per department, before that department's requests."""

from __future__ import annotations

from triage.explanations import people as say
from triage.explanations.facts import FactName as F
from triage.explanations.style import Register, working_time
from triage.model import Scenario
from triage.names import ExplanationKind, Priority
from triage.render import moment
from triage.results import Explanation, Plan


def on_time_by_priority(plan: Plan) -> list[tuple[Priority, int, int]]:
    """(priority, open requests of it, of which planned on time), for the priorities the plan has."""
    counts: dict[Priority, list[int]] = {}
    for a in plan.assignments:
        counts.setdefault(a.priority, [0, 0])[0] += 1
        counts[a.priority][1] += int(a.minutes_late == 0)
    for u in plan.unassigned:
        counts.setdefault(u.priority, [0, 0])[0] += 1
    return [(p, *counts[p]) for p in Priority if p in counts]  # type: ignore[misc]


def summary(scenario: Scenario, plan: Plan, register: Register = Register.PEOPLE) -> str:
    """How many requests are planned, late and not planned, on time per priority (counts with rates), and the
    late work in working time; the detail register adds the cost, its terms and the proof."""
    late = [a for a in plan.assignments if a.minutes_late]
    total = len(plan.assignments) + len(plan.unassigned)
    end = moment(plan.horizon_end, scenario.calendar.zone, scenario.now)
    out = [f"{len(plan.assignments)} of {total} requests planned before {end}, {len(late)} of them late"]
    out[0] += f"; {len(plan.unassigned)} not planned." if plan.unassigned else "."
    rates = ", ".join(f"{p.value} {on_time} of {n}" for p, n, on_time in on_time_by_priority(plan))
    if rates:
        out.append(f"On time: {rates}.")
    if late:
        out.append(f"The late requests are {working_time(sum(a.minutes_late for a in late))} past due in all.")
    if register == Register.DETAIL:
        proof = "proven optimal" if plan.status == "optimal" else f"{plan.status}, within {plan.gap:.1%} of the bound"
        terms = ", ".join(f"{t.term.value} {t.value}" for t in plan.terms)
        out.append(
            f"Cost {plan.objective} ({terms}); {proof}; bound {plan.best_bound} ({plan.bound_source}); "
            f"{plan.solve_seconds:.1f} s."
        )
    return " ".join(out)


def _rules_once(scenario: Scenario, priorities: list[Explanation]) -> dict[str, str]:
    """Department id -> its urgency rule sentence, for departments where the rule discounted a mark."""
    out: dict[str, str] = {}
    for e in priorities:
        if int(e.fact(F.URGENCY_DISCOUNTED)) and e.department_ids and e.department_ids[0] not in out:
            out[e.department_ids[0]] = say.urgency_rule(e)
    return out


def why(scenario: Scenario, plan: Plan, register: Register = Register.PEOPLE) -> list[str]:
    """One line per request (its priority, then its agent and time or why it is not planned), grouped by
    department, each department's urgency rule once before its requests; the detail register gives the
    engineering sentences as they are stored."""
    kinds = (ExplanationKind.PRIORITY, ExplanationKind.ASSIGNMENT, ExplanationKind.UNASSIGNED)
    mine = [e for e in plan.explanations if e.kind in kinds]
    titles = {r.id: r.title for r in scenario.requests}
    rules = _rules_once(scenario, [e for e in mine if e.kind == ExplanationKind.PRIORITY])
    lines: list[str] = []
    for department in scenario.departments:
        texts: dict[str, list[str]] = {}
        for e in mine:
            if e.department_ids[:1] != [department.id]:
                continue
            if register == Register.DETAIL:
                text = e.detail_text or e.text
            elif e.kind == ExplanationKind.PRIORITY:
                text = say.priority(scenario, e, with_rule=False)
            else:
                text = e.in_register(register)
            texts.setdefault(e.request_ids[0], []).append(text)
        if not texts:
            continue
        if department.id in rules and register != Register.DETAIL:
            lines.append(rules[department.id])
        lines += [f"{rid} {titles.get(rid, '')}: {' '.join(parts)}" for rid, parts in texts.items()]
    return lines
