"""`tandem replay FORMAT FILE`: a real history replayed under Tandem's plans, compared with what happened.

The export is read as `tandem import` reads it (`api.cli.importing`: the same formats, mapping and bad
input, exit status 2 and every problem printed), imported as it stood at the window's last close (so the
effort of every request is the estimate learned from the history), and replayed from `--from` for
`--days` working days (`solver.replay`); the log's own outcome over the same window is measured by
`triage.replay.log_outcome`. Nothing is written to the database.
"""

from __future__ import annotations

import csv
import gzip
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from api.cli.common import out
from api.cli.importing import _fail, _read_json, load_mapping, read_rows
from api.importing import FORMATS, JSON_FORMATS
from solver.replay import ReplayParams, replay
from triage.errors import Problem, ScenarioError
from triage.importers import jira, plain, servicenow, zendesk
from triage.importers.build import import_tickets
from triage.importers.mapping import Mapping
from triage.importers.tabular import check_header, tickets_from_rows
from triage.importers.tickets import Ticket
from triage.names import Planner
from triage.replay import log_outcome, open_at, render_comparison, window_closes

LABELS = {"servicenow": servicenow.LABEL, "plain": plain.LABEL, "zendesk": zendesk.LABEL, "jira": jira.LABEL}
JSON_ROWS = {"zendesk": zendesk.rows_of_export, "jira": jira.rows_of_search}


def _tickets(format_name: str, file: Path, mapping: Mapping) -> tuple[list[Ticket], int]:
    """The export's tickets and its number of rows (exit 2 when the file is not the format it claims)."""
    source = str(file)
    try:
        if format_name in JSON_FORMATS:
            header, rows = JSON_ROWS[format_name](_read_json(file), source)
        else:
            header, rows = read_rows(file)
    except (OSError, UnicodeDecodeError, csv.Error, gzip.BadGzipFile, EOFError, ValueError) as exc:
        kind = "JSON" if format_name in JSON_FORMATS else "CSV"
        _fail([Problem(record=source, field="", message=f"cannot read it as {kind}: {exc}")], source)
    except ScenarioError as exc:
        _fail(exc.problems, source)
    try:
        check_header(header, mapping, source, LABELS[format_name])
        return tickets_from_rows(rows, mapping), len(rows)
    except ScenarioError as exc:
        _fail(exc.problems, source)
    raise AssertionError("unreachable: _fail exits")


def replay_command(
    format_name: Annotated[str, typer.Argument(metavar="FORMAT", help=f"One of: {', '.join(FORMATS)}.")],
    file: Annotated[Path, typer.Argument(help="The export (CSV or JSON as for tandem import; .gz is decompressed).")],
    start_day: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day replayed.")],
    days: Annotated[int, typer.Option("--days", help="Working days replayed.")] = 10,
    mapping_path: Annotated[
        Path | None, typer.Option("--mapping", help="A mapping file (TOML); default: the format's shipped one.")
    ] = None,
    team: Annotated[
        list[str] | None, typer.Option("--team", help="An assignment group that is this team (repeatable).")
    ] = None,
    every: Annotated[int, typer.Option("--every", help="Business minutes between re-plans.")] = 60,
    planner: Annotated[Planner, typer.Option(help="How each re-plan is made.")] = Planner.SEARCH,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress lines.")] = False,
) -> None:
    """Replay an export's history under Tandem's plans and compare the outcome with the log's."""
    if format_name not in FORMATS:
        _fail([Problem(record="FORMAT", field="", message=f"unknown format {format_name!r}; one of {list(FORMATS)}")],
              "tandem replay")  # fmt: skip
    if not 1 <= days <= 60:
        _fail([Problem(record="--days", field="days", message=f"{days}: give 1 to 60 working days")], "tandem replay")
    try:
        params = ReplayParams(every_minutes=every, planner=planner)
    except ValidationError as exc:
        _fail([Problem(record="--every", field="every", message=e["msg"]) for e in exc.errors()], "tandem replay")
    mapping = load_mapping(format_name, mapping_path)
    if team:
        mapping = mapping.model_copy(update={"team_groups": team})
    tickets, rows = _tickets(format_name, file, mapping)
    start = datetime.combine(date(start_day.year, start_day.month, start_day.day), datetime.min.time(),
                             tzinfo=mapping.calendar.zone)  # fmt: skip
    closes = window_closes(mapping.calendar, start, days)
    try:
        imported = import_tickets(tickets, mapping, format_label=LABELS[format_name], rows=rows, now=closes[-1])
    except ScenarioError as exc:
        _fail(exc.problems, str(file))
    log = log_outcome(tickets, mapping, start, closes)
    if log.arrived == 0:
        _fail([Problem(record=str(file), field="--from",
                       message=f"no request of the team was created from {start:%Y-%m-%d} to {closes[-1]:%Y-%m-%d}")],
              str(file))  # fmt: skip

    def report(done: int, total: int) -> None:
        if not quiet:
            out.print(f"replayed day {done} of {total}", markup=False)

    replayed = replay(
        imported.scenario,
        start=start,
        closes=closes,
        open_at_start=open_at(tickets, mapping, start),
        params=params,
        progress=report,
    )
    label = ", ".join(mapping.team_groups) if mapping.team_groups else "the whole export"
    out.print(
        render_comparison(
            replayed.outcome, log, team=label, replans=replayed.replans, every_minutes=params.every_minutes
        ),
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add `tandem replay` to the app."""
    app.command("replay")(replay_command)
