"""Zendesk's incremental ticket export (fields from its Tickets API) and the plain CSV, with their shipped
mappings: statuses, waits, owners, priorities, duplicates in a stream, the team filter, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.importers.snow import ROOT, read_csv
from triage.errors import ScenarioError
from triage.importers.mapping import Mapping, parse_mapping
from triage.importers.plain import import_plain
from triage.importers.zendesk import import_zendesk
from triage.names import Priority, RequestStatus, WaitingReason

HERE = Path(__file__).parent


def shipped(name: str, **changes: object) -> Mapping:
    path = ROOT / "triage" / "importers" / "mappings" / f"{name}.toml"
    return parse_mapping(path.read_text(), path.name).model_copy(update=changes)


def test_a_zendesk_export_imports_with_the_latest_snapshot_of_each_ticket() -> None:
    payload = json.loads((HERE / "zendesk_sample.json").read_text())
    imported = import_zendesk(payload, shipped("zendesk", team_groups=["360001"]), source="export.json")
    by_id = {r.id: r for r in imported.scenario.requests}
    assert set(by_id) == {"101", "102", "103", "104", "105"}  # 106 belongs to another group
    assert by_id["101"].status == RequestStatus.DONE  # its later snapshot in the stream wins
    assert by_id["102"].waiting is not None and by_id["102"].waiting.reason == WaitingReason.REQUESTER
    assert by_id["103"].waiting is not None and by_id["103"].waiting.reason == WaitingReason.OTHER
    assert (by_id["103"].priority_override, by_id["103"].owner) == (Priority.P1, "501")
    assert by_id["104"].department == "unknown" and by_id["105"].required_skills == {"general": 1}
    assert by_id["105"].status == RequestStatus.OPEN and by_id["105"].priority_override is None
    assert imported.report.rows == 7 and imported.report.tickets == 6
    assert "1 tickets have no type: skill 'general'" in imported.report.warnings


def test_a_zendesk_document_of_another_shape_is_refused() -> None:
    with pytest.raises(ScenarioError, match="not a Zendesk incremental ticket export"):
        import_zendesk({"issues": []}, shipped("zendesk"), source="x.json")
    bad = {
        "tickets": [
            {
                "id": 1,
                "status": "escalated",
                "created_at": "2026-11-16T09:05:00Z",
                "updated_at": "2026-11-16T09:05:00Z",
                "assignee_id": 5,
                "group_id": 1,
                "organization_id": 2,
                "requester_id": 3,
                "type": "task",
                "subject": "x",
                "priority": "low",
            }
        ]
    }
    with pytest.raises(ScenarioError, match=r"line 1 \(1\)\.status: unknown state 'escalated'"):
        import_zendesk(bad, shipped("zendesk"), source="x.json")


def test_the_plain_csv_imports_with_its_documented_columns() -> None:
    header, rows = read_csv(HERE / "plain_sample.csv")
    imported = import_plain(header, rows, shipped("plain"), source="plain.csv")
    by_id = {r.id: r for r in imported.scenario.requests}
    assert [by_id[i].status for i in ("HR-1", "HR-2", "HR-3", "HR-4")] == [
        RequestStatus.IN_PROGRESS,
        RequestStatus.WAITING,
        RequestStatus.DONE,
        RequestStatus.OPEN,
    ]
    assert by_id["HR-3"].priority_override == Priority.P2 and by_id["HR-1"].priority_override is None
    assert by_id["HR-4"].required_skills == {"general": 1}
    assert {a.id: sorted(a.skills) for a in imported.scenario.agents} == {
        "ana-costa": ["payroll"],
        "ben-okafor": ["contracts"],
    }
    assert {d.name for d in imported.scenario.departments} == {"Sales", "People"}


def test_a_plain_csv_with_an_id_twice_is_refused_naming_both_lines() -> None:
    header, rows = read_csv(HERE / "plain_sample.csv")
    with pytest.raises(ScenarioError, match=r"line 6 \(HR-1\)\.id: duplicate id: also on line 2"):
        import_plain(header, [*rows, (6, rows[0][1])], shipped("plain"), source="plain.csv")
