"""An export's tickets as a Tandem scenario (the team, its customers, every team ticket as a request, done
ones included) and its import report. Every problem is collected and raised at once (ScenarioError, each
naming the ticket's line and source id and the column); nothing partial is returned.

Rules of the mapping applied here: a ticket with no skill value gets `default_skill` (a warning), or is a
problem when the mapping has none; impact, urgency and priority values must be listed in the mapping
(missing values take the defaults, a warning); the source's priority, when mapped, is the request's
priority override. Effort: `triage.importers.effort`; organisation and statuses:
`triage.importers.organisation`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from triage.calendar import BusinessAxis
from triage.errors import Problem, ScenarioError
from triage.importers import organisation as org
from triage.importers.effort import EffortModel, active_minutes, business_clock, learn_effort
from triage.importers.mapping import Mapping
from triage.importers.report import AgentLine, Calibration, EffortLine, ImportReport
from triage.importers.tickets import Ticket
from triage.intake import load_scenario
from triage.model import Policy, Scenario
from triage.names import Impact, Priority, RequestStatus, Urgency

_MATRIX = Policy().matrix  # the default policy's matrix: the priority an effort class is learned under


@dataclass(frozen=True)
class Imported:
    """What an export became: the scenario (done requests included) and its report."""

    scenario: Scenario
    report: ImportReport


@dataclass
class _Facts:
    """Per team ticket, what the mapping says, gathered before any request is built."""

    skills: dict[str, list[str]] = field(default_factory=dict)  # source id -> skill ids
    triage: dict[str, tuple[Impact, Urgency, Priority | None]] = field(default_factory=dict)
    skill_names: dict[str, str] = field(default_factory=dict)  # skill id -> the source's value
    no_skill: int = 0
    defaulted: Counter[str] = field(default_factory=Counter)


def import_tickets(
    tickets: list[Ticket], mapping: Mapping, *, format_label: str, rows: int, now: datetime | None = None
) -> Imported:
    """The scenario and report of the tickets under the mapping, as they stood at `now` (default: the export's
    last event; an earlier `now` leaves out later events and tickets opened after it)."""
    if now is not None:
        tickets = org.as_of(tickets, now)
    if not tickets:
        raise ScenarioError([Problem(record="export", field="", message="no tickets in the file (by now)")])
    now = now or max(e.at for t in tickets for e in t.events)
    team = [t for t in tickets if org.in_team(t, mapping)]
    problems: list[Problem] = []
    facts = _map_fields(team, mapping, problems)
    minute_of = business_clock(BusinessAxis(mapping.calendar, now, 1))

    def business(start: datetime, end: datetime) -> int:
        return max(0, minute_of(end) - minute_of(start))

    model = _learn(team, mapping, facts, business)
    shares = org.time_shares(tickets, mapping)
    agents = _agents(team, shares, facts, mapping, problems)
    requests = [_request(t, mapping, facts, model, shares) for t in team if t.source_id in facts.skills]
    problems += _collisions(team)
    if problems:
        raise ScenarioError(problems)
    departments = {org.slug(t.department or org.UNKNOWN_DEPARTMENT): t.department or "Unknown" for t in team}
    raw = {
        "now": now.isoformat(),
        "calendar": mapping.calendar.model_dump(mode="json"),
        "skills": [{"id": s, "name": n} for s, n in sorted(facts.skill_names.items())],
        "departments": [{"id": d, "name": n, "weight": 1} for d, n in sorted(departments.items())],
        "agents": agents,
        "requests": requests,
    }
    if not agents:
        raise ScenarioError(
            [
                Problem(
                    record="export",
                    field=mapping.columns.assignee or "assignee",
                    message="no ticket of the team has an owner: there is nobody to plan for",
                )
            ]
        )
    scenario = load_scenario(raw)
    report = _report(tickets, team, scenario, model, shares, facts, mapping, format_label, rows, business)
    return Imported(scenario, report)


def _map_fields(team: list[Ticket], mapping: Mapping, problems: list[Problem]) -> _Facts:
    facts = _Facts()
    columns = mapping.columns
    for t in team:
        where = f"line {t.line} ({t.source_id})"
        values = t.skills
        if not values:
            if mapping.default_skill is None:
                problems.append(
                    Problem(
                        record=where,
                        field=columns.skills[0],
                        message="no skill value, and the mapping has no default_skill",
                    )
                )
                continue
            values, facts.no_skill = [mapping.default_skill], facts.no_skill + 1
        ids = [org.slug(v) for v in values]
        facts.skill_names.update(zip(ids, values, strict=True))
        impact = _mapped(t.impact, mapping.impact, mapping.default_impact, where, columns.impact, problems, facts)
        urgency = _mapped(t.urgency, mapping.urgency, mapping.default_urgency, where, columns.urgency, problems, facts)
        priority = None
        if columns.priority and mapping.priority and t.priority is not None:
            priority = _mapped(t.priority, mapping.priority, None, where, columns.priority, problems, facts)
        if impact is None or urgency is None:
            continue
        facts.skills[t.source_id] = ids
        facts.triage[t.source_id] = (impact, urgency, priority or None)
    return facts


def _mapped(
    value: str | None,
    table: dict[str, Any],
    default: Any,
    where: str,
    column: str | None,
    problems: list[Problem],
    facts: _Facts,
) -> Any:
    if value is None:
        if column is not None:  # a field the mapping does not read is not missing from the export
            facts.defaulted[column] += 1
        return default
    if value not in table:
        problems.append(Problem(record=where, field=column or "", message=f"value {value!r} is not in the mapping"))
        return None
    return table[value]


def _priority(facts: _Facts, source_id: str) -> Priority:
    impact, urgency, override = facts.triage[source_id]
    return override or _MATRIX[impact][urgency]


def _learn(team: list[Ticket], mapping: Mapping, facts: _Facts, business: Any) -> EffortModel:
    active = set(mapping.states.in_progress)
    samples = []
    for t in team:
        if t.state in mapping.states.done and t.source_id in facts.skills:
            minutes = active_minutes(t, active, business)
            if minutes > 0:
                samples.append((facts.skills[t.source_id][0], _priority(facts, t.source_id), minutes))
    return learn_effort(
        samples,
        min_class_size=mapping.effort.min_class_size,
        clip=mapping.effort.clip_minutes,
        skill_name=lambda s: facts.skill_names.get(s, s),
    )


def _agents(
    team: list[Ticket], shares: dict[str, org.Share], facts: _Facts, mapping: Mapping, problems: list[Problem]
) -> list[dict[str, Any]]:
    skills: dict[str, set[str]] = {name: set() for name in shares}
    seen_on: dict[str, Ticket] = {}
    for t in team:
        for event in t.events:
            if event.assignee in skills:
                skills[event.assignee].update(facts.skills.get(t.source_id, []))
                seen_on.setdefault(event.assignee, t)
    out = []
    for name, share in sorted(shares.items()):
        if not skills[name]:
            t = seen_on[name]
            problems.append(
                Problem(
                    record=f"line {t.line} ({t.source_id})",
                    field=mapping.columns.assignee or "",
                    message=f"{name!r} owns tickets, none with a mappable skill",
                )
            )
            continue
        body: dict[str, Any] = {"id": share.agent_id, "name": name, "skills": dict.fromkeys(sorted(skills[name]), 1)}
        hours = org.share_hours(mapping.calendar.working_hours, share.share_pct)
        if hours is not None:
            body["working_hours"] = {
                d.value: [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in p]
                for d, p in hours.items()
                if p
            }
        out.append(body)
    return out


def _request(
    t: Ticket, mapping: Mapping, facts: _Facts, model: EffortModel, shares: dict[str, org.Share]
) -> dict[str, Any]:
    impact, urgency, override = facts.triage[t.source_id]
    status, _ = org.status_of(t, mapping)
    estimate = model.estimate(facts.skills[t.source_id][0], _priority(facts, t.source_id))
    body: dict[str, Any] = {
        "id": org.request_id(t.source_id),
        "source_id": t.source_id,
        "department": org.slug(t.department or org.UNKNOWN_DEPARTMENT),
        "requester": t.requester or "unknown",
        "title": t.title,
        "impact": impact.value,
        "urgency": urgency.value,
        "priority_override": override.value if override else None,
        "effort_minutes": estimate.minutes if estimate else mapping.effort.default_minutes,
        "effort_estimate": {"similar_requests": estimate.size, "effort_class": estimate.label} if estimate else None,
        "required_skills": dict.fromkeys(facts.skills[t.source_id], 1),
        "created_at": t.created_at.isoformat(),
        "owner": shares[t.assignee].agent_id if t.assignee in shares else None,
        "status": status.value,
        "reopen_count": t.reopen_count,
    }
    pauses = []
    for start, end, why in org.waits(t.events, mapping):
        start = max(start, t.created_at)
        if end is None:
            body["waiting"] = {"reason": why.value, "since": start.isoformat()}
        else:
            pauses.append({"start": start.isoformat(), "end": max(end, start).isoformat(), "reason": why.value})
    body["pauses"] = pauses
    if status != RequestStatus.WAITING:
        body.pop("waiting", None)
    return body


def _collisions(team: list[Ticket]) -> list[Problem]:
    first: dict[str, Ticket] = {}
    out = []
    for t in team:
        rid = org.request_id(t.source_id)
        if rid in first and first[rid].source_id != t.source_id:
            out.append(
                Problem(
                    record=f"line {t.line} ({t.source_id})",
                    field="id",
                    message=f"its Tandem id {rid!r} is also that of {first[rid].source_id}",
                )
            )
        first.setdefault(rid, t)
    return out


def _report(
    tickets: list[Ticket],
    team: list[Ticket],
    scenario: Scenario,
    model: EffortModel,
    shares: dict[str, org.Share],
    facts: _Facts,
    mapping: Mapping,
    format_label: str,
    rows: int,
    business: Any,
) -> ImportReport:
    by_status = Counter(r.status.value for r in scenario.requests)
    departments = Counter(r.department for r in scenario.requests)
    names = {d.id: d.name for d in scenario.departments}
    window = business(min(t.created_at for t in team), max(t.created_at for t in team))
    agent_lines = [
        AgentLine(
            id=a.id,
            name=a.name,
            share_pct=shares[a.name].share_pct,
            groups=list(shares[a.name].groups),
            skills=sorted(a.skills),
        )
        for a in scenario.agents
    ]
    available = sum(window * line.share_pct // 100 for line in agent_lines)
    estimated = sum(r.effort_minutes for r in scenario.requests)  # every team ticket was opened in the window
    done = [t for t in team if t.state in mapping.states.done and t.made_sla is not None]
    warnings = _warnings(facts, mapping, model, scenario)
    return ImportReport(
        format=format_label,
        rows=rows,
        tickets=len(tickets),
        team_tickets=len(team),
        by_status={s.value: by_status.get(s.value, 0) for s in RequestStatus},
        reopened=sum(1 for r in scenario.requests if r.reopen_count),
        departments=len(departments),
        top_departments=[(names[d], n) for d, n in departments.most_common(5)],
        agents=agent_lines,
        skills=[s.name for s in scenario.skills],
        effort_classes=[EffortLine(effort_class=c.label, size=c.size, minutes=c.minutes) for c in model.classes()],
        calibration=Calibration(
            estimated_minutes=estimated,
            available_minutes=available,
            load_pct=round(100 * estimated / available) if available else 0,
        ),
        made_sla_pct=round(100 * sum(1 for t in done if t.made_sla) / len(done)) if done else None,
        warnings=warnings,
    )


def _warnings(facts: _Facts, mapping: Mapping, model: EffortModel, scenario: Scenario) -> list[str]:
    out = []
    if facts.no_skill:
        column = mapping.columns.skills[0]
        out.append(f"{facts.no_skill} tickets have no {column}: skill {mapping.default_skill!r}")
    for column, count in sorted(facts.defaulted.items()):
        out.append(f"{count} tickets have no {column}: the mapping's default")
    if model.team is None:
        out.append(f"no done ticket has active time: every effort is the default {mapping.effort.default_minutes} min")
    unknown = sum(1 for r in scenario.requests if r.department == org.UNKNOWN_DEPARTMENT)
    if unknown:
        out.append(f"{unknown} tickets have no {mapping.columns.department}: department 'unknown'")
    return out
