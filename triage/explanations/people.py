"""The people register: what a requester or a department head reads. Working time in hours and days, people,
departments and requests by name, one reason a sentence; rendered from an explanation's facts alone, with the
scenario only to turn ids into names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from triage.explanations.facts import FactName as F
from triage.explanations.facts import key_of, keyed
from triage.explanations.style import by_whom, working_time
from triage.model import Scenario
from triage.names import ExplanationKind
from triage.render import impact_words, moment, people, possessive, skills_phrase, urgency_words
from triage.results import Explanation, Plan


def request_phrase(scenario: Scenario, request_id: str) -> str:
    """Sales' "Demo set-up for Acme" (REQ-7): department and title before the id."""
    request = next((r for r in scenario.requests if r.id == request_id), None)
    if request is None:
        return request_id
    department = next(d.name for d in scenario.departments if d.id == request.department)
    return f'{possessive(department)} "{request.title}" ({request_id})'


def agent_name(scenario: Scenario, agent_id: str) -> str:
    return next((a.name for a in scenario.agents if a.id == agent_id), agent_id)


def skills_said(skills: dict[str, int], scenario: Scenario) -> str:
    """ "Databases", "Cloud infrastructure and Databases at level 2 or higher", "Payroll at level 3 or higher and
    Hardware": levels above 1 said once for the skills that share them."""
    names = {s.id: s.name for s in scenario.skills}
    by_level: dict[int, list[str]] = {}
    for skill, level in sorted(skills.items()):
        by_level.setdefault(level, []).append(names.get(skill, skill))
    parts = [people(group) + (f" at level {level} or higher" if level > 1 else "") for level, group in by_level.items()]
    return people(parts)


def _when(scenario: Scenario, iso: str | int) -> str:
    return moment(datetime.fromisoformat(str(iso)), scenario.calendar.zone, scenario.now)


def shifts_of(e: Explanation) -> dict[str, int]:
    """Request id -> working minutes later under the explanation's re-plan (negative: earlier)."""
    out = {}
    for fact in e.facts:
        key = key_of(fact.name, F.LATER_BY)
        if key is not None:
            out[key] = int(fact.value)
    return out


def _others_later(e: Explanation, skip: set[str]) -> list[tuple[str, int]]:
    later = [(rid, m) for rid, m in shifts_of(e).items() if rid not in skip and m > 0]
    return sorted(later, key=lambda item: (-item[1], item[0]))


def urgency_rule(e: Explanation) -> str:
    """The department-wide urgency rule, said once per department (from a priority explanation's facts)."""
    return (
        f"{e.fact(F.DEPARTMENT)} marks {e.fact(F.DEPARTMENT_URGENT_MARKS)} of its {e.fact(F.DEPARTMENT_OPEN)} open "
        f"requests urgent; the marks on its lowest-ranked requests beyond {e.fact(F.URGENT_SHARE_PCT)} % count one "
        "level lower."
    )


def priority(scenario: Scenario, e: Explanation, with_rule: bool = True) -> str:
    """P1: it affects a department and stops their work; due Mon 13:00, 4 h after it was filed. ..."""
    cell = f"it affects {impact_words(str(e.fact(F.IMPACT)))} and {urgency_words(str(e.fact(F.URGENCY_USED)))}"
    overridden = int(e.fact(F.OVERRIDDEN))
    head = f"{e.fact(F.PRIORITY)}, set by the queue lead" if overridden else f"{e.fact(F.PRIORITY)}: {cell}"
    due = _when(scenario, e.fact(F.DUE_AT))
    if int(e.fact(F.DUE_BY_DEADLINE)):
        when = f"due {due}, the requester's deadline"
    else:
        when = f"due {due}, {working_time(int(e.fact(F.TARGET_MINUTES)))} after filing"
    out = [f"{head}; {when}."]
    if overridden and e.fact(F.MATRIX_PRIORITY) != e.fact(F.PRIORITY):
        out.append(f"On its own it would be {e.fact(F.MATRIX_PRIORITY)}: {cell}.")
    if int(e.fact(F.URGENCY_DISCOUNTED)):
        out.append(f"Its mark ({urgency_words(str(e.fact(F.URGENCY)))}) counts one level lower.")
        if with_rule:
            out.append(urgency_rule(e))
    waited = int(e.fact(F.WAITED_MINUTES))
    if waited:
        out.append(f"It has waited {working_time(waited)}.")
    if int(e.fact(F.DEPARTMENT_RANK)):
        out.append(f"{e.fact(F.DEPARTMENT)} ranks it number {e.fact(F.DEPARTMENT_RANK)}.")
    return " ".join(out)


