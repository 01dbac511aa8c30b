"""Console forms checked as the API checks its JSON bodies: a form is read into the document the API's route
takes (`number`: a form's text as the JSON number, or the text itself for the schema's error) and validated by
the same schema strictly, as `api.deps.strict_body` does (`as_api`), so a page and the API refuse the same
values with the same RFC 9457 field errors; `form_page` shows each error next to its field (`error_at`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from api.problems import ApiError, InvalidInput, problem_of
from api.store.errors import StoreError
from api.web.render import page

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def as_api(model: type[M], document: dict[str, Any]) -> M:
    """The document checked as the API checks a JSON body: strictly (`strict_body`), so a form refuses what the
    API refuses, with the same field paths."""
    return model.model_validate_json(json.dumps(document), strict=True)


def number(raw: str | None) -> int | str:
    """A form's number as the JSON body carries it: an integer, or the text itself for the schema's error."""
    text = (raw or "").strip()
    return int(text) if text.lstrip("-").isdigit() and text.count("-") <= 1 else text


def status_of(problem: ApiError) -> int:
    """The page's status: 422 for field errors, else the problem's own (409, 412, 428)."""
    return 422 if isinstance(problem, InvalidInput) else problem.status


def field_errors(problem: ApiError) -> dict[str, str]:
    """The problem's field errors by field path (the first message of each)."""
    found: dict[str, str] = {}
    if isinstance(problem, InvalidInput):
        for e in problem.errors:
            found.setdefault(e.field, e.message)
    return found


@dataclass(frozen=True)
class Refusal:
    """A form the API's rules refused: the page's status, the errors beside their fields, and the detail."""

    status: int
    errors: dict[str, str]
    detail: str


def saved(session: Session, save: Callable[[], T]) -> T | Refusal:
    """Run `save` (the API's schema and store calls for the form) and commit, returning what it returns; when
    the API's rules refuse it, roll everything back and say why (nothing of the form is stored)."""
    try:
        result = save()
        session.commit()
    except (ValidationError, ApiError, StoreError) as exc:
        session.rollback()
        problem = problem_of(exc)
        return Refusal(status_of(problem), field_errors(problem), problem.detail)
    return result


def form_page(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """The template with `errors` (field path to message) and `error_at(field)` for the macros of _forms.html."""
    errors: dict[str, str] = values.pop("errors", {})

    def at(field: str, exact: bool = False) -> str:
        """The errors of a form field: its own, and unless `exact` those of its parts (working_hours.mon.0)."""
        return "; ".join(m for f, m in errors.items() if f == field or (not exact and f.startswith(field + ".")))

    return page(request, name, {**values, "errors": errors, "error_at": at}, status_code=status_code)


def back(path: str, notice: str) -> RedirectResponse:
    """After a change: the page again (303), with the notice saying what was done."""
    return RedirectResponse(f"{path}?notice={quote(notice[:280])}", status_code=303)


def fields_of(form: Any) -> dict[str, str]:
    """A submitted form's text fields, without its CSRF token."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
