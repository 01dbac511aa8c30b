"""`tandem import FORMAT FILE`: a ticketing system's export into the configured database, or a dry run.

The file is read here (CSV, gzip-compressed when it ends in .gz), the mapping is the shipped default of
the format unless `--mapping` names one, and the core (`triage.importers`) turns the rows into a scenario
and a report. Bad input (a file of another format, a column the mapping names that the file lacks, bad
dates, unknown states, duplicate ids, an owner with no mappable skill) prints every problem with its row
(line and source id) and field, exits with status 2, and writes nothing. The write is one transaction:
all or nothing. `--scenario-out` writes the open work as a scenario file for `tandem plan`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.cli.common import BAD_INPUT, err, out
from api.imports.reading import FORMATS, JSON_FORMATS, decompressed, mapping_of
from triage.errors import Problem, ScenarioError
from triage.importers.build import Imported
from triage.importers.mapping import Mapping
from triage.importers.report import render_report
from triage.importers.tabular import rows_of_table
from triage.importers.tickets import Row
from triage.model import Scenario

SHOWN_PROBLEMS = 50


def read_rows(path: Path, progress: Progress | None = None) -> tuple[list[str], list[Row]]:
    """The header and the rows of a CSV file (gzip when it ends in .gz), each row with its line number."""
    text = decompressed(path.read_bytes()).decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], []
    task = progress.add_task("reading", total=text.count("\n") or None) if progress else None

    def records() -> Iterator[tuple[int, list[str]]]:
        for n, values in enumerate(reader, start=1):
            if progress is not None and task is not None and n % 5000 == 0:
                progress.update(task, completed=reader.line_num)
            yield reader.line_num, values

    rows = rows_of_table(header, records())
    if progress is not None and task is not None:
        progress.update(task, completed=text.count("\n"))
    return header, rows


def _read_json(path: Path) -> object:
    return json.loads(decompressed(path.read_bytes()))


def _fail(problems: list[Problem], source: str) -> None:
    err.print(f"{source}: {len(problems)} problem(s); nothing was imported.", markup=False)
    for problem in problems[:SHOWN_PROBLEMS]:
        err.print(f"  {problem}", markup=False)
    if len(problems) > SHOWN_PROBLEMS:
        err.print(f"  ... and {len(problems) - SHOWN_PROBLEMS} more", markup=False)
    raise typer.Exit(BAD_INPUT)


def load_mapping(format_name: str, path: Path | None) -> Mapping:
    name = str(path) if path else f"{format_name} mapping (default)"
    try:
        return mapping_of(format_name, path.read_text("utf-8") if path else None, name)
    except OSError as exc:
        _fail([Problem(record=name, field="", message=f"cannot read the file: {exc.strerror or exc}")], name)
    except ScenarioError as exc:
        _fail(exc.problems, name)
    raise AssertionError("unreachable")


def open_work(scenario: Scenario) -> Scenario:
    """The scenario with its open, in-progress and waiting requests only (what a plan looks at)."""
    return scenario.model_copy(update={"requests": [r for r in scenario.requests if r.status.value != "done"]})


def import_command(
    format_name: Annotated[str, typer.Argument(metavar="FORMAT", help=f"One of: {', '.join(FORMATS)}.")],
    file: Annotated[Path, typer.Argument(help="The export (CSV or JSON; gzip is decompressed).")],
    mapping_path: Annotated[
        Path | None, typer.Option("--mapping", help="A mapping file (TOML); default: the format's shipped one.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the report; write nothing.")] = False,
    team: Annotated[
        list[str] | None, typer.Option("--team", help="An assignment group that is this team (repeatable).")
    ] = None,
    now: Annotated[
        datetime | None, typer.Option(help="Import the export as it stood at this moment (default: its last event).")
    ] = None,
    scenario_out: Annotated[
        Path | None, typer.Option("--scenario-out", help="Also write the open work as a scenario file.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Import a ticketing system's export: a report, then one transaction into the database (DATABASE_URL)."""
    if format_name not in FORMATS:
        _fail(
            [Problem(record="FORMAT", field="", message=f"unknown format {format_name!r}; one of {list(FORMATS)}")],
            "tandem import",
        )
    mapping = load_mapping(format_name, mapping_path)
    if team:
        mapping = mapping.model_copy(update={"team_groups": team})
    moment = now.replace(tzinfo=mapping.calendar.zone) if now and now.tzinfo is None else now
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, disable=quiet, transient=True) as bar:
        try:
            inputs = (_read_json(file),) if format_name in JSON_FORMATS else read_rows(file, bar)
        except (OSError, UnicodeDecodeError, csv.Error, gzip.BadGzipFile, zlib.error, EOFError, ValueError) as exc:
            kind = "JSON" if format_name in JSON_FORMATS else "CSV"
            _fail([Problem(record=str(file), field="", message=f"cannot read it as {kind}: {exc}")], str(file))
        try:
            imported = FORMATS[format_name](*inputs, mapping, source=str(file), now=moment)
        except ScenarioError as exc:
            bar.stop()
            _fail(exc.problems, str(file))
        out.print(render_report(imported.report), markup=False)
        if scenario_out is not None:
            scenario_out.write_text(open_work(imported.scenario).model_dump_json(indent=1, exclude_none=True))
            out.print(f"wrote the open work to {scenario_out} (for tandem plan)", markup=False)
        if dry_run:
            out.print("dry run: nothing was written.", markup=False)
            return
        _write(imported, str(file), bar)


def _write(imported: Imported, source: str, bar: Progress) -> None:
    from api.live import marks
    from api.roles import Principal, Role
    from api.settings import Settings
    from api.store.imports import store_import
    from api.store.session import Database, upgrade

    settings = Settings()
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    task = bar.add_task("writing", total=len(imported.scenario.requests))
    actor = Principal(id="cli-import", name="tandem import", role=Role.ADMIN)
    out.print(f"writing {len(imported.scenario.requests):,} requests in one transaction ...", markup=False)
    try:
        with database.writing() as session:
            try:
                written = store_import(
                    session=session,
                    actor=actor,
                    scenario=imported.scenario,
                    source=source,
                    at=datetime.now(UTC),
                    progress=lambda n: bar.update(task, completed=n),
                )
            except ScenarioError as exc:
                session.rollback()
                bar.stop()
                _fail(exc.problems, source)
            marks.record_change(session=session, kind="import", subject_id=source)  # a server's live re-plan follows
            session.commit()
    finally:
        database.dispose()
    out.print(
        f"committed: {written.requests_added:,} requests added, {written.requests_updated:,} updated; "
        f"{written.agents} agents, {written.departments} departments, {written.skills} skills.",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add `tandem import` to the app."""
    app.command("import")(import_command)
