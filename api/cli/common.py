"""What every `tandem` command shares: the consoles, the exit status for bad input, reading scenario and plan
files (every problem printed with its record and field, exit status 2), and the plan a question is asked of."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from api.limits import Limits, TooLarge, TooShort, admit, admit_size, admit_time_limit, size_of_document
from solver.params import SolveParams
from solver.run import plan as make_plan
from triage.errors import ScenarioError
from triage.intake import load_scenario_json
from triage.model import Scenario
from triage.results import Plan

out = Console(soft_wrap=True, width=None if Console().is_terminal else 160)  # pipes get room for the table
err = Console(stderr=True, soft_wrap=True)

BAD_INPUT = 2

ScenarioPath = Annotated[Path, typer.Argument(help="A scenario JSON file (see `tandem schema scenario`).")]


def read_scenario(path: Path) -> Scenario:
    """Load a scenario file or print every problem and exit with status 2."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        err.print(f"{path}: cannot read the file: {exc.strerror or exc}", markup=False)
        raise typer.Exit(BAD_INPUT) from exc
    limits = Limits()
    try:
        admit_size(size_of_document(json.loads(text)), limits)  # before validation, which takes seconds
    except TooLarge as exc:
        err.print(f"{path}: {exc}", markup=False)
        raise typer.Exit(BAD_INPUT) from exc
    except (ValueError, RecursionError):
        pass  # not JSON, or nested too deeply: the loader names the problem
    try:
        loaded = load_scenario_json(text)
    except ScenarioError as exc:
        err.print(f"{path}: {len(exc.problems)} problem(s); nothing was planned.", markup=False)
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False)
        raise typer.Exit(BAD_INPUT) from exc
    try:
        admit(loaded, limits)
    except TooLarge as exc:
        err.print(f"{path}: {exc}", markup=False)
        raise typer.Exit(BAD_INPUT) from exc
    return loaded


class _Clock:
    """When the caller began waiting (a `time.perf_counter()` instant): the process's start when run as
    `tandem` (interpreter and imports count), else the command's invocation (in-process runners)."""

    process: float | None = None
    since: float | None = None


def process_started() -> float:
    """This process's start as a `time.perf_counter()` instant (Linux: /proc; elsewhere: now)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter()
    return time.perf_counter() - max(age, 0.0)


def begin() -> None:
    """Start the caller's clock for one command (the Typer callback)."""
    _Clock.since, _Clock.process = _Clock.process or time.perf_counter(), None


def started() -> float:
    """When the caller began waiting: the plan's time limit counts from here."""
    return _Clock.since if _Clock.since is not None else time.perf_counter()


def read_plan(path: Path) -> Plan:
    """Load a plan file or print the problem and exit with status 2."""
    try:
        return Plan.model_validate_json(path.read_bytes())
    except OSError as exc:
        err.print(f"{path}: cannot read the file: {exc.strerror or exc}", markup=False)
    except ValidationError as exc:
        err.print(f"{path}: not a plan: {len(exc.errors())} problem(s); nothing was planned.", markup=False)
        for error in exc.errors()[:20]:
            where = ".".join(str(part) for part in error["loc"])
            err.print(f"  {where}: {error['msg']}", markup=False)
    raise typer.Exit(BAD_INPUT)


def known(option: str, value: str, ids: set[str], kind: str) -> None:
    """Exit with status 2 when an option names an id the scenario does not have."""
    if value not in ids:
        err.print(f"{option}: unknown {kind} {value!r}", markup=False)
        raise typer.Exit(BAD_INPUT)


def admit_limit(scenario: Scenario, time_limit: float) -> None:
    """Exit with status 2 when `--time-limit` is below the least this scenario keeps the time promise in
    (`api.limits.least_time_limit`), before any planning starts."""
    try:
        admit_time_limit(scenario, time_limit, Limits())
    except TooShort as exc:
        err.print(f"--time-limit: {exc}", markup=False)
        raise typer.Exit(BAD_INPUT) from exc


def plan_once(scenario: Scenario, time_limit: float) -> Plan:
    """The plan of a scenario under the given time limit (seconds), the solver's defaults otherwise."""
    return make_plan(scenario, SolveParams(time_limit_seconds=time_limit), started=started())
