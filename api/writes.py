"""The one way a write answers: run it, remember the answer under the Idempotency-Key in the same
transaction, commit, respond. A retried POST with the same key gets the stored answer again
(`Idempotent-Replayed: true`) and changes nothing; the same key with a different body is refused (422).

Atomicity: the effect and its stored answer commit together, so a crash leaves either both or neither, and
two concurrent requests with one key cannot both commit (the key is a primary key; the loser replays).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Response
from pydantic import BaseModel
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.deps import Idempotency
from api.problems import Conflict, FieldError, InvalidInput
from api.roles import Principal
from api.store import idempotency as keys
from api.store.session import Database

Outcome = tuple[BaseModel, dict[str, str]]
SECRET_SHOWN_ONCE = "Tandem-Secret-Withheld"


def respond(
    *,
    session: Session,
    principal: Principal,
    status_code: int,
    act: Callable[[], Outcome],
    at: datetime,
    idempotency: Idempotency | None = None,
    stored_body: Callable[[BaseModel], str] | None = None,
) -> Response:
    """Run `act` (which changes the session and returns the answer and its headers), commit, answer.

    `stored_body` replaces the answer kept for replays (a token's secret is never stored)."""
    key = idempotency.key if idempotency else None
    if idempotency is not None and key is not None:
        stored = keys.find(session=session, principal_id=principal.id, key=key)
        if stored is not None:
            return replay(stored, idempotency)
    answer, headers = act()
    body = answer.model_dump_json()
    try:
        if idempotency is not None and key is not None:
            kept = stored_body(answer) if stored_body else body
            kept_headers = {**headers, SECRET_SHOWN_ONCE: "1"} if stored_body else headers
            keys.remember(
                session=session,
                principal_id=principal.id,
                key=key,
                fingerprint=idempotency.fingerprint,
                status_code=status_code,
                body=kept,
                headers=kept_headers,
                at=at,
            )
        session.commit()
    except IntegrityError:  # the change conflicts, or a concurrent request stored this key first (PostgreSQL)
        session.rollback()
        if idempotency is None or key is None:
            raise
        stored = keys.find(session=session, principal_id=principal.id, key=key)
        if stored is None:
            raise
        return replay(stored, idempotency)
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


def replay(stored: Row[Any], idempotency: Idempotency) -> Response:
    """The stored answer again, if the request is the same one."""
    if stored.fingerprint != idempotency.fingerprint:
        raise InvalidInput(
            "This Idempotency-Key was used for a different request; use a new key for a new request.",
            errors=[FieldError(field="Idempotency-Key", location="header", message="reused with a different request")],
        )
    headers = dict(stored.headers)
    if headers.pop(SECRET_SHOWN_ONCE, None):
        raise Conflict(
            "This Idempotency-Key already issued a token, whose secret was shown once and is not kept; "
            "if it was lost, revoke that token and issue a new one."
        )
    headers["Idempotent-Replayed"] = "true"
    return Response(stored.body, status_code=stored.status_code, headers=headers, media_type="application/json")


def replay_if_retried(database: Database, actor: Principal, idempotency: Idempotency) -> Response | None:
    """For a POST answered outside `respond` (it solves first and writes after): the stored answer when this
    Idempotency-Key was seen before, else None."""
    if idempotency.key is None:
        return None
    with database.reading() as session:
        stored = keys.find(session=session, principal_id=actor.id, key=idempotency.key)
    return None if stored is None else replay(stored, idempotency)