def assignment(scenario: Scenario, e: Explanation) -> str:
    """Who does it and when, and when it is late, the one reason: it is longer than its target, the teammate
    is on another request until then, or that is their first free time."""
    needs = {key: int(f.value) for f in e.facts if (key := key_of(f.name, F.NEEDS)) is not None}
    skills = skills_said(needs, scenario)
    agent = str(e.fact(F.AGENT))
    start, end = _when(scenario, e.fact(F.START)), _when(scenario, e.fact(F.END))
    count = int(e.fact(F.QUALIFIED_COUNT))
    if not skills:
        who = agent
    elif count == 1:
        who = f"{agent}, the only one with {skills},"
    else:
        who = f"{agent}, one of {count} with {skills},"
    late = int(e.fact(F.MINUTES_LATE))
    owner = " (already the owner)" if int(e.fact(F.KEPT_OWNER)) else ""
    head = f"{who} does it{owner} {start} to {end}, " + (f"{working_time(late)} late." if late else "on time.")
    if e.has(F.OWN_END):
        head = _in_parts(scenario, e, who, owner, late)
    if not late:
        return head
    effort, target = int(e.fact(F.EFFORT_MINUTES)), int(e.fact(F.TARGET_MINUTES))
    if target and effort > target:
        return f"{head} It takes {working_time(effort)}, more than its {working_time(target)} target."
    previous = str(e.fact(F.PREVIOUS_REQUEST)) if e.has(F.PREVIOUS_REQUEST) else ""
    if previous:
        return f"{head} Until then {agent} is on {request_phrase(scenario, previous)}."
    return f"{head} That is {possessive(agent)} first free time."


def _in_parts(scenario: Scenario, e: Explanation, who: str, owner: str, late: int) -> str:
    """Done in parts (a share accepted): who does which part when, and the finish, the later part's end."""
    own = working_time(int(e.fact(F.OWN_MINUTES)))
    start, end = _when(scenario, e.fact(F.OWN_START)), _when(scenario, e.fact(F.OWN_END))
    out = [f"{who} does {own} of it{owner}, {start} to {end}."]
    part_ids = [key for f in e.facts if (key := key_of(f.name, F.PART_AGENT)) is not None]
    for rid in part_ids:
        minutes = working_time(int(e.fact(keyed(F.PART_MINUTES, rid))))
        start, end = _when(scenario, e.fact(keyed(F.PART_START, rid))), _when(scenario, e.fact(keyed(F.PART_END, rid)))
        out.append(f"{e.fact(keyed(F.PART_AGENT, rid))} does the other {minutes} ({rid}), {start} to {end}.")
    finish = _when(scenario, e.fact(F.END))
    out.append(
        f"It finishes {finish}, when the later part ends, " + (f"{working_time(late)} late." if late else "on time.")
    )
    return " ".join(out)


def unassigned(scenario: Scenario, e: Explanation, required: dict[str, int]) -> str:
    names = {s.id: s.name for s in scenario.skills}
    reason = e.fact(F.REASON)
    if reason == "missing_skill":
        missing = {key: int(f.value) for f in e.facts if (key := key_of(f.name, F.MISSING)) is not None}
        return f"Not planned: no teammate has {skills_phrase(missing, names)}."
    if reason == "no_qualified_agent":
        return f"Not planned: no single teammate has all of {skills_phrase(required, names)}."
    end = _when(scenario, e.fact(F.HORIZON_END))
    who = people([n for n in str(e.fact(F.QUALIFIED)).split(", ") if n])
    if reason == "no_stretch":
        effort, longest = working_time(int(e.fact(F.EFFORT_MINUTES))), int(e.fact(F.LONGEST_STRETCH))
        skills = skills_phrase(required, names) or "the skills"
        most = f" (the longest is {working_time(longest)})" if longest else ""
        return (
            f"Not planned: it cannot pause, so it needs {effort} in one stretch, and nobody who has {skills} "
            f"has {effort} in one stretch before {end}{most}."
        )
    return f"Not planned before {end}: the time of the teammates who could take it ({who}) goes to other requests."


