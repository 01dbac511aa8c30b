"""Zendesk tickets from the incremental ticket export (JSON: `{"tickets": [...], "end_of_stream": ...}`).

Each ticket object is flattened to columns (nested objects as dotted names, lists of values joined with
","), one row per ticket, its "line" its position in `tickets` (1 is the first). A time-based export may
hold a ticket more than once (it changed twice in the window): the shipped mapping reads the rows as
snapshots (`event_log = true`), ordered by `updated_at`, the latest giving the ticket's state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from triage.errors import Problem, ScenarioError
from triage.importers.build import Imported, import_tickets
from triage.importers.mapping import Mapping
from triage.importers.tabular import check_header, tickets_from_rows
from triage.importers.tickets import Row

LABEL = "Zendesk incremental ticket export"


def flatten(item: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A JSON object as columns: nested objects as "a.b", lists of values joined with ",", null as ""."""
    out: dict[str, str] = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= flatten(value, f"{name}.")
        elif isinstance(value, list):
            out[name] = ",".join(str(v) for v in value if not isinstance(v, dict | list))
        else:
            out[name] = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return out


def rows_of_export(payload: Any, source: str) -> tuple[list[str], list[Row]]:
    """The header (every column any ticket has) and the rows of an incremental export document."""
    tickets = payload.get("tickets") if isinstance(payload, dict) else None
    if not isinstance(tickets, list) or not all(isinstance(t, dict) for t in tickets):
        raise ScenarioError(
            [
                Problem(
                    record=source, field="tickets", message=f"not a {LABEL}: expected an object with a list of tickets"
                )
            ]
        )
    rows = [(k + 1, flatten(t)) for k, t in enumerate(tickets)]
    header = list(dict.fromkeys(column for _, row in rows for column in row))
    return header, rows


def import_zendesk(payload: Any, mapping: Mapping, *, source: str, now: datetime | None = None) -> Imported:
    """The scenario and report of a Zendesk export document; ScenarioError naming every bad ticket and field."""
    header, rows = rows_of_export(payload, source)
    check_header(header, mapping, source, LABEL)
    tickets = tickets_from_rows(rows, mapping)
    return import_tickets(tickets, mapping, format_label=LABEL, rows=len(rows), now=now)
