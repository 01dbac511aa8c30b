"""`tandem replay FORMAT FILE`: a real history replayed under Tandem's plans, compared with what happened.

The export is read as `tandem import` reads it (`api.cli.importing`: the same formats, mapping and bad
input, exit status 2 and every problem printed), imported as it stood at the window's last close (so the
effort of every request is the estimate learned from the history), and replayed from `--from` for
`--days` working days (`solver.simulation.replay`); the log's own outcome over the same window is measured by
`triage.simulation.replay.log_outcome`. Nothing is written to the database.

"Replay my last month under this staffing change": the change options of `tandem simulate` (--hire, --leave,
--time-off, --skill, --hours; read by `api.cli.simulate_args`, checked and applied by `triage.simulation.changes`), all
together as one change, replay the same history a second time with the changed team; the table gains a
column. A surge has no place here: a replay's arrivals are the log's own.
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
from api.cli.simulate_args import FORMS, BadOption, variants_from_options
from api.imports.reading import FORMATS, JSON_FORMATS
from solver.simulation.replay import ReplayParams, replay
from triage.errors import Problem, ScenarioError
from triage.importers import jira, plain, servicenow, zendesk
from triage.importers.build import import_tickets
from triage.importers.mapping import Mapping
from triage.importers.tabular import check_header, tickets_from_rows
from triage.importers.tickets import Ticket
from triage.model import Scenario
from triage.names import Planner
from triage.simulation.changes import Variant, apply_changes, check_variants, describe
from triage.simulation.replay import log_outcome, open_at, render_change_comparison, render_comparison, window_closes

LABELS = {
    "servicenow": servicenow.LABEL,
    "plain": plain.LABEL,
    "zendesk": zendesk.LABEL,
    "jira": jira.LABEL,
    "jira-csv": jira.CSV_LABEL,
}
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
    hire: Annotated[list[str] | None, typer.Option(help=f"Replay with a new agent: {FORMS['--hire']}.")] = None,
    leave: Annotated[list[str] | None, typer.Option(help=f"Replay with an agent gone: {FORMS['--leave']}.")] = None,
    time_off: Annotated[
        list[str] | None, typer.Option("--time-off", help=f"Replay with an agent away: {FORMS['--time-off']}.")
    ] = None,
    skill: Annotated[list[str] | None, typer.Option(help=f"Replay with a skill learned: {FORMS['--skill']}.")] = None,
    hours: Annotated[list[str] | None, typer.Option(help=f"Replay with new hours: {FORMS['--hours']}.")] = None,
) -> None:
    """Replay an export's history under Tandem's plans and compare the outcome with the log's; with staffing
    changes (--hire, --leave, --time-off, --skill, --hours: all of them together, as one change), the same
    history is replayed a second time under the change, and the two runs and the log are shown side by side."""
    if format_name not in FORMATS:
        _fail(
            [Problem(record="FORMAT", field="", message=f"unknown format {format_name!r}; one of {list(FORMATS)}")],
            "tandem replay",
        )
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
    start = datetime.combine(
        date(start_day.year, start_day.month, start_day.day), datetime.min.time(), tzinfo=mapping.calendar.zone
    )
    closes = window_closes(mapping.calendar, start, days)
    try:
        imported = import_tickets(tickets, mapping, format_label=LABELS[format_name], rows=rows, now=closes[-1])
    except ScenarioError as exc:
        _fail(exc.problems, str(file))
    log = log_outcome(tickets, mapping, start, closes)
    if log.arrived == 0:
        _fail(
            [
                Problem(
                    record=str(file),
                    field="--from",
                    message=f"no request of the team was created from {start:%Y-%m-%d} to {closes[-1]:%Y-%m-%d}",
                )
            ],
            str(file),
        )

    def report(done: int, total: int) -> None:
        if not quiet:
            out.print(f"replayed day {done} of {total}", markup=False)

    given = [("--hire", hire), ("--leave", leave), ("--time-off", time_off), ("--skill", skill), ("--hours", hours)]
    options = [(name, value) for name, values in given for value in values or []]
    changed = _changed(imported.scenario, options, start) if options else None
    at_start = open_at(tickets, mapping, start)
    replayed = replay(
        imported.scenario, start=start, closes=closes, open_at_start=at_start, params=params, progress=report
    )
    label = ", ".join(mapping.team_groups) if mapping.team_groups else "the whole export"
    if changed is not None:
        scenario, variant = changed
        if not quiet:
            out.print("and again with the change:", markup=False)
        under = replay(scenario, start=start, closes=closes, open_at_start=at_start, params=params, progress=report)
        text = render_change_comparison(
            replayed.outcome,
            under.outcome,
            log,
            team=label,
            change="; ".join(describe(c) for c in variant.changes),
            replans=(replayed.replans, under.replans),
            every_minutes=params.every_minutes,
        )
        out.print(text, markup=False)
        return
    out.print(
        render_comparison(
            replayed.outcome, log, team=label, replans=replayed.replans, every_minutes=params.every_minutes
        ),
        markup=False,
    )


def _changed(scenario: Scenario, options: list[tuple[str, str]], start: datetime) -> tuple[Scenario, Variant]:
    """The imported team under the options' changes, all as one (read as `tandem simulate` reads them, and
    checked against the team from the window's first day); exit 2 naming the option or field otherwise."""
    from_start = scenario.model_copy(update={"now": start})
    try:
        variant = variants_from_options(options, from_start, combine=True)[0]
        check_variants(from_start, [variant])
    except BadOption as exc:
        _fail([Problem(record="option", field="", message=str(exc))], "tandem replay")
    except ScenarioError as exc:
        _fail(
            [
                p.model_copy(update={"record": p.record.replace("variants[combined]", "the change")})
                for p in exc.problems
            ],
            "tandem replay",
        )
    return apply_changes(from_start, variant).model_copy(update={"now": scenario.now}), variant


def register(app: typer.Typer) -> None:
    """Add `tandem replay` to the app."""
    app.command("replay")(replay_command)
