"""The lead register: the people sentence, and for the kinds computed by a re-plan the trade-off in hours per
department ("Sales 3 h later, Customer Support 5 h earlier"), summed from the re-plan's shifts."""

from __future__ import annotations

from triage.explanations.facts import FactName as F
from triage.explanations.facts import key_of, keyed
from triage.explanations.people import agent_name, shifts_of
from triage.explanations.style import working_time
from triage.model import Scenario
from triage.render import possessive
from triage.results import Explanation, Fact


def department_facts(scenario: Scenario, later_by: dict[str, int]) -> list[Fact]:
    """Per department, the working minutes its requests would finish later (negative: earlier), summed over
    the re-plan's shifts; the biggest change first, departments with no net change left out."""
    if not later_by:  # most explanations have no re-plan: not a pass over every request for each of them
        return []
    department_of = {r.id: r.department for r in scenario.requests}
    totals: dict[str, int] = {}
    for request_id, minutes in later_by.items():
        if request_id in department_of:
            totals[department_of[request_id]] = totals.get(department_of[request_id], 0) + minutes
    ranked = sorted(((d, m) for d, m in totals.items() if m), key=lambda item: (-abs(item[1]), item[0]))
    return [Fact(name=keyed(F.DEPARTMENT_LATER_BY, d), value=m, unit="business minutes") for d, m in ranked]


def by_department(scenario: Scenario, e: Explanation) -> str:
    """ "Sales 3 h later, Customer Support 5 h earlier" from the explanation's per-department facts."""
    names = {d.id: d.name for d in scenario.departments}
    parts = []
    for fact in e.facts:
        department = key_of(fact.name, F.DEPARTMENT_LATER_BY)
        if department is not None:
            minutes = int(fact.value)
            parts.append(
                f"{names.get(department, department)} {working_time(minutes)} {'later' if minutes > 0 else 'earlier'}"
            )
    return ", ".join(parts)


UNPROVEN = " It was not searched to the end: a better one may exist."
"""What a bounded search's claim adds: its numbers are those of the best plan found, not of the best there is."""


def searched(scenario: Scenario, e: Explanation) -> str:
    """How the alternative was searched, as far as its claim goes: whose work was re-arranged with the rest
    held, and whether no better arrangement of it exists or it is the best found in the time given."""
    if not e.has(F.SEARCHED) or not int(e.fact(F.FEASIBLE)):
        return ""
    seconds = f"{e.fact(F.SEARCH_SECONDS)} s"
    requests = e.fact(F.SEARCHED_REQUESTS)
    if not int(e.fact(F.SEARCH_LOCAL)):
        found = "no better plan exists" if int(e.fact(F.SEARCH_PROVEN)) else f"the best plan found in {seconds}"
        after = "" if int(e.fact(F.SEARCH_PROVEN)) else UNPROVEN
        return f"Worked out by planning all {requests} requests again with that change: {found}.{after}"
    agents = [a for a in str(e.fact(F.SEARCHED)).split(", ") if a]
    teammates = e.fact(F.SEARCHED_TEAMMATES)
    one = len(agents) == 1
    of = f"{requests} of {possessive(agent_name(scenario, agents[0]))} requests" if one else f"{requests} requests"
    of += "" if one else f" of {teammates} teammates"
    found = "no better arrangement of them exists" if int(e.fact(F.SEARCH_PROVEN)) else f"the best found in {seconds}"
    after = "" if int(e.fact(F.SEARCH_PROVEN)) else UNPROVEN
    return f"Worked out by re-arranging {of} with that change, the rest of the plan as it is: {found}.{after}"


def lead(scenario: Scenario, e: Explanation, people_text: str) -> str:
    """The people sentence with the re-plan's effect per department, when the explanation has a re-plan (its
    per-department sums are added to its facts first, so that the sentence states only facts), and how the
    re-plan was searched (a bounded search says so)."""
    if not any(key_of(f.name, F.DEPARTMENT_LATER_BY) for f in e.facts):
        e.facts += department_facts(scenario, shifts_of(e))
    moved = by_department(scenario, e)
    text = f"{people_text} By department: {moved}." if moved else people_text
    how = searched(scenario, e)
    return f"{text} {how}" if how else text
