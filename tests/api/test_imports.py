"""POST /imports through HTTP, on SQLite and PostgreSQL: an export uploaded by a lead or an admin becomes a job
the worker runs; GET /jobs/{id} shows the report and what was written, or the problems (line, source id,
field) with nothing written; a re-import updates by source id; a retry with the Idempotency-Key makes no
second job; the format, the size limit and the mapping are checked at once; other roles are refused, and a
caller without a token is refused before anything is read."""

from __future__ import annotations

import gzip
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from api.limits import Limits
from api.live.replanning import LiveReplanner
from api.store.session import Database
from api.store.tables import AgentRow, AuditRow, DepartmentRow, JobRow, QueueChangeRow, RequestRow
from tests.api.conftest import Api, make_settings

PLAIN = (Path(__file__).resolve().parents[1] / "triage" / "importers" / "plain_sample.csv").read_bytes()
ROWS = PLAIN.decode().count("\n") - 1  # one request per row


def _upload(
    api: Api,
    who: str | None,
    data: bytes = PLAIN,
    *,
    name: str = "desk.csv",
    fmt: str = "plain",
    key: str | None = None,
    mapping: bytes | None = None,
    **form: Any,
) -> Any:
    files: dict[str, Any] = {"file": (name, data, "text/csv")}
    if mapping is not None:
        files["mapping"] = ("mapping.toml", mapping, "application/toml")
    headers = {"Idempotency-Key": key} if key else {}
    return api.client.post("/imports", headers=api.headers(who, **headers), files=files, data={"format": fmt, **form})


