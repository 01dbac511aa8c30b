"""`tandem replay`: the table and paragraph on the known history (a golden file), and bad input exits 2
naming the field, as `tandem import` does."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from tests.triage.importers.snow import SAMPLE

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "tests" / "triage" / "importers" / "replay_sample.csv"
GOLDEN = ROOT / "tests" / "golden" / "replay_sample.txt"
WINDOW = ["--team", "Group 1", "--from", "2016-03-01", "--days", "2", "--quiet"]


def test_the_comparison_of_the_known_history_reads_as_the_golden_file() -> None:
    result = runner.invoke(app, ["replay", "servicenow", str(HISTORY), *WINDOW])
    assert result.exit_code == 0, result.output
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(result.stdout)
    assert result.stdout == GOLDEN.read_text(), "rendered text changed: review it, then run with UPDATE_GOLDEN=1"


def test_an_unknown_format_exits_2() -> None:
    result = runner.invoke(app, ["replay", "jira-xml", str(HISTORY), *WINDOW])
    assert result.exit_code == 2
    assert "unknown format 'jira-xml'" in result.stderr


def test_a_file_of_another_format_exits_2_naming_the_columns() -> None:
    plain = ROOT / "tests" / "triage" / "importers" / "plain_sample.csv"
    result = runner.invoke(app, ["replay", "servicenow", str(plain), *WINDOW])
    assert result.exit_code == 2
    assert "this does not look like a ServiceNow incident export" in result.stderr
    assert "columns.made_sla" in result.stderr


def test_a_window_with_no_arrivals_exits_2() -> None:
    result = runner.invoke(app, ["replay", "servicenow", str(HISTORY), *WINDOW[:2], "--from", "2017-01-02"])
    assert result.exit_code == 2
    assert "--from" in result.stderr and "no request of the team was created" in result.stderr


def test_a_replan_interval_out_of_range_exits_2_naming_it() -> None:
    result = runner.invoke(app, ["replay", "servicenow", str(SAMPLE), *WINDOW, "--every", "1"])
    assert result.exit_code == 2
    assert "every" in result.stderr and "greater than or equal to 5" in result.stderr


def test_a_missing_file_exits_2() -> None:
    result = runner.invoke(app, ["replay", "servicenow", str(ROOT / "no-such.csv"), *WINDOW])
    assert result.exit_code == 2
    assert "cannot read it as CSV" in result.stderr


CHANGE_GOLDEN = ROOT / "tests" / "golden" / "replay_sample_change.txt"
BOTH_AWAY = ["--time-off", "resolver-1:2016-03-01:2016-03-01", "--time-off", "resolver-2:2016-03-01:2016-03-01"]


def test_a_staffing_change_replays_the_history_again_side_by_side() -> None:
    """Both resolvers away on the first day: the first day closes with every arrival open under the change,
    none as the team was; the baseline column is the plain replay's own."""
    result = runner.invoke(app, ["replay", "servicenow", str(HISTORY), *WINDOW, *BOTH_AWAY])
    assert result.exit_code == 0, result.output
    if os.environ.get("UPDATE_GOLDEN"):
        CHANGE_GOLDEN.write_text(result.stdout)
    assert result.stdout == CHANGE_GOLDEN.read_text(), "rendered text changed: review it, then UPDATE_GOLDEN=1"
    plain = runner.invoke(app, ["replay", "servicenow", str(HISTORY), *WINDOW]).stdout.splitlines()
    table = result.stdout.splitlines()
    columns = [line.split("  ") for line in table[1:9]]
    assert [c[-1] for c in columns] == [line.rsplit("  ", 1)[-1] for line in plain[1:9]]  # the log's column
    assert table[7].split() == ["open", "at", "close", "Tue", "01", "Mar", "0", "4", "1"]


def test_a_change_naming_an_unknown_agent_or_a_surge_exits_2() -> None:
    unknown = runner.invoke(app, ["replay", "servicenow", str(HISTORY), *WINDOW, "--leave", "zed:2016-03-01"])
    assert unknown.exit_code == 2
    assert "the change.changes[0].agent: unknown agent 'zed'" in unknown.stderr
    surge = runner.invoke(app, ["replay", "servicenow", str(HISTORY), *WINDOW, "--surge", "sales:x2"])
    assert surge.exit_code == 2 and "No such option: --surge" in surge.stderr
