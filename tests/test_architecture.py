"""The core is pure: triage/ and solver/ import nothing from the edge and touch no I/O or environment; the
clock enters only as a budget (`solver.budget`), processes only from the edge (`api.simulations.pool`); the
simulation is one subdomain in two halves (`triage/simulation/`, `solver/simulation/`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE_FILES = sorted([*ROOT.glob("triage/**/*.py"), *ROOT.glob("solver/**/*.py")])
FORBIDDEN_MODULES = {"api", "sqlalchemy", "fastapi", "httpx", "os", "requests", "socket", "subprocess"}
FORBIDDEN_CALLS = {("datetime", "now"), ("datetime", "today"), ("date", "today"), ("datetime", "utcnow")}


def imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text())
    assert imported_modules(tree) & FORBIDDEN_MODULES == set()
    calls = {
        (node.func.value.id, node.func.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
    }
    assert calls & FORBIDDEN_CALLS == set()
    unseeded = {(module, name) for module, name in calls if module == "random" and name != "Random"}
    assert unseeded == set(), "randomness only through random.Random(seed)"
    assert "open" not in {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


CLOCK_MODULES = {"time"}
BUDGET = ROOT / "solver" / "budget.py"


@pytest.mark.parametrize("path", [p for p in CORE_FILES if p != BUDGET], ids=lambda p: str(p.relative_to(ROOT)))
def test_the_clock_enters_the_core_only_as_a_budget(path: Path) -> None:
    """Time is read through `solver.budget.Budget`, passed in, so that a test can drive it."""
    assert imported_modules(ast.parse(path.read_text())) & CLOCK_MODULES == set()


TRIAGE_FILES = sorted(ROOT.glob("triage/**/*.py"))


@pytest.mark.parametrize("path", TRIAGE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_and_its_checker_import_nothing_from_the_solver(path: Path) -> None:
    """triage/ is below solver/: the checker (triage/validation.py) is the specification the solver answers to,
    so it reads the rules from the scenario alone, never from the solver's own definitions."""
    assert "solver" not in imported_modules(ast.parse(path.read_text()))


def imported_names(tree: ast.AST) -> set[str]:
    return {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_starts_no_process(path: Path) -> None:
    """A process pool is the edge's: the simulation's runs are independent, and what runs them side by side
    (`api.simulations.pool.side_by_side`) is passed in, so the core runs the same in one process."""
    tree = ast.parse(path.read_text())
    assert "multiprocessing" not in imported_modules(tree)
    assert "ProcessPoolExecutor" not in imported_names(tree)


SIMULATION = ("triage.simulation", "solver.simulation")


def imported_paths(tree: ast.AST) -> set[str]:
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return names | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_simulation_is_one_subdomain_the_rest_of_the_core_does_not_read(path: Path) -> None:
    """Simulation (changes, arrivals, the day, the run, outcomes, text, the replay) lives in `triage/simulation/`
    (pure domain, no solver) and `solver/simulation/` (what the solver plans); planning, explaining and the
    checker never depend on it."""
    relative = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if relative.startswith(SIMULATION):
        return
    imported = imported_paths(ast.parse(path.read_text()))
    assert {name for name in imported if name.startswith(SIMULATION)} == set()


def test_the_simulation_subdomain_is_where_it_says() -> None:
    modules = {p.stem for p in (ROOT / "triage" / "simulation").glob("*.py")}
    modules |= {p.stem for p in (ROOT / "solver" / "simulation").glob("*.py")}
    assert {"changes", "arrivals", "outcomes", "text", "replay", "day", "run"} <= modules
    leftovers = ["triage/staffing.py", "triage/simulation_text.py", "solver/simulate.py", "solver/daily.py"]
    assert [p for p in leftovers if (ROOT / p).exists()] == []


def test_the_core_files_are_found() -> None:
    assert len(CORE_FILES) >= 10


STORE_FILES = sorted(ROOT.glob("api/store/**/*.py"))
HTTP_MODULES = ("fastapi", "starlette", "api.problems", "api.schemas")


@pytest.mark.parametrize("path", STORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_store_imports_nothing_of_http(path: Path) -> None:
    """The store raises its own errors (`api.store.errors`) and takes its own input types; the routes and the
    console map its errors to RFC 9457 problems (`api.problems.from_store_error`)."""
    imported = imported_paths(ast.parse(path.read_text()))
    assert {name for name in imported if name.startswith(HTTP_MODULES)} == set()
