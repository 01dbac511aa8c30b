"""Builders for ServiceNow event-log rows in tests: every column the default mapping names, explicit values."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from triage.importers.mapping import Mapping, parse_mapping
from triage.importers.tickets import Row

ROOT = Path(__file__).resolve().parents[3]
MAPPING_FILE = ROOT / "triage" / "importers" / "mappings" / "servicenow.toml"
SAMPLE = Path(__file__).with_name("servicenow_sample.csv")
REAL = ROOT.parent / "shared" / "data" / "servicenow-incidents-2016-03-01-to-14.csv.gz"

HEADER = ["number", "incident_state", "opened_at", "sys_updated_at", "assigned_to", "assignment_group", "location",
          "caller_id", "category", "subcategory", "u_symptom", "impact", "urgency", "priority", "reopen_count",
          "made_sla"]  # fmt: skip


def mapping(**changes: Any) -> Mapping:
    base = parse_mapping(MAPPING_FILE.read_text(), "servicenow.toml")
    return base.model_copy(update=changes)


OPENED = "1/3/2016 08:00"  # a Tuesday, before the desk opens


def event(number: str, state: str, at: str, owner: str = "?", **fields: str) -> dict[str, str]:
    """One event row; `at` and `opened_at` (default OPENED) as the export writes them ("d/m/Y H:M")."""
    row = {
        "number": number, "incident_state": state, "opened_at": fields.pop("opened_at", OPENED), "sys_updated_at": at,
        "assigned_to": owner, "assignment_group": "Group 1", "location": "Location 1", "caller_id": "Caller 1",
        "category": "Category 1", "subcategory": "Subcategory 1", "u_symptom": "?", "impact": "2 - Medium",
        "urgency": "2 - Medium", "priority": "3 - Moderate", "reopen_count": "0", "made_sla": "true",
    }  # fmt: skip
    row.update(fields)
    return row


def numbered(rows: list[dict[str, str]]) -> list[Row]:
    return [(i + 2, row) for i, row in enumerate(rows)]


def read_csv(path: Path) -> tuple[list[str], list[Row]]:
    with path.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, [(i + 2, dict(zip(header, r, strict=True))) for i, r in enumerate(reader)]
