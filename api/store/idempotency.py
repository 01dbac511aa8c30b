"""Stored answers to POSTs made with an Idempotency-Key, per principal and key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, insert, select
from sqlalchemy.orm import Session

from api.store.tables import IdempotencyRow

_KEYS = IdempotencyRow.__table__
# Built once, with parameters: SQLAlchemy compiles each only once and per call only binds the values.
_FIND = select(_KEYS).where(_KEYS.c.principal_id == bindparam("principal_id"), _KEYS.c.key == bindparam("key"))
_INSERT = insert(_KEYS)


def find(*, session: Session, principal_id: str, key: str) -> Row[Any] | None:
    """The stored answer (the columns of `IdempotencyRow` by name), if any: a plain row, since every POST with a
    key asks and nearly all of them find nothing."""
    return session.execute(_FIND, {"principal_id": principal_id, "key": key}).one_or_none()


def remember(
    *,
    session: Session,
    principal_id: str,
    key: str,
    fingerprint: str,
    status_code: int,
    body: str,
    headers: dict[str, str],
    at: datetime,
) -> None:
    session.execute(
        _INSERT,
        {
            "principal_id": principal_id,
            "key": key,
            "fingerprint": fingerprint,
            "status_code": status_code,
            "body": body,
            "headers": headers,
            "created_at": at,
        },
    )
