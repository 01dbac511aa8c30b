"""Sentences of the counterfactual explanations (trade-off, why not, what would let it in, overload
relief), rendered from the explanation's facts alone: people, departments and requests by name, durations
as "1 h 30 min", no solver words."""

from __future__ import annotations

from triage.explanations.people import pinned_to
from triage.explanations.style import by_whom
from triage.model import Scenario
from triage.render import duration, people, possessive, skills_phrase
from triage.results import Explanation, Plan


def _request(scenario: Scenario, request_id: str) -> str:
    """Sales' "Demo set-up for Acme" (REQ-7)."""
    request = next(r for r in scenario.requests if r.id == request_id)
    department = next(d.name for d in scenario.departments if d.id == request.department)
    return f'{possessive(department)} "{request.title}" ({request_id})'


def _agent(scenario: Scenario, agent_id: str) -> str:
    return next(a.name for a in scenario.agents if a.id == agent_id)


def _cost_change(e: Explanation) -> str:
    before = int(e.fact("cost_before"))
    delta = int(e.fact("cost_after")) - before
    if delta > 0:
        said = f"the plan would cost {delta:,} more"
    elif delta < 0:
        said = f"the plan would cost {-delta:,} less: a better plan than the one found"
    else:
        said = "the plan would cost the same"
    if e.has("search_bound") and not int(e.fact("search_proven")):  # the best found, between its bound and its cost
        low = int(e.fact("search_bound")) - before
        said += (
            f" as found, and at least {low:,} more by the search's bound"
            if low >= 0
            else (f" as found; the search's bound allows up to {-low:,} less")
        )
    return said


def _others_later(e: Explanation, skip: set[str]) -> list[tuple[str, int]]:
    shifts = [(f.name.split(":", 1)[1], int(f.value)) for f in e.facts if f.name.startswith("later_by:")]
    return sorted(((rid, m) for rid, m in shifts if rid not in skip and m > 0), key=lambda x: -x[1])


def render_trade_off(scenario: Scenario, e: Explanation) -> str:
    first, second = str(e.fact("first")), str(e.fact("second"))
    later, earlier = int(e.fact("first_later_by")), int(e.fact("second_earlier_by"))
    agent = _agent(scenario, str(e.fact("agent")))
    head = f"{_request(scenario, second)} starts after {_request(scenario, first)} with {agent}"
    if later <= 0 and earlier <= 0:
        return f"{head}; doing it first would change neither."
    cost = (
        f"doing it first would make {first} {duration(later)} later"
        if later > 0
        else "doing it first would not delay " + first
    )
    gain = f" to save {second} {duration(earlier)}" if earlier > 0 else f" and would not make {second} earlier"
    return f"{head}: {cost}{gain}; {_cost_change(e)}."


def render_elsewhere(scenario: Scenario, e: Explanation) -> str:
    """Lower-priority work on other teammates while the request is late (engineering view: ids and minutes)."""
    lacking = {f.name.split(":", 1)[1]: int(f.value) for f in e.facts if f.name.startswith("lacks:")}
    return (
        f"{e.request_ids[0]} ({e.fact('priority')}, {duration(int(e.fact('minutes_late')))} late): "
        f"{', '.join(e.agent_ids)} lack {skills_phrase(lacking, {s.id: s.name for s in scenario.skills})} and start "
        f"lower-priority {e.fact('meanwhile')} from {e.fact('meanwhile_start')}; qualified: {e.fact('qualified')}."
    )


