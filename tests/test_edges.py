"""Production code (api/, triage/, solver/) imports nothing from fixtures/, benchmarks/ or tests/: the demo data,
the generators and the benchmarks are tools around the product, not part of its import path."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.test_architecture import imported_modules

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_FILES = sorted(p for package in ("api", "triage", "solver") for p in ROOT.glob(f"{package}/**/*.py"))
TOOLS = {"fixtures", "benchmarks", "tests"}


@pytest.mark.parametrize("path", PRODUCTION_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_production_code_imports_no_tool(path: Path) -> None:
    assert imported_modules(ast.parse(path.read_text())) & TOOLS == set()


def test_the_production_files_are_found() -> None:
    assert len(PRODUCTION_FILES) >= 100
