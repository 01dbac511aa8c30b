"""Answers with a body serialised once by pydantic (FastAPI would validate it again) and chosen headers."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Response
from pydantic import BaseModel, TypeAdapter

T = TypeVar("T")


def answer(model: BaseModel, headers: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status_code, headers=headers, media_type="application/json")


def answer_list(adapter: TypeAdapter[list[T]], items: list[T]) -> Response:
    return Response(adapter.dump_json(items), media_type="application/json")
