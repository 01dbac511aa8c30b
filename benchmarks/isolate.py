"""Run one measured call in a fresh process, so that its peak memory is its own.

`run_isolated(fn, *args)` starts a new interpreter (multiprocessing 'spawn'), calls `fn(*args)` there and
returns its result with the wall time of the call alone (not the process start) and the process's peak
resident memory (which includes the interpreter, the imports and the unpickled arguments).
`fn` and its arguments must be picklable: module-level functions and domain objects are.
"""

from __future__ import annotations

import multiprocessing
import resource
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from solver.search.insert import Placer
from triage.model import Request, Scenario
from triage.results import Plan


@dataclass(frozen=True)
class Measured:
    result: Any
    wall_seconds: float  # the call alone, in the child
    peak_rss_mb: float  # the child's peak resident memory


def peak_rss_mb() -> float:
    """This process's peak resident memory in MiB: the high-water mark of its own address space (VmHWM).

    Not `ru_maxrss`: on Linux it survives exec, so a process spawned from a large parent reports at least
    the parent's resident size at the fork (measured: a no-op child of a 400 MB parent showed 428 MB by
    ru_maxrss and 28 MB by VmHWM). ru_maxrss is the fallback where /proc is missing (macOS: bytes)."""
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    except (OSError, StopIteration):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def measure(fn: Callable[..., Any], *args: Any) -> Measured:
    """Call fn(*args) here, timing it; the peak memory is read after the call."""
    started = time.perf_counter()
    result = fn(*args)
    wall = time.perf_counter() - started
    return Measured(result, wall, peak_rss_mb())


def run_isolated(fn: Callable[..., Any], *args: Any) -> Measured:
    """fn(*args) in a fresh process, measured there."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(measure, fn, *args).result()


@dataclass(frozen=True)
class InsertionTimes:
    build_ms: float  # Placer(scenario, plan): once
    place_ms: list[float]  # each place(request), in order
    placed: int  # requests that found room (the others returned None)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.place_ms)

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.place_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def time_insertions(scenario: Scenario, plan: Plan, requests: list[Request]) -> InsertionTimes:
    """Build a `Placer` for the plan once, then place the requests one by one, timing each call."""
    started = time.perf_counter()
    placer = Placer(scenario, plan)
    build_ms = 1000 * (time.perf_counter() - started)
    times, placed = [], 0
    for request in requests:
        started = time.perf_counter()
        assignment = placer.place(request)
        times.append(1000 * (time.perf_counter() - started))
        placed += assignment is not None
    return InsertionTimes(build_ms, times, placed)