def trade_off(scenario: Scenario, e: Explanation) -> str:
    """B waits behind A on one teammate's time: what doing B first would do to each (from the re-plan with B
    forced first), and why the plan keeps its order, from the same re-plan: the swap is better overall (the
    plan has not found it), it costs more time than it saves, A's priority is higher, or other work would
    finish later too. A lower priority ahead of a higher one is said first: it is what a reader questions."""
    first, second = str(e.fact(F.FIRST)), str(e.fact(F.SECOND))
    later, earlier = int(e.fact(F.FIRST_LATER_BY)), int(e.fact(F.SECOND_EARLIER_BY))
    agent = possessive(agent_name(scenario, str(e.fact(F.AGENT))))
    p_first = str(e.fact(F.FIRST_PRIORITY)) if e.has(F.FIRST_PRIORITY) else ""
    p_second = str(e.fact(F.SECOND_PRIORITY)) if e.has(F.SECOND_PRIORITY) else ""
    if p_first and p_first > p_second:
        head = f"{p_first} {request_phrase(scenario, first)} runs before {p_second} {request_phrase(scenario, second)}"
        head += f" on {agent} time."
    else:
        head = f"{request_phrase(scenario, second)} waits behind {request_phrase(scenario, first)} on {agent} time."
    if later <= 0 and earlier <= 0:
        return f"{head} Doing {second} first would change neither."
    cost = f"make {first} {working_time(later)} later" if later > 0 else f"not delay {first}"
    gain = f"save {second} {working_time(earlier)}" if earlier > 0 else f"not make {second} earlier"
    return (
        f"{head} Doing {second} first would {cost} and {gain}. {_why_kept(e, first, later, earlier, p_first, p_second)}"
    )


def _why_kept(e: Explanation, first: str, later: int, earlier: int, p_first: str, p_second: str) -> str:
    if int(e.fact(F.COST_AFTER)) < int(e.fact(F.COST_BEFORE)):
        return "That order would be better overall: the plan has not found it yet."
    if later >= earlier:
        return f"The plan keeps its order: the swap would delay {first} more than it saves."
    if p_first and p_first < p_second:
        return f"The plan keeps its order: {first} is {p_first}, and an hour late counts more for a {p_first}."
    others = _others_later(e, {first, *e.request_ids})
    if others:
        return f"The plan keeps its order: {len(others)} other request(s) would finish later too."
    return "The plan keeps its order: the department weights favour it."


def elsewhere(scenario: Scenario, e: Explanation) -> str:
    """Lower-priority work starts on other teammates while this request is late: the skill they lack, said once
    for all of them, and who holds it."""
    request_id = e.request_ids[0]
    lacking = {key: int(f.value) for f in e.facts if (key := key_of(f.name, F.LACKS)) is not None}
    names = [agent_name(scenario, a) for a in e.agent_ids]
    who = people(names) if len(names) <= 3 else f"{e.fact(F.MEANWHILE_TEAMMATES)} teammates"
    holders = [n for n in str(e.fact(F.QUALIFIED)).split(", ") if n]
    held = f"; only {people(holders)} can do it" if 0 < len(holders) <= 2 else ""
    start = "starts" if len(names) == 1 else "start"
    late = f"{e.fact(F.PRIORITY)} {request_phrase(scenario, request_id)}"
    head = f"While {late} is late, {who} {start} lower-priority work"
    return f"{head}: they lack {skills_said(lacking, scenario)}{held}."


