"""The LP side-by-side benchmark (`benchmarks/lp_bench.py`) runs and says what each LP gave."""

from __future__ import annotations

import pytest

import solver.bound
from benchmarks.lp_bench import main


def test_one_row_per_scenario_and_variant_with_each_lps_value(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "--sizes",
        "S",
        "--seeds",
        "1",
        "--variants",
        "base",
        "protect-off",
        "--buckets",
        "480",
        "1",
        "--slots",
        "30",
        "--seconds",
        "30",
    ]
    assert main(argv) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| S |")]
    assert [row.split(" | ")[2] for row in rows] == ["base", "protect-off"]
    for row in rows:
        values = row.strip("| ").split(" | ")[3:]
        assert len(values) == 3 and all("variables)" in v and "s," in v for v in values), row


def test_an_lp_over_its_cap_is_reported_as_too_large_not_built(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sizes", "M", "--seeds", "1", "--buckets", "--slots", "30"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| M |"))
    assert "too large (" in row


def test_each_method_has_its_column_and_the_same_lp_gives_the_same_bound(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--sizes", "S", "--seeds", "1", "--buckets", "--slots", "30", "--methods", "highs", "highs-ipm"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "| start 30 highs | start 30 highs-ipm |" in next(line for line in lines if line.startswith("| size |"))
    row = next(line for line in lines if line.startswith("| S |"))
    simplex, ipm = (int(cell.split(" (")[0].replace(",", "")) for cell in row.strip("| ").split(" | ")[3:])
    # Each is the dual bound of one LP from its own duals: equal to the unit (both methods end at a basis).
    assert abs(simplex - ipm) <= 1, row
    assert solver.bound.START_METHOD == "highs-ipm"  # the planner's method is back after the benchmark
