"""The neutral ticket every export format becomes: its source id, the line it was read from, its fields
as of its latest row, and its state history (one event per row of an event log; one for a plain table).

Rows arrive as (line number, {column: value}) with values as strings, the way a CSV reader gives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

Row = tuple[int, dict[str, str]]
"""A row of the export: its line number in the file (1 is the header) and its values by column."""


@dataclass(frozen=True)
class Event:
    """The ticket's state from `at` on, with its owner (None: nobody) and its group."""

    at: datetime
    state: str
    assignee: str | None
    group: str | None


@dataclass
class Ticket:
    """One ticket of the source: fields as of its latest row, and its history oldest first."""

    source_id: str
    line: int  # line of its latest row in the file
    created_at: datetime
    state: str
    assignee: str | None
    group: str | None
    department: str | None
    requester: str | None
    skills: list[str]
    title: str
    impact: str | None
    urgency: str | None
    priority: str | None
    reopen_count: int
    made_sla: bool | None
    events: list[Event] = field(default_factory=list)
