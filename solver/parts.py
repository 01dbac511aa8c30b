"""A request shared by an accepted share, presented as one request in parts.

Accepting a share files the peer's part as a request of its own (`Request.part_of`), so every engine plans the
shared request and its part as two requests. A plan presents the shared request as one request done in parts
(`present_parts`): its assignment carries its agent's part (its own placement) and each part's (the part
request's placement), each naming the request it is planned as (`Part.request_id`); its start and end span the
parts, and it is late by the later part's end. The part requests keep their own assignments. The objective
prices it as presented: the shared request and its open parts (`Compiled.parts`) are priced once, lateness,
waiting and the on-time count reading the latest end of its members with the shared request's weight and due,
the parts adding nothing to those terms (`solver.terms.base`, every engine; the checker, `triage.validation`,
prices it so too, independently). Shown unchanged when a part is not planned: the shared request is then priced
by its own end and the part left out pays its deferral.
"""

from __future__ import annotations

from solver.compile import Compiled
from triage.results import Assignment, Part, Plan


def present_parts(compiled: Compiled, plan: Plan) -> Plan:
    """The plan with each shared request whose parts are all planned presented in its parts (`Compiled.parts`:
    a part shared again is one more part of the same request); unchanged when no request of the scenario is a
    part of another."""
    jobs = compiled.jobs
    parts_of = {jobs[lead].request.id: [jobs[k].request.id for k in parts] for lead, parts in compiled.parts.items()}
    if not parts_of:
        return plan
    placed = {a.request_id: a for a in plan.assignments}
    due = {job.request.id: job.triage.due_minute for job in compiled.jobs}
    effort = {job.request.id: job.request.effort_minutes for job in compiled.jobs}
    assignments = []
    for a in plan.assignments:
        mine = [placed.get(rid) for rid in parts_of.get(a.request_id, [])]
        if not mine or any(p is None for p in mine):
            assignments.append(a)
            continue
        spans = [a, *(p for p in mine if p is not None)]
        end = max(spans, key=lambda s: s.end_minute)
        first = min(spans, key=lambda s: s.start_minute)
        update = {
            "start": first.start,
            "end": end.end,
            "start_minute": first.start_minute,
            "end_minute": end.end_minute,
            "minutes_late": max(end.end_minute - due[a.request_id], 0),
            "parts": [_part(s, effort[s.request_id]) for s in spans],
        }
        assignments.append(a.model_copy(update=update))
    return plan.model_copy(update={"assignments": assignments})


def _part(a: Assignment, minutes: int) -> Part:
    return Part(
        agent_id=a.agent_id,
        minutes=minutes,
        start=a.start,
        end=a.end,
        start_minute=a.start_minute,
        end_minute=a.end_minute,
        request_id=a.request_id,
    )
