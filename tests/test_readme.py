"""The README's promises hold: its scenario example is valid, and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

from triage.intake import load_scenario_json

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_the_scenario_example_is_a_valid_scenario() -> None:
    block = re.search(r"```json\n(.*?)```", README, re.S)
    assert block is not None
    scenario = load_scenario_json(block.group(1))
    assert [r.id for r in scenario.requests] == ["REQ-1", "REQ-2"]


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci.splitlines()
