"""ServiceNow incident exports (CSV): the standard `incident` table (one row per incident: number, state,
opened_at, sys_updated_on, ...) or the event-log shape (several rows per incident, one per update, the
latest giving its state; `event_log = true` in the mapping). Which column is which is the mapping's: the
shipped `servicenow.toml` reads the event log, `servicenow_incident.toml` the standard table."""

from __future__ import annotations

from datetime import datetime

from triage.importers.build import Imported, import_tickets
from triage.importers.mapping import Mapping
from triage.importers.tabular import check_header, tickets_from_rows
from triage.importers.tickets import Row

LABEL = "ServiceNow incident"


def import_servicenow(
    header: list[str], rows: list[Row], mapping: Mapping, *, source: str, now: datetime | None = None
) -> Imported:
    """The scenario and report of a ServiceNow export's rows; ScenarioError naming every bad row and field."""
    check_header(header, mapping, source, LABEL)
    tickets = tickets_from_rows(rows, mapping)
    return import_tickets(tickets, mapping, format_label=LABEL, rows=len(rows), now=now)
