"""Progress while a command waits on the planner: on a terminal, a spinner on stderr with the phase and the
time left of the plan's time limit (the limit covers the whole plan, so it bounds the wait); nothing on a
pipe, so that output stays clean for scripts. And `--plan PLAN.json`: answer about a plan already computed
(`tandem plan --json` output) instead of planning again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from api.cli.common import BAD_INPUT, err, read_plan
from triage.model import Scenario
from triage.results import Plan

T = TypeVar("T")
TICK_SECONDS = 0.2

PlanPath = Annotated[
    Path | None,
    typer.Option("--plan", help="Answer about this plan (`tandem plan --json` output) instead of planning again."),
]


def waiting(phase: str, seconds: float, work: Callable[[], T]) -> T:
    """Run `work`, showing "phase: N s left" on a terminal until it returns."""
    if not err.is_terminal:
        return work()
    done = threading.Event()
    started = time.monotonic()
    with err.status(f"{phase}: {seconds:.0f} s left") as status:

        def tick() -> None:
            while not done.wait(TICK_SECONDS):
                left = max(seconds - (time.monotonic() - started), 0.0)
                status.update(f"{phase}: {left:.0f} s left" if left > 0 else f"{phase}: finishing")

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            return work()
        finally:
            done.set()
            ticker.join()


def existing_plan(scenario: Scenario, path: Path) -> Plan:
    """A plan file for this scenario: every request it places must be one of the scenario's (else exit 2)."""
    given = read_plan(path)
    ids = {r.id for r in scenario.requests}
    strangers = sorted({a.request_id for a in given.assignments} - ids)
    if strangers:
        err.print(
            f"--plan: {path} places requests this scenario does not have: {', '.join(strangers[:5])}", markup=False
        )
        raise typer.Exit(BAD_INPUT)
    return given
