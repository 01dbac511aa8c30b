"""The suite's one rule across directories: tests marked `slow` (servers killed mid-stream, two API processes
and two workers, the schema fuzzer through every role, the properties held against proven optima) run only when
TANDEM_SLOW_TESTS=1 (CI sets it), when a `-m` expression asks for them, or when the command names files,
folders or tests (`python -m pytest tests/api/test_fuzz.py` runs the fuzzer); the everyday run, `python -m
pytest` alone, leaves them out, deselected (counted as such in the summary), so that it stays under ten minutes
on a 2-core machine.
"""

from __future__ import annotations

import os

import pytest

RUN_SLOW = os.environ.get("TANDEM_SLOW_TESTS") == "1"


def _selected(config: pytest.Config) -> bool:
    """Whether the slow tests run: asked for by the environment, a marker expression, or named paths."""
    return RUN_SLOW or bool(config.option.markexpr) or bool(config.option.file_or_dir)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _selected(config):  # all of them, or exactly what the expression or the paths select
        return
    kept: list[pytest.Item] = []
    slow: list[pytest.Item] = []
    for item in items:
        (slow if item.get_closest_marker("slow") is not None else kept).append(item)
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str:
    if _selected(config):
        return "slow tests: selected"
    return "slow tests: left out (TANDEM_SLOW_TESTS=1 runs them, as CI does)"
