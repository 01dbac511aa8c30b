"""A replay's outcome, measured the same way for Tandem's run and for what the export says happened, and
the table and paragraph that compare them.

The window is the team's first `days` working days from `start`. Measured on the requests that *arrived*
in the window (created at or after `start`, before the window's last close):
- finished: those finished by the last close; time to finish is the business time (team calendar) from
  creation to finish, median and p90 (nearest rank), in hours;
- on time: of those finished, the share on time. Tandem's run: finished by its due time under the
  policy's targets. The log: the desk's own SLA flag (`made_sla`), when the export has one;
- reassignments: the times a request's owner changed from one person to another (the log: between
  consecutive owners in its history; Tandem: work started by one agent carried on by another);
- backlog: at each day's close, the team's requests created by then (those open at `start` included)
  and not done.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field

from triage.calendar import BusinessAxis
from triage.importers import organisation as org
from triage.importers.mapping import Mapping
from triage.importers.tickets import Ticket
from triage.model import Calendar
from triage.simulation.outcomes import pct, quantile_hours


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DayBacklog(_Out):
    day: date = Field(description="A working day of the window.")
    open_requests: int = Field(description="Requests created by its close and not done at its close.")


class Outcome(_Out):
    """One side of the comparison (Tandem's run or the log) over the window."""

    side: str = Field(description="'Tandem' or 'the log'.")
    arrived: int = Field(description="Requests created in the window.")
    finished: int = Field(description="Of them, finished by the window's last close.")
    on_time: int | None = Field(description="Of the finished, on time; None when the log has no SLA flag.")
    on_time_pct: float | None = Field(description="on_time as a percentage of finished.")
    median_hours: float = Field(description="Median business hours from creation to finish of the finished.")
    p90_hours: float = Field(description="90th percentile of the same, nearest rank.")
    reassignments: int = Field(description="Owner changes from one person to another, over every request.")
    backlog: list[DayBacklog] = Field(description="Open requests at each day's close.")


def window_closes(calendar: Calendar, start: datetime, days: int) -> list[datetime]:
    """The close of each of the team's first `days` working days from `start`."""
    out: list[datetime] = []
    now = start
    while len(out) < days:
        axis = BusinessAxis(calendar, now, 1)
        out.append(axis.moment_of(axis.horizon_minutes, closing=True))
        now = axis.moment_of(axis.horizon_minutes)
    return out


def measure(
    side: str,
    *,
    calendar: Calendar,
    start: datetime,
    closes: list[datetime],
    created: dict[str, datetime],
    finished: dict[str, tuple[datetime, bool | None]],
    reassignments: int,
) -> Outcome:
    """The outcome of one side: `created` every request seen (id -> creation), `finished` those done
    (id -> (finish, on time or None when unknown))."""
    end = closes[-1]
    axis = BusinessAxis(calendar, start, 1)
    arrived = [k for k, at in created.items() if start <= at <= end]
    done = [k for k in arrived if k in finished and finished[k][0] <= end]
    flags = [finished[k][1] for k in done]
    known = None if any(f is None for f in flags) else sum(1 for f in flags if f)
    minutes = [max(0, axis.minute_of(finished[k][0]) - axis.minute_of(created[k])) for k in done]
    backlog = [
        DayBacklog(
            day=close.date(),
            open_requests=sum(
                1 for k, at in created.items() if at <= close and not (k in finished and finished[k][0] <= close)
            ),
        )
        for close in closes
    ]
    return Outcome(
        side=side,
        arrived=len(arrived),
        finished=len(done),
        on_time=known,
        on_time_pct=None if known is None else pct(known, len(done)),
        median_hours=quantile_hours(minutes, 0.5),
        p90_hours=quantile_hours(minutes, 0.9),
        reassignments=reassignments,
        backlog=backlog,
    )


def log_outcome(tickets: list[Ticket], mapping: Mapping, start: datetime, closes: list[datetime]) -> Outcome:
    """What the export says happened to the team's tickets (`mapping.team_groups`) in the window: a ticket
    is finished at its first event in a done state (a reopened one at its last), on time by its
    `made_sla` flag (None when the export has none)."""
    end = closes[-1]
    team = [t for t in org.as_of(tickets, end) if org.in_team(t, mapping)]
    created: dict[str, datetime] = {}
    finished: dict[str, tuple[datetime, bool | None]] = {}
    changes = 0
    for t in team:
        rid = org.request_id(t.source_id)
        created[rid] = t.created_at
        done_at = None
        for e in t.events:
            # a non-done state after done is a reopening: not done until it is done again
            done_at = (done_at or e.at) if e.state in mapping.states.done else None
        if done_at is not None:
            finished[rid] = (done_at, t.made_sla)
        if t.created_at >= start:
            owners = [e.assignee for e in t.events if e.assignee is not None]
            changes += sum(1 for a, b in pairwise(owners) if a != b)
    return measure(
        "the log",
        calendar=mapping.calendar,
        start=start,
        closes=closes,
        created=created,
        finished=finished,
        reassignments=changes,
    )


def open_at(tickets: list[Ticket], mapping: Mapping, moment: datetime) -> set[str]:
    """Request ids of the team's tickets created by `moment` and not done at it (waiting ones included)."""
    return {
        org.request_id(t.source_id)
        for t in org.as_of(tickets, moment)
        if org.in_team(t, mapping) and t.state not in mapping.states.done
    }


def _on_time(o: Outcome) -> str:
    return "no SLA flag" if o.on_time_pct is None else f"{o.on_time_pct} % ({o.on_time} of {o.finished})"


def _rows(outcomes: list[Outcome]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        ("requests arrived", *(str(o.arrived) for o in outcomes)),
        ("finished by the end", *(str(o.finished) for o in outcomes)),
        ("on time (of finished)", *(_on_time(o) for o in outcomes)),
        ("time to finish, median", *(f"{o.median_hours} h" for o in outcomes)),
        ("time to finish, p90", *(f"{o.p90_hours} h" for o in outcomes)),
        ("reassignments", *(str(o.reassignments) for o in outcomes)),
    ]
    rows += [
        (f"open at close {days[0].day:%a %d %b}", *(str(d.open_requests) for d in days))
        for days in zip(*(o.backlog for o in outcomes), strict=True)
    ]
    return rows


def _table(heads: list[str], rows: list[tuple[str, ...]]) -> list[str]:
    """Right-aligned columns but the last (the log's), as the two-column table has always been."""
    width = max(len(r[0]) for r in rows)
    widths = [max(len(head), *(len(r[k + 1]) for r in rows)) for k, head in enumerate(heads[:-1])]

    def line(cells: tuple[str, ...]) -> str:
        middle = "  ".join(f"{c:>{w}}" for c, w in zip(cells[1:-1], widths, strict=True))
        return f"{cells[0]:{width}}  {middle}  {cells[-1]}"

    return [line(("", *heads)), *(line(r) for r in rows)]


def render_comparison(tandem: Outcome, log: Outcome, *, team: str, replans: int, every_minutes: int) -> str:
    """The table (Tandem vs the log) and a paragraph whose every number is a field of the two outcomes."""
    lines = _table(["Tandem", "the log"], _rows([tandem, log]))
    return "\n".join([*lines, "", _paragraph(tandem, log, team=team, replans=replans, every_minutes=every_minutes)])


def render_change_comparison(
    tandem: Outcome,
    changed: Outcome,
    log: Outcome,
    *,
    team: str,
    change: str,
    replans: tuple[int, int],
    every_minutes: int,
) -> str:
    """Tandem as the team was, Tandem under a staffing change (`change`, in words), and the log, side by side;
    the baseline's paragraph, then one on the change whose every number is a field of the outcomes."""
    lines = _table(["Tandem", "with the change", "the log"], _rows([tandem, changed, log]))
    base = _paragraph(tandem, log, team=team, replans=replans[0], every_minutes=every_minutes)

    def pct(o: Outcome) -> str:
        return "no SLA flag" if o.on_time_pct is None else f"{o.on_time_pct} %"

    with_change = (
        f"With the change ({change}; {replans[1]} plans), Tandem finished {changed.finished} of the "
        f"{changed.arrived} requests by the end (as the team was: {tandem.finished}; the log: {log.finished}), "
        f"{pct(changed)} on time by its targets (as the team was: {pct(tandem)}). Half were finished within "
        f"{changed.median_hours} h of business time (as the team was: {tandem.median_hours} h), nine in ten within "
        f"{changed.p90_hours} h (as the team was: {tandem.p90_hours} h). The last day closed with "
        f"{changed.backlog[-1].open_requests} requests open (as the team was: {tandem.backlog[-1].open_requests}; "
        f"the log: {log.backlog[-1].open_requests})."
    )
    return "\n".join([*lines, "", base, "", with_change])


def _paragraph(tandem: Outcome, log: Outcome, *, team: str, replans: int, every_minutes: int) -> str:
    first, last = tandem.backlog[0].day, tandem.backlog[-1].day
    sla = (
        "the log has no SLA flag to compare with"
        if log.on_time_pct is None
        else f"{log.on_time_pct} % by the desk's own SLA flag"
    )
    paragraph = (
        f"{team}, {first:%a %d %b} to {last:%a %d %b}: {tandem.arrived} requests arrived. Re-planning every "
        f"{every_minutes} minutes ({replans} plans), Tandem finished {tandem.finished} of them by the end, "
        f"{tandem.on_time_pct} % on time by its targets, against {log.finished} in the log, {sla}. "
        f"Half were finished within {tandem.median_hours} h of business time (the log: {log.median_hours} h), "
        f"nine in ten within {tandem.p90_hours} h (the log: {log.p90_hours} h). The last day closed with "
        f"{tandem.backlog[-1].open_requests} requests open (the log: {log.backlog[-1].open_requests}), after "
        f"{tandem.reassignments} reassignments (the log: {log.reassignments}). Tandem works each request for "
        "its estimated effort and does not replay the log's waits on requesters or vendors."
    )
    return paragraph
