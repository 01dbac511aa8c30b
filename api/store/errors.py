"""What the store refuses, in its own terms: the state does not allow a write (`StateConflict`), a version
changed meanwhile (`VersionMismatch`), or fields are wrong (`InvalidFields`, each `BadField` named). The store
knows no HTTP: the edge maps each error to its RFC 9457 problem (`api.problems.from_store_error`: 409, 412,
422), the console to its page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import ValidationError


@dataclass(frozen=True)
class BadField:
    """One bad field: its dotted path, where it was given ('body', 'query', ...) and what is wrong with it."""

    field: str
    location: str
    message: str


class StoreError(Exception):
    """A write the store refuses; nothing of it is stored."""

    def __init__(self, detail: str, *, errors: Sequence[BadField] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)


class StateConflict(StoreError):
    """The state does not allow it: closed, applied, a stale plan, a taken id."""


class VersionMismatch(StoreError):
    """The version the caller names is no longer the current one."""


class InvalidFields(StoreError):
    """Fields are wrong; `errors` names each."""


class Named(Protocol):
    """A bad field as the store and the edge both name one."""

    @property
    def field(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def message(self) -> str: ...


def summary(errors: Sequence[Named]) -> str:
    """The first few bad fields, in one line."""
    text = "; ".join(f"{e.field or e.location}: {e.message}" for e in errors[:5])
    return text + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")


def invalid(field: str, message: str, location: str = "body") -> InvalidFields:
    """Fields wrong: this one."""
    return InvalidFields(f"{field}: {message}", errors=[BadField(field, location, message)])


def invalid_fields(errors: Sequence[BadField]) -> InvalidFields:
    """Fields wrong: these, summed up in the detail."""
    return InvalidFields(summary(errors), errors=errors)


def from_validation_error(exc: ValidationError, location: str = "body", prefix: str = "") -> InvalidFields:
    """A pydantic error (e.g. from a domain model's own rules) naming every field."""
    errors = [
        BadField(
            field=prefix + ".".join(str(p) for p in e["loc"]),
            location=location,
            message=str(e["msg"]).removeprefix("Value error, "),
        )
        for e in exc.errors()
    ]
    return invalid_fields(errors)
