"""Jira Service Management search results (the REST search API's fields only: key, created, updated,
status and its category, priority, assignee, reporter, components, labels, summary, and two site custom
fields: the request type and the organisations) with the shipped mapping: statuses, waits, owners,
priorities, skills from components and labels or from the request type, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.triage.importers.test_other_formats import shipped
from triage.errors import ScenarioError
from triage.importers.jira import import_jira, import_jira_csv
from triage.names import Priority, RequestStatus, WaitingReason

SAMPLE = Path(__file__).with_name("jira_sample.json")


def payload() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text())


def test_a_jira_search_result_imports_with_the_shipped_mapping() -> None:
    imported = import_jira(payload(), shipped("jira"), source="search.json")
    by_id = {r.id: r for r in imported.scenario.requests}
    assert set(by_id) == {"SD-1", "SD-2", "SD-3", "SD-4", "SD-5"}
    assert [by_id[k].status for k in sorted(by_id)] == [
        RequestStatus.IN_PROGRESS,
        RequestStatus.WAITING,
        RequestStatus.DONE,
        RequestStatus.OPEN,
        RequestStatus.WAITING,
    ]
    assert by_id["SD-2"].waiting is not None and by_id["SD-2"].waiting.reason == WaitingReason.REQUESTER
    assert by_id["SD-5"].waiting is not None and by_id["SD-5"].waiting.reason == WaitingReason.OTHER
    assert (by_id["SD-1"].owner, by_id["SD-1"].priority_override) == ("ana-costa", Priority.P2)
    assert (by_id["SD-4"].owner, by_id["SD-4"].priority_override) == (None, Priority.P1)
    # skills: every component and label, one each; an issue with neither gets the default skill
    assert by_id["SD-1"].required_skills == {"network": 1, "vpn": 1}
    assert by_id["SD-5"].required_skills == {"hardware": 1, "network": 1}
    assert by_id["SD-4"].required_skills == {"general": 1}
    # departments: the organisations custom field; none given: unknown
    assert (by_id["SD-1"].department, by_id["SD-2"].department, by_id["SD-4"].department) == (
        "sales",
        "finance",
        "unknown",
    )
    assert by_id["SD-3"].title == "Printer offline" and by_id["SD-1"].source_id == "SD-1"
    assert {a.name: sorted(a.skills) for a in imported.scenario.agents} == {
        "Ana Costa": ["network", "printing", "vpn"],
        "Ben Okafor": ["hardware", "network"],
    }
    assert imported.report.rows == 5 and imported.report.tickets == 5


def test_the_request_type_custom_field_can_be_the_skill() -> None:
    mapping = shipped("jira")
    columns = mapping.columns.model_copy(update={"skills": ["fields.customfield_10010.requestType.name"]})
    imported = import_jira(payload(), mapping.model_copy(update={"columns": columns}), source="search.json")
    by_id = {r.id: r for r in imported.scenario.requests}
    assert by_id["SD-1"].required_skills == {"get-it-help": 1}
    assert by_id["SD-5"].required_skills == {"request-new-hardware": 1}
    assert by_id["SD-4"].required_skills == {"general": 1}  # no request type


def test_a_status_category_mapping_reads_the_category_key() -> None:
    mapping = shipped("jira")
    columns = mapping.columns.model_copy(update={"state": "fields.status.statusCategory.key"})
    states = mapping.states.model_copy(
        update={"open": ["new"], "in_progress": ["indeterminate"], "done": ["done"], "waiting": {}}
    )
    imported = import_jira(payload(), mapping.model_copy(update={"columns": columns, "states": states}), source="s")
    by_id = {r.id: r for r in imported.scenario.requests}
    assert [by_id[k].status for k in sorted(by_id)] == [
        RequestStatus.IN_PROGRESS,
        RequestStatus.IN_PROGRESS,
        RequestStatus.DONE,
        RequestStatus.OPEN,
        RequestStatus.IN_PROGRESS,
    ]


def test_a_document_of_another_shape_is_refused() -> None:
    with pytest.raises(ScenarioError, match="not a Jira Service Management search result"):
        import_jira({"tickets": []}, shipped("jira"), source="x.json")


def test_an_unknown_status_names_the_issue_and_the_field() -> None:
    bad = payload()
    bad["issues"][2]["fields"]["status"]["name"] = "Under review"
    with pytest.raises(ScenarioError, match=r"line 3 \(SD-3\)\.fields\.status\.name: unknown state 'Under review'"):
        import_jira(bad, shipped("jira"), source="x.json")


def test_a_custom_field_the_site_lacks_is_named() -> None:
    mapping = shipped("jira")
    columns = mapping.columns.model_copy(update={"department": "fields.customfield_10999"})
    absent = r"columns\.department: column 'fields\.customfield_10999' is not in the file"
    with pytest.raises(ScenarioError, match=absent):
        import_jira(payload(), mapping.model_copy(update={"columns": columns}), source="x.json")


def test_a_date_that_does_not_parse_names_the_issue() -> None:
    bad = payload()
    bad["issues"][0]["fields"]["created"] = "16/11/2026"
    with pytest.raises(ScenarioError, match=r"line 1 \(SD-1\)\.fields\.created"):
        import_jira(bad, shipped("jira"), source="x.json")


CSV_SAMPLE = Path(__file__).with_name("jira_sample.csv")


def _csv_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    from api.imports.reading import rows_of_text

    return rows_of_text(text)


def test_the_csv_export_of_the_same_issues_gives_the_same_requests() -> None:
    """The fixture is the CSV export of the search result's five issues (Jira's column names; Component/s
    repeated because SD-5 has two components); with the shipped jira-csv mapping it gives what the JSON gives."""
    from_json = import_jira(payload(), shipped("jira"), source="search.json")
    header, rows = _csv_rows(CSV_SAMPLE.read_text())
    assert header.count("Component/s") == 2 and len(rows) == 5
    from_csv = import_jira_csv(header, rows, shipped("jira_csv"), source="export.csv")
    fields = (
        "id",
        "status",
        "owner",
        "priority_override",
        "required_skills",
        "department",
        "title",
        "created_at",
        "source_id",
        "waiting",
    )
    json_requests = {r.id: r.model_dump(include=set(fields)) for r in from_json.scenario.requests}
    csv_requests = {r.id: r.model_dump(include=set(fields)) for r in from_csv.scenario.requests}
    assert csv_requests == json_requests
    assert csv_requests["SD-5"]["required_skills"] == {"hardware": 1, "network": 1}  # the repeated column
    assert {a.name: sorted(a.skills) for a in from_csv.scenario.agents} == {
        a.name: sorted(a.skills) for a in from_json.scenario.agents
    }
    assert from_csv.report.format == "Jira Service Management CSV export" and from_csv.report.rows == 5


def test_a_csv_export_with_a_renamed_column_or_a_bad_date_names_row_and_field() -> None:
    text = CSV_SAMPLE.read_text()
    header, rows = _csv_rows(text.replace("Custom field (Organizations)", "Organisation", 1))
    with pytest.raises(ScenarioError) as missing:
        import_jira_csv(header, rows, shipped("jira_csv"), source="export.csv")
    assert [str(p) for p in missing.value.problems] == [
        "export.csv.columns.department: column 'Custom field (Organizations)' is not in the file"
    ]
    header, rows = _csv_rows(text.replace("17/Nov/26 8:30 AM,17/Nov/26 8:30 AM", "2026-11-17 08:30,17/Nov/26 8:30 AM"))
    with pytest.raises(ScenarioError) as bad:
        import_jira_csv(header, rows, shipped("jira_csv"), source="export.csv")
    assert any(str(p).startswith("line 5 (SD-4).Created: ") for p in bad.value.problems), bad.value.problems
    # the REST search mapping on the CSV export: not this format at all
    with pytest.raises(ScenarioError) as other:
        import_jira_csv(*_csv_rows(text), shipped("jira"), source="export.csv")
    assert "does not look like a Jira Service Management CSV export" in str(other.value.problems[0])