def not_examined(scenario: Scenario, e: Explanation) -> str:
    names = people([agent_name(scenario, a) for a in str(e.fact(F.NOT_EXAMINED)).split(", ") if a])
    return f"{names} also hold the skills; the plan was not re-run with them, so they are not compared."


def why_not(scenario: Scenario, e: Explanation) -> str:
    agent = agent_name(scenario, str(e.fact(F.AGENT)))
    lacking = {key: int(f.value) for f in e.facts if (key := key_of(f.name, F.LACKS)) is not None}
    if lacking:
        return f"Not {agent}: they lack {skills_phrase(lacking, {s.id: s.name for s in scenario.skills})}."
    if not e.has(F.BUSY_WITH):
        return f"Not {agent}: the request is not planned, so there is no slot to compare."
    if not _examined(e):
        return f"Not {agent}: giving it to them was not worked out in the {e.fact(F.SEARCH_SECONDS)} s allowed."
    if not int(e.fact(F.FEASIBLE)):
        if e.has(F.PINNED_TO):
            return f"Not {agent}: {pinned_to(scenario, e)}."
        return f"Not {agent}: no plan can give it to them."
    busy = str(e.fact(F.BUSY_WITH))
    out = [f"Not {agent}: " + (f"they are busy then with {busy}." if busy else "they are free then.")]
    request_id = e.request_ids[0]
    own = shifts_of(e).get(request_id, 0)
    if own:
        out.append(f"With them it would finish {working_time(own)} {'later' if own > 0 else 'earlier'}.")
    others = _others_later(e, {request_id})
    if others:
        rid, minutes = others[0]
        out.append(f"It would make {len(others)} other request(s) later, {rid} most, by {working_time(minutes)}.")
    if not own and not others:
        out.append("Giving it to them would change no finishing time.")
    return " ".join(out)


def pinned_to(scenario: Scenario, e: Explanation) -> str:
    """The pin that holds the request to another teammate: a part they accepted, or the lead's pin."""
    peer = agent_name(scenario, str(e.fact(F.PINNED_TO)))
    if e.has(F.PART_OF):
        return f"it is pinned to {peer}: they accepted this part of {e.fact(F.PART_OF)}"
    return f"it is pinned to {peer}"


def _examined(e: Explanation) -> bool:
    """False when the alternative's search found nothing in its time: then nothing is claimed about it."""
    return not e.has(F.EXAMINED) or bool(int(e.fact(F.EXAMINED)))


def let_in(scenario: Scenario, plan: Plan, e: Explanation) -> str:
    request_id = e.request_ids[0]
    qualified = [name for name in str(e.fact(F.QUALIFIED)).split(", ") if name]
    if not qualified:
        request = next(r for r in scenario.requests if r.id == request_id)
        skills = skills_phrase(request.required_skills, {s.id: s.name for s in scenario.skills})
        return f"Nobody on the team holds {skills}: no order of work can fit it in until someone does."
    whose = f"{possessive(qualified[0])} time" if len(qualified) == 1 else f"the time of one of {people(qualified)}"
    need = f"It needs {working_time(int(e.fact(F.EFFORT_MINUTES)))} of {whose}."
    if not _examined(e):
        return f"{need} Putting it first was not worked out in the {e.fact(F.SEARCH_SECONDS)} s allowed."
    if not int(e.fact(F.FEASIBLE)):
        return f"{need} Even putting it first does not fit it in."
    late_after = next((int(f.value) for f in e.facts if key_of(f.name, F.LATE_AFTER) == request_id), None)
    own = shifts_of(e).get(request_id, 0)
    if late_after is None:
        outcome = "Putting it first would still not get it planned."
    elif late_after == 0:
        outcome = "Putting it first would get it done on time."
    else:
        outcome = f"Putting it first would still finish it {working_time(late_after)} late"
        outcome += f", {working_time(-own)} earlier than now." if own < 0 else "."
    others = _others_later(e, {request_id})
    waits = ", ".join(f"{rid} by {working_time(m)}" for rid, m in others[:3])
    return f"{need} {outcome}" + (f" Other work would wait longer: {waits}." if others else "")


