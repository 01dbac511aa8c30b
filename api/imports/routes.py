"""Imports: a ticketing system's export into the store, as a job (admins and leads). The upload is checked at
once (the format, the size limit, the mapping); the worker reads the rows, builds the report and writes
everything in one transaction, or finds the problems and writes nothing; GET /jobs/{id} shows which."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Response, UploadFile

from api.deps import DatabaseDep, IdempotencyKeyDep, JobsDep, Now, SettingsDep, allowed
from api.imports import service as importing
from api.jobs.schemas import JobRead
from api.problems import PayloadTooLarge, invalid
from api.roles import Operation, Principal

router = APIRouter(tags=["imports"])
Importer = Annotated[Principal, allowed(Operation.IMPORT)]
Format = Literal["servicenow", "jira", "jira-csv", "zendesk", "plain"]
MAPPING_MAX_BYTES = 1024 * 1024


@router.post(
    "/imports",
    status_code=202,
    response_model=JobRead,
    summary="Import a ticketing system's export (as `tandem import` does): a job to poll at /jobs/{id}",
    description="Multipart form: the export as `file` (CSV, or JSON for `jira` and `zendesk`; gzip is "
    "decompressed), its `format`, optionally a `mapping` file (TOML; default: the format's shipped one), "
    "`team` (assignment groups that are this team, repeatable), `now` (import the export as it stood then) "
    "and `dry_run`. Checked at once: the format, the size (413 over `import_bytes`, TANDEM_LIMIT_IMPORT_BYTES, "
    "counted decompressed), the mapping (422 naming its field). The job then reads, maps and writes in one "
    "transaction: its `imported` field gives the report and what was written, or every problem (row line, "
    "source id, field) and nothing written. Re-importing updates requests by their source id.",
)
def start_import(
    principal: Importer,
    database: DatabaseDep,
    jobs: JobsDep,
    idem: IdempotencyKeyDep,
    now: Now,
    settings: SettingsDep,
    file: Annotated[
        UploadFile, File(description="The export, not empty: CSV, or JSON for jira and zendesk; gzip allowed.")
    ],
    format: Annotated[Format, Form(description="The export's format.")],
    mapping: Annotated[
        UploadFile | None,
        File(
            description="A mapping file (TOML, as the format's shipped mapping: refused at once with 422 naming "
            "its field when it is not); default: the format's shipped mapping."
        ),
    ] = None,
    team: Annotated[
        list[str] | None, Form(description="An assignment group that is this team (repeat the field for more).")
    ] = None,
    as_of: Annotated[
        datetime | None,
        Form(alias="now", description="Import the export as it stood at this moment (default: its last event)."),
    ] = None,
    dry_run: Annotated[bool, Form(description="Only the report: nothing is written.")] = False,
) -> Response:
    limit = settings.limits.import_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(
            f"too large: more than {limit:,} bytes of export, over the limit `import_bytes` of "
            f"{limit:,} (TANDEM_LIMIT_IMPORT_BYTES); nothing was imported"
        )
    mapping_text, mapping_name = None, f"{format} mapping (default)"
    if mapping is not None:
        raw = mapping.file.read(MAPPING_MAX_BYTES + 1)
        if len(raw) > MAPPING_MAX_BYTES:
            raise PayloadTooLarge(f"too large: the mapping is over {MAPPING_MAX_BYTES:,} bytes")
        try:
            mapping_text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise invalid("mapping", f"not UTF-8 text: {exc}") from exc
        mapping_name = mapping.filename or "mapping.toml"
    upload = importing.Upload(
        format=format,
        filename=file.filename or "export",
        data=data,
        mapping_text=mapping_text,
        mapping_name=mapping_name,
        team=team or [],
        now=as_of,
        dry_run=dry_run,
    )
    return importing.start(
        database=database,
        runner=jobs,
        actor=principal,
        upload=upload,
        idempotency=idem,
        now=now,
        limits=settings.limits,
    )
