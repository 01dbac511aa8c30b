"""A real desk's request life: waiting (its SLA clock paused), coming back, reopened after done, and an
effort that was estimated from history or given by someone.

Rules, in business time (the team calendar's working minutes):
- A waiting request is not planned. Its SLA clock stands still from `waiting.since` until it comes back,
  as desks' SLA pause rules do; every finished pause is kept in `pauses`.
- Paused business minutes = the business minutes inside every pause, plus, while waiting, those from
  `waiting.since` to now. The due time of the priority's target (and the maximum wait) moves later by
  exactly that many business minutes; a requester's own deadline does not move.
- A reopened request is open again with its original `created_at`, its pauses and its reopen count + 1.
- An estimated effort carries where it comes from (`EffortEstimate`); an effort a lead sets replaces it.
"""

from __future__ import annotations

from datetime import datetime

from triage.calendar import BusinessAxis
from triage.errors import Problem, ScenarioError
from triage.model import EffortEstimate, Pause, Request, Waiting
from triage.names import RequestStatus, WaitingReason


def paused_minutes(request: Request, axis: BusinessAxis) -> int:
    """Business minutes the request's SLA clock has stood still: the business minutes inside each finished
    pause, plus its current wait up to the axis' now (minute 0; a wait that starts later counts nothing yet)."""
    total = sum(axis.minute_of(p.end) - axis.minute_of(p.start) for p in request.pauses)
    if request.waiting is not None:
        total += max(0, -axis.minute_of(request.waiting.since))
    return total


def wait(request: Request, reason: WaitingReason, since: datetime, until: datetime | None = None) -> Request:
    """The request waiting from `since` (on `reason`, expected back at `until` if known): not planned,
    its clock paused. A done request cannot wait."""
    if request.status == RequestStatus.DONE:
        raise _refused(request, "it is done; reopen it before it can wait")
    if request.waiting is not None:
        raise _refused(request, "it is already waiting")
    if until is not None and until < since:  # refused as a conflict with now, not a broken model (a 500)
        why = f"until is before the wait starts ({since.isoformat()})"
        problem = Problem(record=f"requests[{request.id}]", field="until", message=why)
        raise ScenarioError([problem])
    return request.model_validate(
        {
            **request.model_dump(),
            "status": RequestStatus.WAITING,
            "waiting": Waiting(reason=reason, since=since, until=until).model_dump(),
        }
    )


def resume(request: Request, at: datetime) -> Request:
    """The waiting request back in the queue at `at`: open again, its wait kept as a pause."""
    if request.waiting is None:
        raise _refused(request, "it is not waiting")
    pause = Pause(start=request.waiting.since, end=at, reason=request.waiting.reason)
    return request.model_validate(
        {
            **request.model_dump(),
            "status": RequestStatus.OPEN,
            "waiting": None,
            "pauses": [*(p.model_dump() for p in request.pauses), pause.model_dump()],
        }
    )


def reopen(request: Request) -> Request:
    """A done request back: open, its creation time and history kept, its reopen count one higher."""
    if request.status != RequestStatus.DONE:
        raise _refused(request, "it is not done; only a done request can be reopened")
    return request.model_copy(update={"status": RequestStatus.OPEN, "reopen_count": request.reopen_count + 1})


def override_effort(request: Request, effort_minutes: int) -> Request:
    """The effort a lead gives replaces an estimate: the request no longer says it is estimated."""
    return request.model_validate({**request.model_dump(), "effort_minutes": effort_minutes, "effort_estimate": None})


def estimated(request: Request, effort_minutes: int, estimate: EffortEstimate) -> Request:
    """The request with an effort estimated from history, remembering the class and its size."""
    return request.model_validate(
        {**request.model_dump(), "effort_minutes": effort_minutes, "effort_estimate": estimate.model_dump()}
    )


def _refused(request: Request, why: str) -> ScenarioError:
    return ScenarioError([Problem(record=f"requests[{request.id}]", field="status", message=why)])
