"""Console sign-in: an API token exchanged for a session cookie, and CSRF protection for every form.

The cookie (`tandem_session`, HttpOnly, SameSite=Lax, Secure when the page was served over https) holds the
token, the moment of sign-in and an HMAC of both under the console key. Every request checks the HMAC and
the age (`Settings.session_hours`), then looks the token up exactly as the API does
(`api.store.principals.by_token`), so a revoked token ends its sessions at the next click.

CSRF: every form carries `csrf`, an HMAC of the session cookie under the console key (htmx sends it as the
`X-CSRF-Token` header); a POST without the right one is refused with 403. The sign-in form, which has no
session yet, uses a double-submit cookie (`tandem_csrf`) instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from api.problems import Forbidden
from api.roles import Operation, Principal
from api.settings import Settings
from api.store import principals
from api.store.session import Database

SESSION_COOKIE = "tandem_session"
SIGN_IN_CSRF_COOKIE = "tandem_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
MAX_TOKEN_CHARS = 200  # the API refuses longer bearer tokens unread; so does the sign-in form


class SignInRequired(Exception):
    """No session, an expired or forged one, or a revoked token: the page sends the browser to sign in."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def console_key(settings: Settings) -> bytes:
    """The key that signs sessions: the configured one, else a random one for this process."""
    return settings.session_secret.encode() if settings.session_secret else secrets.token_bytes(32)


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def session_value(key: bytes, token: str, signed_in_at: int) -> str:
    """The cookie's value: base64url(token).seconds.hmac."""
    encoded = base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")
    return f"{encoded}.{signed_in_at}.{_mac(key, f'{encoded}.{signed_in_at}')}"


def token_of(key: bytes, value: str, *, now_seconds: float, max_age_seconds: float) -> str | None:
    """The token in a session cookie, or None when the cookie is forged, malformed or older than max_age."""
    parts = value.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    encoded, issued, mac = parts
    if not hmac.compare_digest(mac, _mac(key, f"{encoded}.{issued}")):
        return None
    if now_seconds - int(issued) > max_age_seconds:
        return None
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except ValueError:
        return None


def csrf_for(key: bytes, session: str) -> str:
    """The CSRF token of a session: forms and htmx requests send it back."""
    return _mac(key, f"csrf:{session}")[:40]


@dataclass(frozen=True)
class Visitor:
    """A signed-in person: who they are, and the CSRF token their forms carry."""

    principal: Principal
    csrf: str


def _key(request: Request) -> bytes:
    key: bytes = request.app.state.console_key
    return key


def signed_in(request: Request) -> Visitor:
    """The visitor behind the session cookie; SignInRequired when there is none that holds."""
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        raise SignInRequired("Sign in with your token.")
    settings: Settings = request.app.state.settings
    token = token_of(_key(request), value, now_seconds=time.time(), max_age_seconds=settings.session_hours * 3600)
    if token is None or len(token) > MAX_TOKEN_CHARS:
        raise SignInRequired("Your session has expired; sign in again.")
    database: Database = request.app.state.database
    principal = principals.by_token(database=database, secret=token, real_now=datetime.now(UTC))
    if principal is None:
        raise SignInRequired("Your token was revoked or has expired; sign in with a current one.")
    csrf = csrf_for(_key(request), value)
    if request.method not in ("GET", "HEAD"):
        check_csrf(request, csrf)
    return Visitor(principal=principal, csrf=csrf)


def check_csrf(request: Request, expected: str) -> None:
    """403 unless the request carries the expected CSRF token (header, or the form field read by the page)."""
    sent = request.headers.get(CSRF_HEADER) or getattr(request.state, "form_csrf", None)
    if not sent or not hmac.compare_digest(sent, expected):
        raise Forbidden("This form has expired or did not come from the console; reload the page and try again.")


async def _form_csrf(request: Request) -> None:
    """Read the form's CSRF field before the visitor is checked (the form body is read once and cached)."""
    if request.method not in ("GET", "HEAD") and request.headers.get(CSRF_HEADER) is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        request.state.form_csrf = value if isinstance(value, str) else None


def visitor(request: Request, _: Annotated[None, Depends(_form_csrf)]) -> Visitor:
    return signed_in(request)


VisitorDep = Annotated[Visitor, Depends(visitor)]


def may(operation: Operation) -> object:
    """The visitor, if their role may do `operation` (a 403 page otherwise): `Annotated[Visitor, may(...)]`."""

    def check(found: VisitorDep) -> Visitor:
        if not found.principal.may(operation):
            raise Forbidden(f"A {found.principal.role.value} may not {operation.value}.")
        return found

    check.__name__ = f"page_may_{operation.name.lower()}"
    return Depends(check)
