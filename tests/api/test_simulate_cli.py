"""`tandem simulate`: the manager's simulation from the command line, its short forms and its bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.builders import agent, request, scenario_dict
from triage.simulation.outcomes import Simulation

runner = CliRunner()


@pytest.fixture
def small(tmp_path: Path) -> Path:
    team = [agent("ana"), agent("ben", {"pay": 2})]
    work = [request(f"R{k}", 120, created_at=f"2026-11-2{k % 3}T10:00:00") for k in range(1, 9)]
    work.append(request("R9", 60, required_skills={"pay": 1}))
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario_dict(team, work)))
    return path


def test_each_change_option_is_a_variant_side_by_side_with_a_paragraph(small: Path, tmp_path: Path) -> None:
    args = [
        "simulate",
        str(small),
        "--days",
        "3",
        "--hire",
        "kim:net=1",
        "--leave",
        "ana:2026-11-24:2",
        "--time-off",
        "ben:2026-11-23:2026-11-23",
        "--skill",
        "ben:net:2",
        "--hours",
        "ana:09:00-13:00:mon,tue",
        "--surge",
        "ops:x2",
        "--plot",
        str(tmp_path / "out.png"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "baseline" in result.output
    for name in (
        "hire kim:net=1",
        "leave ana:2026-11-24:2",
        "time-off ben:2026-11-23:2026-11-23",
        "skill ben:net:2",
        "hours ana:09:00-13:00:mon,tue",
        "surge ops:x2",
    ):
        assert f"With {name} (" in result.output
    assert result.output.count("% of requests are on time") == 6
    assert (tmp_path / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_json_is_the_simulation_and_combine_makes_one_variant(small: Path) -> None:
    args = [
        "simulate",
        str(small),
        "--days",
        "2",
        "--seeds",
        "2",
        "--hire",
        "kim:net=1",
        "--skill",
        "ana:pay:1",
        "--combine",
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    sim = Simulation.model_validate_json(result.stdout)
    assert [v.variant for v in sim.variants] == ["combined"] and sim.seeds == [1, 2]
    assert sim.variants[0].changes == ["hire kim", "ana learns pay at level 1"]


def test_a_variants_file(small: Path, tmp_path: Path) -> None:
    path = tmp_path / "variants.json"
    path.write_text(
        json.dumps(
            {
                "variants": [
                    {
                        "name": "two more",
                        "changes": [
                            {"kind": "hire", "agent": "kim", "skills": {"net": 1}},
                            {"kind": "hire", "agent": "lou", "skills": {"net": 1}},
                        ],
                    }
                ]
            }
        )
    )
    result = runner.invoke(app, ["simulate", str(small), "--days", "2", "--variants", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert Simulation.model_validate_json(result.stdout).comparisons[0].variant == "two more"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--hire", "kim"], "--hire 'kim': expected AGENT:SKILL=LEVEL"),
        (["--surge", "ops:double"], "--surge 'ops:double': expected DEPARTMENT:xFACTOR"),
        (["--skill", "ana:net:7"], "--skill 'ana:net:7': expected AGENT:SKILL:LEVEL (level"),
        (["--leave", "zed:2026-11-24"], "variants[leave zed:2026-11-24].changes[0].agent: unknown agent 'zed'"),
        (["--skill", "ana:cobol:1"], "changes[0].skill: unknown skill 'cobol'"),
        (["--time-off", "ana:2026-11-02:2026-11-03"], "2026-11-02 is before the simulation starts"),
        ([], "nothing to compare"),
    ],
)
def test_bad_input_names_the_option_and_simulates_nothing(small: Path, args: list[str], says: str) -> None:
    result = runner.invoke(app, ["simulate", str(small), "--days", "2", *args])
    assert result.exit_code == 2, result.output
    assert "nothing was simulated" in result.output
    assert says in result.output, result.output
