"""The outcome of an import job (POST /imports), as GET /jobs/{id} shows it once the job has ended."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Out
from triage.importers.report import ImportReport


class ImportProblem(Out):
    """One thing wrong with the export or the mapping: nothing was written."""

    record: str = Field(description="Where: 'line 12 (INC0012)' for a row, the file's or mapping's name otherwise.")
    line: int | None = Field(description="The row's line in the file (the header is line 1), when a row is meant.")
    source_id: str | None = Field(description="The row's id in the source system, when a row is meant.")
    field: str = Field(description="The column (or the mapping's field, e.g. 'columns.department').")
    message: str = Field(description="What is wrong.")


class ImportWritten(Out):
    """What the import changed in the store, in its one transaction."""

    requests_added: int = Field(description="Requests new to the store.")
    requests_updated: int = Field(description="Requests already imported (same source id) whose fields changed.")
    agents: int = Field(description="Agents in the export (added or updated by id).")
    departments: int = Field(description="Departments in the export (added or updated by id).")
    skills: int = Field(description="Skills in the export (added or updated by id).")


class ImportOutcome(Out):
    """An import job's outcome: the report and what was written, or the problems and nothing written."""

    format: str = Field(description="The export's format, as asked.")
    source: str = Field(description="The uploaded file's name.")
    dry_run: bool = Field(description="True when only the report was asked: nothing was written.")
    report: ImportReport | None = Field(description="The import report; null when the export has problems.")
    text: str | None = Field(description="The report as `tandem import` prints it.")
    written: ImportWritten | None = Field(description="What was written; null for a dry run or with problems.")
    problems: list[ImportProblem] = Field(description="Every problem found (empty when it imported).")
