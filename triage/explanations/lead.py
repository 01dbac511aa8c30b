"""The lead register: the people sentence, and for the kinds computed by a re-plan the trade-off in hours per
department ("Sales 3 h later, Customer Support 5 h earlier"), summed from the re-plan's shifts."""

from __future__ import annotations

from triage.explanations.people import shifts_of
from triage.explanations.style import working_time
from triage.model import Scenario
from triage.results import Explanation


def department_minutes(scenario: Scenario, later_by: dict[str, int]) -> list[tuple[str, int]]:
    """Per department (by name), the working minutes its requests would finish later (negative: earlier),
    summed; the biggest change first, departments with no net change left out."""
    department_of = {r.id: r.department for r in scenario.requests}
    names = {d.id: d.name for d in scenario.departments}
    totals: dict[str, int] = {}
    for request_id, minutes in later_by.items():
        if request_id in department_of:
            name = names[department_of[request_id]]
            totals[name] = totals.get(name, 0) + minutes
    return sorted(((n, m) for n, m in totals.items() if m), key=lambda item: (-abs(item[1]), item[0]))


def by_department(scenario: Scenario, later_by: dict[str, int]) -> str:
    """ "Sales 3 h later, Customer Support 5 h earlier", or "" when no department's work moves."""
    return ", ".join(
        f"{name} {working_time(m)} {'later' if m > 0 else 'earlier'}"
        for name, m in department_minutes(scenario, later_by)
    )


def lead(scenario: Scenario, e: Explanation, people_text: str) -> str:
    """The people sentence with the re-plan's effect per department, when the explanation has a re-plan."""
    moved = by_department(scenario, shifts_of(e))
    return f"{people_text} By department: {moved}." if moved else people_text
