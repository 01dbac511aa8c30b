"""Imports at the edge, shared by `tandem import` (api/cli/importing.py) and `POST /imports` (a job run by the
worker; the route's side is `api.imports.service`): the formats, their shipped mappings, reading an export's
bytes (CSV or JSON, gzip-compressed or not) into what the core's importers take, and the import job as it
runs in the worker's child process (no web framework imported: the child starts quicker).

The core (`triage.importers`) turns rows into a scenario and a report; `api.store.imports` writes them in
the caller's transaction. Here: bytes in, `Imported` out, or a `ScenarioError` naming every problem.
"""

from __future__ import annotations

import base64
import csv
import gzip
import io
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import resources
from multiprocessing.connection import Connection
from typing import Any

from api.imports.schemas import ImportOutcome
from api.live import marks
from api.roles import Principal, Role
from api.store import jobs
from api.store.imports import store_import
from api.store.session import Database
from triage.errors import Problem, ScenarioError
from triage.importers.build import Imported
from triage.importers.jira import import_jira, import_jira_csv
from triage.importers.mapping import Mapping, parse_mapping
from triage.importers.plain import import_plain
from triage.importers.report import render_report
from triage.importers.servicenow import import_servicenow
from triage.importers.tabular import rows_of_table
from triage.importers.tickets import Row
from triage.importers.zendesk import import_zendesk

Importer = Callable[..., Imported]
FORMATS: dict[str, Importer] = {
    "servicenow": import_servicenow,
    "plain": import_plain,
    "zendesk": import_zendesk,
    "jira": import_jira,
    "jira-csv": import_jira_csv,
}
JSON_FORMATS = frozenset({"zendesk", "jira"})  # read as one JSON document; the others are CSV
MAPPING_OF = {"jira-csv": "jira_csv"}  # the shipped mapping's file name, where it is not the format's
GZIP_MAGIC = b"\x1f\x8b"
KIND = "import"  # the job kind


class ExportTooLarge(Exception):
    """The export, decompressed, is over `maximum` bytes."""

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        super().__init__(f"over {maximum:,} bytes once decompressed")


def default_mapping_text(format_name: str) -> str:
    """The mapping shipped for a format (a package resource)."""
    name = MAPPING_OF.get(format_name, format_name)
    return resources.files("triage.importers.mappings").joinpath(f"{name}.toml").read_text("utf-8")


def mapping_of(format_name: str, text: str | None, name: str) -> Mapping:
    """The mapping in `text` (the format's shipped one when None), checked to be for this format; ScenarioError
    naming every bad field otherwise."""
    mapping = parse_mapping(text if text is not None else default_mapping_text(format_name), name)
    if mapping.format != format_name:
        raise ScenarioError([Problem(record=name, field="format", message=f"the mapping is for {mapping.format!r}")])
    return mapping


def decompressed(raw: bytes, maximum: int | None = None) -> bytes:
    """The bytes, gunzipped when they are gzip (by their magic number), at most `maximum` of them
    (ExportTooLarge beyond: a small .gz may hold gigabytes)."""
    if not raw.startswith(GZIP_MAGIC):
        if maximum is not None and len(raw) > maximum:
            raise ExportTooLarge(maximum)
        return raw
    parts: list[bytes] = []
    size, rest = 0, raw
    while rest:
        inflater = zlib.decompressobj(wbits=31)
        room = -1 if maximum is None else maximum - size + 1
        part = inflater.decompress(rest, max(room, 1)) if maximum is not None else inflater.decompress(rest)
        size += len(part)
        if maximum is not None and size > maximum:
            raise ExportTooLarge(maximum)
        if not inflater.eof:
            raise gzip.BadGzipFile("the gzip stream ends early")
        parts.append(part)
        rest = inflater.unused_data.lstrip(b"\0")  # the next member of a multi-member file, if any
    return b"".join(parts)


def rows_of_text(text: str) -> tuple[list[str], list[Row]]:
    """The header and the rows of CSV text, each row with its line number."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], []
    return header, rows_of_table(header, ((reader.line_num, values) for values in reader))


def inputs_of(format_name: str, raw: bytes, source: str) -> tuple[object, ...]:
    """What the format's importer takes, from the export's bytes; ScenarioError when they cannot be read."""
    kind = "JSON" if format_name in JSON_FORMATS else "CSV"
    try:
        data = decompressed(raw)
        if format_name in JSON_FORMATS:
            return (json.loads(data),)
        return rows_of_text(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, csv.Error, gzip.BadGzipFile, zlib.error, EOFError, ValueError) as exc:
        raise ScenarioError([Problem(record=source, field="", message=f"cannot read it as {kind}: {exc}")]) from exc


def import_bytes(
    format_name: str, raw: bytes, mapping: Mapping, *, source: str, now: datetime | None = None
) -> Imported:
    """The scenario and report of an export's bytes under the mapping; ScenarioError naming every problem."""
    return FORMATS[format_name](*inputs_of(format_name, raw, source), mapping, source=source, now=now)