def _finished(api: Api, job: dict[str, Any], who: str = "lead") -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while job["state"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        read = api.get(f"/jobs/{job['id']}", who)
        assert read.status_code == 200, read.text
        job = read.json()
        assert 0 <= job["progress"] <= 1
    return job


def _counts(api: Api) -> tuple[int, ...]:
    engine = create_engine(api.settings.database_url)
    with engine.connect() as c:
        counts = tuple(
            int(c.scalar(select(func.count()).select_from(t)) or 0)
            for t in (RequestRow, AgentRow, DepartmentRow, AuditRow, JobRow)
        )
    engine.dispose()
    return counts


def _stored(api: Api) -> dict[str, tuple[str, str]]:
    engine = create_engine(api.settings.database_url)
    with engine.connect() as c:
        rows = c.execute(
            select(RequestRow.source_id, RequestRow.title, RequestRow.status).where(RequestRow.source_id.is_not(None))
        ).all()
    engine.dispose()
    return {source_id: (title, status) for source_id, title, status in rows}


def _kept_uploads(api: Api) -> int:
    """Jobs that still hold their inputs (an import's uploaded file is dropped once the job ended)."""
    engine = create_engine(api.settings.database_url)
    with engine.connect() as c:
        kept = int(c.scalar(select(func.count()).select_from(JobRow).where(JobRow.inputs.is_not(None))) or 0)
    engine.dispose()
    return kept


def test_a_lead_imports_and_a_re_import_updates_by_source_id(api: Api) -> None:
    before = _counts(api)
    accepted = _upload(api, "lead", key="imp-1")
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert accepted.headers["location"] == f"/jobs/{job['id']}" and job["kind"] == "import"
    retry = _upload(api, "lead", key="imp-1")  # the same upload, another multipart boundary
    assert retry.status_code == 202 and retry.json()["id"] == job["id"]
    assert retry.headers["idempotent-replayed"] == "true"
    job = _finished(api, job)
    assert job["state"] == "succeeded", job
    imported = job["imported"]
    assert imported["written"] == {
        "requests_added": ROWS,
        "requests_updated": 0,
        "agents": 2,
        "departments": 2,
        "skills": len(imported["report"]["skills"]),
    }
    assert imported["problems"] == [] and not imported["dry_run"] and job["result_url"] is None
    assert imported["report"]["tickets"] == ROWS and imported["text"].startswith(f"plain CSV: {ROWS} rows")
    assert imported["report"]["by_status"] == {"done": 1, "in_progress": 1, "open": 1, "waiting": 1}
    after = _counts(api)
    assert after[0] == before[0] + ROWS and after[3] == before[3] + 1 and after[4] == before[4] + 1
    assert _stored(api)["HR-1"] == ("Payslip wrong", "in_progress")

    changed = PLAIN.replace(b"Payslip wrong", b"Payslip wrong again")
    again = _finished(api, _upload(api, "admin", changed).json(), who="admin")
    assert again["state"] == "succeeded", again
    assert again["imported"]["written"]["requests_added"] == 0
    assert again["imported"]["written"]["requests_updated"] == 1
    assert _counts(api)[:3] == after[:3]  # the same requests, agents and departments: updated, not added
    assert _stored(api)["HR-1"] == ("Payslip wrong again", "in_progress")
    assert _kept_uploads(api) == 0


def test_a_bad_export_fails_the_job_naming_line_source_id_and_field_and_writes_nothing(api: Api) -> None:
    bad = PLAIN.replace(
        b"HR-3,2026-11-17 09:00,2026-11-17 12:00,done", b"HR-3,2026-11-17 09:00,2026-11-17 12:00,shelved"
    )
    bad = bad.replace(b"HR-4,2026-11-18 09:00", b"HR-4,18.11.2026 09:00")
    before = _counts(api)
    job = _finished(api, _upload(api, "lead", bad).json())
    assert (
        job["state"] == "failed" and job["error"] == "2 problem(s) in the export or its mapping; nothing was imported"
    )
    problems = job["imported"]["problems"]
    assert [(p["line"], p["source_id"], p["field"]) for p in problems] == [
        (4, "HR-3", "status"),
        (5, "HR-4", "created_at"),
    ]
    assert problems[0]["message"] == "unknown state 'shelved': [states] in the mapping does not list it"
    assert job["imported"]["written"] is None and job["imported"]["report"] is None
    assert _counts(api) == (*before[:4], before[4] + 1)  # only the job's own row
    assert _stored(api) == {} and _kept_uploads(api) == 0


@pytest.mark.parametrize("settings_overrides", [{"limits": Limits(import_bytes=4096)}])
def test_the_upload_is_checked_at_once_and_no_job_is_made(api: Api) -> None:
    before = _counts(api)
    unknown = _upload(api, "lead", fmt="remedy")
    assert unknown.status_code == 422 and [e["field"] for e in unknown.json()["errors"]] == ["format"]
    big = PLAIN * (4096 // len(PLAIN) + 1)
    too_large = _upload(api, "lead", big)
    assert too_large.status_code == 413 and too_large.headers["content-type"] == "application/problem+json"
    assert "`import_bytes` of 4,096 (TANDEM_LIMIT_IMPORT_BYTES)" in too_large.json()["detail"]
    bomb = _upload(api, "lead", gzip.compress(b"id," + b"x" * 100_000), name="small.csv.gz")  # 4096 once inflated
    assert bomb.status_code == 413 and "`import_bytes`" in bomb.json()["detail"]
    empty = _upload(api, "lead", b"")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "file"
    mapping = _upload(api, "lead", mapping=b'format = "plain"\ndate_format = 3\n')
    assert mapping.status_code == 422
    assert {e["field"] for e in mapping.json()["errors"]} >= {"mapping.date_format", "mapping.columns"}
    zendesk = (Path(__file__).resolve().parents[2] / "triage" / "importers" / "mappings" / "zendesk.toml").read_bytes()
    other = _upload(api, "lead", mapping=zendesk, fmt="plain")
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "mapping.format"
    assert other.json()["errors"][0]["message"] == "the mapping is for 'zendesk'"
    assert _counts(api) == before


def test_only_admins_and_leads_import_and_a_stranger_is_refused_before_anything_is_read(api: Api) -> None:
    for who in ("sales", "ana", "manager", "snow"):
        refused = _upload(api, who)
        assert refused.status_code == 403, (who, refused.text)
    no_token = api.client.post("/imports", content=b"not a form at all", headers={"Content-Type": "text/plain"})
    assert no_token.status_code == 401 and no_token.headers["www-authenticate"] == "Bearer"
    huge = api.client.post("/imports", content=b"x", headers={"Content-Length": str(10**12)})
    assert huge.status_code == 401  # the token first: the size limit is not even looked at
    assert _counts(api)[4] == 0


def test_a_dry_run_reports_and_writes_nothing_and_who_reads_an_import_job(api: Api) -> None:
    before = _counts(api)
    job = _finished(
        api, _upload(api, "admin", gzip.compress(PLAIN), name="desk.csv.gz", dry_run="true").json(), who="admin"
    )
    assert job["state"] == "succeeded", job
    assert job["imported"]["dry_run"] and job["imported"]["written"] is None
    assert job["imported"]["report"]["tickets"] == ROWS and job["imported"]["source"] == "desk.csv.gz"
    assert _counts(api) == (*before[:4], before[4] + 1)
    assert api.get(f"/jobs/{job['id']}", "lead").status_code == 200
    manager = api.get(f"/jobs/{job['id']}", "manager")
    assert manager.status_code == 403 and manager.json()["detail"] == "A manager may not import exports."
    assert api.get(f"/jobs/{job['id']}", "sales").status_code == 403


def _changes(api: Api) -> list[tuple[str, str]]:
    engine = create_engine(api.settings.database_url)
    with engine.connect() as c:
        rows = c.execute(select(QueueChangeRow.kind, QueueChangeRow.subject_id).order_by(QueueChangeRow.seq)).all()
    engine.dispose()
    return [(kind, subject) for kind, subject in rows]


def test_an_import_is_a_change_of_the_queue_and_the_live_re_plan_follows_it(api: Api) -> None:
    # the requests an import writes are numbered as one change, so the debounced re-plan plans them; a dry run
    # and a failed import change nothing
    first = api.post("/plans", "lead", {"time_limit_seconds": 1})
    assert first.status_code == 201, first.text
    before = _changes(api)
    assert _finished(api, _upload(api, "lead", dry_run="true").json())["state"] == "succeeded"
    assert _finished(api, _upload(api, "lead", b"id,title\n").json())["state"] == "failed"
    assert _changes(api) == before
    assert _finished(api, _upload(api, "lead").json())["state"] == "succeeded"
    assert _changes(api) == [*before, ("import", "desk.csv")]
    database = Database(api.settings.database_url)
    try:
        settings = make_settings(api.settings.database_url, live_replan_delay_seconds=0.0)
        stored = LiveReplanner(database, settings).replan_if_due()
    finally:
        database.dispose()
    assert stored is not None and stored > first.json()["id"]
    body = api.get(f"/plans/{stored}", "lead").json()["plan"]
    planned = {a["request_id"] for a in body["assignments"]} | {u["request_id"] for u in body["unassigned"]}
    engine = create_engine(api.settings.database_url)
    with engine.connect() as c:
        opened = set(
            c.scalars(select(RequestRow.id).where(RequestRow.source_id.is_not(None), RequestRow.status == "open"))
        )
    engine.dispose()
    assert opened and opened <= planned  # each imported open request is in the re-plan: placed, or said why not
