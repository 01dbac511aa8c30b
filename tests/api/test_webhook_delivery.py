"""Webhook delivery against a real receiver on loopback (tests/api/webhook_receiver.py), on SQLite and
PostgreSQL: signatures the `standardwebhooks` package verifies, retries with exponential back-off on the
sender's clock, a hanging receiver cut off at the timeout, the dead-letter state after N failures, replays
with the same webhook-id, and the delivery loop the app runs in its lifespan delivering a hand-off note."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.settings import Settings
from api.store.session import Database
from api.webhooks import signing
from api.webhooks.delivery import Answer, Deliverer
from tests.api.conftest import Api
from tests.api.help_setup import proposal_to_ben
from tests.api.webhook_receiver import HANG, Receiver, running

PIN = {"id": "p1", "kind": "first", "request": "REQ-1", "reason": "promised to Sales"}


class Clock:
    """The sender's clock, moved by the test: back-off is checked without sleeping. It starts at the real time
    it is first read (after the test's events were queued, on the real clock)."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        if self.now is None:
            self.now = datetime.now(UTC)
        return self.now

    def advance(self, seconds: float) -> None:
        self.now = self() + timedelta(seconds=seconds)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running() as r:
        yield r


@pytest.fixture
def clock() -> Clock:
    return Clock()


def sender(api: Api, clock: Clock, **overrides: Any) -> Deliverer:
    settings = Settings(**{**api.settings.model_dump(), "webhook_retry_base_seconds": 10, **overrides})
    deliverer = Deliverer(Database(settings.database_url), settings, clock=clock)
    api.extra.setdefault("senders", []).append(deliverer)
    return deliverer


@pytest.fixture(autouse=True)
def _stop_senders(api: Api) -> Iterator[None]:
    yield
    for deliverer in api.extra.get("senders", []):
        deliverer.stop()
        deliverer.database.dispose()


def subscribe(api: Api, receiver: Receiver, types: list[str] | None = None) -> str:
    body = {"url": receiver.url, "event_types": types or ["pin.created"]}
    created = api.post("/webhooks/subscriptions", "admin", body)
    assert created.status_code == 201, created.text
    return str(created.json()["secret"])


def only_delivery(api: Api) -> dict[str, Any]:
    [delivery] = api.get("/webhooks/deliveries", "admin").json()["items"]
    return dict(delivery)


def test_an_event_is_delivered_signed_with_its_facts_and_sentence(api: Api, receiver: Receiver) -> None:
    secret = subscribe(api, receiver)
    assert api.post("/pins", "lead", PIN).status_code == 201
    deliverer = sender(api, Clock())
    deliverer.clock = lambda: datetime.now(UTC)  # the receiver holds the timestamp to its own clock
    assert deliverer.run_once() == 1
    [payload] = receiver.verified(secret)  # standardwebhooks' own verify: signature and timestamp
    [request] = receiver.received
    assert request.headers["content-type"] == "application/json" and request.path == "/hooks"
    assert payload["type"] == "pin.created" and payload["id"] == request.webhook_id
    assert payload["data"]["reason"] == "promised to Sales" and payload["text"].endswith('Reason: "promised to Sales".')
    delivery = only_delivery(api)
    assert delivery["state"] == "succeeded" and delivery["attempts"] == 1 and delivery["last_status"] == 200
    assert delivery["last_response"] == "answered 200" and delivery["event_id"] == request.webhook_id
    assert delivery["payload"] == payload and delivery["delivered_at"] is not None
    assert deliverer.run_once() == 0  # nothing is sent twice
    with pytest.raises(Exception, match="signature"):
        receiver.verified(signing.new_secret())  # another secret does not verify it


def test_failures_are_retried_with_exponential_back_off_and_the_same_webhook_id(
    api: Api, receiver: Receiver, clock: Clock
) -> None:
    secret = subscribe(api, receiver)
    assert api.post("/pins", "lead", PIN).status_code == 201
    receiver.script = [500, 503, 200]
    deliverer = sender(api, clock)
    assert deliverer.run_once() == 1
    first = only_delivery(api)
    assert (first["state"], first["failures"], first["last_status"]) == ("pending", 1, 500)
    assert first["last_response"] == "answered 500"
    clock.advance(9.9)
    assert deliverer.run_once() == 0  # the first wait is 10 s
    clock.advance(0.1)
    assert deliverer.run_once() == 1
    second = only_delivery(api)
    assert (second["failures"], second["last_status"]) == (2, 503)
    clock.advance(19.9)
    assert deliverer.run_once() == 0  # then 20 s
    clock.advance(0.1)
    assert deliverer.run_once() == 1
    done = only_delivery(api)
    assert (done["state"], done["attempts"], done["failures"], done["last_status"]) == ("succeeded", 3, 0, 200)
    assert len({r.webhook_id for r in receiver.received}) == 1 and len(receiver.received) == 3
    assert len({r.body for r in receiver.received}) == 1  # the same bytes, each attempt signed anew
    assert len(receiver.verified(secret, real_clock=False)) == 3


def test_a_hanging_receiver_is_cut_off_at_the_timeout(api: Api, receiver: Receiver, clock: Clock) -> None:
    subscribe(api, receiver)
    assert api.post("/pins", "lead", PIN).status_code == 201
    receiver.script = [HANG]
    deliverer = sender(api, clock, webhook_timeout_seconds=0.5)
    assert deliverer.run_once() == 1
    delivery = only_delivery(api)
    assert delivery["state"] == "pending" and delivery["failures"] == 1 and delivery["last_status"] is None
    assert delivery["last_error"] == "no complete answer within 0.5 s: cut off"
    assert 500 <= delivery["last_duration_ms"] < 10_000  # the receiver would have held it for 30 s


def test_after_n_failures_a_delivery_is_dead_until_replayed(api: Api, receiver: Receiver, clock: Clock) -> None:
    secret = subscribe(api, receiver)
    assert api.post("/pins", "lead", PIN).status_code == 201
    receiver.default = 500
    deliverer = sender(api, clock, webhook_max_attempts=3)
    for wait in (0, 10, 20):
        clock.advance(wait)
        assert deliverer.run_once() == 1
    dead = only_delivery(api)
    assert (dead["state"], dead["attempts"], dead["failures"], dead["next_attempt_at"]) == ("dead", 3, 3, None)
    clock.advance(365 * 86400)
    assert deliverer.run_once() == 0
    assert [d["id"] for d in api.get("/webhooks/deliveries", "admin", params={"state": "dead"}).json()["items"]] == [
        dead["id"]
    ]
    receiver.default = 200
    replayed = api.post(f"/webhooks/deliveries/{dead['id']}/replay", "admin", {"reason": "receiver fixed"})
    assert replayed.status_code == 200, replayed.text
    assert (replayed.json()["state"], replayed.json()["failures"]) == ("pending", 0)
    assert deliverer.run_once() == 1
    done = only_delivery(api)
    assert (done["state"], done["attempts"]) == ("succeeded", 4)
    assert len({r.webhook_id for r in receiver.received}) == 1 and len(receiver.received) == 4
    assert len(receiver.verified(secret, real_clock=False)) == 4
    audit = api.get("/audit", "admin", params={"action": "webhook.replayed"}).json()["items"]
    assert [(a["subject_id"], a["reason"]) for a in audit] == [(str(dead["id"]), "receiver fixed")]


def test_a_succeeded_delivery_can_be_replayed_with_the_same_webhook_id(
    api: Api, receiver: Receiver, clock: Clock
) -> None:
    subscribe(api, receiver)
    assert api.post("/pins", "lead", PIN).status_code == 201
    deliverer = sender(api, clock)
    assert deliverer.run_once() == 1
    delivery = only_delivery(api)
    assert api.post(f"/webhooks/deliveries/{delivery['id']}/replay", "admin", {}).status_code == 200
    clock.advance(1)  # the replay is due at the real time it was asked, a moment after the sender's clock
    assert deliverer.run_once() == 1
    assert [r.webhook_id for r in receiver.received] == [delivery["event_id"]] * 2
    assert api.post("/webhooks/deliveries/999/replay", "admin", {}).status_code == 404


def test_a_claimed_delivery_is_not_replayed_and_is_sent_again_when_its_lease_ends(
    api: Api, receiver: Receiver, clock: Clock
) -> None:
    subscribe(api, receiver)
    assert api.post("/pins", "lead", PIN).status_code == 201
    deliverer = sender(api, clock, webhook_timeout_seconds=5, webhook_lease_margin_seconds=2)
    [attempt] = deliverer.claim()  # claimed; then the sender dies before it sends
    delivery = only_delivery(api)
    assert delivery["in_flight"] and delivery["attempts"] == 1
    refused = api.post(f"/webhooks/deliveries/{delivery['id']}/replay", "admin", {})
    assert refused.status_code == 409 and "being sent" in refused.json()["detail"]
    clock.advance(6.9)
    assert deliverer.run_once() == 0  # its lease (timeout 5 s + margin 2 s) has not ended
    clock.advance(0.1)
    assert deliverer.run_once() == 1
    deliverer.record(attempt, Answer(status=500, excerpt="late", error=None, duration_ms=1))  # the dead one's
    done = only_delivery(api)
    assert (done["state"], done["attempts"], done["last_status"]) == ("succeeded", 2, 200)
    assert [r.webhook_id for r in receiver.received] == [delivery["event_id"]]


def test_redirects_are_not_followed(api: Api, receiver: Receiver, clock: Clock) -> None:
    subscribe(api, receiver)
    assert api.post("/pins", "lead", PIN).status_code == 201
    receiver.script = [307]
    assert sender(api, clock).run_once() == 1
    delivery = only_delivery(api)
    assert (delivery["state"], delivery["last_status"], delivery["failures"]) == ("pending", 307, 1)


def test_a_refused_connection_is_a_failure(api: Api, clock: Clock) -> None:
    with running() as gone:
        url = gone.url
    created = api.post("/webhooks/subscriptions", "admin", {"url": url, "event_types": ["pin.created"]})
    assert created.status_code == 201
    assert api.post("/pins", "lead", PIN).status_code == 201
    assert sender(api, clock).run_once() == 1
    delivery = only_delivery(api)
    assert delivery["failures"] == 1 and delivery["last_status"] is None and "ConnectError" in delivery["last_error"]


@pytest.mark.parametrize("settings_overrides", [{"webhook_deliver": True, "webhook_poll_seconds": 0.05}])
def test_the_apps_delivery_loop_delivers_the_hand_off_note(api: Api, receiver: Receiver) -> None:
    secret = subscribe(api, receiver, ["handoff.proposed", "handoff.accepted"])
    proposal = proposal_to_ben(api)
    accepted = api.post(f"/handoffs/{proposal['id']}/accept", "ben", {})
    assert accepted.status_code == 200, accepted.text
    receiver.wait_for(2)
    payloads = sorted(receiver.verified(secret), key=lambda p: str(p["type"]))
    assert [p["type"] for p in payloads] == ["handoff.accepted", "handoff.proposed"]
    assert payloads[0]["text"] == accepted.json()["note"] and payloads[1]["text"] == proposal["note"]
