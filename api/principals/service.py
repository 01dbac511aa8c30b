"""Principals and tokens, what the routes and the admin's console share: a token's expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def expiry(days: int | None) -> datetime | None:
    """Expiry is wall-clock time, whatever the planning clock says (a demo's clock is frozen)."""
    return None if days is None else datetime.now(UTC) + timedelta(days=days)