def relief(scenario: Scenario, e: Explanation) -> str:
    agent = agent_name(scenario, str(e.fact(F.AGENT)))
    load = f"{agent} is planned {working_time(int(e.fact(F.PLANNED_MINUTES)))} against a target of "
    load += working_time(int(e.fact(F.TARGET_MINUTES)))
    if not e.has(F.MOVE):
        return f"{load}. No teammate below target holds the skills of their largest requests."
    move, to = request_phrase(scenario, str(e.fact(F.MOVE))), agent_name(scenario, str(e.fact(F.TO)))
    return f"{load}. Moving {move} to {to}, who is below target, would relieve them."


def order(scenario: Scenario, e: Explanation) -> str:
    """A department's own order not followed, and what decided instead, from the order explanation's facts."""
    first, overtaking = e.request_ids
    department = next(d.name for d in scenario.departments if d.id == e.department_ids[0])
    head = (
        f"{department} ranks {first} number {e.fact(F.RANK)}, but {overtaking} (number {e.fact(F.OVERTAKING_RANK)}) "
        "finishes first:"
    )
    reason = e.fact(F.REASON)
    if reason == "priority":
        return f"{head} it has a higher priority ({e.fact(F.OVERTAKING_PRIORITY)} against {e.fact(F.PRIORITY)})."
    if reason == "due":
        return f"{head} it is due earlier ({_when(scenario, e.fact(F.OVERTAKING_DUE_AT))})."
    if reason == "other_agent":
        needs = {key: int(f.value) for f in e.facts if (key := key_of(f.name, F.NEEDS)) is not None}
        holders = people([n for n in str(e.fact(F.QUALIFIED)).split(", ") if n])
        return f"{head} it is done by someone else. {first} needs {skills_said(needs, scenario)}, held by {holders}."
    return f"{head} with the same priority and due time, finishing it first makes the others wait less in all."


_PIN_WORDS = {"assign": "to a named teammate", "before": "ahead of other work", "first": "first"}


def override(scenario: Scenario, e: Explanation) -> str:
    reason = f' Reason: "{e.fact(F.REASON)}".' if e.fact(F.REASON) else ""
    pinned = request_phrase(scenario, str(e.fact(F.PINNED_REQUEST)))
    later = working_time(int(e.fact(F.LATER_BY)))
    how = _PIN_WORDS[str(e.fact(F.PIN_KIND))]
    who = by_whom(str(e.fact(F.BY)))
    return f"Moved later by {who}: {e.request_ids[0]} finishes {later} later because {pinned} is pinned {how}.{reason}"


def receipt(scenario: Scenario, e: Explanation) -> str:
    department = next(d.name for d in scenario.departments if d.id == e.department_ids[0])
    cell = f"it affects {impact_words(str(e.fact(F.IMPACT)))} and {urgency_words(str(e.fact(F.URGENCY_USED)))}"
    head = f"{e.request_ids[0]} is {e.fact(F.PRIORITY)}"
    head += f", set by the queue lead ({cell})" if e.fact(F.OVERRIDE) else f": {cell}"
    out = [head + (" (its urgent mark counts one level lower)." if int(e.fact(F.URGENCY_DISCOUNTED)) else ".")]
    slack = int(e.fact(F.SLACK_MINUTES))
    out.append(f"It is due in {working_time(slack)}." if slack >= 0 else f"It is {working_time(-slack)} overdue.")
    if int(e.fact(F.DEPARTMENT_RANK)):
        out.append(f"{department} ranks it number {e.fact(F.DEPARTMENT_RANK)}.")
    out.append(
        f"{department} has {e.fact(F.PLANNED_SHARE_PCT)} % of the planned time against a fair share of "
        f"{e.fact(F.FAIR_SHARE_PCT)} %."
    )
    return " ".join(out)


PEOPLE: dict[ExplanationKind, Callable[[Scenario, Explanation], str]] = {
    ExplanationKind.TRADE_OFF: trade_off,
    ExplanationKind.WHY_NOT: why_not,
    ExplanationKind.OVERLOAD: relief,
    ExplanationKind.OVERRIDE: override,
    ExplanationKind.RECEIPT: receipt,
}