_RECORD = re.compile(r"line (\d+)(?: \((.*)\))?")


def located(problem: Problem) -> dict[str, object]:
    """A problem with its row's line and source id apart, when its record names them ('line 3 (INC2)')."""
    match = _RECORD.fullmatch(problem.record)
    return {
        "record": problem.record,
        "line": int(match.group(1)) if match else None,
        "source_id": match.group(2) if match else None,
        "field": problem.field,
        "message": problem.message,
    }


# --- the job, in the worker's child process ---------------------------------------------------------------


def import_in_child(inputs_json: str, database_url: str, job_id: str, fixed_now: str, out: Connection) -> None:
    """Run an import job: send ("progress", share) as it goes, then ("ok", JSON of {"committed", "outcome"}) or
    ("error", message). A real import is written, and the job marked succeeded with its outcome, in one
    transaction: all or nothing (a job ended meanwhile, by a cancel or a sweep, writes nothing)."""
    try:
        out.send(("ok", json.dumps(_run_import(json.loads(inputs_json), database_url, job_id, fixed_now, out))))
    except Exception as exc:  # the parent records it as the job's error
        out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()


def _run_import(
    inputs: dict[str, Any], database_url: str, job_id: str, fixed_now: str, out: Connection
) -> dict[str, Any]:
    format_name, source, dry_run = inputs["format"], inputs["source"], inputs["dry_run"]

    def outcome(**fields: Any) -> dict[str, Any]:
        body = {
            "format": format_name,
            "source": source,
            "dry_run": dry_run,
            "report": None,
            "text": None,
            "written": None,
            "problems": [],
            **fields,
        }
        return ImportOutcome.model_validate(body).model_dump(mode="json")

    raw = gzip.decompress(base64.b64decode(inputs["file"]))
    try:
        mapping = mapping_of(format_name, inputs["mapping"], inputs["mapping_name"])
        if inputs["team"]:
            mapping = mapping.model_copy(update={"team_groups": inputs["team"]})
        out.send(("progress", 0.05))
        moment = datetime.fromisoformat(inputs["now"]) if inputs["now"] else None
        imported = import_bytes(format_name, raw, mapping, source=source, now=moment)
    except ScenarioError as exc:
        return {"committed": False, "outcome": outcome(problems=[located(p) for p in exc.problems])}
    del raw
    out.send(("progress", 0.4))
    report = {"report": imported.report.model_dump(mode="json"), "text": render_report(imported.report)}
    if dry_run:
        return {"committed": False, "outcome": outcome(**report)}
    at = datetime.fromisoformat(fixed_now) if fixed_now else datetime.now(UTC)
    total = max(len(imported.scenario.requests), 1)
    actor = inputs["actor"]
    database = Database(database_url)
    try:
        with database.writing() as session:
            try:
                written = store_import(
                    session=session,
                    scenario=imported.scenario,
                    source=source,
                    at=at,
                    actor=Principal(id=actor["id"], name=actor["name"], role=Role(actor["role"])),
                    progress=lambda n: out.send(("progress", 0.4 + 0.55 * n / total)),
                )
            except ScenarioError as exc:
                session.rollback()
                return {"committed": False, "outcome": outcome(problems=[located(p) for p in exc.problems])}
            marks.record_change(session=session, kind="import", subject_id=source)  # the live re-plan follows
            result = outcome(**report, written=asdict(written))
            if not jobs.succeed_with_result(session=session, job_id=job_id, result=json.dumps(result), at=at):
                session.rollback()
                raise RuntimeError("the job was ended while it ran (cancelled or lost); nothing was imported")
            jobs.forget_inputs(session=session, job_id=job_id)
            session.commit()
    finally:
        database.dispose()
    return {"committed": True, "outcome": result}


def ended(outcome: dict[str, Any]) -> tuple[str | None, str]:
    """The error of an import job that ended with problems (None when it imported), and its result JSON."""
    problems = outcome["problems"]
    error = f"{len(problems)} problem(s) in the export or its mapping; nothing was imported" if problems else None
    return error, json.dumps(outcome)
