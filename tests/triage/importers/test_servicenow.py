"""The ServiceNow importer on a sample of the real log, on known histories, and on bad input."""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.triage.importers.snow import HEADER, REAL, SAMPLE, event, mapping, numbered, read_csv
from triage.calendar import BusinessAxis
from triage.errors import ScenarioError
from triage.importers.effort import business_clock, class_estimate
from triage.importers.servicenow import import_servicenow
from triage.model import Calendar
from triage.names import RequestStatus, WaitingReason


def _import(rows: list[dict[str, str]], **changes: object):  # type: ignore[no-untyped-def]
    return import_servicenow(HEADER, numbered(rows), mapping(**changes), source="export.csv")


def _expected_from_csv(header: list[str], rows: list[tuple[int, dict[str, str]]]) -> dict[str, dict[str, str]]:
    """The latest row per incident, by sys_updated_at then line, read independently of the importer."""
    latest: dict[str, tuple[datetime, int, dict[str, str]]] = {}
    for line, row in rows:
        at = datetime.strptime(row["sys_updated_at"], "%d/%m/%Y %H:%M")
        if row["number"] not in latest or (at, line) >= latest[row["number"]][:2]:
            latest[row["number"]] = (at, line, row)
    return {k: v[2] for k, v in latest.items()}


def test_the_sample_of_the_real_log_imports_with_its_states_owners_and_history() -> None:
    header, rows = read_csv(SAMPLE)
    imported = import_servicenow(header, rows, mapping(), source=SAMPLE.name)
    latest = _expected_from_csv(header, rows)
    by_source = {r.source_id: r for r in imported.scenario.requests}
    assert set(by_source) == set(latest) and len(by_source) == 10
    done = {"Resolved", "Closed"}
    for number, row in latest.items():
        request = by_source[number]
        assert request.id == number and request.created_at == datetime.strptime(
            row["opened_at"], "%d/%m/%Y %H:%M"
        ).replace(tzinfo=UTC)
        assert (request.status == RequestStatus.DONE) == (row["incident_state"] in done)
        assert request.reopen_count == int(row["reopen_count"])
        assert request.required_skills == {row["category"].lower().replace(" ", "-"): 1}
    awaited = {r[1]["number"] for r in rows if r[1]["incident_state"].startswith("Awaiting")}
    assert awaited and {r.source_id for r in imported.scenario.requests if r.pauses} == awaited
    assert imported.report.reopened == sum(1 for row in latest.values() if int(row["reopen_count"]) > 0) >= 1
    assert imported.report.team_tickets == imported.report.tickets == 10


def test_someone_in_several_groups_gives_the_team_a_share_of_their_hours() -> None:
    rows = [
        event("INC1", "Active", "1/3/2016 09:00", "Ana", assignment_group="Group 1"),
        event("INC1", "Resolved", "1/3/2016 10:00", "Ana", assignment_group="Group 1"),
    ]
    for k in range(3):  # Ana owns three incidents of another group: a quarter of her events are the team's
        rows += [
            event(f"INC9{k}", "Active", "1/3/2016 09:00", "Ana", assignment_group="Group 2"),
            event(f"INC9{k}", "Resolved", "1/3/2016 10:00", "Ana", assignment_group="Group 2"),
        ]
    imported = _import(rows, team_groups=["Group 1"])
    ana = imported.scenario.agent("ana")
    assert [line.share_pct for line in imported.report.agents] == [30]  # 2 of 8 events, to the nearest 10 %
    assert ana.working_hours is not None
    assert {d.value: v for d, v in ana.working_hours.items()}["mon"] == [(9 * 60, 9 * 60 + 144)]  # 30 % of 8 h
    assert [r.source_id for r in imported.scenario.requests] == ["INC1"]


def _history(number: str, active_minutes_spans: list[tuple[str, str]], **fields: str) -> list[dict[str, str]]:
    """New, then Active with an owner over each span (a wait in between), then Resolved."""
    rows = [event(number, "New", active_minutes_spans[0][0], **fields)]
    for k, (start, end) in enumerate(active_minutes_spans):
        rows.append(event(number, "Active", start, "Ben", **fields))
        state = "Awaiting User Info" if k + 1 < len(active_minutes_spans) else "Resolved"
        rows.append(event(number, state, end, "Ben", **fields))
    return rows


