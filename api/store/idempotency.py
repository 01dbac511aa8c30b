"""Stored answers to POSTs made with an Idempotency-Key, per principal and key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from api.store.tables import IdempotencyRow


def find(*, session: Session, principal_id: str, key: str) -> IdempotencyRow | None:
    return session.get(IdempotencyRow, (principal_id, key))


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
    session.add(
        IdempotencyRow(
            principal_id=principal_id,
            key=key,
            fingerprint=fingerprint,
            status_code=status_code,
            body=body,
            headers=headers,
            created_at=at,
        )
    )
