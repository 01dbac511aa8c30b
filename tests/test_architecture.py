"""The core is pure: triage/ and solver/ import nothing from the edge and touch no I/O or environment; the
clock enters only as a budget (`solver.budget`)."""

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


def test_the_core_files_are_found() -> None:
    assert len(CORE_FILES) >= 10
