"""The suite's one rule across directories: tests marked `slow` (servers killed mid-stream, two API processes
and two workers, the schema fuzzer through every role, the properties held against proven optima) run only when
TANDEM_SLOW_TESTS=1 (CI sets it) or when a `-m` expression asks for them; the everyday run leaves them out,
deselected (counted as such in the summary), so that it stays under ten minutes on a 2-core machine.
"""

from __future__ import annotations

import os

import pytest

RUN_SLOW = os.environ.get("TANDEM_SLOW_TESTS") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if RUN_SLOW or config.option.markexpr:  # all of them, or exactly what the expression selects
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item.get_closest_marker("slow") is None]


def pytest_report_header(config: pytest.Config) -> str:
    if RUN_SLOW or config.option.markexpr:
        return "slow tests: selected"
    return "slow tests: left out (TANDEM_SLOW_TESTS=1 runs them, as CI does)"
