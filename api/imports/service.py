"""POST /imports, the route's side: the upload checked at once (size limit, gzip, mapping), a fingerprint
for Idempotency-Key, then a job on the `imports` queue whose worker runs `api.imports.reading.import_in_child`."""

from __future__ import annotations

import base64
import gzip
import hashlib
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Response

from api.deps import Idempotency
from api.imports.reading import GZIP_MAGIC, KIND, ExportTooLarge, decompressed, mapping_of
from api.jobs.runner import IMPORTS, JobRunner, forget_if_lost
from api.jobs.schemas import job_read
from api.limits import Limits, TooLarge
from api.problems import FieldError, InvalidInput, PayloadTooLarge, invalid, summary
from api.roles import Principal
from api.store import jobs
from api.store.session import Database
from api.writes import Outcome, replay_if_retried, respond
from triage.errors import ScenarioError


@dataclass(frozen=True)
class Upload:
    """What POST /imports was given (the files read, the options parsed)."""

    format: str
    filename: str
    data: bytes
    mapping_text: str | None
    mapping_name: str
    team: list[str]
    now: datetime | None
    dry_run: bool

    def fingerprint(self) -> str:
        """The request, for Idempotency-Key: the same upload again is the same request, whatever the
        multipart boundary of each attempt."""
        parts = [
            self.format,
            self.filename,
            hashlib.sha256(self.data).hexdigest(),
            hashlib.sha256((self.mapping_text or "").encode()).hexdigest() if self.mapping_text else "-",
            "\x1f".join(self.team),
            self.now.isoformat() if self.now else "-",
            str(self.dry_run),
        ]
        return hashlib.sha256(("POST /imports\n" + "\x1e".join(parts)).encode()).hexdigest()


def start(
    *,
    database: Database,
    runner: JobRunner,
    actor: Principal,
    upload: Upload,
    idempotency: Idempotency,
    now: datetime,
    limits: Limits,
) -> Response:
    """202 with the job; a retry with the same Idempotency-Key and upload gets it again; 413 over the size
    limit, 422 for an empty file or a bad mapping, before any job exists."""
    idempotency = Idempotency(key=idempotency.key, fingerprint=upload.fingerprint())
    forget_if_lost(database, actor, idempotency.key, idempotency.fingerprint)
    retried = replay_if_retried(database, actor, idempotency)
    if retried is not None:
        return retried
    try:
        size = len(decompressed(upload.data, limits.import_bytes))
    except ExportTooLarge as exc:
        raise PayloadTooLarge(
            str(TooLarge("import_bytes", len(upload.data), exc.maximum, "bytes of export", "nothing was imported"))
        ) from exc
    except (gzip.BadGzipFile, zlib.error, EOFError) as exc:
        raise invalid("file", f"not a readable gzip file: {exc}") from exc
    if size == 0:
        raise invalid("file", "the file is empty")
    try:
        mapping = mapping_of(upload.format, upload.mapping_text, upload.mapping_name)
    except ScenarioError as exc:
        errors = [
            FieldError(field=f"mapping.{p.field}" if p.field else "mapping", location="body", message=p.message)
            for p in exc.problems
        ]
        raise InvalidInput(summary(errors), errors=errors) from exc
    at = upload.now.replace(tzinfo=mapping.calendar.zone) if upload.now and upload.now.tzinfo is None else upload.now
    created: list[str] = []
    with database.writing() as session:

        def create_job() -> Outcome:
            row = jobs.create(
                session=session,
                actor=actor,
                kind=KIND,
                queue=IMPORTS,
                request_count=0,
                at=now,
                heartbeat_at=datetime.now(UTC),
            )
            created.append(row.id)
            return job_read(row), {"Location": f"/jobs/{row.id}"}

        response = respond(
            session=session, principal=actor, status_code=202, idempotency=idempotency, at=now, act=create_job
        )
    if created:
        stored = upload.data if upload.data.startswith(GZIP_MAGIC) else gzip.compress(upload.data, compresslevel=1)
        inputs = {
            "actor": {"id": actor.id, "name": actor.name, "role": actor.role.value},
            "format": upload.format,
            "source": upload.filename,
            "file": base64.b64encode(stored).decode(),
            "mapping": upload.mapping_text,
            "mapping_name": upload.mapping_name,
            "team": upload.team,
            "now": at.isoformat() if at else None,
            "dry_run": upload.dry_run,
        }
        runner.start_import(job_id=created[0], inputs=inputs)
    return response
