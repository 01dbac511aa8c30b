"""`--plan PLAN.json`: explain, report, what-if and help answer about a plan already computed, without planning
again; a plan for another scenario is refused with status 2; no progress indicator on a pipe."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.builders import agent, flat_policy, request, scenario_dict
from triage.results import Plan

runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    team = [agent("ana"), agent("ben", {"net": 1, "pay": 1})]
    work = [request(f"R{i}", effort=60 + 30 * i) for i in range(5)]
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps(scenario_dict(team, work, policy=flat_policy(240))))
    planned = runner.invoke(app, ["plan", str(scenario), "--json", "--time-limit", "2"])
    assert planned.exit_code == 0, planned.output
    plan = tmp_path / "plan.json"
    plan.write_text(planned.stdout)
    return scenario, plan


def test_explain_answers_about_the_given_plan_without_planning(files: tuple[Path, Path]) -> None:
    scenario, plan = files
    given = Plan.model_validate_json(plan.read_text())
    started = time.monotonic()
    answer = runner.invoke(
        app, ["explain", str(scenario), "--request", "R0", "--plan", str(plan), "--time-limit", "30"]
    )
    assert answer.exit_code == 0, answer.output
    assert time.monotonic() - started < 20  # it did not plan for its 30 s
    placed = given.assignment("R0")
    assert placed is not None
    assert placed.agent_id.capitalize() in answer.stdout  # the agent the given plan chose
    assert "planning:" not in answer.output  # no progress indicator on a pipe


def test_report_what_if_and_help_take_the_given_plan(files: tuple[Path, Path]) -> None:
    scenario, plan = files
    for command in (
        ["report", "--department", "ops"],
        ["what-if", "--first", "R4", "--time-limit", "2"],
        ["help", "--agent", "ana"],
    ):
        answer = runner.invoke(app, [command[0], str(scenario), *command[1:], "--plan", str(plan)])
        assert answer.exit_code == 0, (command, answer.output)
        assert answer.stdout.strip()


def test_a_plan_of_another_scenario_is_refused(files: tuple[Path, Path], tmp_path: Path) -> None:
    plan = files[1]
    other = tmp_path / "other.json"
    other.write_text(json.dumps(scenario_dict([agent("ana")], [request("X1")], policy=flat_policy(240))))
    answer = runner.invoke(app, ["explain", str(other), "--request", "X1", "--plan", str(plan)])
    assert answer.exit_code == 2
    assert "places requests this scenario does not have: R0" in answer.output
