"""The scenario generator: deterministic, valid, doable, loaded as asked, and shaped like the incident log.

Scenarios are generated once per module (they are pure functions of their arguments) and checked with the
project's own loader (`triage.intake`) and business-time axis (`triage.calendar`), not with the
generator's arithmetic.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.generate import (
    CELL_MAP,
    DATA_FILE,
    PROFILE,
    SIZES,
    derive_profile,
    generate_scenario,
    main,
    scenario_json,
    shares,
    tandem_cell_shares,
)
from triage.calendar import BusinessAxis
from triage.intake import load_scenario_json
from triage.model import Policy, Scenario
from triage.names import Priority, RequestStatus

ROOT = Path(__file__).resolve().parents[1]


@cache
def sized(size: str, seed: int = 1, load: float = 1.1) -> Scenario:
    agents, requests, days = SIZES[size]
    return generate_scenario(agents, requests, days, seed, load)


def capacity_minutes(scenario: Scenario) -> int:
    """Available agent minutes in the horizon, as the planner's axis counts them."""
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    return sum(high - low for agent in scenario.agents for low, high in axis.agent_windows(agent))


def undoable(scenario: Scenario) -> list[str]:
    """Requests no agent holds every required skill of, at the level needed."""
    return [
        r.id
        for r in scenario.requests
        if not any(all(a.skills.get(s, 0) >= lv for s, lv in r.required_skills.items()) for a in scenario.agents)
    ]


def within_binomial(observed: int, n: int, p: float) -> bool:
    """Observed count within 4 standard deviations of n x p, plus one count for rounding."""
    return abs(observed - n * p) <= 4 * math.sqrt(n * p * (1 - p)) + 1


# -- determinism ---------------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_json() -> None:
    first = scenario_json(generate_scenario(25, 300, 5, seed=7))
    again = scenario_json(generate_scenario(25, 300, 5, seed=7))
    assert first == again


def test_different_seed_gives_different_json() -> None:
    assert scenario_json(sized("S", seed=1)) != scenario_json(sized("S", seed=2))


# -- validity and size ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["S", "M", "L"])
def test_named_size_loads_with_the_requested_counts(size: str) -> None:
    agents, requests, days = SIZES[size]
    scenario = load_scenario_json(scenario_json(sized(size)))  # pydantic rules and cross-record rules
    assert (len(scenario.agents), len(scenario.requests), scenario.policy.horizon_days) == (agents, requests, days)
    assert undoable(scenario) == []


@pytest.mark.parametrize("size", ["S", "M", "L"])
def test_total_effort_is_the_requested_load_of_capacity(size: str) -> None:
    scenario = sized(size)
    load = sum(r.effort_minutes for r in scenario.requests) / capacity_minutes(scenario)
    assert load == pytest.approx(1.1, rel=0.05)


@pytest.mark.parametrize("load", [0.9, 1.3])
def test_other_loads_are_met(load: float) -> None:
    scenario = sized("M", load=load)
    total_minutes = sum(r.effort_minutes for r in scenario.requests)
    assert total_minutes / capacity_minutes(scenario) == pytest.approx(load, rel=0.05)


@settings(max_examples=25, deadline=None)
@given(
    agents=st.integers(1, 40),
    requests=st.integers(1, 150),
    days=st.integers(1, 10),
    seed=st.integers(0, 2**32),
    load=st.floats(0.5, 1.5),
)
def test_any_reasonable_size_is_valid_doable_and_loaded(
    agents: int, requests: int, days: int, seed: int, load: float
) -> None:
    try:
        scenario = generate_scenario(agents, requests, days, seed, load)
    except ValueError as exc:  # too many requests for the minutes: the one documented refusal
        assert "cannot add up" in str(exc)
        return
    load_scenario_json(scenario_json(scenario))
    assert undoable(scenario) == []
    total = sum(r.effort_minutes for r in scenario.requests)
    assert abs(total - load * capacity_minutes(scenario)) <= max(0.05 * load * capacity_minutes(scenario), 5)


def test_impossible_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot add up"):
        generate_scenario(1, 2000, 1, seed=0)
    with pytest.raises(ValueError, match="days"):
        generate_scenario(5, 10, 0, seed=0)


# -- shape -----------------------------------------------------------------------------------------------