def test_ten_known_histories_give_the_known_clipped_median() -> None:
    # active business minutes: 3 (clipped to 5), 30, 45, 60, 60, 75, 90, 120, 480 over a weekend, 3,000 (clipped)
    spans = [
        [("1/3/2016 09:00", "1/3/2016 09:03")],
        [("1/3/2016 09:00", "1/3/2016 09:30")],
        [("1/3/2016 09:00", "1/3/2016 09:20"), ("1/3/2016 11:00", "1/3/2016 11:25")],  # 20 + 25, waiting between
        [("1/3/2016 16:30", "2/3/2016 09:30")],  # 30 before closing, 30 after opening
        [("1/3/2016 10:00", "1/3/2016 11:00")],
        [("1/3/2016 10:00", "1/3/2016 11:15")],
        [("1/3/2016 10:00", "1/3/2016 11:30")],
        [("1/3/2016 10:00", "1/3/2016 12:00")],
        [("4/3/2016 13:00", "7/3/2016 13:00")],  # Friday 13:00 to Monday 13:00: 240 + 240
        [("1/3/2016 09:00", "10/3/2016 11:00")],  # 8 working days and 2 h: 3,960, clipped to 2,400
    ]
    rows = [row for k, s in enumerate(spans) for row in _history(f"INC{k}", s)]
    rows.append(event("INC99", "Active", "1/3/2016 09:00", "?"))  # in progress with no owner: no time counted
    rows.append(event("INC99", "Resolved", "3/3/2016 09:00", "?"))
    imported = _import(rows)
    classes = {c.effort_class: c for c in imported.report.effort_classes}
    assert classes["Category 1 / P3"].size == 10  # INC99 has no active time: not a sample
    assert classes["Category 1 / P3"].minutes == 68  # median of 5, 30, 45, 60, 60, 75, 90, 120, 480, 2400
    assert class_estimate("x", None, None, [3, 30, 45, 60, 60, 75, 90, 120, 480, 3960], (5, 2400)).minutes == 68
    assert all(r.effort_minutes == 68 for r in imported.scenario.requests)
    assert {r.effort_estimate.similar_requests for r in imported.scenario.requests if r.effort_estimate} == {10}


def test_a_class_too_small_falls_back_to_the_skill_then_the_team() -> None:
    rows = [row for k in range(5) for row in _history(f"A{k}", [("1/3/2016 09:00", "1/3/2016 10:00")])]
    rows += _history("B0", [("1/3/2016 09:00", "1/3/2016 09:10")], priority="2 - High")
    rows += _history("C0", [("1/3/2016 09:00", "1/3/2016 09:10")], category="Category 2")
    by_id = {r.id: r for r in _import(rows).scenario.requests}
    assert by_id["B0"].effort_estimate is not None and by_id["B0"].effort_estimate.effort_class == "Category 1"
    assert by_id["B0"].effort_minutes == 60  # the skill's 6 samples: 60 x 5 and 10
    assert by_id["C0"].effort_estimate is not None and by_id["C0"].effort_estimate.effort_class == "team"


def test_the_calibration_check_compares_estimated_work_with_the_team_hours() -> None:
    rows = [row for k in range(5) for row in _history(f"A{k}", [("1/3/2016 09:00", "1/3/2016 17:00")])]
    rows += [event("A9", "New", "3/3/2016 09:00", opened_at="3/3/2016 09:00")]
    report = _import(rows).report
    # five done incidents and one new, 480 min each; one agent at 100 % from Tue 09:00 to Thu 09:00: 960 min
    assert (report.calibration.estimated_minutes, report.calibration.available_minutes) == (2880, 960)
    assert report.calibration.load_pct == 300


def test_a_waiting_incident_waits_since_its_wait_began_and_earlier_waits_are_pauses() -> None:
    states = [
        ("Active", "1/3/2016 09:00"),
        ("Awaiting Vendor", "1/3/2016 10:00"),
        ("Active", "1/3/2016 12:00"),
        ("Awaiting User Info", "2/3/2016 09:00"),
        ("Awaiting User Info", "2/3/2016 11:00"),
    ]
    rows = [event("INC1", state, at, "Ana") for state, at in states]
    (request,) = _import(rows).scenario.requests
    assert request.status == RequestStatus.WAITING and request.waiting is not None
    assert (request.waiting.reason, request.waiting.since) == (
        WaitingReason.REQUESTER,
        datetime(2016, 3, 2, 9, tzinfo=UTC),
    )
    assert [(p.reason, p.start.hour, p.end.hour) for p in request.pauses] == [(WaitingReason.VENDOR, 10, 12)]


