"""Importers: a ticketing system's export turned into Tandem's domain objects and an import report.

Pure: every function takes the export's rows (already read from the file by `api/cli/importing.py`) and a
validated `Mapping`, and returns domain objects; nothing here reads a file, a clock or the environment.

- `mapping`: the mapping file's model (TOML, validated by pydantic) and the default mapping per format;
- `tickets`: the neutral ticket every format becomes (id, line, times, state history);
- `tabular`: rows of columns to tickets (header check, dates, states, duplicates, every problem named);
- `servicenow`, `zendesk`, `jira` (Jira Service Management search results), `plain`: one module per format;
- `effort`: effort learned from history (business minutes in active states, per class, median, clipped);
- `organisation`: departments, agents (skills, share of time) and statuses from the tickets;
- `build`: tickets to a checked scenario and its report;
- `report`: the import report and its text.
"""
