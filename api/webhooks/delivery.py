"""The delivery loop: claim due deliveries, post each event signed, record the answer, retry with exponential
back-off, dead-letter after the most failures in a row allowed.

Restart-safe because the outbox is the database: a delivery is claimed in a short transaction (its
`next_attempt_at` moves to the end of a lease: the timeout plus a margin, and the sender's `claim` is
written), sent outside any transaction, and its answer recorded in another, only if the claim is still the
sender's. A process killed mid-delivery leaves the delivery due again when its lease ends: it is sent again,
with the same `webhook-id`, never as a new event. Several processes (PostgreSQL) share the work: a claim is
an UPDATE conditional on the delivery being due, so one sender wins each.

Success is a 2xx answer; anything else is a failure: another status (redirects are not followed), a refused
connection, or no complete answer within `webhook_timeout_seconds` (a hanging receiver is cut off). After
failure k in a row the next attempt waits `retry_delay_seconds(k)`: base x 2^(k-1), at most the maximum.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update

from api.settings import Settings
from api.store.session import Database
from api.webhooks import signing
from api.webhooks.outbox import PENDING
from api.webhooks.store import DEAD, SUCCEEDED
from api.webhooks.tables import DeliveryRow, EventRow, SubscriptionRow

log = logging.getLogger("tandem.webhooks")
EXCERPT_CHARACTERS = 500
READ_BYTES = 4096
USER_AGENT = "Tandem-Webhooks/0.1"
BATCH = 50


def real_clock() -> datetime:
    return datetime.now(UTC)


def retry_delay_seconds(failures: int, *, base_seconds: float, max_seconds: float) -> float:
    """The wait after `failures` failures in a row (1, 2, ...): base x 2^(failures-1), at most max_seconds."""
    return float(min(base_seconds * 2 ** (failures - 1), max_seconds))


@dataclass(frozen=True)
class Attempt:
    """A claimed delivery, with what it takes to send it."""

    delivery_id: int
    claim: str
    url: str
    event_id: str
    body: str
    secret: str | None  # None when no key decrypts it: the attempt fails without sending
    failures: int


@dataclass(frozen=True)
class Answer:
    """What one attempt got: a status and the first characters of the body, or an error."""

    status: int | None
    excerpt: str | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Deliverer:
    """Sends due deliveries: `run_once` for one round (tests drive it with their own clock), `start` and `stop`
    for the background loop the app runs in its lifespan."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = real_clock,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.database, self.settings, self.clock = database, settings, clock
        self.client = httpx.Client(
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,
            transport=transport,
            headers={"user-agent": USER_AGENT},
        )
        self.pool = ThreadPoolExecutor(max_workers=settings.webhook_concurrency, thread_name_prefix="webhook")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Claim what is due now, send it, record every answer; the number of deliveries attempted."""
        attempts = self.claim()
        for attempt, answer in zip(attempts, self.pool.map(self.send, attempts), strict=True):
            self.record(attempt, answer)
        return len(attempts)

    def claim(self) -> list[Attempt]:
        now = self.clock()
        settings = self.settings
        lease = now + timedelta(seconds=settings.webhook_timeout_seconds + settings.webhook_lease_margin_seconds)
        with self.database.writing() as session:
            due = session.execute(
                select(
                    DeliveryRow.id,
                    DeliveryRow.failures,
                    SubscriptionRow.url,
                    SubscriptionRow.secret_encrypted,
                    EventRow.id,
                    EventRow.body,
                )
                .join(SubscriptionRow, SubscriptionRow.id == DeliveryRow.subscription_id)
                .join(EventRow, EventRow.id == DeliveryRow.event_id)
                .where(DeliveryRow.state == PENDING, DeliveryRow.next_attempt_at <= now)
                .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
                .limit(BATCH)
            ).all()
            attempts = []
            for delivery_id, failures, url, encrypted, event_id, body in due:
                claim = uuid.uuid4().hex
                taken = session.execute(
                    update(DeliveryRow)
                    .where(
                        DeliveryRow.id == delivery_id, DeliveryRow.state == PENDING, DeliveryRow.next_attempt_at <= now
                    )
                    .values(next_attempt_at=lease, claim=claim, attempts=DeliveryRow.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    attempts.append(Attempt(delivery_id, claim, url, event_id, body, self._secret(encrypted), failures))
            session.commit()
        return attempts

    def _secret(self, encrypted: str) -> str | None:
        try:
            return signing.decrypt(encrypted, self.settings.webhook_keys())
        except signing.KeyMissing:
            return None

    def send(self, attempt: Attempt) -> Answer:
        """Post the event, signed now; cut off at the timeout, whatever the receiver does."""
        started = time.monotonic()
        if attempt.secret is None:
            return Answer(None, None, "not sent: no key in TANDEM_WEBHOOK_SECRET_KEY decrypts the secret", 0)
        headers = {
            "content-type": "application/json",
            **signing.headers(secret=attempt.secret, event_id=attempt.event_id, body=attempt.body, at=self.clock()),
        }
        timeout = self.settings.webhook_timeout_seconds
        try:
            with self.client.stream("POST", attempt.url, content=attempt.body.encode(), headers=headers) as response:
                read = bytearray()
                for chunk in response.iter_bytes():
                    read += chunk
                    if time.monotonic() - started > timeout:
                        raise httpx.ReadTimeout("the answer did not end in time")
                    if len(read) >= READ_BYTES:
                        break
                excerpt = read.decode("utf-8", errors="replace")[:EXCERPT_CHARACTERS]
                return Answer(response.status_code, excerpt, None, _ms(started))
        except httpx.TimeoutException:
            return Answer(None, None, f"no complete answer within {timeout:g} s: cut off", _ms(started))
        except httpx.HTTPError as exc:
            return Answer(None, None, f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARACTERS], _ms(started))

    def record(self, attempt: Attempt, answer: Answer) -> None:
        """Write the answer, if the claim is still this sender's: succeeded, due again later, or dead."""
        now = self.clock()
        values: dict[str, object] = {
            "claim": None,
            "last_attempt_at": now,
            "last_status": answer.status,
            "last_response": answer.excerpt,
            "last_error": answer.error,
            "last_duration_ms": answer.duration_ms,
        }
        if answer.succeeded:
            values |= {"state": SUCCEEDED, "delivered_at": now, "failures": 0}
        else:
            failures = attempt.failures + 1
            values["failures"] = failures
            if failures >= self.settings.webhook_max_attempts:
                values["state"] = DEAD
            else:
                wait = retry_delay_seconds(
                    failures,
                    base_seconds=self.settings.webhook_retry_base_seconds,
                    max_seconds=self.settings.webhook_retry_max_seconds,
                )
                values["next_attempt_at"] = now + timedelta(seconds=wait)
        with self.database.writing() as session:
            session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == attempt.delivery_id, DeliveryRow.claim == attempt.claim)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            session.commit()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="webhook-delivery", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # a database hiccup: logged, tried again at the next poll
                log.exception("webhook delivery round failed")
                worked = 0
            if not worked:
                self._stop.wait(self.settings.webhook_poll_seconds)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.settings.webhook_timeout_seconds + 5)
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.client.close()


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
