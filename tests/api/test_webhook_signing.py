"""Webhook signatures and the retry schedule, without a database: the Standard Webhooks specification's
published test vector, and the back-off rule."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.webhooks import signing
from api.webhooks.delivery import retry_delay_seconds
from tests.api.conftest import WEBHOOK_KEY

NEW_KEY = "dGhpcy1pcy1hLW5ldy1rZXktb2YtMzItYnl0ZXMhISE="  # a second Fernet key, for rotation


def test_the_published_test_vector_is_reproduced() -> None:
    """Standard Webhooks' test vector (the specification's reference libraries use it)."""
    headers = signing.headers(
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        event_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        body='{"test": 2432232314}',
        at=datetime.fromtimestamp(1614265330, UTC),
    )
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


def test_the_back_off_doubles_up_to_its_maximum() -> None:
    delays = [retry_delay_seconds(k, base_seconds=10, max_seconds=60) for k in range(1, 6)]
    assert delays == [10, 20, 40, 60, 60]


@given(failures=st.integers(1, 60), base=st.floats(0.01, 600), cap=st.floats(0.01, 86400))
def test_each_wait_doubles_the_last_until_the_cap_and_never_passes_it(failures: int, base: float, cap: float) -> None:
    wait = retry_delay_seconds(failures, base_seconds=base, max_seconds=cap)
    following = retry_delay_seconds(failures + 1, base_seconds=base, max_seconds=cap)
    assert wait <= cap and following == min(2 * wait, cap)
    assert retry_delay_seconds(1, base_seconds=base, max_seconds=cap) == min(base, cap)


def test_a_secret_is_whsec_and_32_random_bytes_and_round_trips_encrypted() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != signing.new_secret()
    stored = signing.encrypt(secret, WEBHOOK_KEY)
    assert secret not in stored and signing.decrypt(stored, WEBHOOK_KEY) == secret
    assert signing.decrypt(stored, f"{NEW_KEY},{WEBHOOK_KEY}") == secret  # the old key, listed after a new one
    with pytest.raises(signing.KeyMissing, match="decrypts"):
        signing.decrypt(stored, NEW_KEY)
    with pytest.raises(signing.KeyMissing, match="TANDEM_WEBHOOK_SECRET_KEY"):
        signing.encrypt(secret, None)