def test_as_of_an_earlier_now_later_events_and_incidents_are_left_out() -> None:
    rows = [
        event("INC1", "Active", "1/3/2016 09:00", "Ana"),
        event("INC1", "Resolved", "3/3/2016 09:00", "Ana"),
        event("INC2", "New", "4/3/2016 09:00"),
    ]
    imported = import_servicenow(HEADER, numbered(rows), mapping(), source="x", now=datetime(2016, 3, 2, 9, tzinfo=UTC))
    assert [(r.id, r.status, r.owner) for r in imported.scenario.requests] == [
        ("INC1", RequestStatus.IN_PROGRESS, "ana")
    ]


@pytest.mark.parametrize(
    ("rows", "changes", "expected"),
    [
        (
            [event("INC1", "New", "1/3/2016 09:00", opened_at="31/2/2016 09:00")],
            {},
            "line 2 (INC1).opened_at: not a date in the format '%d/%m/%Y %H:%M': '31/2/2016 09:00'",
        ),
        (
            [event("INC1", "New", "1/3/2016 09:00"), event("INC1", "Parked", "1/3/2016 10:00")],
            {},
            "line 3 (INC1).incident_state: unknown state 'Parked'",
        ),
        (
            [event("INC1", "New", "1/3/2016 09:00"), event("INC1", "New", "1/3/2016 10:00")],
            {"event_log": False},
            "line 3 (INC1).number: duplicate id: also on line 2",
        ),
        (
            [event("INC1", "Active", "1/3/2016 09:00", "Ana", category="?")],
            {"default_skill": None},
            "line 2 (INC1).category: no skill value, and the mapping has no default_skill",
        ),
        ([event("INC1", "New", "1/3/2016 09:00", impact="9 - Huge")], {}, "line 2 (INC1).impact: value '9 - Huge'"),
    ],
)
def test_bad_rows_are_named_by_line_source_id_and_column(
    rows: list[dict[str, str]], changes: dict[str, object], expected: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        _import(rows, **changes)
    assert expected in "\n".join(map(str, caught.value.problems))


def test_a_missing_category_takes_the_default_skill_and_says_so() -> None:
    imported = _import([event("INC1", "Active", "1/3/2016 09:00", "Ana", category="?")])
    assert imported.scenario.requests[0].required_skills == {"general": 1}
    assert "1 tickets have no category: skill 'general'" in imported.report.warnings


def test_a_file_of_another_format_and_an_unknown_column_are_refused_before_any_row() -> None:
    jira = ["key", "created", "status", "priority", "assignee", "reporter"]
    with pytest.raises(ScenarioError, match="does not look like a ServiceNow incident export"):
        import_servicenow(jira, [], mapping(), source="issues.csv")
    without = [c for c in HEADER if c != "location"]
    with pytest.raises(ScenarioError) as caught:
        import_servicenow(without, [], mapping(), source="x.csv")
    assert [str(p) for p in caught.value.problems] == ["x.csv.columns.department: column 'location' is not in the file"]


@pytest.mark.skipif(not REAL.exists(), reason=f"the real ServiceNow slice is not at {REAL}")
def test_the_real_slice_imports_one_group_with_the_default_mapping() -> None:
    with gzip.open(REAL, "rt", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [(i + 2, dict(zip(header, r, strict=True))) for i, r in enumerate(reader)]
    latest = _expected_from_csv(header, rows)
    imported = import_servicenow(header, rows, mapping(team_groups=["Group 70"]), source=REAL.name)
    team = {k for k, row in latest.items() if row["assignment_group"] == "Group 70"}
    assert imported.report.rows == 29_588 and imported.report.tickets == len(latest) == 4_183
    assert {r.source_id for r in imported.scenario.requests} == team
    groups: dict[str, set[str]] = defaultdict(set)
    for _, row in rows:
        if row["assigned_to"] != "?" and row["assignment_group"] != "?":
            groups[row["assigned_to"]].add(row["assignment_group"])
    several = {a.name for a in imported.report.agents if len(groups[a.name]) > 1}
    assert several and all(len(line.groups) == len(groups[line.name]) for line in imported.report.agents)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 6, 30)),
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]),
)
def test_the_business_clock_is_the_axis(moment: datetime, zone: str) -> None:
    calendar = Calendar(timezone=zone, holidays=[date(2026, 12, 24)])
    axis = BusinessAxis(calendar, datetime(2026, 11, 23, 9, tzinfo=ZoneInfo(zone)), 1)
    instant = moment.replace(tzinfo=ZoneInfo(zone))
    assert business_clock(axis)(instant) == axis.minute_of(instant)
