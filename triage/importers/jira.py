"""Jira Service Management issues from the REST search API (JSON: `{"issues": [{"key": ..., "fields":
{...}}, ...], "startAt": ..., "total": ...}`, the pages of `GET /rest/api/3/search` saved as they came, or
their `issues` joined into one document).

Each issue is one row: `key`, and its fields as dotted columns (`fields.created`, `fields.status.name`,
`fields.status.statusCategory.key`, `fields.assignee.displayName`, `fields.priority.name`, ...), flattened
as the Zendesk export is (`triage.importers.zendesk.flatten`), except that a list of objects (components,
an organisations field) becomes the list of their names (`name`, else `value`) joined with ",": the
mapping's `skill_separator` splits them into one skill each. The request type and the organisations are
custom fields whose ids differ per site (`customfield_NNNNN`): the mapping names their columns. The search
API gives one snapshot per issue (no history without `expand=changelog`): effort is the mapping's default.

Or from Jira's CSV export (`import_jira_csv`, format `jira-csv`, mapping `mappings/jira_csv.toml`): the
same issues as the columns Jira's issue navigator exports, named as it shows them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from triage.errors import Problem, ScenarioError
from triage.importers.build import Imported, import_tickets
from triage.importers.mapping import Mapping
from triage.importers.tabular import check_header, tickets_from_rows
from triage.importers.tickets import Row
from triage.importers.zendesk import flatten

LABEL = "Jira Service Management search result"


def _named(value: Any) -> Any:
    """Lists of objects as the list of their names (a component's `name`, a select option's `value`)."""
    if isinstance(value, dict):
        return {k: _named(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v.get("name", v.get("value")) if isinstance(v, dict) else v for v in value]
    return value


def rows_of_search(payload: Any, source: str) -> tuple[list[str], list[Row]]:
    """The header (every column any issue has) and the rows of a search result, "line" k for the k-th issue."""
    issues = payload.get("issues") if isinstance(payload, dict) else None
    if not isinstance(issues, list) or not all(isinstance(i, dict) and "fields" in i for i in issues):
        raise ScenarioError(
            [Problem(record=source, field="issues", message=f"not a {LABEL}: expected an object with a list of issues")]
        )
    rows = [(k + 1, flatten(_named({"key": i.get("key"), "fields": i["fields"]}))) for k, i in enumerate(issues)]
    header = list(dict.fromkeys(column for _, row in rows for column in row))
    return header, rows


def import_jira(payload: Any, mapping: Mapping, *, source: str, now: datetime | None = None) -> Imported:
    """The scenario and report of a Jira search result; ScenarioError naming every bad issue and field."""
    header, rows = rows_of_search(payload, source)
    check_header(header, mapping, source, LABEL)
    tickets = tickets_from_rows(rows, mapping)
    return import_tickets(tickets, mapping, format_label=LABEL, rows=len(rows), now=now)


CSV_LABEL = "Jira Service Management CSV export"


def import_jira_csv(
    header: list[str], rows: list[Row], mapping: Mapping, *, source: str, now: datetime | None = None
) -> Imported:
    """The scenario and report of Jira's CSV export (the issue navigator's Export > CSV, all or current
    fields): one row per issue, columns named as Jira shows them ("Issue key", "Status", "Created",
    "Custom field (Request Type)"); a multi-value field (Labels, Component/s) is a column repeated once per
    value, which the reader joins with "," (the mapping's `skill_separator` splits them again)."""
    check_header(header, mapping, source, CSV_LABEL)
    tickets = tickets_from_rows(rows, mapping)
    return import_tickets(tickets, mapping, format_label=CSV_LABEL, rows=len(rows), now=now)
