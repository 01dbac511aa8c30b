"""The `tandem` command: plan, validate and schema, including the exit status 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.builders import agent, flat_policy, request, scenario_dict
from triage.model import Scenario
from triage.results import Help, Plan

runner = CliRunner()


def write(tmp_path: Path, body: Any) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(body if isinstance(body, str) else json.dumps(body))
    return path


@pytest.fixture
def small(tmp_path: Path) -> Path:
    team = [agent("ana"), agent("ben", {"pay": 2})]
    work = [request("R1", title="VPN down"), request("R2", required_skills={"pay": 1})]
    return write(tmp_path, scenario_dict(team, work))


def test_plan_prints_a_table_and_a_reason_per_request(small: Path) -> None:
    result = runner.invoke(app, ["plan", str(small), "--time-limit", "2"])
    assert result.exit_code == 0, result.output
    assert "R1 VPN down" in result.output
    assert "Why" in result.output
    lines = [line for line in result.output.splitlines() if line.startswith(("R1 ", "R2 "))]
    assert len(lines) == 2
    assert lines[1].endswith("Ben, the only one with Payroll, does it Mon 09:00 to Mon 10:00, on time.")
    assert "Cost " not in result.output and "bound" not in result.output  # the engineering view is --detail's
    detail = runner.invoke(app, ["plan", str(small), "--time-limit", "2", "--detail"])
    lines = [line for line in detail.output.splitlines() if line.startswith(("R1 ", "R2 "))]
    assert "Ben, the only teammate with Payroll, takes it from Mon 09:00 to Mon 10:00, finishing on time." in lines[1]
    assert "Cost " in detail.output and "bound" in detail.output


def test_plan_json_is_a_plan(small: Path) -> None:
    result = runner.invoke(app, ["plan", str(small), "--json", "--time-limit", "2"])
    assert result.exit_code == 0, result.output
    parsed = Plan.model_validate_json(result.output)
    assert parsed.status == "optimal"
    assert {a.request_id for a in parsed.assignments} == {"R1", "R2"}


def test_validate_accepts_a_good_file(small: Path) -> None:
    result = runner.invoke(app, ["validate", str(small)])
    assert result.exit_code == 0
    assert "valid: 1 departments, 2 agents, 2 requests" in result.output


@pytest.mark.parametrize("command", ["plan", "validate"])
def test_bad_input_prints_every_problem_exits_2_and_plans_nothing(tmp_path: Path, command: str) -> None:
    body = scenario_dict([agent("ana")], [request("R1", effort_minutes=0), request("R2", department="nope")])
    result = runner.invoke(app, [command, str(write(tmp_path, body))])
    assert result.exit_code == 2
    assert "2 problem(s); nothing was planned." in result.output
    assert "requests[R1].effort_minutes: Input should be greater than 0" in result.output
    assert "requests[R2].department: unknown department 'nope'" in result.output
    assert "Why" not in result.output and "status" not in result.output


def test_malformed_json_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", str(write(tmp_path, "{not json"))])
    assert result.exit_code == 2
    assert "scenario: malformed JSON" in result.output


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", str(tmp_path / "nowhere.json")])
    assert result.exit_code == 2
    assert "cannot read the file" in result.output


def test_schema_scenario_is_the_models_json_schema() -> None:
    result = runner.invoke(app, ["schema", "scenario"])
    assert result.exit_code == 0
    assert json.loads(result.output) == Scenario.model_json_schema()


def test_replan_from_a_previous_plan_lists_what_moved(tmp_path: Path) -> None:
    team = [agent("ana"), agent("ben")]
    first = write(tmp_path, scenario_dict(team, [request("R1", effort=120)]))
    plan_file = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", str(first), "--json", "--time-limit", "2"])
    plan_file.write_text(result.output)
    urgent = request("R2", effort=60, impact="company", urgency="work_stopped")
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(scenario_dict(team, [request("R1", effort=120), urgent])))
    result = runner.invoke(app, ["plan", str(changed), "--previous", str(plan_file), "--time-limit", "2"])
    assert result.exit_code == 0, result.output
    assert "Moved since the last plan" in result.output
    assert "R2 (- -> " in result.output and "it is new since the last plan." in result.output


def test_a_bad_previous_plan_exits_2(tmp_path: Path, small: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"status": "optimal"}')
    result = runner.invoke(app, ["plan", str(small), "--previous", str(bad)])
    assert result.exit_code == 2
    assert "not a plan" in result.output


def test_conflicting_pins_print_the_conflict_and_no_table(tmp_path: Path) -> None:
    pins = [{"id": "p1", "kind": "assign", "request": "R1", "agent": "ben", "reason": "VIP"}]
    body = scenario_dict([agent("ana"), agent("ben", {"pay": 1})], [request("R1")], pins=pins)
    result = runner.invoke(app, ["plan", str(write(tmp_path, body)), "--time-limit", "2"])
    assert result.exit_code == 0
    assert "No plan keeps every pin." in result.output
    assert (
        "These pins cannot all hold: p1 (R1 to Ben: VIP). The rule: a teammate must hold every skill" in result.output
    )


def two_on_one(tmp_path: Path) -> Path:
    work = [
        request("HIGH", impact="company", urgency="work_stopped"),
        request("LOW", impact="person", urgency="inconvenient", priority_override="P3"),
    ]
    return write(tmp_path, scenario_dict([agent("ana"), agent("ben", {"pay": 1})], work, policy=flat_policy(60)))


def test_what_if_before_prints_the_priced_paragraph(tmp_path: Path) -> None:
    result = runner.invoke(app, ["what-if", str(two_on_one(tmp_path)), "--before", "LOW=HIGH", "--time-limit", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("With LOW before HIGH: 1 request would finish later: HIGH (Operations) by 1 h.")
    assert "(+360)" not in result.output and "cost" not in result.output
    detail = runner.invoke(
        app, ["what-if", str(two_on_one(tmp_path)), "--before", "LOW=HIGH", "--time-limit", "2", "--detail"]
    )
    assert detail.output.startswith("With LOW before HIGH: 1 request would finish later: HIGH (Operations) by 1 h.")
    assert "(+360)" in detail.output


def test_what_if_json_and_bad_options(tmp_path: Path) -> None:
    path = str(two_on_one(tmp_path))
    result = runner.invoke(app, ["what-if", path, "--first", "LOW", "--json", "--time-limit", "2"])
    assert result.exit_code == 0
    assert json.loads(result.output)["change"] == "LOW first"
    assert runner.invoke(app, ["what-if", path]).exit_code == 2
    assert runner.invoke(app, ["what-if", path, "--first", "LOW", "--absent", "ana"]).exit_code == 2
    assert runner.invoke(app, ["what-if", path, "--assign", "LOW"]).exit_code == 2
    unknown = runner.invoke(app, ["what-if", path, "--assign", "LOW=zoe", "--time-limit", "2"])
    assert unknown.exit_code == 2 and "change.agent: unknown agent 'zoe'" in unknown.output


def test_what_if_priority_prices_the_override_and_refuses_a_bad_one(tmp_path: Path) -> None:
    path = str(two_on_one(tmp_path))
    lower = runner.invoke(app, ["what-if", path, "--priority", "HIGH=P4", "--time-limit", "2"])
    assert lower.exit_code == 0, lower.output
    assert lower.output.startswith("With HIGH at P4: 1 request would finish later: HIGH (Operations) by 1 h.")
    cleared = runner.invoke(app, ["what-if", path, "--priority", "LOW=", "--json", "--time-limit", "2"])
    assert cleared.exit_code == 0 and json.loads(cleared.output)["change"] == "LOW back to the matrix's priority"
    bad = runner.invoke(app, ["what-if", path, "--priority", "LOW=P9"])
    assert bad.exit_code == 2 and "'P9' is not a priority" in bad.output
    assert runner.invoke(app, ["what-if", path, "--priority", "LOW"]).exit_code == 2


def test_explain_lists_everything_about_one_request(tmp_path: Path) -> None:
    lead = runner.invoke(app, ["explain", str(two_on_one(tmp_path)), "--request", "LOW", "--time-limit", "2"])
    assert lead.exit_code == 0, lead.output
    lines = lead.output.splitlines()
    assert lines[0].startswith("- LOW is P3, set by the queue lead (it affects one person and is an inconvenience).")
    assert lines[2] == (
        "- Ana, the only one with Networking, does it Mon 10:00 to Mon 11:00, 1 h late. Until then Ana is on "
        'Operations\' "Request HIGH" (HIGH).'
    )
    assert any(
        line.startswith("- It needs 1 h of Ana's time. Putting it first would get it done on time.") for line in lines
    )
    assert not [line for line in lines if "cost" in line or "matrix" in line]
    assert any("waits behind" in line for line in lines)  # the trade-off with HIGH
    args = ["explain", str(two_on_one(tmp_path)), "--request", "LOW", "--time-limit", "2", "--detail"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("- LOW: P3 (set to P3 by the queue lead over the matrix cell person x inconvenient)")
    assert lines[1].startswith("- P3, set by the queue lead")
    assert lines[2].startswith("- Ana, the only teammate with Networking, takes it from Mon 10:00 to Mon 11:00")
    assert any(
        line.startswith("- It needs 1 h of Ana's time: putting it first would get it done on time") for line in lines
    )
    assert any("starts after" in line for line in lines)  # the trade-off with HIGH
    assert runner.invoke(app, ["explain", str(two_on_one(tmp_path)), "--request", "NOPE"]).exit_code == 2


def test_report_tells_a_department_what_it_asked_and_gets(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(two_on_one(tmp_path)), "--department", "ops", "--time-limit", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Operations asked for 2 request(s), 2 h of work, and marked 1 urgent."
    assert lines[1].startswith("It gets 2 planned in the next 5 working days, 1 on time, 1 late and 0 not planned")
    assert runner.invoke(app, ["report", str(two_on_one(tmp_path)), "--department", "nope"]).exit_code == 2


def test_help_prints_the_agents_paragraph_and_each_note(tmp_path: Path) -> None:
    # Ana owns 8 h against a target of 4 h (10 % of the horizon); moving her work costs more churn than her
    # overload, so the plan keeps it with her; Ben has room.
    team = [agent("ana", target_load_pct=10), agent("ben")]
    work = [request("A", 240, owner="ana", title="VPN down"), request("B", 240, owner="ana")]
    path = write(tmp_path, scenario_dict(team, work, policy=flat_policy(2400, term_weights={"churn": 5000})))
    # A and B tie on Ana, so two plans may order them either way: both answers are about one plan, given.
    planned = runner.invoke(app, ["plan", str(path), "--json", "--time-limit", "2"])
    assert planned.exit_code == 0, planned.output
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(planned.stdout)
    result = runner.invoke(app, ["help", str(path), "--agent", "ana", "--plan", str(plan_file)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(
        "Ana is planned 8 h over the next 5 working days, against a target of 4 h. With 1 hand-off"
    )
    assert len(lines) == 2 and lines[1].startswith('- Robin (Operations): your request "')
    as_json = runner.invoke(app, ["help", str(path), "--agent", "ana", "--json", "--plan", str(plan_file)])
    answer = Help.model_validate_json(as_json.stdout)
    assert answer.moves == 1 and answer.planned_after == answer.target_minutes == 240
    assert [p.note for p in answer.proposals] == [lines[1].removeprefix("- ")]
    unknown = runner.invoke(app, ["help", str(path), "--agent", "zoe"])
    assert unknown.exit_code == 2 and "--agent: unknown agent 'zoe'" in unknown.output