def render_why_not(scenario: Scenario, e: Explanation) -> str:
    agent = _agent(scenario, str(e.fact("agent")))
    lacking = {f.name.split(":", 1)[1]: int(f.value) for f in e.facts if f.name.startswith("lacks:")}
    if lacking:
        return f"Not {agent}: they lack {skills_phrase(lacking, {s.id: s.name for s in scenario.skills})}."
    if not any(f.name == "busy_with" for f in e.facts):
        return f"Not {agent}: the request is not planned, so there is no slot to compare."
    if not _examined(e):
        return f"Not {agent}: giving it to them was not worked out in the {e.fact('search_seconds')} s allowed."
    if not int(e.fact("feasible")):
        if e.has("pinned_to"):
            return f"Not {agent}: {pinned_to(scenario, e)}."
        return f"Not {agent}: no plan can give it to them."
    busy = str(e.fact("busy_with"))
    then = f"they are busy then with {busy}" if busy else "they are free then"
    request_id = e.request_ids[0]
    own = next((int(f.value) for f in e.facts if f.name == f"later_by:{request_id}"), 0)
    others = _others_later(e, {request_id})
    parts = [f"Not {agent}: {then}"]
    if own:
        parts.append(f"giving it to them would finish it {duration(abs(own))} {'later' if own > 0 else 'earlier'}")
    if others:
        parts.append(f"make {len(others)} other request(s) later (most: {others[0][0]} by {duration(others[0][1])})")
    return "; ".join(parts) + f"; {_cost_change(e)}."


def _examined(e: Explanation) -> bool:
    """False when the alternative's search found nothing in its time: then nothing is claimed about it."""
    return not e.has("examined") or bool(int(e.fact("examined")))


def render_let_in(scenario: Scenario, plan: Plan, e: Explanation) -> str:
    request_id = e.request_ids[0]
    qualified = [name for name in str(e.fact("qualified")).split(", ") if name]
    if not qualified:  # the cause is the skill, not anyone's time
        request = next(r for r in scenario.requests if r.id == request_id)
        skills = skills_phrase(request.required_skills, {s.id: s.name for s in scenario.skills})
        return f"Nobody on the team holds {skills}: no order of work can fit it in until someone does."
    whose = f"{possessive(qualified[0])} time" if len(qualified) == 1 else f"the time of one of {people(qualified)}"
    need = f"It needs {duration(int(e.fact('effort_minutes')))} of {whose}"
    if not _examined(e):
        return f"{need}; putting it first was not worked out in the {e.fact('search_seconds')} s allowed."
    if not int(e.fact("feasible")):
        return f"{need}; even putting it first does not fit it in."
    now = plan.assignment(request_id)
    unchanged = now.minutes_late if now is not None else None  # no shift: it fares as it does now
    late_after = next((int(f.value) for f in e.facts if f.name == f"late_after:{request_id}"), unchanged)
    own = next((int(f.value) for f in e.facts if f.name == f"later_by:{request_id}"), 0)
    if late_after is None:
        outcome = "putting it first would still not get it planned"
    elif late_after == 0:
        outcome = "putting it first would get it done on time"
    else:
        outcome = f"putting it first would still finish it {duration(late_after)} late"
        if own < 0:
            outcome += f", {duration(-own)} earlier than now"
    others = _others_later(e, {request_id})
    waits = ", ".join(f"{rid} by {duration(m)}" for rid, m in others[:3])
    yield_ = f", and other work would wait longer: {waits}" if others else ""
    return f"{need}: {outcome}{yield_}; {_cost_change(e)}."


def render_relief(scenario: Scenario, e: Explanation) -> str:
    agent = _agent(scenario, str(e.fact("agent")))
    planned, target = duration(int(e.fact("planned_minutes"))), duration(int(e.fact("target_minutes")))
    load = f"{agent} is planned {planned} against a target of {target}"
    if not any(f.name == "move" for f in e.facts):
        return f"{load}; no teammate below target holds the skills of their largest requests."
    move, to = str(e.fact("move")), _agent(scenario, str(e.fact("to")))
    return f"{load}: moving {move} to {to}, who is below target, would relieve them; {_cost_change(e)}."


_PIN_WORDS = {"assign": "to a named teammate", "before": "ahead of other work", "first": "first"}


def render_override(scenario: Scenario, e: Explanation) -> str:
    reason = f' Reason: "{e.fact("reason")}".' if e.fact("reason") else ""
    pinned = _request(scenario, str(e.fact("pinned_request")))
    who, later = by_whom(str(e.fact("by"))), duration(int(e.fact("later_by")))
    return (
        f"Moved later by {who}: {e.request_ids[0]} finishes {later} later "
        f"because {pinned} is pinned {_PIN_WORDS[str(e.fact('pin_kind'))]}.{reason}"
    )
