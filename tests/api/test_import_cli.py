"""`tandem import`: a dry run writes nothing; an import writes everything in one transaction, on SQLite and
PostgreSQL; a re-import updates by source id; bad input exits 2 naming row and field and writes nothing;
a SIGKILL in the middle of the write leaves the database as it was; the open work plans."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from api.cli import app
from api.store.tables import AgentRow, AuditRow, DepartmentRow, RequestRow
from tests.triage.importers.snow import HEADER, REAL, SAMPLE, event
from triage.intake import load_scenario_json

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def _counts(url: str) -> tuple[int, int, int, int]:
    engine = create_engine(url)
    with engine.connect() as c:
        counts = tuple(
            int(c.scalar(select(func.count()).select_from(t)) or 0)
            for t in (RequestRow, AgentRow, DepartmentRow, AuditRow)
        )
    engine.dispose()
    return counts  # type: ignore[return-value]


def _invoke(url: str, monkeypatch: pytest.MonkeyPatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", url)
    return runner.invoke(app, ["import", "servicenow", *args, "--quiet"])


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_dry_run_reports_and_writes_nothing(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _invoke(database_url, monkeypatch, str(SAMPLE), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "ServiceNow incident: 119 rows, 10 tickets, 10 of the team" in result.output
    assert "effort classes" in result.output and "calibration:" in result.output
    assert "dry run: nothing was written." in result.output
    assert _counts(database_url) == (0, 0, 0, 0)


def test_an_import_writes_once_and_a_re_import_updates_by_source_id(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _invoke(database_url, monkeypatch, str(SAMPLE))
    assert first.exit_code == 0, first.output
    assert "committed: 10 requests added, 0 updated" in first.output
    requests, agents, departments, audits = _counts(database_url)
    assert (requests, audits) == (10, 1) and agents > 0 and departments > 0
    again = _invoke(database_url, monkeypatch, str(SAMPLE))
    assert again.exit_code == 0, again.output
    assert "committed: 0 requests added, 0 updated" in again.output
    assert _counts(database_url)[:3] == (requests, agents, departments)
    earlier = _invoke(database_url, monkeypatch, str(SAMPLE), "--now", "2016-03-02T12:00:00")
    assert earlier.exit_code == 0, earlier.output
    engine = create_engine(database_url)
    with engine.connect() as c:
        stored = dict(c.execute(select(RequestRow.source_id, RequestRow.status)).all())  # type: ignore[arg-type]
    engine.dispose()
    assert len(stored) == 10 and "done" in stored.values()  # kept, and the earlier snapshot's states written


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [event("INC1", "New", "1/3/2016 09:00"), event("INC2", "Shelved", "1/3/2016 09:00")],
            "line 3 (INC2).incident_state: unknown state 'Shelved'",
        ),
        ([event("INC1", "New", "1/3/2016 9 o'clock")], "line 2 (INC1).sys_updated_at: not a date"),
    ],
)
def test_bad_input_exits_2_naming_row_and_field_and_writes_nothing(
    rows: list[dict[str, str]], expected: str, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert _invoke(database_url, monkeypatch, str(SAMPLE)).exit_code == 0
    before = _counts(database_url)
    result = _invoke(database_url, monkeypatch, str(_write_csv(tmp_path / "bad.csv", rows)))
    assert result.exit_code == 2
    assert "problem(s); nothing was imported." in result.output and expected in result.output
    assert _counts(database_url) == before


def test_a_file_of_another_format_or_an_unknown_format_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    jira = tmp_path / "jira.csv"
    jira.write_text("Issue key,Summary,Status,Created\nSD-1,VPN,Open,2026-11-20 10:00\n")
    result = _invoke(url, monkeypatch, str(jira))
    assert result.exit_code == 2 and "does not look like a ServiceNow incident export" in result.output
    monkeypatch.setenv("DATABASE_URL", url)
    unknown = runner.invoke(app, ["import", "remedy", str(jira)])
    assert unknown.exit_code == 2 and "unknown format 'remedy'" in unknown.output
    assert not (tmp_path / "x.db").exists()


def test_the_open_work_of_an_import_is_a_scenario_that_plans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "open.json"
    result = _invoke(
        f"sqlite:///{tmp_path / 'x.db'}",
        monkeypatch,
        str(SAMPLE),
        "--now",
        "2016-03-03T12:00",
        "--dry-run",
        "--scenario-out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    scenario = load_scenario_json(out.read_bytes())
    assert scenario.requests and all(r.status.value != "done" for r in scenario.requests)
    planned = runner.invoke(app, ["plan", str(out), "--time-limit", "2", "--workers", "1"])
    assert planned.exit_code == 0, planned.output
    plannable = [r.id for r in scenario.requests if r.status.plannable]
    assert all(rid in planned.output for rid in plannable)


@pytest.mark.slow
def test_a_sigkill_in_the_middle_of_the_write_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tandem.db'}"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "api.cli", "import", "servicenow"]
    subprocess.run([*command, str(SAMPLE), "--quiet"], env=env, cwd=ROOT, check=True, capture_output=True)
    before = _counts(url)
    rows = []
    for k in range(20_000):
        number = f"INC9{k:06d}"
        who, what = f"Resolver {k % 40}", f"Category {k % 30}"
        rows += [
            event(number, "Active", "1/3/2016 09:00", who, category=what),
            event(number, "Resolved", "1/3/2016 10:00", who, category=what),
        ]
    big = _write_csv(tmp_path / "big.csv", rows)
    with subprocess.Popen(
        [*command, str(big), "--quiet"], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("writing"):
                time.sleep(0.5)  # well inside the write of 20,000 requests
                process.send_signal(signal.SIGKILL)
                break
        rest = process.stdout.read()
        process.wait()
    assert process.returncode == -signal.SIGKILL and "committed" not in rest
    assert _counts(url) == before


@pytest.mark.skipif(not REAL.exists(), reason=f"the real ServiceNow slice is not at {REAL}")
def test_the_readme_shows_the_report_of_the_real_slice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = [str(REAL), "--team", "Group 70", "--now", "2016-03-14T17:00", "--dry-run"]
    result = _invoke(f"sqlite:///{tmp_path / 'x.db'}", monkeypatch, *args)
    assert result.exit_code == 0, result.output
    readme = (ROOT / "README.md").read_text()
    shown = readme.split("<!-- import-report -->\n```\n", 1)[1].split("\n```", 1)[0]
    assert result.output.replace("dry run: nothing was written.\n", "").rstrip("\n") == shown


@pytest.mark.parametrize(
    ("format_name", "sample", "first_line"),
    [
        ("zendesk", "zendesk_sample.json", "Zendesk incremental ticket export: 7 rows, 6 tickets"),
        ("plain", "plain_sample.csv", "plain CSV: 4 rows, 4 tickets"),
        ("jira", "jira_sample.json", "Jira Service Management search result: 5 rows, 5 tickets"),
        ("jira-csv", "jira_sample.csv", "Jira Service Management CSV export: 5 rows, 5 tickets"),
    ],
)
def test_the_other_formats_import_through_the_command(
    format_name: str, sample: str, first_line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = runner.invoke(app, ["import", format_name, str(SAMPLE.with_name(sample)), "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(first_line) and "committed:" in result.output