def test_team_shape() -> None:
    scenario = sized("L")
    skill_counts = [len(a.skills) for a in scenario.agents]
    assert (scenario.now.weekday(), scenario.now.hour, scenario.now.minute) == (0, 9, 0)  # Monday 09:00
    assert scenario.calendar.timezone == "Europe/Berlin"
    assert 5 <= len(scenario.departments) <= 8
    assert all(1 <= d.weight <= 5 for d in scenario.departments)
    assert len(scenario.skills) == max(6, len(scenario.agents) // 4)
    assert min(skill_counts) >= 2 and max(skill_counts) <= 5
    assert sum(a.working_hours is not None for a in scenario.agents) == round(0.10 * len(scenario.agents))
    assert sum(bool(a.time_off) for a in scenario.agents) == round(0.05 * len(scenario.agents))
    assert {a.target_load_pct for a in scenario.agents} == {85}


def test_common_skills_are_widely_held_and_rare_ones_by_few() -> None:
    scenario = sized("XL")
    holders = Counter(skill for a in scenario.agents for skill in a.skills)
    ranked = [holders[s.id] for s in scenario.skills]  # catalogue is in demand rank order
    assert ranked[0] >= 0.3 * len(scenario.agents)
    assert min(ranked) >= 1 and ranked[-1] <= 3


def test_requests_shape() -> None:
    scenario = sized("L")
    agents = {a.id: a for a in scenario.agents}
    axis = BusinessAxis(scenario.calendar, scenario.now, scenario.policy.horizon_days)
    horizon_end = axis.moment_of(axis.horizon_minutes, closing=True)
    for r in scenario.requests:
        assert r.created_at < scenario.now
        assert r.deadline is None or scenario.now < r.deadline <= horizon_end
        assert r.owner is not None or r.status == RequestStatus.OPEN
        if r.owner is not None:
            assert all(agents[r.owner].skills.get(s, 0) >= lv for s, lv in r.required_skills.items())
    for dept in scenario.departments:
        ranks = sorted(r.department_rank or 0 for r in scenario.requests if r.department == dept.id)
        assert ranks == list(range(1, len(ranks) + 1))
    n = len(scenario.requests)
    assert within_binomial(sum(len(r.required_skills) == 2 for r in scenario.requests), n, 0.15)
    assert within_binomial(sum(r.deadline is not None for r in scenario.requests), n, 0.10)
    assert within_binomial(sum(r.owner is not None for r in scenario.requests), n, 0.20)


def test_arrivals_follow_the_log_hours() -> None:
    """Hours 08:00-17:59 hold 88.6 % of the log's openings; the generated share is within 4 sigma of it
    (weekday weights change it only slightly, weekends being quieter at all hours)."""
    scenario = sized("XL")
    daytime = sum(8 <= r.created_at.hour < 18 for r in scenario.requests)
    expected = sum(shares(PROFILE.hour_counts)[8:18])
    assert within_binomial(daytime, len(scenario.requests), expected)


# -- the priority mix ----------------------------------------------------------------------------------------


def test_mapping_keeps_the_logs_priority_under_the_default_matrix() -> None:
    matrix = Policy().matrix
    for cell, priority in PROFILE.cell_priorities.items():
        assert {matrix[i][u] for i, u, _ in CELL_MAP[cell]} == {Priority(f"P{priority}")}
    assert all(math.isclose(sum(share for *_, share in targets), 1.0) for targets in CELL_MAP.values())


def test_priority_mix_of_a_large_scenario_matches_the_log() -> None:
    """8,000 requests: each priority's and each impact x urgency cell's count is within 4 binomial standard
    deviations (+1) of the derived share; for P3 (92.4 %) that is about +-1.2 points, for P1 (1.05 %) +-0.5."""
    scenario = sized("XL")
    n = len(scenario.requests)
    matrix = Policy().matrix
    priorities = Counter(matrix[r.impact][r.urgency] for r in scenario.requests)
    log_priorities = Counter()
    for cell, count in PROFILE.cell_counts.items():
        log_priorities[Priority(f"P{PROFILE.cell_priorities[cell]}")] += count
    for priority, share in zip(log_priorities, shares(list(log_priorities.values())), strict=True):
        assert within_binomial(priorities[priority], n, share), priority
    cells = Counter((r.impact, r.urgency) for r in scenario.requests)
    for cell, share in tandem_cell_shares().items():
        assert within_binomial(cells[cell], n, share), cell


# -- the derived figures -------------------------------------------------------------------------------------


@pytest.mark.skipif(not DATA_FILE.exists(), reason="the incident log is not on this machine")
def test_embedded_profile_is_what_the_log_gives() -> None:
    assert derive_profile(DATA_FILE) == PROFILE


# -- command line --------------------------------------------------------------------------------------------


def test_cli_prints_the_same_scenario_as_the_function() -> None:
    """A separate process (its own hash seed) prints exactly what the function returns."""
    done = subprocess.run(
        [sys.executable, "-m", "fixtures.generate", "--size", "S", "--seed", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    scenario = Scenario.model_validate_json(done.stdout)
    assert len(scenario.agents) == SIZES["S"][0] and len(scenario.requests) == SIZES["S"][1]
    assert done.stdout == scenario_json(sized("S", seed=1)) + "\n"


def test_cli_writes_a_file_and_numbers_override_the_size(tmp_path: Path) -> None:
    out = tmp_path / "scenario.json"
    assert main(["--size", "S", "--days", "2", "--seed", "3", "--out", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert (len(document["agents"]), len(document["requests"]), document["policy"]["horizon_days"]) == (8, 60, 2)


def test_cli_needs_a_size_or_three_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--agents", "5", "--seed", "1"])
    assert exit_info.value.code == 2
    assert "--size" in capsys.readouterr().err
