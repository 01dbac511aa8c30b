"""Secrets and signatures, following Standard Webhooks (https://www.standardwebhooks.com).

- A subscription's secret is `whsec_` + base64 of 32 random bytes, shown once when it is made. It is kept
  Fernet-encrypted (AES-128-CBC with HMAC-SHA256) under the deployment's key, `TANDEM_WEBHOOK_SECRET_KEY`:
  one or more Fernet keys separated by commas, the first encrypting, all decrypting (rotate by putting a new
  key first; re-encrypting old secrets is not needed while the old key stays listed). Signing needs the
  secret itself, so it cannot be hashed like a token.
- Every attempt is signed: `webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.
  <body>">`, computed by the `standardwebhooks` package; `webhook-timestamp` is the attempt's Unix time in
  seconds, `webhook-id` the event's id (the same on every retry and replay, so receivers can de-duplicate).
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


class KeyMissing(Exception):
    """No `TANDEM_WEBHOOK_SECRET_KEY`: secrets can be neither stored nor read."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def cipher(keys: str | None) -> MultiFernet:
    """The deployment's keys, first one encrypting; KeyMissing when there are none."""
    listed = [k.strip() for k in (keys or "").split(",") if k.strip()]
    if not listed:
        raise KeyMissing(
            "Webhooks need an encryption key for their secrets: set TANDEM_WEBHOOK_SECRET_KEY to a Fernet key "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        )
    return MultiFernet([Fernet(k.encode()) for k in listed])


def check_keys(keys: str | None) -> None:
    """ValueError unless every listed key is a Fernet key (32 url-safe base64-encoded bytes)."""
    for key in (k.strip() for k in (keys or "").split(",")):
        if key:
            try:
                Fernet(key.encode())
            except (ValueError, TypeError) as exc:
                raise ValueError("each key must be a Fernet key: 32 url-safe base64-encoded bytes") from exc


def encrypt(secret: str, keys: str | None) -> str:
    return cipher(keys).encrypt(secret.encode()).decode()


def decrypt(token: str, keys: str | None) -> str:
    """The secret; KeyMissing when no listed key opens it (the key was changed without keeping the old one)."""
    try:
        return cipher(keys).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise KeyMissing("No key in TANDEM_WEBHOOK_SECRET_KEY decrypts this subscription's secret.") from exc


def headers(*, secret: str, event_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt made at `at`."""
    seconds = int(at.timestamp())
    signature = Webhook(secret).sign(event_id, datetime.fromtimestamp(seconds, UTC), body)
    return {"webhook-id": event_id, "webhook-timestamp": str(seconds), "webhook-signature": signature}
