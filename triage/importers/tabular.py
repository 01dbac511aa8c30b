"""Rows of a table-shaped export (CSV, or JSON flattened to columns) to tickets, through a mapping.

- Every column the mapping names must be in the header: a missing one is a problem naming the mapping field.
- An event log has several rows per ticket (`event_log = true`): they are ordered by the updated-at
  column (then by line) and the latest row gives the ticket's fields; each row is an event of its history.
  A plain table has one row per ticket: an id seen twice is a problem naming both lines.
- Dates that do not parse with the mapping's `date_format`, and states the mapping does not list, are
  problems naming the row (source id and line) and the column. Every problem is collected, none partial.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from triage.errors import Problem, ScenarioError
from triage.importers.mapping import Mapping
from triage.importers.tickets import Event, Row, Ticket


def rows_of_table(header: list[str], records: Iterable[tuple[int, list[str]]]) -> list[Row]:
    """Rows as column -> value, from a header and (line, values) records. A column named more than once in
    the header (Jira's CSV export repeats Labels and Component/s once per value) gives its non-empty values
    joined with ","; a short row's missing cells are absent, extra cells are dropped."""
    repeated = {name for name in header if header.count(name) > 1}
    if not repeated:
        return [(line, dict(zip(header, values, strict=False))) for line, values in records]
    rows: list[Row] = []
    for line, values in records:
        row: dict[str, str] = {}
        for name, value in zip(header, values, strict=False):
            if name not in repeated:
                row[name] = value
            elif value.strip():
                row[name] = f"{row[name]},{value}" if row.get(name) else value
            else:
                row.setdefault(name, "")
        rows.append((line, row))
    return rows


def check_header(header: list[str], mapping: Mapping, source: str, format_label: str) -> None:
    """Every column the mapping names is in the header; otherwise say which, and whether the file looks
    like another format altogether (most named columns absent)."""
    named = mapping.columns.named()
    absent = [(field, column) for field, column in named if column not in header]
    if not absent:
        return
    problems = [
        Problem(record=source, field=f"columns.{f}", message=f"column {c!r} is not in the file") for f, c in absent
    ]
    if len(absent) * 2 > len(named):
        problems.insert(
            0,
            Problem(
                record=source,
                field="",
                message=f"this does not look like a {format_label} "
                f"export: {len(absent)} of the {len(named)} columns the mapping names are absent",
            ),
        )
    raise ScenarioError(problems)


class _Reader:
    """Parses one row's values, collecting problems instead of stopping at the first."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.missing = set(mapping.missing)
        self.known_states = _known_states(mapping)
        self.problems: list[Problem] = []
        self._dates: dict[str, datetime] = {}
        self.zone = mapping.calendar.zone  # the export's naive times are the team's wall clock

    def value(self, row: dict[str, str], column: str | None) -> str | None:
        if column is None:
            return None
        raw = row.get(column, "")
        raw = raw.strip() if raw else ""
        return None if raw in self.missing else raw

    def date(self, where: str, row: dict[str, str], column: str) -> datetime | None:
        raw = self.value(row, column)
        if raw is None:
            self.problems.append(Problem(record=where, field=column, message="no date"))
            return None
        parsed = self._dates.get(raw)
        if parsed is None:
            try:
                parsed = datetime.strptime(raw, self.mapping.date_format)
            except ValueError:
                self.problems.append(
                    Problem(
                        record=where,
                        field=column,
                        message=f"not a date in the format {self.mapping.date_format!r}: {raw!r}",
                    )
                )
                return None
            parsed = parsed.replace(tzinfo=self.zone) if parsed.tzinfo is None else parsed
            self._dates[raw] = parsed
        return parsed

    def state(self, where: str, row: dict[str, str]) -> str | None:
        column = self.mapping.columns.state
        raw = self.value(row, column)
        if raw is None or raw not in self.known_states:
            self.problems.append(
                Problem(
                    record=where,
                    field=column,
                    message=f"unknown state {raw!r}: [states] in the mapping does not list it",
                )
            )
            return None
        return raw


def _known_states(mapping: Mapping) -> set[str]:
    s = mapping.states
    return {*s.open, *s.in_progress, *s.done, *(v for values in s.waiting.values() for v in values)}


def tickets_from_rows(rows: list[Row], mapping: Mapping) -> list[Ticket]:
    """The tickets of the rows, in order of first appearance; ScenarioError with every problem found."""
    reader = _Reader(mapping)
    columns = mapping.columns
    groups: dict[str, list[tuple[datetime, int, dict[str, str], Event]]] = {}
    first_line: dict[str, int] = {}
    for line, row in rows:
        source_id = reader.value(row, columns.id)
        if source_id is None:
            reader.problems.append(Problem(record=f"line {line}", field=columns.id, message="no id"))
            continue
        where = f"line {line} ({source_id})"
        if not mapping.event_log and source_id in first_line:
            reader.problems.append(
                Problem(record=where, field=columns.id, message=f"duplicate id: also on line {first_line[source_id]}")
            )
            continue
        first_line.setdefault(source_id, line)
        created = reader.date(where, row, columns.created_at)
        updated = reader.date(where, row, columns.updated_at) if columns.updated_at else created
        state = reader.state(where, row)
        if created is None or updated is None or state is None:
            continue
        event = Event(updated, state, reader.value(row, columns.assignee), reader.value(row, columns.group))
        groups.setdefault(source_id, []).append((updated, line, row, event))
    tickets = [
        _ticket(source_id, sorted(events, key=lambda e: (e[0], e[1])), reader) for source_id, events in groups.items()
    ]
    if reader.problems:
        raise ScenarioError(reader.problems)
    return tickets


def _ticket(source_id: str, events: list[tuple[datetime, int, dict[str, str], Event]], reader: _Reader) -> Ticket:
    _, line, row, last = events[-1]
    columns = reader.mapping.columns
    created = reader.date(f"line {line} ({source_id})", row, columns.created_at)
    reopened = reader.value(row, columns.reopen_count)
    made_sla = reader.value(row, columns.made_sla)
    title_parts = [v for c in columns.title if (v := reader.value(row, c)) is not None]
    return Ticket(
        source_id=source_id,
        line=line,
        created_at=created or last.at,
        state=last.state,
        assignee=last.assignee,
        group=last.group,
        department=reader.value(row, columns.department),
        requester=reader.value(row, columns.requester),
        skills=_skill_values(reader, row),
        title=" / ".join(title_parts) or source_id,
        impact=reader.value(row, columns.impact),
        urgency=reader.value(row, columns.urgency),
        priority=reader.value(row, columns.priority),
        reopen_count=int(reopened) if reopened and reopened.isdigit() else 0,
        made_sla=None if made_sla is None else made_sla.lower() == "true",
        events=[e for *_, e in events],
    )


def _skill_values(reader: _Reader, row: dict[str, str]) -> list[str]:
    """The skills columns' values, each split on the mapping's skill_separator when it has one (distinct,
    in order)."""
    separator = reader.mapping.skill_separator
    values = [v for c in reader.mapping.columns.skills if (v := reader.value(row, c)) is not None]
    if separator is None:
        return values
    parts = (p.strip() for v in values for p in v.split(separator))
    return list(dict.fromkeys(p for p in parts if p and p not in reader.missing))
