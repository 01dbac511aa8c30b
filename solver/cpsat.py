"""The one CpSolver factory, and a plan into and out of a built model: hints in, placements out."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.build import Built
from solver.evaluate import Placements
from solver.params import SolveParams


def new_solver(
    params: SolveParams, time_limit: float, workers: int | None = None, *, proof: bool = False
) -> cp_model.CpSolver:
    """A CpSolver under the caller's parameters, stopping at `time_limit` seconds. `proof`: the answer must
    be a proof (of infeasibility, for pin conflicts), so the gap and deterministic limits do not apply."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers or params.workers
    solver.parameters.random_seed = params.random_seed
    solver.parameters.log_search_progress = params.log_search
    if not proof:
        solver.parameters.relative_gap_limit = params.relative_gap_limit
        if params.deterministic_limit is not None:
            solver.parameters.max_deterministic_time = params.deterministic_limit
    return solver


def add_hint(built: Built, placements: Placements) -> None:
    """Hint CP-SAT with a plan: chosen pairs and their starts, deferrals."""
    for (j, a), var in built.present.items():
        chosen = placements.get(j)
        built.model.add_hint(var, chosen is not None and chosen[0] == a)
        if chosen is not None and chosen[0] == a:
            built.model.add_hint(built.own_start[j, a], chosen[1])
    for j, var in built.deferred.items():
        built.model.add_hint(var, j not in placements)


def read_placements(built: Built, solver: cp_model.CpSolver) -> dict[int, tuple[int, int]]:
    """The placements of a solved model: free jobs as solved, held jobs as they were."""
    out = dict(built.scope.fixed)
    for (j, a), var in built.present.items():
        if solver.boolean_value(var):
            out[j] = (a, solver.value(built.own_start[j, a]))
    return out
