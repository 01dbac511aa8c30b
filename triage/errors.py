"""The exception tree of Tandem's core. The API maps each class to a problem document once.

TandemError
└── ScenarioError      a scenario document is malformed or inconsistent; carries every Problem found
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """One thing wrong with an input, located by record and field."""

    record: str = Field(description="The record, e.g. 'requests[REQ-12]', or 'scenario' for the whole file.")
    field: str = Field(description="The field within the record, dotted, e.g. 'required_skills.netwrk'.")
    message: str

    def __str__(self) -> str:
        where = f"{self.record}.{self.field}" if self.field else self.record
        return f"{where}: {self.message}"


class TandemError(Exception):
    """Base of every error Tandem raises on purpose."""


class ScenarioError(TandemError):
    """A scenario cannot be planned as given; `problems` lists everything found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the scenario: " + "; ".join(map(str, problems)))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem]]]:
        return type(self), (self.problems,)  # pickled whole: a child process's error reaches its parent
