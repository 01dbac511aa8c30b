"""The core is pure: triage/ and solver/ import nothing from the edge and touch no I/O or environment; the
clock enters only as a budget (`solver.budget`), processes only from the edge (`api.simulations.pool`); the
simulation is one subdomain in two halves (`triage/simulation/`, `solver/simulation/`)."""

from __future__ import annotations

import ast
import importlib
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


RESOURCES = {
    "agents",
    "audit",
    "departments",
    "explanations",
    "handoffs",
    "health",
    "imports",
    "jobs",
    "organisation",
    "pins",
    "plans",
    "principals",
    "requests",
    "simulations",
    "webhooks",
}
"""The HTTP resources, one package each under api/: its routes, and its service and schemas where it has them."""
STORE_FILES = sorted(
    [*ROOT.glob("api/store/**/*.py"), *(ROOT / "api" / "webhooks" / m for m in ("store.py", "tables.py", "outbox.py"))]
)
HTTP_MODULES = ("fastapi", "starlette", "api.problems", "api.schemas", "api.deps", "api.writes", "api.answer")
RESOURCE_FACES = tuple(f"api.{r}.{face}" for r in sorted(RESOURCES) for face in ("routes", "service", "schemas"))


def imported_targets(tree: ast.AST) -> set[str]:
    """Every module imported, and every name imported from one as its dotted path (`from api import problems`
    is `api.problems`), so that a package's module imported by name counts as that module."""
    names = {
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    return imported_paths(tree) | names


@pytest.mark.parametrize("path", STORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_store_imports_nothing_of_http(path: Path) -> None:
    """The store (`api/store/`, and the webhooks' tables, outbox and store) raises its own errors
    (`api.store.errors`) and takes its own input types; the routes and the console map its errors to RFC 9457
    problems (`api.problems.from_store_error`). It reads no resource's routes, service or schemas."""
    imported = imported_targets(ast.parse(path.read_text()))
    assert {name for name in imported if name.startswith(HTTP_MODULES + RESOURCE_FACES)} == set()


def test_each_resource_is_one_package_and_the_app_serves_each_resources_router() -> None:
    """One package per HTTP resource (`api/<resource>/routes.py`, its `service.py` and `schemas.py`), in the
    Dispatch rhythm; the old spread (a routes package, schema and service modules beside them) is gone."""
    from api.routers import ROUTERS

    assert {p.parent.name for p in ROOT.glob("api/*/routes.py")} == RESOURCES
    modules = [importlib.import_module(f"api.{r}.routes") for r in sorted(RESOURCES)]
    assert sorted(map(id, ROUTERS)) == sorted(id(m.router) for m in modules)
    leftovers = [*ROOT.glob("api/routes/*.py"), *ROOT.glob("api/schemas_*.py")]
    leftovers += [ROOT / "api" / f"{m}.py" for m in ("present", "planning", "helping", "explaining", "simulating")]
    leftovers += [ROOT / "api" / f"{m}.py" for m in ("reporting", "import_service", "importing", "jobs", "work")]
    assert [str(p.relative_to(ROOT)) for p in leftovers if p.exists()] == []


API_FILES = sorted(ROOT.glob("api/**/*.py"))


@pytest.mark.parametrize("path", API_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_routes_are_leaves(path: Path) -> None:
    """Only `api.routers` imports a resource's routes: what a route and the console (or the CLI) share is a
    service, never a route module's helper."""
    if path == ROOT / "api" / "routers.py":
        return
    imported = imported_targets(ast.parse(path.read_text()))
    assert {
        n for n in imported if n.startswith("api.routes") or (n.startswith("api.") and n.endswith(".routes"))
    } == set()


def resource_of(path: Path) -> str | None:
    parts = path.relative_to(ROOT).parts
    return parts[1] if len(parts) == 3 and parts[0] == "api" and parts[1] in RESOURCES else None


@pytest.mark.parametrize("path", sorted(ROOT.glob("api/*/routes.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_resources_routes_call_only_its_own_service(path: Path) -> None:
    """Thin routes: a route calls its own resource's service (and the store, through the shared dependencies);
    another resource's schemas it may answer with (a request's placement is a plan's), never its service."""
    own = resource_of(path)
    imported = imported_targets(ast.parse(path.read_text()))
    services = {f"api.{r}.service" for r in RESOURCES - {own}}
    assert {n for n in imported if n.startswith(tuple(services))} == set()


SCHEMA_FILES = sorted([ROOT / "api" / "schemas.py", *ROOT.glob("api/*/schemas.py")])
SERVICE_FACES = tuple(f"api.{r}.{face}" for r in sorted(RESOURCES) for face in ("routes", "service"))


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_schemas_sit_below_the_services_and_routes(path: Path) -> None:
    """A schema module describes and shapes: no web framework, no problems or dependencies, no service or route
    (services and routes import schemas, never the other way)."""
    imported = imported_targets(ast.parse(path.read_text()))
    http = ("fastapi", "starlette", "api.problems", "api.deps", "api.writes", "api.answer")
    assert {n for n in imported if n.startswith(http + SERVICE_FACES)} == set()
