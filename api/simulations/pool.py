"""The simulation's runs side by side: a process pool at the edge, so that the core (`solver.simulation`) stays
pure and a test or a job runs the same code in one process."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from solver.simulation.run import Progress, ProgressFn, SimulationParams, Task, in_turn, run_variant
from triage.model import Scenario
from triage.simulation.arrivals import ArrivalRates
from triage.simulation.outcomes import Run


def side_by_side(
    scenario: Scenario, tasks: list[Task], rates: ArrivalRates, params: SimulationParams, report: ProgressFn
) -> list[Run]:
    """The runs in a pool of `params.processes` processes (in this process when 1), in the tasks' order; each
    run's days are reported when the run is done."""
    if params.processes == 1:
        return in_turn(scenario, tasks, rates, params, report)
    # spawn: a fresh interpreter per worker, never a fork of a process that may hold CP-SAT's threads
    with ProcessPoolExecutor(max_workers=params.processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(run_variant, scenario, v, s, rates, params) for v, s in tasks]
        out = []
        for (variant, seed), future in zip(tasks, futures, strict=True):
            out.append(future.result())
            for day in range(params.days):
                report(Progress(0, 0, variant.name, seed, day + 1, params.days))
        return out
