"""The plain CSV, for any desk without a supported export: one row per request (or one per change of
state, with `event_log = true`), with the documented columns of `mappings/plain.toml`:

id, created_at, updated_at, status, assignee, team, department, requester, skill, title, impact, urgency,
priority; status one of open, in_progress, waiting_requester, waiting_vendor, waiting_change,
waiting_other, done; impact and urgency Tandem's values; priority P1..P4 or empty.
"""

from __future__ import annotations

from datetime import datetime

from triage.importers.build import Imported, import_tickets
from triage.importers.mapping import Mapping
from triage.importers.tabular import check_header, tickets_from_rows
from triage.importers.tickets import Row

LABEL = "plain CSV"


def import_plain(
    header: list[str], rows: list[Row], mapping: Mapping, *, source: str, now: datetime | None = None
) -> Imported:
    """The scenario and report of a plain CSV's rows; ScenarioError naming every bad row and field."""
    check_header(header, mapping, source, LABEL)
    tickets = tickets_from_rows(rows, mapping)
    return import_tickets(tickets, mapping, format_label=LABEL, rows=len(rows), now=now)
