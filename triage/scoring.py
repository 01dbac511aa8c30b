"""Priority triage: each request's priority, due time and cost weight, with the facts that justify them.

- Priority: the lead's override if set, else the policy's impact x urgency matrix cell.
- Due: created + the priority's target time + the paused business minutes (`triage.desk.paused_minutes`:
  the SLA clock stands still while the request waits), or the deadline if that is earlier.
- Weight of a minute late: the priority's weight x the department's weight x the ageing factor, which
  grows by one every `ageing_step_minutes` the request has waited, up to 1 + `ageing_cap`.
- Maximum wait: filing + the priority's `max_wait_minutes` + the paused business minutes; minutes open past
  it cost the waiting term.
- Urgency inflation: a department's high-urgency marks (work stopped, degraded) are honoured in full on at
  most `urgent_share_pct` of its open requests (at least one); its other marks, taken from the requests it
  ranks lowest (then the newest), count one level lower. Nothing is hidden: the triage keeps both levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triage.calendar import BusinessAxis
from triage.desk import paused_minutes
from triage.model import Request, Scenario
from triage.names import Priority, Urgency

HIGH_URGENCY = (Urgency.WORK_STOPPED, Urgency.DEGRADED)
ONE_LEVEL_LOWER = {Urgency.WORK_STOPPED: Urgency.DEGRADED, Urgency.DEGRADED: Urgency.INCONVENIENT}


@dataclass(frozen=True)
class Triage:
    """The computed priority of one request and everything it was computed from."""

    request_id: str
    priority: Priority
    overridden: bool  # True when a lead's override replaced the matrix cell
    matrix_priority: Priority  # what the matrix alone says
    target_minutes: int  # business minutes from creation the priority allows
    due_minute: int  # on the business-time axis (negative: already overdue at `now`)
    due_at: datetime
    due_by_deadline: bool  # True when the requester's deadline is earlier than the target time
    release_minute: int  # first axis minute work may start (0 unless created in the future)
    waited_minutes: int  # business minutes between creation and now (0 if created later)
    priority_weight: int
    department_weight: int
    ageing_factor: int  # 1 + completed ageing steps waited, capped
    max_wait_minute: int  # axis minute after which the request has waited longer than its priority allows
    urgency_used: Urgency  # the urgency the matrix was read with: one level lower when discounted
    urgency_discounted: bool  # True when the department's urgent marks exceed its honoured share
    paused_minutes: int = 0  # business minutes its SLA clock stood still while it waited (moves due later)

    @property
    def weight(self) -> int:
        """Cost of one business minute late: priority weight x department weight x ageing factor."""
        return self.priority_weight * self.department_weight * self.ageing_factor


def discounted_claims(scenario: Scenario) -> set[str]:
    """Ids of the requests whose high-urgency mark counts one level lower under the inflation rule. A teammate's
    part of a request (`Request.part_of`) is no request of the department's own: it is not counted, and its mark
    counts as its request's does."""
    out: set[str] = set()
    for department in scenario.departments:
        mine = marked_requests(scenario, department.id)
        claims = [r for r in mine if r.urgency in HIGH_URGENCY]
        honoured = max(1, len(mine) * scenario.policy.urgent_share_pct // 100)
        if len(claims) > honoured:
            ordered = sorted(claims, key=lambda r: (r.department_rank or 10**6, r.created_at, r.id))
            out |= {r.id for r in ordered[honoured:]}
    return out | {r.id for r in scenario.requests if r.part_of is not None and r.part_of in out}


def marked_requests(scenario: Scenario, department_id: str) -> list[Request]:
    """The department's open requests the urgency rule counts: all but teammates' parts of another."""
    return [r for r in scenario.requests if r.department == department_id and r.status.plannable and r.part_of is None]


def triage_request(request: Request, scenario: Scenario, axis: BusinessAxis, *, discounted: bool = False) -> Triage:
    """Priority, due time and weight of one request under the scenario's policy; `discounted` when the
    inflation rule lowers its urgency mark (see `discounted_claims`)."""
    policy = scenario.policy
    urgency = ONE_LEVEL_LOWER[request.urgency] if discounted else request.urgency
    matrix_priority = policy.matrix[request.impact][urgency]
    priority = request.priority_override or matrix_priority
    created_minute = axis.minute_of(request.created_at)
    target = policy.target_minutes[priority]
    paused = paused_minutes(request, axis)
    due_minute = created_minute + target + paused
    by_deadline = False
    if request.deadline is not None:
        deadline_minute = axis.minute_of(request.deadline)
        if deadline_minute < due_minute:
            due_minute, by_deadline = deadline_minute, True
    due_at = request.deadline if by_deadline and request.deadline else axis.moment_of(due_minute, closing=True)
    return Triage(
        request_id=request.id,
        priority=priority,
        overridden=request.priority_override is not None,
        matrix_priority=matrix_priority,
        target_minutes=target,
        due_minute=due_minute,
        due_at=due_at,
        due_by_deadline=by_deadline,
        release_minute=max(created_minute, 0),
        waited_minutes=max(-created_minute, 0),
        priority_weight=policy.priority_weights[priority],
        department_weight=scenario.department(request.department).weight,
        ageing_factor=1 + min(policy.ageing_cap, max(-created_minute, 0) // policy.ageing_step_minutes),
        max_wait_minute=created_minute + paused + policy.max_wait_minutes[priority],
        paused_minutes=paused,
        urgency_used=urgency,
        urgency_discounted=discounted,
    )


def triage_all(scenario: Scenario, axis: BusinessAxis) -> dict[str, Triage]:
    """Triage of every request, by request id, with the urgency-inflation rule applied."""
    discounted = discounted_claims(scenario)
    return {r.id: triage_request(r, scenario, axis, discounted=r.id in discounted) for r in scenario.requests}
